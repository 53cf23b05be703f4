#!/usr/bin/env python3
"""Concurrency smoke test: 20 parallel chat requests (half of them streamed)
through lighttpd all succeed, each with its own answer."""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import diag, is_, ok  # noqa: E402
from relaytest.procs import run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402

N = 20


def one(lt, i, results):
    try:
        if i % 2:
            s = SSEStream(lt, "/v1/chat/completions",
                          chat_body("parallel stream %d [[mock:slow=50]]" % i, stream=True),
                          headers=auth("sk-par-%d" % i), timeout=60)
            chunks, done, errors, _ = stream_chunks(s.read_all()) if s.status == 200 else ([], False, [], [])
            text = "".join((c["choices"][0].get("delta") or {}).get("content") or ""
                           for c in chunks if c.get("choices"))
            results[i] = (s.status, done and not errors, text)
        else:
            r = request(lt, "POST", "/v1/chat/completions",
                        body=chat_body("parallel json %d [[mock:slow=50]]" % i), headers=auth("sk-par-%d" % i),
                        timeout=60)
            j = r.json() or {}
            text = ((j.get("choices") or [{}])[0].get("message") or {}).get("content")
            results[i] = (r.status, True, text)
    except Exception as e:  # recorded as a failure of that request
        results[i] = ("exception", False, repr(e))


def main():
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_THREADS=8))
    is_(request(lt, "GET", "/v1/models").status, 200, "warm-up: catalogue loaded")
    mock.reset()
    results = [None] * N
    threads = [threading.Thread(target=one, args=(lt, i, results)) for i in range(N)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    took = time.monotonic() - t0
    diag("%d parallel requests took %.2f s" % (N, took))
    bad = []
    for i, res in enumerate(results):
        kind = "stream" if i % 2 else "json"
        want = "Echo: parallel %s %d" % (kind, i)
        if not res or res[0] != 200 or not res[1] or res[2] != want:
            bad.append((i, res))
    ok(not bad, "%d parallel chat requests all succeed with their own answer" % N, bad)
    keys = sorted(q["api_key"] for q in mock.chat_requests())
    is_(keys, sorted("sk-par-%d" % i for i in range(N)), "each request reached the upstream once, with its own key")


run(main, timeout=180)
