#!/usr/bin/env python3
"""Bad input never crashes the relay. From clients: malformed bodies of every
kind (random bytes, cut JSON, deep nesting, wrong types in every field,
invalid UTF-8, NaN, huge numbers, odd content types, broken multipart) sent to
every POST route through lighttpd. Each answer must be a 2xx or a 4xx in
OpenAI's error shape with a JSON content type, and the relay must keep serving
afterwards. From the upstream: random bytes with HTTP 200, as a JSON answer
and as a stream. The inputs come from fixed seeds, so a failure replays."""

import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import diag, is_openai_error, ok  # noqa: E402
from relaytest.procs import run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402

ROUTES = ["/v1/chat/completions", "/v1/images/generations", "/v1/audio/speech",
          "/v1/audio/transcriptions", "/v1/audio/translations"]

WEIRD = [None, True, False, 0, -1, 1.5, 1e308, 10 ** 30, "", "x" * 3000, [], {}, [[]], {"a": {}},
         "\u0000", "\ud7ff", "gpt-4o:online:online", "../../etc/passwd", "%00", "\U0001f4a5" * 50]


def json_cases(rng):
    good = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
            "prompt": "a fox", "input": "hello", "voice": "alloy"}
    out = []
    for key in list(good) + ["stream", "stream_options", "n", "size", "response_format", "quality",
                             "style", "speed", "temperature", "tools"]:
        for v in WEIRD:
            body = dict(good)
            body[key] = v
            out.append(json.dumps(body).encode())
    for v in WEIRD:   # every kind of message and content part
        out.append(json.dumps({"model": "gpt-4o", "messages": [v]}).encode())
        out.append(json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": v}]}).encode())
        out.append(json.dumps({"model": "gpt-4o", "messages": [{"role": v, "content": "x"}]}).encode())
        out.append(json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": v}]}]}).encode())
        out.append(json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": v}}]}]}).encode())
    out += [b"", b"{", b"[", b"null", b"[]", b"\"str\"", b"123", b"{\"model\":", b"{'model':'x'}",
            b"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],}",
            b"{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}",
            b"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":NaN}",
            b"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":Infinity}",
            b"[" * 5000 + b"]" * 5000, b"{\"a\":" * 3000 + b"1" + b"}" * 3000,
            b"data:image/png;base64,AAAA", b"\x00" * 64]
    good_text = json.dumps(good).encode()
    for _ in range(60):
        out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
        out.append(good_text[:rng.randrange(1, len(good_text))])
        mutated = bytearray(good_text)
        for _ in range(rng.randrange(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        out.append(bytes(mutated))
    return out


def multipart_cases(rng):
    b = "XyZ"
    ct = "multipart/form-data; boundary=" + b
    part = ('--%s\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n' % b).encode()
    filepart = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n'
                'Content-Type: audio/mpeg\r\n\r\n' % b).encode() + b"ID3\x03\x00" + b"\x00" * 100 + b"\r\n"
    end = ("--%s--\r\n" % b).encode()
    cases = [(ct, b""), (ct, part), (ct, part + filepart), (ct, part + filepart[:40]),
             ("multipart/form-data", part + filepart + end),            # no boundary parameter
             ("multipart/form-data; boundary=", part + end),
             (ct, b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n" + end),  # a part without a name
             (ct, b"--XyZ\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\nx\r\n" + end),
             ("application/json", part + filepart + end), ("text/plain", b"hello")]
    for _ in range(40):
        body = bytearray(part + filepart + end)
        for _ in range(rng.randrange(1, 8)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        cases.append((ct, bytes(body[:rng.randrange(1, len(body) + 1)])))
    return cases


def main():
    rng = random.Random(20261126)
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_THREADS=4))
    bad = []
    sent = 0
    for route in ROUTES:
        cases = [("application/json", body) for body in json_cases(rng)]
        if "transcriptions" in route or "translations" in route:
            cases += multipart_cases(rng)
        for ctype, body in cases:
            h = dict(auth("sk-garbage"), **{"Content-Type": ctype})
            try:
                r = request(lt, "POST", route, body=body, headers=h, timeout=30)
            except Exception as e:  # a dropped connection is a failure too
                bad.append((route, body[:80], "exception %r" % e))
                continue
            sent += 1
            j = r.json() if (r.header("Content-Type") or "").startswith("application/json") else None
            if r.status >= 500 or (r.status >= 400 and not is_openai_error(j)):
                bad.append((route, body[:80], r.status, r.body[:200]))
    diag("%d malformed requests sent" % sent)
    ok(sent > 1000 and not bad,
       "every malformed request got a 2xx or a 4xx JSON error in OpenAI's shape, never a 5xx",
       "\n".join(repr(b) for b in bad[:20]))

    # The upstream answering garbage with HTTP 200: a JSON call must become a
    # 502 in OpenAI's shape; a stream must stay well-formed SSE (the bytes are
    # taken as legacy raw text, or end in an error frame), every data line
    # valid JSON or [DONE].
    bad = []
    for seed in range(40):
        content = "g [[mock:garbage=%d]]" % seed
        r = request(lt, "POST", "/v1/chat/completions", body=json.dumps(chat_body(content)).encode(),
                    headers=dict(auth("sk-garbage"), **{"Content-Type": "application/json"}), timeout=30)
        if r.status != 502 or not is_openai_error(r.json()):
            bad.append(("json", seed, r.status, r.body[:200]))
        s = SSEStream(lt, "/v1/chat/completions", chat_body(content, stream=True),
                      headers=auth("sk-garbage"), timeout=30)
        if s.status != 200:
            if s.status != 502 or not is_openai_error(s.json()):
                bad.append(("stream status", seed, s.status))
            continue
        chunks, done, errors, _ = stream_chunks(s.read_all())
        s.close()
        if any("__unparsed__" in c for c in chunks) or not (done or errors) or (done and errors):
            bad.append(("stream", seed, done, errors[:1], [c for c in chunks if "__unparsed__" in c][:1]))
    ok(not bad, "an upstream answering random bytes: a 502 JSON error, or a well-formed stream", bad[:10])

    r = request(lt, "GET", "/health")
    ok(r.status == 200, "the relay still serves after the garbage")


if __name__ == "__main__":
    run(main, timeout=400)
