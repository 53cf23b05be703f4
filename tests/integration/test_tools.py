#!/usr/bin/env python3
"""Tool calls, structured output, stop, max_tokens and n through lighttpd and
the relay, against the mock's contract-following model (tests/mock/README.md,
docs/tools.md):

- the official openai SDK (tests/sdk/sdk_tools.mjs) runs a tool loop (call ->
  result -> final answer) as JSON answers and as streams;
- the Vercel AI SDK (tests/clients/ai-sdk, openai.chat) and the OpenAI Agents
  SDK (tests/clients/agents, chat-completions model) complete a tool loop;
- stop and max_tokens cut the answer and abort the upstream transfer (the
  mock sees its stream closed early), JSON and stream;
- n: 3 gives 3 choices from 3 upstream calls; n above RELAY_MAX_N is a 400;
- response_format json_object: the fenced JSON comes back clean;
- a tool type the relay cannot run is a 400 naming it.

The npm folders need `npm ci` (done by .ci/run); without them the test fails,
it is never skipped."""

import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402
from relaytest.procs import TOP_SRCDIR, base_env, npm_skippable, run, tmpdir, wait_until  # noqa: E402
from relaytest.sdk import run_sdk_script  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.tap import is_, ok, skip  # noqa: E402

CHAT = "/v1/chat/completions"


def run_node(folder, script, env, expected):
    """Run tests/<folder>/<script> (its npm packages installed) as TAP checks."""
    d = os.path.join(TOP_SRCDIR, "tests", folder)
    if npm_skippable(os.path.join(d, "node_modules")):
        return skip("%s: the npm client's checks" % folder,
                    "npm packages not installed (npm ci); RELAY_TEST_STRICT=1 makes this a failure")
    if ok(os.path.isdir(os.path.join(d, "node_modules")), "%s: npm packages installed" % folder,
          "run `npm ci --prefix %s`" % d):
        run_sdk_script(script, env, expected, 120, folder=d, label=folder)


def aborted(mock, min_sent_less_than):
    """The last chat request's stream was closed by the relay before the mock
    sent everything."""
    def settled():
        c = [x for x in mock.connections() if x["path"] == "/api/chat-with-ai"]
        return c and c[-1]["outcome"] not in (None, "held")
    wait_until(settled, 10)
    c = [x for x in mock.connections() if x["path"] == "/api/chat-with-ai"][-1]
    return c["outcome"] == "client-closed" and c["events_sent"] < min_sent_less_than, c


