#!/usr/bin/env python3
"""The Responses API through the real lighttpd with the mock 1min.ai: the
official openai npm SDK (tests/sdk/sdk_responses.mjs: plain and streamed
create, previous_response_id, retrieve / input_items / delete, another key's
404, images, errors before and after the stream starts), the raw event bytes,
error shapes, the per-host store on disk, and previous_response_id across two
relay processes sharing memcached. Tool calls, structured output and
max_output_tokens are in test_responses_emulation.py.

Needs tests/sdk/node_modules (`npm ci --prefix tests/sdk`); without it the
test fails, it is never skipped."""

import os
import stat
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.clients import SSEStream, auth, named_events, request  # noqa: E402
from relaytest.procs import all_logs_text, base_env, need_npm, run, tmpdir  # noqa: E402
from relaytest.sdk import SDK_DIR, run_sdk_script, sdk_ready  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_memcached, start_mock  # noqa: E402
from relaytest.tap import check_error, is_, like, ok  # noqa: E402

SDK_EXPECTED = 29   # results sdk_responses.mjs reports when it runs to the end
KEY = "sk-responses-raw-key"
OTHER = "sk-responses-other-key"


def sse_events(stream):
    """[(event name, data object)] of a Responses stream; comments dropped."""
    return named_events(stream.events())


def raw_checks(lt, mock, store_dir):
    # Errors before anything runs, in OpenAI's shape.
    r = request(lt, "POST", "/v1/responses", {"model": "gpt-4o", "input": "x"})
    check_error(r, 401, "no key: 401", code="invalid_api_key")
    r = request(lt, "POST", "/v1/responses", b"{not json", {**auth(KEY), "Content-Type": "application/json"})
    check_error(r, 400, "bad JSON: 400")
    r = request(lt, "POST", "/v1/responses", {"model": "gpt-4o"}, auth(KEY))
    check_error(r, 400, "no input: 400 naming input", param="input")
    r = request(lt, "POST", "/v1/responses", {"model": "gpt-4o", "input": [{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}]}]}, auth(KEY))
    check_error(r, 400, "input_audio: 400 naming the part", param="input[0].content[0].type", message_re="input_audio")
    r = request(lt, "POST", "/v1/responses", {"model": "gpt-4o", "input": "x", "tools": [{"type": "code_interpreter"}]},
                auth(KEY))
    check_error(r, 400, "code_interpreter: 400 naming it", param="tools[0].type", message_re="code_interpreter")
    r = request(lt, "POST", "/v1/responses", {"model": "gpt-4o", "input": "x", "previous_response_id": "resp_" + "0" * 32},
                auth(KEY))
    check_error(r, 404, "unknown previous_response_id: 404 naming it", param="previous_response_id",
                code="previous_response_not_found")

    # A JSON answer, stored; its bytes on disk name no key.
    r = request(lt, "POST", "/v1/responses", {"model": "gpt-4o", "input": "store me"}, auth(KEY))
    body = r.json() or {}
    is_(r.status, 200, "plain create: 200")
    is_(r.header("x-usage-source"), "upstream", "plain create: x-usage-source says where usage came from")
    is_(body.get("output", [{}])[0].get("content", [{}])[0].get("text"), "Echo: store me", "plain create: the text")
    rid = body.get("id", "")
    like(rid, r"^resp_[0-9a-f]{32}$", "a resp_ id")
    path = os.path.join(store_dir, rid[5:])
    ok(os.path.isfile(path), "the response is stored in RELAY_RESPONSES_DIR", os.listdir(store_dir) if os.path.isdir(store_dir) else None)
    if os.path.isfile(path):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        is_(mode, 0o600, "stored file mode 0600")
        text = open(path).read()
        ok(KEY not in text and "store me" in text, "the entry holds the input, not the key")
    is_(stat.S_IMODE(os.stat(store_dir).st_mode), 0o700, "store directory mode 0700")

    r = request(lt, "GET", "/v1/responses/" + rid, None, auth(KEY))
    is_((r.status, (r.json() or {}).get("id")), (200, rid), "GET /v1/responses/{id}")
    r = request(lt, "GET", "/v1/responses/" + rid, None, auth(OTHER))
    check_error(r, 404, "GET with another key: 404")
    r = request(lt, "GET", "/v1/responses/" + rid + "/input_items", None, auth(KEY))
    items = r.json() or {}
    ok(r.status == 200 and items.get("object") == "list" and len(items.get("data", [])) == 1 and
       items["data"][0].get("id", "").startswith("msg_") and items.get("first_id") == items["data"][0]["id"] and
       items.get("has_more") is False, "input_items: a list of the input with ids", items)
    three = {"model": "gpt-4o", "input": [{"role": "user", "content": "one"}, {"role": "assistant", "content": "two"},
                                          {"role": "user", "content": "three"}]}
    r3 = (request(lt, "POST", "/v1/responses", three, auth(KEY)).json() or {}).get("id", "")
    base = "/v1/responses/" + r3 + "/input_items"

    def texts(q):
        page = request(lt, "GET", base + q, None, auth(KEY)).json() or {}
        return [it["content"][0]["text"] for it in page.get("data", [])], page.get("has_more"), page
    is_(texts("")[:2], (["three", "two", "one"], False), "input_items: newest first by default (order=desc)")
    got, more, page = texts("?order=asc&limit=2")
    is_((got, more), (["one", "two"], True), "input_items: order=asc&limit=2 pages")
    is_(texts("?order=asc&after=" + page.get("last_id", ""))[:2], (["three"], False), "input_items: after=last_id")
    r = request(lt, "GET", base + "?limit=0", None, auth(KEY))
    check_error(r, 400, "input_items: a bad limit is a 400", param="limit")
    r = request(lt, "GET", "/v1/responses/" + rid + "/input_items", None, auth(OTHER))
    check_error(r, 404, "input_items with another key: 404")
    r = request(lt, "DELETE", "/v1/responses/" + rid, None, auth(OTHER))
    check_error(r, 404, "DELETE with another key: 404")
    r = request(lt, "DELETE", "/v1/responses/" + rid, None, auth(KEY))
    d = r.json() or {}
    ok(r.status == 200 and d.get("id") == rid and d.get("deleted") is True and d.get("object") == "response.deleted",
       "DELETE: deleted", d)
    ok(not os.path.exists(path), "DELETE removed the file")
    r = request(lt, "GET", "/v1/responses/" + rid, None, auth(KEY))
    check_error(r, 404, "GET after DELETE: 404")
    r = request(lt, "GET", "/v1/responses/resp_zz", None, auth(KEY))
    check_error(r, 404, "a malformed id: 404")

    # The raw stream: event names match the data's type, no [DONE].
    s = SSEStream(lt, "/v1/responses", {"model": "gpt-4o", "input": "a b", "stream": True}, auth(KEY))
    is_(s.status, 200, "stream: 200")
    ok((s.header("Content-Type") or "").startswith("text/event-stream"), "stream: text/event-stream")
    evs = sse_events(s)
    ok(evs and all(n == d.get("type") for n, d in evs), "every event: line names its data's type", evs[:3])
    ok(all(d.get("sequence_number") == i for i, (_n, d) in enumerate(evs)), "sequence_number 0, 1, 2, ...")
    is_(evs[-1][0] if evs else None, "response.completed", "response.completed last")
    ok(not any("__unparsed__" in d for _n, d in evs), "no [DONE] or other non-JSON data")

    # A failure after the stream began: response.failed, nothing after it.
    s = SSEStream(lt, "/v1/responses", {"model": "gpt-4o", "input": "late [[mock:sse-error]]", "stream": True},
                  auth(KEY))
    evs = sse_events(s)
    last = evs[-1][1] if evs else {}
    ok(evs and evs[0][0] == "response.created" and evs[-1][0] == "response.failed" and
       last.get("response", {}).get("status") == "failed" and last["response"].get("error", {}).get("message"),
       "late failure: response.failed with the error, last", [n for n, _d in evs])

    # A failure before: an HTTP error, not a stream.
    s = SSEStream(lt, "/v1/responses", {"model": "gpt-4o", "input": "early [[mock:status=500]]", "stream": True},
                  auth(KEY))
    ok(s.status >= 500 and (s.json() or {}).get("error"), "early failure: HTTP error status with an error body",
       (s.status, s.body))
    ok(KEY not in all_logs_text(), "the key is never logged")


