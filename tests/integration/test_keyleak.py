#!/usr/bin/env python3
"""test_keyleak: an upstream that echoes the client's key in every failure shape,
on every route that reaches 1min.ai, and the key must come back nowhere.

Routes: chat JSON, chat stream before and after its 200, the Responses API and
Anthropic Messages (JSON and stream), images (generations,
variations, edits), transcription, translation, speech, asset uploads (vision,
audio, image inputs, chat documents, the Files API), the model catalogue.
Shapes (docs/upstream-api.md §8): an HTTP error body (both JSON shapes, plain
text, an HTML page; 4xx and 5xx), a FAILED record, a refusal object, an
`event: error` in a stream, a FAILED or refused record in the stream's result
event, and the key placed where a 300-500 byte cut of the message falls.
The relay logs at debug level. Checked: no response body or header and no log
line holds the key or any 8-character piece of it, and every scenario really
was a failure the mock answered with the key.
"""

import base64
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import ok  # noqa: E402
from relaytest.procs import all_logs_text, run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, request  # noqa: E402

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "mock"))
import mock_media  # noqa: E402

# Random letters and digits: no 8-character piece of it occurs by chance.
KEY = "Qm7vT2xK9pLw4RzN8cHf3YbJ6gDs1AeUqV5tXo0WkMiE"
PIECES = {KEY[i:i + 8] for i in range(len(KEY) - 7)}
K = "{{API_KEY}}"

CHAT, FEATURES, ASSETS = "/api/chat-with-ai", "/api/features", "/api/assets"


def leaks(data):
    """The pieces of the key found in data (bytes or str)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return sorted(p for p in PIECES if p in data)


# --- failure shapes: scripted answers (tests/mock/README.md) for one upstream path

def error_bodies(path):
    """HTTP errors whose bodies quote the key: (label, answer)."""
    unified = {"success": False, "error": {"code": "INVALID_REQUEST", "message": "Key %s cannot do that" % K,
                                           "details": [{"field": "key", "message": "bad key %s" % K}]}}
    feature = {"errorCode": "UNSUPPORTED_MODEL", "message": "The service is a bit busy, please try again",
               "details": json.dumps([{"field": "model", "message": "not for key %s" % K}])}
    return [
        ("400 unified shape", {"path": path, "status": 400, "json": unified}),
        ("401 key in the code", {"path": path, "status": 401,
                                 "json": {"success": False, "error": {"code": K, "message": "Invalid API key " + K}}}),
        ("422 feature shape, key in details", {"path": path, "status": 422, "json": feature}),
        ("500 key in message", {"path": path, "status": 500, "json": {"message": "upstream broke for " + K}}),
        ("503 plain text", {"path": path, "status": 503, "body": "backend said: " + K}),
        ("403 HTML page", {"path": path, "status": 403, "headers": {"Content-Type": "text/html"},
                           "body": "<html><head><title>Blocked %s</title></head><body>%s</body></html>" % (K, K)}),
    ]


def cut_bodies(path):
    """The key where a cut of the message at 300-512 bytes falls: (label, answer)."""
    out = []
    for pad in (280, 296, 470, 490, 497, 505):
        out.append(("key straddling byte %d" % pad, {"path": path, "status": 400, "json": {
            "success": False, "error": {"code": "INVALID_REQUEST", "message": "x" * pad + K + " tail"}}}))
    out.append(("key after collapsed whitespace", {"path": path, "status": 400, "json": {
        "success": False, "error": {"code": "INVALID_REQUEST", "message": "a \t\n" * 150 + K}}}))
    out.append(("key after multi-byte text", {"path": path, "status": 500, "json": {
        "message": "é" * 240 + K}}))
    return out


def record(typ, model, result, status="SUCCESS"):
    return {"aiRecord": {"uuid": str(uuid.uuid4()), "type": typ, "model": model, "status": status,
                         "metadata": None, "temporaryUrl": None,
                         "aiRecordDetail": {"promptObject": {"prompt": K}, "resultObject": result}}}


def record_bodies(path, typ, model):
    """HTTP 200 failures carrying the key: a FAILED record and a refusal object."""
    failed = record(typ, model, [K], status="FAILED")
    failed["aiRecord"].update({"error": "failed for " + K, "message": K, "errorCode": K})
    return [
        ("FAILED record", {"path": path, "json": failed}),
        ("refusal object", {"path": path, "json": record(typ, model, {"code": K, "message": "refused " + K})}),
    ]


# --- clients

class Run:
    """One scenario's outcome: what the client got, for the leak checks."""

    def __init__(self, label, status, data, failed):
        self.label, self.status, self.data, self.failed = label, status, data, failed


