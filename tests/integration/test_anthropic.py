#!/usr/bin/env python3
"""The Anthropic Messages API through the real lighttpd and the mock 1min.ai,
over raw HTTP: routing on the path (?beta=true), both key headers, betas and
unknown fields accepted, the request-id header, errors in Anthropic's shape
(also inside a stream as event: error), the event order of a stream with ping
while the upstream is silent, count_tokens, the model list in Anthropic's
shape, the web-search server tool, Anthropic's rate-limit headers."""

import datetime
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.clients import SSEStream, named_events, request  # noqa: E402
from relaytest.procs import run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.tap import is_, like, ok  # noqa: E402

KEY = "sk-anthropic-raw-key"
CLAUDE = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"]
HDRS = {"x-api-key": KEY, "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,some-future-beta-2099-01-01"}


def reset(mock):
    """Clear the mock's log; its config goes too, so the Claude models come back."""
    mock.reset()
    mock.config(extra_chat_models=CLAUDE)


def body(content="hello", model="claude-sonnet-4-5", **extra):
    b = {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": content}]}
    b.update(extra)
    return b


def anth_error(r, status, etype, name, fragment=None):
    """r has the status and Anthropic's error body with etype."""
    is_(r.status, status, name + ": status")
    j = r.json() or {}
    err = j.get("error") or {}
    ok(j.get("type") == "error" and err.get("type") == etype and isinstance(err.get("message"), str),
       name + ": Anthropic error shape, type " + etype, j)
    if fragment:
        ok(fragment in err.get("message", ""), name + ": the message names " + fragment, err.get("message"))
    like(r.header("request-id") or "", r"^req_", name + ": request-id header")


def sse_events(s):
    """[(event name, parsed data)] of an Anthropic stream, in order."""
    return named_events(s.events())


def test_messages(lt, mock):
    r = request(lt, "POST", "/v1/messages?beta=true", body("hi there", metadata={"user_id": "u"},
                                                           thinking={"type": "adaptive"}, unknown_field=1),
                headers=HDRS)
    is_(r.status, 200, "POST /v1/messages?beta=true with betas and unknown fields")
    m = r.json() or {}
    is_(m.get("type"), "message", "a message object")
    is_(m.get("model"), "claude-sonnet-4-5-20250929", "the alias resolves to the catalogue's dated model")
    is_(m.get("content"), [{"type": "text", "text": "Echo: hi there"}], "content")
    like(r.header("request-id") or "", r"^req_", "request-id header")
    is_(r.header("request-id"), r.header("x-request-id"), "request-id is the relay's request id")
    chat = mock.chat_requests()[-1]
    is_(chat["api_key"], KEY, "x-api-key is the key forwarded to 1min.ai")
    is_(chat["body"]["model"], "claude-sonnet-4-5-20250929", "1min.ai is asked for the resolved model")

    r = request(lt, "POST", "/v1/messages", body("bearer"), headers={"Authorization": "Bearer " + KEY})
    is_(r.status, 200, "Authorization: Bearer works too")

    anth_error(request(lt, "POST", "/v1/messages", body(), headers={"anthropic-version": "2023-06-01"}),
               401, "authentication_error", "no key")
    r = request(lt, "GET", "/v1/messages", headers=HDRS)
    is_(r.status, 405, "GET /v1/messages: 405")
    ok((r.json() or {}).get("type") == "error", "GET /v1/messages: the 405 in Anthropic's shape", r.json())
    b = body()
    del b["max_tokens"]
    anth_error(request(lt, "POST", "/v1/messages", b, headers=HDRS), 400, "invalid_request_error",
               "max_tokens missing", "max_tokens")
    anth_error(request(lt, "POST", "/v1/messages", b"{not json", headers=dict(HDRS, **{"Content-Type": "application/json"})),
               400, "invalid_request_error", "invalid JSON")
    anth_error(request(lt, "POST", "/v1/messages", body(model="no-such-model"), headers=HDRS), 404,
               "not_found_error", "unknown model", "no-such-model")
    anth_error(request(lt, "POST", "/v1/messages",
                       body(tools=[{"type": "bash_20250124", "name": "bash"}]), headers=HDRS),
               400, "invalid_request_error", "Anthropic-defined tool", "bash_20250124")
    anth_error(request(lt, "POST", "/v1/messages", body("x [[mock:status=429]][[mock:retry-after=7]]"), headers=HDRS),
               429, "rate_limit_error", "upstream 429")
    anth_error(request(lt, "POST", "/v1/messages", body("x [[mock:status=500]]"), headers=HDRS),
               502, "api_error", "upstream 500")

    reset(mock)
    r = request(lt, "POST", "/v1/messages",
                body("search", tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]), headers=HDRS)
    is_(r.status, 200, "web_search server tool accepted")
    ws = mock.chat_requests()[-1]["body"]["promptObject"]["settings"].get("webSearchSettings") or {}
    is_(ws.get("webSearch"), True, "the web_search tool turns on 1min.ai's web search")