def test_cuts(mock, lt):
    # stop, JSON answer: read as a stream upstream, cut, upstream aborted
    mock.reset()
    r = request(lt, "POST", CHAT, chat_body("x [[mock:long=400]] [[mock:slow=20]]", stop=["w5 "]), headers=auth())
    j = r.json() or {}
    ch = (j.get("choices") or [{}])[0]
    is_(r.status, 200, "stop, JSON: 200")
    is_((ch.get("message") or {}).get("content"), "w1 w2 w3 w4 ", "stop, JSON: cut right before the stop sequence")
    is_(ch.get("finish_reason"), "stop", "stop, JSON: finish_reason stop")
    ups = mock.chat_requests()
    ok(ups and ups[-1]["query"].get("isStreaming") == "true", "stop, JSON: 1min.ai is read as a stream",
       ups[-1]["query"] if ups else None)
    good, c = aborted(mock, 100)
    ok(good, "stop, JSON: the upstream stream was aborted at the cut", c)

    # stop in a stream
    mock.reset()
    s = SSEStream(lt, CHAT, chat_body("x [[mock:long=400]] [[mock:slow=20]]", stream=True, stop="w3"),
                  headers=auth())
    chunks, done, errors, _ = stream_chunks(s.read_all())
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
    fins = [c["choices"][0].get("finish_reason") for c in chunks if c.get("choices") and c["choices"][0].get("finish_reason")]
    is_(text, "w1 w2 ", "stop, stream: cut before the stop sequence")
    is_(fins, ["stop"], "stop, stream: one finish chunk, stop")
    ok(done and not errors, "stop, stream: ends with [DONE]", errors)
    good, c = aborted(mock, 100)
    ok(good, "stop, stream: the upstream stream was aborted at the cut", c)

    # max_tokens: "w1" ... each word about 2 tokens; cut at 5 tokens
    for key in ("max_tokens", "max_completion_tokens"):
        mock.reset()
        r = request(lt, "POST", CHAT, chat_body("x [[mock:long=400]] [[mock:slow=20]]", **{key: 5}), headers=auth())
        j = r.json() or {}
        ch = (j.get("choices") or [{}])[0]
        content = (ch.get("message") or {}).get("content") or ""
        is_(ch.get("finish_reason"), "length", "%s, JSON: finish_reason length" % key)
        ok(content.startswith("w1 w2") and len(content) < 20, "%s, JSON: a short prefix of the answer" % key, content)
        ok((j.get("usage") or {}).get("completion_tokens", 99) <= 5, "%s, JSON: at most 5 completion tokens" % key,
           j.get("usage"))
        good, c = aborted(mock, 100)
        ok(good, "%s, JSON: the upstream stream was aborted at the cut" % key, c)
    mock.reset()
    s = SSEStream(lt, CHAT, chat_body("x [[mock:long=400]] [[mock:slow=20]]", stream=True, max_tokens=4,
                                      stream_options={"include_usage": True}), headers=auth())
    chunks, done, errors, _ = stream_chunks(s.read_all())
    fins = [c["choices"][0].get("finish_reason") for c in chunks if c.get("choices") and c["choices"][0].get("finish_reason")]
    usage = [c["usage"] for c in chunks if c.get("usage")]
    is_(fins, ["length"], "max_tokens, stream: finish_reason length")
    ok(usage and usage[-1]["completion_tokens"] <= 4, "max_tokens, stream: at most 4 completion tokens", usage)
    good, c = aborted(mock, 100)
    ok(good, "max_tokens, stream: the upstream stream was aborted at the cut", c)


def test_n(mock, lt):
    mock.reset()
    r = request(lt, "POST", CHAT, chat_body("three [[mock:slow=50]]", n=3), headers=auth())
    j = r.json() or {}
    choices = j.get("choices") or []
    is_([c.get("index") for c in choices], [0, 1, 2], "n 3, JSON: three choices, indexed")
    ok(all((c.get("message") or {}).get("content") == "Echo: three" for c in choices), "n 3, JSON: each answered",
       choices)
    ups = mock.chat_requests()
    is_(len(ups), 3, "n 3: three upstream calls")
    if len(ups) == 3:
        conns = [c for c in mock.connections() if c["path"] == "/api/chat-with-ai"]
        starts, ends = [c["time"] for c in conns], [c["ended"] or 0 for c in conns]
        ok(max(starts) < min(ends), "n 3: the calls ran concurrently", conns)
    mock.reset()
    s = SSEStream(lt, CHAT, chat_body("three words here", stream=True, n=3), headers=auth())
    chunks, done, errors, _ = stream_chunks(s.read_all())
    per = {}
    for c in chunks:
        for ch in c.get("choices") or []:
            per.setdefault(ch["index"], []).append(ch)
    is_(sorted(per), [0, 1, 2], "n 3, stream: chunks for choices 0, 1, 2")
    ok(all("".join(x["delta"].get("content") or "" for x in per.get(i, [])) == "Echo: three words here"
           for i in range(3)), "n 3, stream: each choice's text complete", per)
    ok(all([x.get("finish_reason") for x in per.get(i, []) if x.get("finish_reason")] == ["stop"] for i in range(3)),
       "n 3, stream: one finish chunk per choice")
    # the client leaves during an n: 3 stream: every upstream transfer stops
    mock.reset()
    s = SSEStream(lt, CHAT, chat_body("x [[mock:long=300]] [[mock:slow=30]]", stream=True, n=3), headers=auth())
    for kind, text, _ in s.events():
        if kind == "data" and '"content":"w' in text:
            break
    s.close()

    def all_closed():
        c = [x for x in mock.connections() if x["path"] == "/api/chat-with-ai"]
        return len(c) == 3 and all(x["outcome"] == "client-closed" for x in c)
    ok(wait_until(all_closed, 15), "n 3, stream: a client that leaves stops all three upstream transfers",
       mock.connections())
    r = request(lt, "POST", CHAT, chat_body("x", n=5), headers=auth())
    j = r.json() or {}
    is_(r.status, 400, "n above RELAY_MAX_N: 400")
    is_((j.get("error") or {}).get("param"), "n", "n above RELAY_MAX_N: param n")


