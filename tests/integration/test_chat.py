#!/usr/bin/env python3
"""POST /v1/chat/completions (JSON answers) through lighttpd: auth, validation,
model checks, web search, the upstream request, the answer, upstream errors,
and that the API key never leaks."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, is_, is_openai_error, ok  # noqa: E402
from relaytest.procs import all_logs_text, free_port, run, stop_process, wait_until  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402

KEY = "sk-relay-SECRET-7f3a9c2e"
SEEN = []   # every response, checked at the end for the key


def post(lt, body, headers=None, raw=None):
    h = {"Content-Type": "application/json"}
    h.update(auth(KEY) if headers is None else headers)
    data = raw if raw is not None else json.dumps(body).encode()
    r = request(lt, "POST", "/v1/chat/completions", body=data, headers=h, timeout=60)
    SEEN.append(r)
    return r


def last_chat(mock):
    reqs = mock.chat_requests()
    return reqs[-1] if reqs else {}


def main():
    mock = start_mock()
    env = relay_env(mock, RELAY_MAX_BODY=8192, RELAY_DEFAULT_MODEL="deepseek-chat",
                    WEB_SEARCH_NUM_OF_SITE=3, WEB_SEARCH_MAX_WORD=777, RELAY_IDLE_TIMEOUT=2)
    lt = start_lighttpd(env)

    # --- auth
    mock.reset()
    r = post(lt, chat_body("hi"), headers={})
    check_error(r, 401, "no key -> 401 invalid_api_key", code="invalid_api_key", etype="invalid_request_error")
    is_(len(mock.chat_requests()), 0, "no upstream call without a key")
    for name, hdrs in (("Authorization: Bearer K", {"Authorization": "Bearer " + KEY}),
                       ("Authorization: bearer K", {"Authorization": "bearer " + KEY}),
                       ("x-api-key: K", {"x-api-key": KEY}),
                       ("Authorization: Bearer with spaces", {"Authorization": "Bearer   " + KEY + "  "})):
        mock.reset()
        r = post(lt, chat_body("key test"), headers=hdrs)
        rec = last_chat(mock)
        ok(r.status == 200 and rec.get("api_key") == KEY, "%s is forwarded as API-KEY" % name,
           "status %s, API-KEY seen %r" % (r.status, rec.get("api_key")))
    mock.reset()
    r = post(lt, chat_body("empty authorization"), headers={"Authorization": "", "x-api-key": KEY})
    is_((r.status, last_chat(mock).get("api_key")), (200, KEY), "an empty Authorization falls back to x-api-key")
    mock.reset()
    post(lt, chat_body("auth header"), headers=auth(KEY))
    rec = last_chat(mock)
    ok("authorization" not in rec.get("headers", {}) and "x-api-key" not in rec.get("headers", {}),
       "only API-KEY goes upstream (no Authorization, no x-api-key)", rec.get("headers"))

    # --- validation
    mock.reset()
    r = post(lt, None, raw=b'{"model": "gpt-4o", "messages": [')
    check_error(r, 400, "invalid JSON -> 400", etype="invalid_request_error")
    r = post(lt, {"model": "gpt-4o"})
    check_error(r, 400, "messages missing -> 400 param=messages", param="messages")
    r = post(lt, {"model": "gpt-4o", "messages": "hello"})
    check_error(r, 400, "messages not an array -> 400 param=messages", param="messages")
    r = post(lt, {"model": "gpt-4o", "messages": []})
    check_error(r, 400, "messages empty -> 400 param=messages", param="messages")
    r = post(lt, {"model": "gpt-4o", "messages": [{"content": "no role"}]})
    ok(check_error(r, 400, "message without role -> 400") and
       str((r.json() or {}).get("error", {}).get("param", "")).startswith("messages[0]"),
       "... param names messages[0]", r.body[:300])
    r = post(lt, {"model": "gpt-4o", "messages": [{"role": "user"}]})
    ok(check_error(r, 400, "message without content -> 400") and
       str((r.json() or {}).get("error", {}).get("param", "")).startswith("messages[0]"),
       "... param names messages[0]", r.body[:300])
    r = post(lt, {"model": "gpt-4o", "messages": [{"role": "wizard", "content": "x"}]})
    check_error(r, 400, "unknown role -> 400")
    r = post(lt, {"model": 42, "messages": [{"role": "user", "content": "x"}]})
    check_error(r, 400, "non-string model -> 400 param=model", param="model")
    r = post(lt, chat_body("x" * 20000))
    check_error(r, 413, "body over RELAY_MAX_BODY -> 413 JSON")
    for raw in (b"[]", b"null", b"42", b'"str"', b"{}", b'{"messages": [1, 2]}',
                b'{"messages": [{"role": "user", "content": 5}]}',
                b'{"messages": [{"role": "user", "content": [{"type": "text"}]}]}',
                b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}',
                b"[" * 5000 + b"]" * 5000, b'{"messages": [{"role": "user", "content": "a"}], "stream": "yes"}',
                b'{"messages": [{"role": "user", "content": "a"}]} trailing'):
        r = post(lt, None, raw=raw)
        ok(400 <= r.status < 500 and is_openai_error(r.json()),
           "malformed body %r... -> 4xx JSON error, no crash" % raw[:40], "status %s body %r" % (r.status, r.body[:200]))
    is_(len(mock.chat_requests()), 0, "no invalid request reached the upstream")

    # --- models
    mock.reset()
    r = post(lt, chat_body("x", model="no-such-model-9"))
    check_error(r, 404, "unknown model -> 404 model_not_found", code="model_not_found")
    r = post(lt, chat_body("x", model="dall-e-3"))
    check_error(r, 400, "an image model sent to chat -> 400")
    is_(len(mock.chat_requests()), 0, "neither reached the upstream")
    body = chat_body("default model")
    del body["model"]
    r = post(lt, body)
    is_((r.status, last_chat(mock).get("body", {}).get("model")), (200, "deepseek-chat"),
        "missing model -> RELAY_DEFAULT_MODEL is sent upstream")

    # --- web search
    mock.reset()
    r = post(lt, chat_body("search this", model="gpt-4o:online"))
    rec = last_chat(mock).get("body") or {}
    settings = (rec.get("promptObject") or {}).get("settings") or {}
    ok(r.status == 200 and rec.get("model") == "gpt-4o", ":online: the model goes upstream without the suffix",
       "status %s, model %r" % (r.status, rec.get("model")))
    is_(settings.get("webSearchSettings"), {"webSearch": True, "numOfSite": 3, "maxWord": 777},
        ":online: webSearchSettings with WEB_SEARCH_NUM_OF_SITE and WEB_SEARCH_MAX_WORD")
    mock.reset()
    post(lt, chat_body("plain"))
    settings = ((last_chat(mock).get("body") or {}).get("promptObject") or {}).get("settings") or {}
    ok(not (settings.get("webSearchSettings") or {}).get("webSearch"), "no :online -> web search not on")

    mock.reset()
    r = post(lt, chat_body("retry me [[mock:websearch-400]]", model="gpt-4o:online"))
    reqs = mock.chat_requests()
    ws = [((q.get("body") or {}).get("promptObject", {}).get("settings", {}).get("webSearchSettings") or {}).get("webSearch")
          for q in reqs]
    ok(r.status == 200 and "Echo: retry me" in r.text, "upstream 400 with web search on -> retried, success",
       "status %s body %r" % (r.status, r.body[:300]))
    ok(len(reqs) == 2 and ws[0] is True and ws[1] is not True, "two upstream requests, the second without web search", ws)

    mock.reset()
    r = post(lt, chat_body("fail twice [[mock:websearch-400=always]]", model="gpt-4o:online"))
    check_error(r, 400, "retry fails too -> the first error is reported",
                code="WEB_SEARCH_FAILED", message_re="Web search is not available")
    is_(len(mock.chat_requests()), 2, "exactly one retry")
    mock.reset()
    r = post(lt, chat_body("no retry [[mock:status=400]]"))
    is_((r.status, len(mock.chat_requests())), (400, 1), "upstream 400 without web search: no retry")

    # --- the upstream request
    mock.reset()
    msgs = [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is FastCGI?"},
            {"role": "assistant", "content": "A protocol."},
            {"role": "developer", "content": "Dev note."},
            {"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}]}]
    r = post(lt, {"model": "gpt-4o", "messages": msgs, "temperature": 0.2, "max_tokens": 50, "user": "u1"})
    q = last_chat(mock)
    b = q.get("body") or {}
    po = b.get("promptObject") or {}
    is_(r.status, 200, "a normal chat -> 200 (unsupported OpenAI fields are ignored)")
    # max_tokens may cut the answer, so 1min.ai is read as a stream (docs/tools.md §4)
    is_((q.get("method"), q.get("path"), q.get("query_string")), ("POST", "/api/chat-with-ai", "isStreaming=true"),
        "upstream: POST ONE_MIN_CHAT_API_URL, streamed for max_tokens")
    ok("json" in q.get("headers", {}).get("content-type", ""), "upstream Content-Type is JSON")
    is_(b.get("type"), "UNIFY_CHAT_WITH_AI", "upstream type UNIFY_CHAT_WITH_AI")
    is_(po.get("prompt"), "System: Be brief.\n\nHuman: What is FastCGI?\n\nAssistant: A protocol.\n\n"
        "System: Dev note.\n\nHuman: part one\npart two\n\n", "upstream prompt follows the convention")
    st = po.get("settings") or {}
    is_(((st.get("historySettings") or {}).get("isMixed"), st.get("withMemories")), (False, False),
        "history and memories off")
    ok("conversationId" not in po and "conversationId" not in b, "no conversationId")
    ok("messages" not in b and "messages" not in po, "no messages array upstream")
    ok(not any(k in b or k in po for k in ("temperature", "max_tokens", "maxTokens")), "no temperature/max_tokens upstream")

    # --- the answer
    mock.reset()
    t0 = int(time.time())
    r = post(lt, chat_body("héllo wörld 日本 [[mock:tokens=12,5]]"))
    j = r.json() or {}
    ch = (j.get("choices") or [{}])[0]
    ok(r.status == 200 and (r.header("Content-Type") or "").startswith("application/json"), "200 JSON")
    ok(str(j.get("id", "")).startswith("chatcmpl-") and j.get("object") == "chat.completion",
       "id chatcmpl-..., object chat.completion", repr(j)[:300])
    ok(isinstance(j.get("created"), int) and abs(j["created"] - t0) < 30, "created is Unix seconds, now")
    is_(j.get("model"), "gpt-4o", "model echoed")
    is_((ch.get("index"), (ch.get("message") or {}).get("role"), (ch.get("message") or {}).get("content")),
        (0, "assistant", "Echo: héllo wörld 日本"), "one choice with the assistant's answer (UTF-8 intact)")
    is_(ch.get("finish_reason"), "stop", "finish_reason stop")
    is_(j.get("usage"), {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}, "usage from aiRecord.metadata")
    is_(r.header("x-usage-source"), "upstream", "x-usage-source: upstream")
    ok(r.header("x-request-id"), "x-request-id present")
    for upstream, mapped in (("length", "length"), ("max_tokens", "length"), ("SAFETY", "content_filter"),
                             ("tool_use", "tool_calls"), ("complete", "stop")):
        r = post(lt, chat_body("f [[mock:finish=%s]]" % upstream))
        is_(((r.json() or {}).get("choices") or [{}])[0].get("finish_reason"), mapped,
            "finishReason %s -> %s" % (upstream, mapped))
    r = post(lt, chat_body("count me locally please [[mock:no-usage]]"))
    u = (r.json() or {}).get("usage") or {}
    ok(r.status == 200 and all(isinstance(u.get(k), int) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
       and u.get("prompt_tokens", 0) > 0 and u.get("completion_tokens", 0) > 0
       and u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"],
       "no upstream usage -> usage counted locally", repr(u))
    is_(r.header("x-usage-source"), "estimated", "x-usage-source: estimated")
    r = post(lt, chat_body("as string [[mock:result-shape=string]]"))
    is_(((r.json() or {}).get("choices") or [{"message": {}}])[0]["message"].get("content"), "Echo: as string",
        "resultObject as a plain string is used whole")
    r = post(lt, chat_body("x [[mock:failed-record]]"))
    ok(r.status >= 400 and is_openai_error(r.json()), "status FAILED with HTTP 200 -> an error, not an empty success",
       "status %s body %r" % (r.status, r.body[:300]))
    r = post(lt, chat_body("x [[mock:result-shape=object]]"))
    check_error(r, 400, "a moderation refusal in resultObject -> 400 content_filter (not a retryable 5xx)",
                code="content_filter", message_re="refused by moderation")

    # --- upstream failures
    for st, code in ((400, "INVALID_REQUEST"), (401, "UNAUTHORIZED"), (403, "FORBIDDEN"), (404, "NOT_FOUND"),
                     (422, "PROMPT_OBJECT_VALIDATION_FAILED"), (429, "RATE_LIMITED")):
        r = post(lt, chat_body("e [[mock:status=%d]]" % st))
        check_error(r, st, "upstream %d kept, with code %s and the upstream message" % (st, code),
                    code=code, message_re="Mock upstream error %d" % st)
    r = post(lt, chat_body("e [[mock:status=429]][[mock:retry-after=7]]"))
    is_((r.status, r.header("Retry-After")), (429, "7"), "upstream Retry-After passed on")
    r = post(lt, chat_body("e [[mock:status=400]][[mock:error-shape=feature]]"))
    check_error(r, 400, "feature error shape: code errorCode, details in the message",
                code="MISSING_REQUIRED_FIELDS", message_re="Field 'quality' is required")
    r = post(lt, chat_body("e [[mock:echo-key]]"))
    check_error(r, 400, "an upstream error that quotes the key -> 400")
    ok(KEY.encode() not in r.body, "... with the key redacted from the message", r.body[:300])
    r = post(lt, chat_body("e [[mock:html-403]]"))
    check_error(r, 403, "upstream 403 HTML page -> 403 JSON error")
    for st in (500, 503):
        r = post(lt, chat_body("e [[mock:status=%d]]" % st))
        check_error(r, 502, "upstream %d -> 502" % st)
    r = post(lt, chat_body("e"), headers={"Authorization": "Bearer bad-key"})
    check_error(r, 401, "a key the upstream refuses -> 401")
    ok(b"bad-key" not in r.body and all("bad-key" not in v for _, v in r.headers), "... without the key in the answer")
    mock.reset()
    t = time.monotonic()
    r = post(lt, chat_body("wait [[mock:never]]"))
    took = time.monotonic() - t
    check_error(r, 504, "upstream silent past RELAY_IDLE_TIMEOUT=2 -> 504")
    ok(took < 15, "... within a few seconds (%.1f s)" % took)
    ok(wait_until(lambda: [c for c in mock.connections() if c["outcome"] == "client-closed"], 5),
       "... and the relay closed its upstream connection")

    s = SSEStream(lt, "/v1/chat/completions", chat_body("wait [[mock:never]]", stream=True), headers=auth(KEY), timeout=30)
    check_error(s, 504, "streamed request, upstream never answers -> 504 JSON before any 200")
    s = SSEStream(lt, "/v1/chat/completions", chat_body("stall [[mock:silent=8]]", stream=True), headers=auth(KEY), timeout=30)
    if s.status == 200:
        chunks, done, errors, _ = stream_chunks(s.read_all())
        ok(not done and len(errors) == 1 and is_openai_error(errors[0]),
           "upstream silent after its 200 for longer than RELAY_IDLE_TIMEOUT -> an error frame, no [DONE]",
           (done, errors))
    else:
        check_error(s, 504, "upstream silent after its 200 for longer than RELAY_IDLE_TIMEOUT -> 504")

    words = " ".join("t%d" % i for i in range(9))
    s = SSEStream(lt, "/v1/chat/completions", chat_body(words + " [[mock:slow=600]]", stream=True),
                  headers=auth(KEY), timeout=30)
    t = time.monotonic()
    chunks, done, errors, _ = stream_chunks(s.read_all()) if s.status == 200 else ([], False, [], [])
    took = time.monotonic() - t
    ok(done and not errors and took > 4, "a stream that keeps sending outlives RELAY_IDLE_TIMEOUT=2 (%.1f s): no total cap" % took,
       (s.status, errors))

    # RELAY_MAX_UPSTREAM_BODY bounds the answer, not 1min.ai's echo of the prompt in its record
    stop_process(lt.proc)
    lt = start_lighttpd(relay_env(mock, RELAY_MAX_UPSTREAM_BODY="4096"))
    mock.reset()
    r = post(lt, chat_body("[[mock:say=short]] " + "x" * 20000))
    ok(r.status == 200 and (r.json() or {}).get("choices", [{}])[0].get("message", {}).get("content") == "short",
       "a 20 KB prompt under a 4 KiB reply limit: answered (the record's echo of it is not kept)",
       (r.status, r.body[:300]))
    r = post(lt, chat_body("[[mock:long=2000]]"))
    check_error(r, 502, "an answer over the 4 KiB reply limit -> 502")

    # connection refused -> 502
    stop_process(lt.proc)
    lt = start_lighttpd(relay_env(mock, ONE_MIN_CHAT_API_URL="http://127.0.0.1:%d/api/chat-with-ai" % free_port()))
    r = post(lt, chat_body("nobody home"))
    check_error(r, 502, "upstream connection refused -> 502")

    # --- the key never leaks
    leaked = [r.status for r in SEEN if KEY.encode() in r.body or any(KEY in v for _, v in r.headers)]
    ok(not leaked, "the API key appears in no response (%d checked)" % len(SEEN), leaked)
    logs = all_logs_text()
    ok(len(logs) > 0 and KEY not in logs, "the API key appears in no log line (%d bytes of logs)" % len(logs))


run(main, timeout=300)