def test_stream(lt, mock):
    s = SSEStream(lt, "/v1/messages", body("one two three [[mock:silent=2.5]]", stream=True), headers=HDRS)
    is_(s.status, 200, "stream: 200")
    like(s.header("content-type") or "", r"^text/event-stream", "stream: event stream")
    like(s.header("request-id") or "", r"^req_", "stream: request-id header")
    ev = sse_events(s)
    names = [n for n, _d in ev]
    ok(all(d.get("type") == n for n, d in ev), "stream: every data type matches its event name", ev)
    core = [n for n in names if n != "ping"]
    ok(core[:2] == ["message_start", "content_block_start"] and core[-3:] == ["content_block_stop", "message_delta",
                                                                              "message_stop"]
       and all(n == "content_block_delta" for n in core[2:-3]) and len(core) >= 7, "stream: event order", names)
    ok("ping" in names, "stream: ping while the upstream is silent", names)
    text = "".join(d["delta"]["text"] for n, d in ev if n == "content_block_delta")
    is_(text, "Echo: one two three", "stream: text")
    md = [d for n, d in ev if n == "message_delta"][0]
    is_(md["delta"], {"stop_reason": "end_turn", "stop_sequence": None}, "stream: message_delta stop_reason")
    ok(md["usage"]["output_tokens"] > 0, "stream: message_delta output tokens", md)
    start = ev[0][1]["message"]
    ok(start["content"] == [] and start["stop_reason"] is None and start["usage"]["input_tokens"] > 0,
       "stream: message_start", start)

    s = SSEStream(lt, "/v1/messages", body("fail me [[mock:sse-error]]", stream=True), headers=HDRS)
    is_(s.status, 200, "in-stream error: 200 first")
    ev = sse_events(s)
    errs = [d for n, d in ev if n == "error"]
    ok(len(errs) == 1 and errs[0].get("type") == "error" and isinstance(errs[0].get("error", {}).get("type"), str),
       "in-stream error: event: error in Anthropic's shape", ev)
    ok(not any(n == "message_stop" for n, _d in ev), "in-stream error: no message_stop", ev)

    anth_error(request(lt, "POST", "/v1/messages", body("x [[mock:status=401]]", stream=True), headers=HDRS),
               401, "authentication_error", "stream refused before it starts: a plain error")


