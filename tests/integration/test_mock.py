#!/usr/bin/env python3
"""The mock 1min.ai itself: it must speak docs/upstream-api.md, or every other
integration test proves nothing. Needs no relay."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import TOP_SRCDIR, run, wait_until  # noqa: E402
from relaytest.servers import start_mock  # noqa: E402
from relaytest.clients import http_raw  # noqa: E402


def upstream_body(prompt, model="gpt-4o", **po_extra):
    po = {"prompt": prompt, "settings": {"historySettings": {"isMixed": False}, "withMemories": False}}
    po.update(po_extra)
    return {"type": "UNIFY_CHAT_WITH_AI", "model": model, "promptObject": po}


def post(mock, body, key="k-1", stream=False, raw=None):
    h = {"Content-Type": "application/json"}
    if key is not None:
        h["API-KEY"] = key
    path = "/api/chat-with-ai" + ("?isStreaming=true" if stream else "")
    return http_raw("127.0.0.1", mock.port, "POST", path,
                    body=raw if raw is not None else json.dumps(body).encode(), headers=h)


def sse_events(raw):
    """[(event, data)] from an SSE body."""
    out = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        ev, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                ev = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if ev or data:
            out.append((ev, "\n".join(data)))
    return out


def main():
    mock = start_mock()

    # catalogue
    for feat, must in (("UNIFY_CHAT_WITH_AI", "gpt-4o"), ("IMAGE_GENERATOR", "black-forest-labs/flux-dev"),
                       ("SPEECH_TO_TEXT", "whisper-1"), ("AUDIO_TRANSLATOR", "whisper-1"),
                       ("TEXT_TO_SPEECH", "tts-1-hd")):
        r = http_raw("127.0.0.1", mock.port, "GET", "/models?feature=" + feat)
        j = r.json()
        ids = [m["modelId"] for m in j["models"]]
        ok(r.status == 200 and must in ids and j["total"] == len(ids), "catalogue %s lists %s" % (feat, must))
    r = http_raw("127.0.0.1", mock.port, "GET", "/models")
    is_(r.json(), {"models": [], "total": 0}, "catalogue without feature is empty")
    chat = http_raw("127.0.0.1", mock.port, "GET", "/models?feature=UNIFY_CHAT_WITH_AI").json()["models"]
    ok(any(m["status"] == "DISABLED" for m in chat) and any(m["modality"] is None for m in chat),
       "chat catalogue has DISABLED entries and a null modality")
    ok(all(k in chat[0] for k in ("modelId", "name", "provider", "group", "status", "features",
                                   "modality", "creditMetadata")), "entries carry the documented fields")

    # auth and validation
    r = post(mock, upstream_body("Human: hi\n\n"), key=None)
    ok(r.status == 401 and r.json()["error"]["code"] == "UNAUTHORIZED", "no API-KEY -> 401 UNAUTHORIZED")
    r = post(mock, upstream_body("Human: hi\n\n"), key="bad-key")
    is_(r.status, 401, "bad-key -> 401")
    r = post(mock, dict(upstream_body("x"), messages=[]))
    ok(r.status == 422 and r.json()["error"]["code"] == "PROMPT_OBJECT_VALIDATION_FAILED",
       "messages in body -> 422 PROMPT_OBJECT_VALIDATION_FAILED")
    r = post(mock, {"model": "gpt-4o", "promptObject": {"prompt": "x"}})
    is_(r.status, 400, "missing type -> 400")
    r = post(mock, {"type": "UNIFY_CHAT_WITH_AI", "model": "gpt-4o", "promptObject": {"prompt": 5}})
    is_(r.status, 422, "non-string prompt -> 422")
    r = post(mock, upstream_body("x", model="nope-1"))
    is_((r.status, r.json()), (400, {"errorCode": "UNSUPPORTED_MODEL", "message": "Model nope-1 is not supported"}),
        "unknown model -> 400 UNSUPPORTED_MODEL")
    r = post(mock, None, raw=b"{not json")
    is_(r.status, 400, "invalid JSON -> 400")

    # JSON answer
    prompt = "System: be brief\n\nHuman: first\n\nAssistant: ok\n\nHuman: héllo wörld 日本 🎉\n\n"
    r = post(mock, upstream_body(prompt))
    rec = r.json()["aiRecord"]
    is_(rec["aiRecordDetail"]["resultObject"], ["Echo: héllo wörld 日本 🎉"], "answer echoes the last Human block")
    is_((rec["metadata"]["inputToken"], rec["metadata"]["outputToken"], rec["metadata"]["totalToken"]),
        (len(prompt.split()), 5, len(prompt.split()) + 5), "metadata token counts follow the documented formula")
    r = post(mock, upstream_body("Human: a [[mock:no-usage]][[mock:finish=length]]\n\n"))
    is_(r.json()["aiRecord"]["metadata"], None, "no-usage -> metadata null")
    r = post(mock, upstream_body("Human: a [[mock:tokens=12,5]][[mock:finish=max_tokens]]\n\n"))
    md = r.json()["aiRecord"]["metadata"]
    is_((md["inputToken"], md["outputToken"], md["totalToken"], md["finishReason"]), (12, 5, 17, "max_tokens"),
        "tokens and finish markers")
    r = post(mock, upstream_body("Human: a [[mock:failed-record]]\n\n"))
    rec = r.json()["aiRecord"]
    is_((r.status, rec["status"], rec["aiRecordDetail"]["resultObject"]), (200, "FAILED", []), "failed-record")

    # errors by marker
    r = post(mock, upstream_body("Human: a [[mock:status=429]][[mock:retry-after=7]]\n\n"))
    is_((r.status, r.header("Retry-After"), r.json()["error"]["code"]), (429, "7", "RATE_LIMITED"), "status=429 with Retry-After")
    r = post(mock, upstream_body("Human: a [[mock:status=400]][[mock:error-shape=feature]]\n\n"))
    j = r.json()
    ok(r.status == 400 and j["errorCode"] == "MISSING_REQUIRED_FIELDS" and isinstance(j["details"], str)
       and json.loads(j["details"])[0]["field"] == "quality", "feature error shape, details as a JSON string")
    r = post(mock, upstream_body("Human: a [[mock:html-403]]\n\n"))
    ok(r.status == 403 and r.header("Content-Type").startswith("text/html"), "html-403")
    ws = {"webSearch": True, "numOfSite": 1, "maxWord": 500}
    body = upstream_body("Human: a [[mock:websearch-400]]\n\n")
    body["promptObject"]["settings"]["webSearchSettings"] = ws
    is_(post(mock, body).status, 400, "websearch-400 with web search -> 400")
    is_(post(mock, upstream_body("Human: a [[mock:websearch-400]]\n\n")).status, 200, "websearch-400 without -> 200")
    r = post(mock, upstream_body("Human: a [[mock:websearch-400=always]]\n\n"))
    ok(r.status == 400 and r.json()["error"]["code"] == "RETRY_FAILED", "websearch-400=always fails the retry too")

    # streaming
    r = post(mock, upstream_body("Human: one two three\n\n"), stream=True)
    evs = sse_events(r.text)
    is_([e for e, _ in evs], ["content", "content", "content", "content", "result", "done"], "stream event sequence")
    is_("".join(json.loads(d)["content"] for e, d in evs if e == "content"), "Echo: one two three",
        "content events join to the answer")
    ok(r.header("Content-Type").startswith("text/event-stream"), "stream content type")
    r = post(mock, upstream_body("Human: one two [[mock:dup-final]]\n\n"), stream=True)
    contents = [json.loads(d)["content"] for e, d in sse_events(r.text) if e == "content"]
    is_(contents[-1], "Echo: one two", "dup-final repeats the whole text last")
    r = post(mock, upstream_body("Human: one [[mock:sse-error]]\n\n"), stream=True)
    evs = sse_events(r.text)
    ok(r.status == 200 and evs[-1][0] == "error" and "not supported" in json.loads(evs[-1][1])["error"],
       "sse-error: 200 then an error event")
    r = post(mock, upstream_body("Human: one two [[mock:legacy-raw]]\n\n"), stream=True)
    is_(r.text, "Echo: one two", "legacy-raw: plain text body")
    r = post(mock, upstream_body("Human: one [[mock:crlf]][[mock:no-done]]\n\n"), stream=True)
    ok("\r\n" in r.text and [e for e, _ in sse_events(r.text)][-1] == "result", "crlf and no-done")

    # split: read the raw socket and check the writes really straddle characters
    s = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
    b = json.dumps(upstream_body("Human: añb 日本 [[mock:split]]\n\n")).encode()
    s.sendall(b"POST /api/chat-with-ai?isStreaming=true HTTP/1.1\r\nHost: x\r\nAPI-KEY: k\r\n"
              b"Content-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
    reads, data = 0, b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reads += 1
        data += chunk
    s.close()
    body = data.split(b"\r\n\r\n", 1)[1]
    # de-chunk
    plain, pieces = b"", []
    while body:
        line, body = body.split(b"\r\n", 1)
        n = int(line, 16)
        if n == 0:
            break
        pieces.append(body[:n])
        plain += body[:n]
        body = body[n + 2:]
    broken = 0
    for p in pieces:
        try:
            p.decode("utf-8")
        except UnicodeDecodeError:
            broken += 1
    ok(reads > 10 and broken > 0, "split: many writes, some cut inside a UTF-8 character (%d reads, %d cut)" % (reads, broken))
    contents = [json.loads(d)["content"] for e, d in sse_events(plain.decode()) if e == "content"]
    is_("".join(contents), "Echo: añb 日本", "split: frames reassemble to the answer")

    # hold / release, and the record of what happened
    mock.reset()
    got = {}

    def held():
        got["r"] = post(mock, upstream_body("Human: x y [[mock:hold]]\n\n"), stream=True)
    t = threading.Thread(target=held)
    t.start()
    st = wait_until(lambda: [c for c in mock.connections() if c["outcome"] == "held"], 5)
    ok(st and st[0]["events_sent"] == 1, "hold: one event sent, then held")
    mock.release()
    t.join(10)
    ok("r" in got and len([e for e, _ in sse_events(got["r"].text) if e == "content"]) == 3,
       "release: the rest of the stream follows")

    # a client that goes away is seen
    mock.reset()
    s = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
    b = json.dumps(upstream_body("Human: " + " ".join(["w"] * 50) + " [[mock:slow=100]]\n\n")).encode()
    s.sendall(b"POST /api/chat-with-ai?isStreaming=true HTTP/1.1\r\nHost: x\r\nAPI-KEY: k\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
    s.recv(100)
    s.close()
    c = wait_until(lambda: [x for x in mock.connections() if x["outcome"] == "client-closed"], 5)
    ok(c, "a closed client connection is recorded as client-closed")
    s = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
    b = json.dumps(upstream_body("Human: x [[mock:never]]\n\n")).encode()
    s.sendall(b"POST /api/chat-with-ai HTTP/1.1\r\nHost: x\r\nAPI-KEY: k\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
    time.sleep(0.3)
    s.close()
    c = wait_until(lambda: [x for x in mock.connections() if x["outcome"] == "client-closed"
                            and x["seq"] > c[0]["seq"]], 5)
    ok(c, "never: a closed connection is noticed while waiting")

    # request log and control API
    mock.reset()
    post(mock, upstream_body("Human: logged\n\n"), key="secret-9")
    # the mock marks the request complete just after writing the answer
    reqs = wait_until(lambda: [q for q in mock.chat_requests() if q["outcome"] == "complete"], 5) or mock.chat_requests()
    ok(len(reqs) == 1 and reqs[0]["api_key"] == "secret-9" and reqs[0]["api_key_present"]
       and reqs[0]["body"]["model"] == "gpt-4o" and reqs[0]["status"] == 200 and reqs[0]["outcome"] == "complete",
       "the request log holds key, body, status and outcome")
    mock.config(models_fail=True)
    is_(http_raw("127.0.0.1", mock.port, "GET", "/models?feature=UNIFY_CHAT_WITH_AI").status, 500, "models_fail -> 500")
    mock.reset()
    is_(http_raw("127.0.0.1", mock.port, "GET", "/models?feature=UNIFY_CHAT_WITH_AI").status, 200, "reset clears the config")
    r = http_raw("127.0.0.1", mock.port, "GET", "/nowhere")
    ok(r.status == 404 or os.path.exists(os.path.join(TOP_SRCDIR, "tests", "mock", "mock_media.py")),
       "unknown path -> 404 (without mock_media)")


run(main, timeout=120)