def shared_memcached(mock):
    """previous_response_id across two relay processes that share memcached."""
    mc = start_memcached()
    env = relay_env(mock, RATE_LIMIT_STORE="memcached://127.0.0.1:%d" % mc.port, RATE_LIMIT_KEY_PREFIX="resp-test",
                    RATE_LIMIT_RPM="1000", RATE_LIMIT_TPM="100000", RELAY_RESPONSES_DIR=tmpdir("resp-unused-"))
    a = start_lighttpd(env)
    b = start_lighttpd(env)
    r = request(a, "POST", "/v1/responses", {"model": "gpt-4o", "input": "remember the lighthouse"}, auth(KEY))
    rid = (r.json() or {}).get("id")
    is_(r.status, 200, "relay A answers")
    is_(r.header("x-ratelimit-limit-requests"), "1000", "the rate limiter admitted it, as a chat request")
    tokens_before = int(r.header("x-ratelimit-remaining-tokens") or 0)
    r = request(b, "POST", "/v1/responses", {"model": "gpt-4o", "previous_response_id": rid, "input": "what to remember?"},
                auth(KEY))
    is_(r.status, 200, "relay B continues relay A's response")
    ok(int(r.header("x-ratelimit-remaining-tokens") or 0) < tokens_before,
       "the tokens of the first exchange were charged", (tokens_before, r.header("x-ratelimit-remaining-tokens")))
    prompt = mock.chat_requests()[-1]["body"]["promptObject"]["prompt"]
    ok("remember the lighthouse" in prompt and "Echo: remember the lighthouse" in prompt and "what to remember?" in prompt,
       "relay B sent relay A's turns upstream", prompt)
    r = request(b, "GET", "/v1/responses/" + rid, None, auth(KEY))
    is_(r.status, 200, "relay B reads relay A's response")
    r = request(b, "GET", "/v1/responses/" + rid, None, auth(OTHER))
    check_error(r, 404, "relay B: another key gets 404")
    ok(not os.listdir(env["RELAY_RESPONSES_DIR"]), "nothing on disk while memcached is the store")


def main():
    need_npm(os.path.join(SDK_DIR, "node_modules", "openai", "package.json"), "the openai SDK (tests/sdk)")
    mock = start_mock()
    store_dir = os.path.join(tmpdir("resp-store-"), "responses")
    lt = start_lighttpd(relay_env(mock, RELAY_RESPONSES_DIR=store_dir, ALLOW_PRIVATE_FETCH="1"))
    raw_checks(lt, mock, store_dir)
    shared_memcached(mock)
    if sdk_ready():
        env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("sdk-home-")})
        run_sdk_script("sdk_responses.mjs", env, SDK_EXPECTED, timeout=240)


run(main, timeout=420)