def test_count_tokens(lt, mock):
    reset(mock)
    b = {"model": "claude-sonnet-4-5", "system": "Be brief.", "messages": [{"role": "user", "content": "count these words"}],
         "tools": [{"name": "f", "description": "d", "input_schema": {"type": "object"}}]}
    r = request(lt, "POST", "/v1/messages/count_tokens?beta=true", b, headers=HDRS)
    is_(r.status, 200, "count_tokens without max_tokens")
    j = r.json() or {}
    ok(list(j.keys()) == ["input_tokens"] and isinstance(j["input_tokens"], int) and j["input_tokens"] > 0,
       "count_tokens answers {input_tokens: N}", j)
    is_(mock.chat_requests(), [], "count_tokens calls no model")
    r2 = request(lt, "POST", "/v1/messages", dict(b, max_tokens=10, messages=[{"role": "user",
                                                                                "content": "count these words [[mock:no-usage]]"}]),
                 headers=HDRS)
    r3 = request(lt, "POST", "/v1/messages/count_tokens", dict(b, messages=[{"role": "user",
                                                                            "content": "count these words [[mock:no-usage]]"}]),
                 headers=HDRS)
    is_((r2.json() or {}).get("usage", {}).get("input_tokens"), (r3.json() or {}).get("input_tokens"),
        "count_tokens equals the input tokens of the same request")
    anth_error(request(lt, "POST", "/v1/messages/count_tokens", {"model": "claude-sonnet-4-5"}, headers=HDRS),
               400, "invalid_request_error", "count_tokens without messages", "messages")


def test_models(lt):
    r = request(lt, "GET", "/v1/models", headers=HDRS)
    is_(r.status, 200, "GET /v1/models with anthropic-version")
    j = r.json() or {}
    ids = [m.get("id") for m in j.get("data", [])]
    ok(j.get("has_more") is False and j.get("first_id") == ids[0] and j.get("last_id") == ids[-1] and
       all(m.get("type") == "model" and isinstance(m.get("display_name"), str) and
           re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", m.get("created_at", "")) for m in j["data"]),
       "models in Anthropic's list shape", j)
    ok("claude-sonnet-4-5-20250929" in ids and "dall-e-3" not in ids, "chat models only", ids)
    r = request(lt, "GET", "/v1/models/claude-sonnet-4-5", headers=HDRS)
    m = r.json() or {}
    ok(r.status == 200 and m.get("type") == "model" and m.get("id") == "claude-sonnet-4-5-20250929",
       "GET /v1/models/{alias} in Anthropic's shape", m)
    anth_error(request(lt, "GET", "/v1/models/no-such-model", headers=HDRS), 404, "not_found_error",
               "GET /v1/models/{unknown} with anthropic-version", "no-such-model")
    r = request(lt, "GET", "/v1/models", headers={"Authorization": "Bearer " + KEY})
    is_((r.json() or {}).get("object"), "list", "without anthropic-version: OpenAI's shape")


def test_ratelimit(mock):
    name = "anth-rl-%d" % os.getpid()
    lt = start_lighttpd(relay_env(mock, RATE_LIMIT_STORE="local", RATE_LIMIT_LOCAL_NAME=name, RATE_LIMIT_RPM="1"))
    r1 = request(lt, "POST", "/v1/messages", body("first"), headers=HDRS)
    is_(r1.status, 200, "rate limit: the first request passes")
    is_(r1.header("anthropic-ratelimit-requests-limit"), "1", "rate limit: requests limit header")
    is_(r1.header("anthropic-ratelimit-requests-remaining"), "0", "rate limit: requests remaining header")
    r2 = request(lt, "POST", "/v1/messages", body("second"), headers=HDRS)
    anth_error(r2, 429, "rate_limit_error", "rate limit: the second is refused")
    reset = r2.header("anthropic-ratelimit-requests-reset") or ""
    ok(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", reset), "rate limit: reset is an RFC 3339 time", reset)
    if reset:
        t = datetime.datetime.strptime(reset, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        delta = (t - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        ok(-2 <= delta <= 122, "rate limit: the reset is within the sliding window (two windows at most)", delta)
    ok((r2.header("retry-after") or "").isdigit(), "rate limit: retry-after in seconds", r2.headers)
    lt.stop()


def main():
    mock = start_mock()
    reset(mock)
    lt = start_lighttpd(relay_env(mock, RELAY_KEEPALIVE_INTERVAL="1"))
    test_messages(lt, mock)
    test_stream(lt, mock)
    test_count_tokens(lt, mock)
    test_models(lt)
    test_ratelimit(mock)


run(main, timeout=240)