def test_format_and_types(mock, lt):
    r = request(lt, "POST", CHAT, chat_body("colours", response_format={"type": "json_object"}), headers=auth())
    j = r.json() or {}
    content = ((j.get("choices") or [{}])[0].get("message") or {}).get("content")
    is_(content, '{"answer": "colours"}', "json_object: the fenced JSON comes back clean")
    p = mock.chat_requests()[-1]["body"]["promptObject"]["prompt"]
    ok(p.startswith("System: Answer with a single valid JSON object"), "json_object: the instruction", p)
    for t in ("file_search", "code_interpreter"):
        r = request(lt, "POST", CHAT, chat_body("x", tools=[{"type": t}]), headers=auth())
        j = r.json() or {}
        is_(r.status, 400, "tools of type %s: 400" % t)
        ok(t in ((j.get("error") or {}).get("message") or "") and (j.get("error") or {}).get("param") == "tools[0].type",
           "tools of type %s: the message names it" % t, j)
    mock.reset()
    r = request(lt, "POST", CHAT, chat_body("x", tools=[{"type": "web_search"}]), headers=auth())
    ws = mock.chat_requests()[-1]["body"]["promptObject"].get("settings", {}).get("webSearchSettings", {})
    ok(r.status == 200 and ws.get("webSearch") is True, "a web_search tool turns on 1min.ai's web search", ws)


def test_legacy_functions(mock, lt):
    fns = [{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    r = request(lt, "POST", CHAT, chat_body("Lima [[mock:tool-calls=2]]", functions=fns), headers=auth())
    ch = ((r.json() or {}).get("choices") or [{}])[0]
    msg = ch.get("message") or {}
    is_(ch.get("finish_reason"), "function_call", "functions, JSON: finish_reason function_call")
    ok(msg.get("function_call") == {"name": "get_weather", "arguments": '{"city":"Lima"}'} and "tool_calls" not in msg,
       "functions, JSON: one message.function_call", msg)
    s = SSEStream(lt, CHAT, chat_body("Lima", stream=True, functions=fns), headers=auth())
    chunks, done, errors, _ = stream_chunks(s.read_all())
    deltas = [c["choices"][0]["delta"] for c in chunks if c.get("choices")]
    fins = [c["choices"][0].get("finish_reason") for c in chunks if c.get("choices") and c["choices"][0].get("finish_reason")]
    fcs = [d["function_call"] for d in deltas if "function_call" in d]
    ok(fcs == [{"name": "get_weather", "arguments": '{"city":"Lima"}'}] and fins == ["function_call"] and done,
       "functions, stream: delta.function_call and finish_reason function_call", (fcs, fins))


def main():
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_MAX_N=4))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("tools-home-")})
    ok(shutil.which("node") is not None, "node is installed")
    run_node("sdk", "sdk_tools.mjs", env, 18)
    run_node("clients/ai-sdk", "tool_loop.mjs", env, 5)
    run_node("clients/agents", "tool_loop.mjs", env, 4)
    test_cuts(mock, lt)
    test_n(mock, lt)
    test_format_and_types(mock, lt)
    test_legacy_functions(mock, lt)


run(main, timeout=500)
