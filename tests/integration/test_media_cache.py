#!/usr/bin/env python3
"""The upload cache in the shared store and media rate limiting.

Two relays (each behind its own lighttpd, so two processes with their own
memory) share one memcached as their rate-limit store: a picture uploaded
through the first is not uploaded again through the second, and the cache
entry holds no API key. Image and audio requests are admitted by the limiter
at their configured token cost (RATE_LIMIT_IMAGE_TOKENS x n,
RATE_LIMIT_AUDIO_TOKENS): over the limit they get 429 before anything reaches
the upstream."""

import base64
import json
import os
import socket
import sys
import uuid
from urllib.parse import unquote

TOP = os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "mock"))
from relaytest.tap import check_error, is_, ok  # noqa: E402
from relaytest.procs import run, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_memcached, start_mock  # noqa: E402
from relaytest.clients import auth, request  # noqa: E402
import mock_media  # noqa: E402

KEY = "sk-cache-SECRET-91ab"


def post(lt, path, body):
    h = {"Content-Type": "application/json"}
    h.update(auth(KEY))
    return request(lt, "POST", path, body=json.dumps(body).encode(), headers=h, timeout=60)


def vision(png):
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is it"}, {"type": "image_url", "image_url": {"url": url}}]}]}


def uploads(mock):
    return [q for q in mock.requests() if q.get("event") == "asset-upload"]


def memcached_keys(port):
    """Every key memcached holds (lru_crawler metadump; keys come URL-encoded)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"lru_crawler metadump all\r\n")
    data = b""
    while not data.endswith(b"END\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return [unquote(w.split(b"=", 1)[1].decode()) for w in data.split() if w.startswith(b"key=")]


def main():
    mock = start_mock()
    mc = start_memcached()
    name = "media-test-" + uuid.uuid4().hex[:8]
    env = relay_env(mock, RATE_LIMIT_STORE="memcached://127.0.0.1:%d" % mc.port, RATE_LIMIT_KEY_PREFIX=name,
                    RATE_LIMIT_RPM=1000, RATE_LIMIT_TPM=100000, RATE_LIMIT_IMAGE_TOKENS=40000,
                    RATE_LIMIT_AUDIO_TOKENS=30000, RELAY_UPLOAD_CACHE_DIR=os.path.join(tmpdir("unused-"), "c"))
    a = start_lighttpd(env)
    b = start_lighttpd(env)

    png = mock_media.make_png((5, 6, 7), 6)
    mock.reset()
    r = post(a, "/v1/chat/completions", vision(png))
    ok(r.status == 200 and len(uploads(mock)) == 1, "relay A uploads the picture", (r.status, r.body[:200]))
    path = uploads(mock)[0]["path"] if uploads(mock) else None
    mock.reset()
    r = post(b, "/v1/chat/completions", vision(png))
    chat = mock.chat_requests()
    att = ((((chat[-1].get("body") or {}).get("promptObject") or {}).get("attachments") or {}).get("images")
           if chat else None)
    ok(r.status == 200 and len(uploads(mock)) == 0 and att == [path],
       "relay B (another process) uploads nothing: the path comes from memcached", (r.status, uploads(mock), att))
    keys = [k for k in memcached_keys(mc.port) if k.startswith("1min-relay:asset:")]
    ok(len(keys) == 1 and KEY not in keys[0], "one asset entry in memcached, named by a hash", keys)
    ok(os.path.isdir(env["RELAY_UPLOAD_CACHE_DIR"]) is False, "no per-host cache files while memcached is the store")

    # Another key: the asset belongs to the account that uploaded it.
    mock.reset()
    h = {"Content-Type": "application/json", "Authorization": "Bearer sk-other-account"}
    r = request(b, "POST", "/v1/chat/completions", body=json.dumps(vision(png)).encode(), headers=h, timeout=60)
    is_(len(uploads(mock)), 1, "a different API key uploads its own copy")

    # Token costs of media requests (limit 100000 per window; image 40000 each, audio 30000).
    mock.reset()
    r = post(a, "/v1/images/generations", {"model": "dall-e-2", "prompt": "p", "n": 3})
    check_error(r, 429, "images: n=3 costs 120000 tokens, more than the limit -> 429")
    is_(len(mock.requests("/api/features")), 0, "images: the refused request never reached the upstream")
    r = post(a, "/v1/images/generations", {"model": "dall-e-2", "prompt": "p", "n": 2})
    ok(r.status == 200 and r.header("x-ratelimit-limit-tokens") is not None,
       "images: n=2 (80000 tokens) is admitted, with the rate-limit headers", (r.status, r.headers))
    r = post(b, "/v1/audio/speech", {"model": "tts-1", "input": "hello", "voice": "alloy"})
    check_error(r, 429, "speech: 30000 more tokens pass the limit across both relays -> 429")
    a.stop()
    b.stop()


run(main, timeout=200)