def auth():
    return {"Authorization": "Bearer " + KEY}


def post_json(lt, path, body):
    h = auth()
    h["Content-Type"] = "application/json"
    r = request(lt, "POST", path, body=json.dumps(body).encode(), headers=h, timeout=60)
    return r.status, r.body + repr(r.headers).encode(), r.status >= 400


def post_form(lt, path, fields, filename, ctype, data, part="file"):
    b = "----leak" + uuid.uuid4().hex
    parts = [("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v)).encode()
             for k, v in fields.items()]
    parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                  "Content-Type: %s\r\n\r\n" % (b, part, filename, ctype)).encode() + data + b"\r\n")
    parts.append(("--%s--\r\n" % b).encode())
    h = auth()
    h["Content-Type"] = "multipart/form-data; boundary=" + b
    r = request(lt, "POST", path, body=b"".join(parts), headers=h, timeout=60)
    return r.status, r.body + repr(r.headers).encode(), r.status >= 400


def stream_chat(lt, content):
    h = auth()
    s = SSEStream(lt, "/v1/chat/completions", {"model": "gpt-4o", "stream": True,
                                               "messages": [{"role": "user", "content": content}]},
                  headers=h, timeout=60)
    data = repr(s.headers).encode()
    if s.status != 200:
        return s.status, data + (s.body or b""), True
    events = s.read_all()
    s.close()
    text = "".join(t for _k, t, _t in events)
    failed = '"error"' in text and "[DONE]" not in text.split('"error"')[-1]
    return 200, data + text.encode(), failed


def stream_dialect(lt, path, body):
    """A streamed request of another dialect: (status, everything received,
    whether it failed: an error status, or a failure event in the stream)."""
    s = SSEStream(lt, path, dict(body, stream=True), headers=auth(), timeout=60)
    data = repr(s.headers).encode()
    if s.status != 200:
        return s.status, data + (s.body or b""), True
    events = s.read_all()
    s.close()
    text = "\n".join(t for _k, t, _t in events)
    return 200, data + text.encode(), ("response.failed" in text or '"error"' in text)


def dialect_scenarios(route, path, body):
    """The chat failure shapes through another dialect's JSON and stream answers."""
    out = []
    s = {"isStreaming": "true"}
    rec = record_bodies(CHAT, "UNIFY_CHAT_WITH_AI", "gpt-4o")
    for label, ans in error_bodies(CHAT)[:4] + cut_bodies(CHAT)[:3] + rec:
        out.append((route + " JSON", label, [ans], lambda lt: post_json(lt, path, body)))
    for label, ans in error_bodies(CHAT)[:2] + cut_bodies(CHAT)[1:2]:
        out.append((route + " stream before the 200", label, [dict(ans, query=s)],
                    lambda lt: stream_dialect(lt, path, body)))
    for label, events in (
            ("event: error", [["content", {"content": "Hi"}], ["error", {"error": "Model for " + K + " is not supported"}]]),
            ("event: error at a cut", [["error", {"message": "x" * 490 + K}]]),
            ("FAILED record in result", [["content", {"content": "Hi"}], ["result", rec[0][1]["json"]]]),
            ("refusal in result", [["result", rec[1][1]["json"]], ["done", {"message": "Stream completed"}]])):
        out.append((route + " stream after the 200", label, [{"path": CHAT, "query": s, "sse": events}],
                    lambda lt: stream_dialect(lt, path, body)))
    return out


# --- scenarios: (route, shape label, scripted answers, client call)

SEQ = [0]


