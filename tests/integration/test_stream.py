#!/usr/bin/env python3
"""Streamed chat completions through lighttpd: the SSE shape, usage chunks,
duplicate and legacy upstream formats, error events, split UTF-8, errors
before the stream, the order of events (hold), keep-alive comments, and a
client that disconnects mid-stream."""

import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, is_, is_openai_error, ok  # noqa: E402
from relaytest.procs import all_logs_text, run, wait_until  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402

KEY = "sk-stream-SECRET-51d0"


def pieces(text):
    """The content pieces the mock sends for an answer (see tests/mock/README.md)."""
    return re.findall(r"\s*\S+", text)


def stream(lt, content, model="gpt-4o", timeout=30, headers=None, **extra):
    h = auth(KEY) if headers is None else headers
    return SSEStream(lt, "/v1/chat/completions", chat_body(content, model=model, stream=True, **extra),
                     headers=h, timeout=timeout)


def contents(chunks):
    out = []
    for c in chunks:
        for ch in c.get("choices") or []:
            v = (ch.get("delta") or {}).get("content")
            if v:
                out.append(v)
    return out


def valid_utf8(s):
    try:
        s.encode("utf-8", "strict")
        return True
    except UnicodeEncodeError:
        return False


def main():
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_KEEPALIVE_INTERVAL=1))

    # --- the basic shape
    mock.reset()
    s = stream(lt, "one two three")
    is_(s.status, 200, "stream -> 200")
    ok((s.header("Content-Type") or "").startswith("text/event-stream"), "Content-Type text/event-stream", s.headers)
    is_(s.header("Cache-Control"), "no-cache", "Cache-Control: no-cache")
    is_(s.header("X-Accel-Buffering"), "no", "X-Accel-Buffering: no")
    is_(s.header("Access-Control-Allow-Origin"), "*", "CORS header on the stream")
    ok("x-request-id" in (s.header("Access-Control-Expose-Headers") or "").lower(), "Expose-Headers on the stream")
    evs = s.read_all()
    chunks, done, errors, comments = stream_chunks(evs)
    data_texts = [t for k, t, _ in evs if k == "data"]
    ok(done and data_texts and data_texts[-1] == "[DONE]", "ends with data: [DONE]", data_texts[-3:])
    is_(errors, [], "no error frames")
    ids = {c.get("id") for c in chunks}
    ok(len(ids) == 1 and str(next(iter(ids))).startswith("chatcmpl-"), "one chatcmpl- id for every chunk", ids)
    ok(all(c.get("object") == "chat.completion.chunk" for c in chunks), "object chat.completion.chunk")
    ok(len({c.get("created") for c in chunks}) == 1 and isinstance(chunks[0].get("created"), int), "one created value")
    ok(all(c.get("model") == "gpt-4o" for c in chunks), "model in every chunk")
    first = (chunks[0].get("choices") or [{}])[0] if chunks else {}
    is_((first.get("delta") or {}).get("role"), "assistant", "the first chunk carries role assistant")
    is_(contents(chunks), pieces("Echo: one two three"), "one chunk per upstream content event, in order")
    last = (chunks[-1].get("choices") or [{}])[0] if chunks else {}
    is_((last.get("delta"), last.get("finish_reason")), ({}, "stop"), "final chunk: delta {} and finish_reason stop")
    ok(all(c.get("choices") and c["choices"][0].get("index") == 0 for c in chunks), "every chunk has choices[0].index 0")
    ok(all((c["choices"][0].get("finish_reason") is None) for c in chunks[:-1]), "finish_reason null before the end")
    ok(all("usage" not in c for c in chunks), "no usage keys without stream_options.include_usage")
    q = mock.chat_requests()[-1]
    is_((q["path"], q["query"].get("isStreaming")), ("/api/chat-with-ai", "true"), "upstream called with ?isStreaming=true")
    is_(q["api_key"], KEY, "key forwarded on streams")

    # --- usage on request
    s = stream(lt, "count me [[mock:tokens=9,3]]", stream_options={"include_usage": True})
    chunks, done, errors, _ = stream_chunks(s.read_all())
    ok(done and len(chunks) >= 2, "include_usage stream completes")
    u = chunks[-1] if chunks else {}
    ok(u.get("choices") == [] and u.get("usage") == {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
       "usage chunk (choices []) with the upstream counts comes last", repr(u)[:300])
    fin = (chunks[-2].get("choices") or [{}])[0] if len(chunks) >= 2 else {}
    is_(fin.get("finish_reason"), "stop", "the finish chunk comes before the usage chunk")
    s = stream(lt, "count locally [[mock:no-usage]]", stream_options={"include_usage": True})
    chunks, done, _, _ = stream_chunks(s.read_all())
    u = (chunks[-1].get("usage") if chunks else None) or {}
    ok(done and u.get("prompt_tokens", 0) > 0 and u.get("completion_tokens", 0) > 0, "usage counted locally when the upstream has none", u)
    s = stream(lt, "no usage asked", stream_options={})
    chunks, done, _, _ = stream_chunks(s.read_all())
    ok(done and all("usage" not in c or c["usage"] is None for c in chunks) and all(c.get("choices") for c in chunks),
       "stream_options {} does not ask for usage")
    s = stream(lt, "cut [[mock:finish=max_tokens]]")
    chunks, _, _, _ = stream_chunks(s.read_all())
    is_(((chunks[-1].get("choices") or [{}])[0] if chunks else {}).get("finish_reason"), "length", "finishReason mapped in streams")

    # --- upstream formats
    s = stream(lt, "alpha beta [[mock:dup-final]]")
    chunks, done, _, _ = stream_chunks(s.read_all())
    is_(("".join(contents(chunks)), done), ("Echo: alpha beta", True), "a duplicate final full-text event is dropped")
    s = stream(lt, "raw text here [[mock:legacy-raw]]")
    chunks, done, errors, _ = stream_chunks(s.read_all())
    is_(("".join(contents(chunks)), done, errors), ("Echo: raw text here", True, []), "legacy raw-text upstream tolerated")
    s = stream(lt, "crlf lines [[mock:crlf]][[mock:no-done]]")
    chunks, done, _, _ = stream_chunks(s.read_all())
    is_(("".join(contents(chunks)), done), ("Echo: crlf lines", True), "CRLF framing and a missing done event")
    text = "héllo wörld 日本語 🎉 ñandú"
    s = stream(lt, text + " [[mock:split]]")
    evs = s.read_all()
    # the reader decodes with surrogateescape: any invalid byte shows up as U+DC80..U+DCFF
    raw_ok = not any(0xDC80 <= ord(c) <= 0xDCFF for k, t, _ in evs if k == "data" for c in t)
    chunks, done, _, _ = stream_chunks(evs)
    cs = contents(chunks)
    ok(raw_ok and all(valid_utf8(c) for c in cs), "split upstream reads: every chunk is valid UTF-8", cs)
    is_(("".join(cs), done), ("Echo: " + text, True), "split upstream reads: the text is intact")
    is_(cs, pieces("Echo: " + text), "split upstream reads: still one chunk per content event")

    # --- web search retry happens before anything is sent
    mock.reset()
    s = stream(lt, "search and retry [[mock:websearch-400]]", model="gpt-4o:online")
    chunks, done, errors, _ = stream_chunks(s.read_all()) if s.status == 200 else ([], False, [], [])
    reqs = mock.chat_requests()
    ok(s.status == 200 and done and "".join(contents(chunks)) == "Echo: search and retry" and len(reqs) == 2,
       "stream with :online and an upstream 400: retried without web search, then streamed",
       (s.status, len(reqs), contents(chunks)))

    # --- one very large content event (bigger than a FastCGI record)
    big = "Z" * 30000 + "é" * 3000
    s = stream(lt, big)
    chunks, done, _, _ = stream_chunks(s.read_all())
    is_(("".join(contents(chunks)), done), ("Echo: " + big, True), "a 36 KB content event arrives intact")

    # --- error event after the 200
    s = stream(lt, "first then boom [[mock:sse-error]]")
    evs = s.read_all()
    chunks, done, errors, _ = stream_chunks(evs)
    datas = [t for k, t, _ in evs if k == "data"]
    ok(s.status == 200 and len(errors) == 1 and is_openai_error(errors[0])
       and "not supported" in errors[0]["error"]["message"], "upstream event: error -> a data: {error} frame", datas[-3:])
    ok(datas and json.loads(datas[-1]).get("error") is not None and not done, "... then the stream closes without [DONE]")
    is_(contents(chunks), ["Echo:"], "... after the content sent before it")
    s = stream(lt, "boom first [[mock:sse-error=first]]")
    if s.status == 200:
        chunks, done, errors, _ = stream_chunks(s.read_all())
        ok(len(errors) == 1 and is_openai_error(errors[0]) and not done, "error as the first event: an error frame, no [DONE]")
    else:
        ok(s.status >= 400 and is_openai_error(s.json()), "error as the first event: a JSON error status")
    s = stream(lt, "x [[mock:failed-record]]")
    if s.status == 200:
        chunks, done, errors, _ = stream_chunks(s.read_all())
        ok(len(errors) == 1 and not done, "FAILED record in a stream -> an error frame, not an empty success")
    else:
        ok(s.status >= 400 and is_openai_error(s.json()), "FAILED record in a stream -> an error status")
    s = stream(lt, "x [[mock:result-shape=object]]")
    is_(s.status, 200, "moderation refusal in a stream: the 200 was already committed")
    chunks, done, errors, _ = stream_chunks(s.read_all())
    ok(len(errors) == 1 and not done and ((errors[0].get("error") or {}).get("code") == "content_filter"),
       "moderation refusal in a stream -> a content_filter error frame, no [DONE]", errors)

    # --- failures before the stream starts: real statuses
    for marker, want in (("[[mock:status=500]]", 502), ("[[mock:status=401]]", 401), ("[[mock:status=422]]", 422)):
        s = stream(lt, "pre " + marker)
        check_error(s, want, "stream with upstream %s -> HTTP %d JSON, not 200" % (marker, want))
    s = stream(lt, "pre [[mock:status=429]][[mock:retry-after=7]]")
    check_error(s, 429, "stream with upstream 429 -> 429 JSON")
    is_(s.header("Retry-After"), "7", "... with Retry-After")
    s = stream(lt, "no key", headers={})
    check_error(s, 401, "stream without a key -> 401 JSON", code="invalid_api_key")
    s = stream(lt, "x", model="nope-model")
    check_error(s, 404, "stream with an unknown model -> 404 JSON", code="model_not_found")

    # --- streaming order: the first chunk arrives while the mock withholds the rest
    mock.reset()
    s = stream(lt, "held back words [[mock:hold]]", timeout=15)
    got_first, held_then = None, None
    it = s.events()
    try:
        for kind, t, _ in it:
            if kind != "data" or t == "[DONE]":
                continue
            c = json.loads(t)
            if contents([c]):
                got_first = contents([c])[0]
                held_then = [x["outcome"] for x in mock.connections() if x["path"] == "/api/chat-with-ai"]
                break
    except socket.timeout:
        pass
    ok(got_first == "Echo:" and held_then == ["held"],
       "the client holds the first content chunk while the mock still withholds the rest",
       "first chunk %r, mock outcome then %r" % (got_first, held_then))
    mock.release()
    rest = []
    try:
        rest = [(k, t, tt) for k, t, tt in it]
    except socket.timeout:
        pass
    chunks, done, _, _ = stream_chunks(rest)
    is_(("".join(contents(chunks)), done), (" held back words", True), "after the release the rest follows")

    # --- chunks are not buffered: a slow stream arrives spread out
    s = stream(lt, "a b c d e [[mock:slow=300]]")
    evs = s.read_all()
    times = [tt for k, t, tt in evs if k == "data" and t != "[DONE]" and contents([json.loads(t)])]
    ok(len(times) == 6 and times[-1] - times[0] >= 1.0, "slow upstream: chunks arrive as sent, not all at once",
       "arrival offsets %r" % [round(x - times[0], 3) for x in times])

    # --- keep-alive comments while the upstream is silent
    s = stream(lt, "quiet start [[mock:silent=3]]", timeout=20)
    evs = s.read_all()
    # the role chunk may go out as soon as the upstream said 200; the comments
    # must come while the upstream is silent, i.e. before the first content
    first_content = next((i for i, (k, t, _) in enumerate(evs)
                          if k == "data" and t != "[DONE]" and contents([json.loads(t)])), len(evs))
    pre = [t for k, t, _ in evs[:first_content] if k == "comment"]
    ok(s.status == 200 and len(pre) >= 1 and all("keep-alive" in c for c in pre),
       "RELAY_KEEPALIVE_INTERVAL=1: ': keep-alive' comments before the first content chunk",
       [k + ":" + t[:60] for k, t, _ in evs[:6]])
    chunks, done, _, _ = stream_chunks(evs)
    is_(("".join(contents(chunks)), done), ("Echo: quiet start", True), "... then the answer")

    # --- a client that disconnects mid-stream, repeatedly (more times than threads)
    words = " ".join("w%d" % i for i in range(40))
    for round_no in range(5):
        mock.reset()
        s = stream(lt, words + " [[mock:slow=250]]", timeout=15)
        for kind, t, _ in s.events():
            if kind == "data" and contents([json.loads(t)]):
                break
        s.close()
        t0 = time.monotonic()
        closed = wait_until(lambda: [c for c in mock.connections()
                                     if c["path"] == "/api/chat-with-ai" and c["outcome"] == "client-closed"], 8)
        sent = [c["events_sent"] for c in mock.connections() if c["path"] == "/api/chat-with-ai"]
        if not ok(closed, "disconnect %d: the mock sees its connection closed (%.1f s)" % (round_no + 1, time.monotonic() - t0),
                  "mock connections: %r" % mock.connections()):
            break
        ok(sent and sent[0] < 40, "disconnect %d: the upstream stream was cut short (%s of 43 events)" % (round_no + 1, sent))
    mock.reset()
    s = stream(lt, "never speaks [[mock:silent=30]]", timeout=15)
    is_(s.status, 200, "silent upstream: the 200 is committed")
    s.close()
    ok(wait_until(lambda: [c for c in mock.connections() if c["outcome"] == "client-closed"], 8),
       "disconnect while the upstream is silent: keep-alive writes notice it and the upstream is closed")
    r = request(lt, "POST", "/v1/chat/completions", body=chat_body("still alive"), headers=auth(KEY))
    ok(r.status == 200 and "Echo: still alive" in r.text, "the relay keeps serving after the disconnects")
    ss = [stream(lt, "parallel %d" % i, timeout=20) for i in range(4)]
    res = [stream_chunks(x.read_all()) for x in ss]
    ok(all(done and "".join(contents(ch)) == "Echo: parallel %d" % i for i, (ch, done, _, _) in enumerate(res)),
       "all worker threads are back: 4 parallel streams complete")

    ok(KEY not in all_logs_text(), "the key appears in no log line")


run(main, timeout=300)