def unique_bytes(make):
    """Fresh media bytes per scenario, so the relay's upload cache never answers for the upstream."""
    SEQ[0] += 1
    return make() + b"\0" * SEQ[0]


def scenarios():
    out = []
    chat_body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}
    for label, ans in error_bodies(CHAT) + cut_bodies(CHAT) + record_bodies(CHAT, "UNIFY_CHAT_WITH_AI", "gpt-4o"):
        out.append(("chat JSON", label, [ans], lambda lt: post_json(lt, "/v1/chat/completions", chat_body)))
    for label, ans in error_bodies(CHAT) + cut_bodies(CHAT)[:3]:
        ans = dict(ans, query={"isStreaming": "true"})
        out.append(("chat stream before the 200", label, [ans], lambda lt: stream_chat(lt, "hello")))
    s = {"isStreaming": "true"}
    rec_failed = record_bodies(CHAT, "UNIFY_CHAT_WITH_AI", "gpt-4o")
    for label, events in (
            ("event: error, string", [["content", {"content": "Hi"}], ["error", {"error": "Model for " + K + " is not supported"}]]),
            ("event: error, object", [["error", {"error": {"code": K, "message": "stream failed for " + K}}]]),
            ("event: error, message", [["content", {"content": "Hi"}], ["error", {"message": "x" * 490 + K}]]),
            ("event: error, not JSON", [["error", "raw failure " + K]]),
            ("FAILED record in result", [["content", {"content": "Hi"}], ["result", rec_failed[0][1]["json"]]]),
            ("refusal in result", [["result", rec_failed[1][1]["json"]], ["done", {"message": "Stream completed"}]])):
        out.append(("chat stream after the 200", label, [{"path": CHAT, "query": s, "sse": events}],
                    lambda lt: stream_chat(lt, "hello")))
    out += dialect_scenarios("responses", "/v1/responses", {"model": "gpt-4o", "input": "hello"})
    out += dialect_scenarios("messages", "/v1/messages", {"model": "gpt-4o", "max_tokens": 200,
                                                          "messages": [{"role": "user", "content": "hello"}]})
    img = {"model": "dall-e-3", "prompt": "a fox", "response_format": "url"}
    for label, ans in error_bodies(FEATURES) + cut_bodies(FEATURES)[:3] + record_bodies(FEATURES, "IMAGE_GENERATOR", "dall-e-3"):
        out.append(("images", label, [ans], lambda lt: post_json(lt, "/v1/images/generations", img)))
    for route, path, typ in (("transcription", "/v1/audio/transcriptions", "SPEECH_TO_TEXT"),
                             ("translation", "/v1/audio/translations", "AUDIO_TRANSLATOR")):
        for label, ans in error_bodies(FEATURES)[:4] + cut_bodies(FEATURES)[:2] + record_bodies(FEATURES, typ, "whisper-1"):
            out.append((route, label, [ans], lambda lt, p=path: post_form(
                lt, p, {"model": "whisper-1"}, "talk.mp3", "audio/mpeg", unique_bytes(lambda: mock_media.make_mp3(5)))))
        for label, ans in error_bodies(ASSETS)[:4] + cut_bodies(ASSETS)[:2]:
            out.append((route + " upload", label, [ans], lambda lt, p=path: post_form(
                lt, p, {"model": "whisper-1"}, "talk.mp3", "audio/mpeg", unique_bytes(lambda: mock_media.make_mp3(5)))))
    for route, path, fields in (("image variations", "/v1/images/variations", {"model": "dall-e-2"}),
                                ("image edits", "/v1/images/edits", {"model": "dall-e-2", "prompt": "add a hat"})):
        for label, ans in (error_bodies(FEATURES)[:4] + cut_bodies(FEATURES)[:2]
                           + record_bodies(FEATURES, "IMAGE_VARIATOR", "dall-e-2")):
            out.append((route, label, [ans], lambda lt, p=path, f=fields: post_form(
                lt, p, f, "cat.png", "image/png", unique_bytes(lambda: mock_media.make_png((5, 6, 7), 4)), "image")))
        for label, ans in error_bodies(ASSETS)[:4] + cut_bodies(ASSETS)[:2]:
            out.append((route + " upload", label, [ans], lambda lt, p=path, f=fields: post_form(
                lt, p, f, "cat.png", "image/png", unique_bytes(lambda: mock_media.make_png((5, 6, 7), 4)), "image")))
    for label, ans in error_bodies(ASSETS)[:4] + cut_bodies(ASSETS)[:2]:
        out.append(("files upload", label, [ans], lambda lt: post_form(
            lt, "/v1/files", {"purpose": "vision"}, "photo.png", "image/png",
            unique_bytes(lambda: mock_media.make_png((7, 8, 9), 4)))))
    tts = {"model": "tts-1", "input": "hello", "voice": "alloy"}
    for label, ans in error_bodies(FEATURES)[:4] + cut_bodies(FEATURES)[:2] + record_bodies(FEATURES, "TEXT_TO_SPEECH", "tts-1"):
        out.append(("speech", label, [ans], lambda lt: post_json(lt, "/v1/audio/speech", tts)))

    def vision(lt):
        png = unique_bytes(lambda: mock_media.make_png((10, 200, 30), 4))
        url = "data:image/png;base64," + base64.b64encode(png).decode()
        return post_json(lt, "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": url}}]}]})
    for label, ans in error_bodies(ASSETS) + cut_bodies(ASSETS)[:3]:
        out.append(("vision upload", label, [ans], vision))

    def document(lt):
        SEQ[0] += 1
        pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%% leak test " + str(SEQ[0]).encode() + b"\n%%EOF\n"
        part = {"type": "file", "file": {"filename": "notes.pdf",
                                         "file_data": "data:application/pdf;base64," + base64.b64encode(pdf).decode()}}
        return post_json(lt, "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "summarise"}, part]}]})
    for label, ans in error_bodies(ASSETS)[:4] + cut_bodies(ASSETS)[:2]:
        out.append(("document upload", label, [ans], document))
    return out


def check_run(route, label, status, data, failed, mock, path):
    name = "%s, %s" % (route, label)
    served = [q for q in mock.requests(path) if q.get("scripted")]
    ok(served and failed, "%s: the upstream echoed the key and the client got a failure" % name,
       "scripted answers served: %d, client status %s" % (len(served), status))
    found = leaks(data)
    ok(not found, "%s: no piece of the key in the response" % name, "pieces %s in %r" % (found, data[:600]))


def main():
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_LOG_LEVEL="debug"))
    for route, label, answers, call in scenarios():
        mock.reset()
        mock.script(*answers)
        status, data, failed = call(lt)
        check_run(route, label, status, data, failed, mock, answers[0]["path"])

    # The catalogue: 1min.ai needs no key there, but an error body may still
    # quote one, and the client's request that triggers the fetch carries it.
    # A failed fetch is retried only after a pause, so each shape gets a fresh relay.
    picks = [error_bodies("/models")[i] for i in (0, 3, 4)] + [cut_bodies("/models")[1]]
    for label, ans in picks:
        mock.reset()
        mock.script(dict(json.loads(json.dumps(ans).replace(K, KEY)), times=0))
        cat = start_lighttpd(relay_env(mock, RELAY_LOG_LEVEL="debug"))
        r = request(cat, "GET", "/v1/models", headers=auth())
        r2 = request(cat, "POST", "/v1/chat/completions", headers=dict(auth(), **{"Content-Type": "application/json"}),
                     body=json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode())
        cat.stop()
        served = [q for q in mock.requests("/models") if q.get("scripted")]
        ok(served, "model catalogue, %s: the catalogue answered with the key" % label)
        found = leaks(r.body + repr(r.headers).encode() + r2.body + repr(r2.headers).encode())
        ok(not found, "model catalogue, %s: no piece of the key in the responses" % label, found)

    logs = all_logs_text()
    found = leaks(logs)
    lines = [ln for ln in logs.splitlines() if leaks(ln)]
    ok(not found, "no piece of the key in any log line at RELAY_LOG_LEVEL=debug (%d bytes of logs)" % len(logs),
       "\n".join(lines[:20]))
    ok(" debug " in logs, "the relay logged at debug level", logs[-500:])


run(main, timeout=400)
