#!/usr/bin/env python3
"""Relay overhead benchmark (not a test): the same chat completion sent
straight to the mock 1min.ai and through lighttpd + 1min-relay, side by side
in one run. Prints median/p95 latency of each, the added overhead, the
throughput of each under a few parallel clients, and the relay's RSS.

Run: make bench-relay   (or RELAY_BIN=... TOP_SRCDIR=... python3 tests/bench/bench_relay.py)
"""
import http.client
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from relaytest import procs, servers, tap  # noqa: E402

N_SEQ = int(os.environ.get("BENCH_N", "400"))
N_PAR = int(os.environ.get("BENCH_PAR_N", "1600"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))


def one(conn, path, body, headers):
    t = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        raise RuntimeError("status %d" % r.status)
    return time.perf_counter() - t


def sequential(port, path, body, headers, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(20):
        one(conn, path, body, headers)
    lat = [one(conn, path, body, headers) for _ in range(n)]
    conn.close()
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.95)]


def parallel(port, path, body, headers, n, clients):
    per = n // clients

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(per):
            one(conn, path, body, headers)
        conn.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return per * clients / (time.perf_counter() - t)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def relay_pids():
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if os.path.basename(f.read().split(b"\0")[0]) == b"1min-relay":
                        pids.append(int(d))
            except OSError:
                pass
    return pids


def main():
    mock = servers.start_mock()
    lt = servers.start_lighttpd(servers.relay_env(mock, RELAY_LOG_LEVEL="warn", RELAY_THREADS="16"))
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello in five words"}]}
    relay_body = json.dumps(chat)
    up_body = json.dumps({"type": "UNIFY_CHAT_WITH_AI", "model": "gpt-4o-mini",
                          "promptObject": {"prompt": "Human: Say hello in five words\n\n",
                                           "settings": {"historySettings": {"isMixed": False},
                                                        "withMemories": False}}})
    hdr = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
    up_hdr = {"API-KEY": "bench", "Content-Type": "application/json"}

    d_med, d_p95 = sequential(mock.port, "/api/chat-with-ai", up_body, up_hdr, N_SEQ)
    r_med, r_p95 = sequential(lt.port, "/v1/chat/completions", relay_body, hdr, N_SEQ)
    d_rps = parallel(mock.port, "/api/chat-with-ai", up_body, up_hdr, N_PAR, CLIENTS)
    r_rps = parallel(lt.port, "/v1/chat/completions", relay_body, hdr, N_PAR, CLIENTS)
    rss = max([rss_kib(p) for p in relay_pids()] or [0])

    print("relay overhead benchmark (%d sequential, %d parallel requests, %d clients)" % (N_SEQ, N_PAR, CLIENTS))
    print("  direct to mock       : median %.2f ms  p95 %.2f ms  %.0f req/s" % (d_med * 1e3, d_p95 * 1e3, d_rps))
    print("  lighttpd + 1min-relay: median %.2f ms  p95 %.2f ms  %.0f req/s" % (r_med * 1e3, r_p95 * 1e3, r_rps))
    print("  added latency        : median %.2f ms (ratio %.2fx)" % ((r_med - d_med) * 1e3, r_med / d_med))
    print("  throughput ratio     : %.2f (relay path / direct)" % (r_rps / d_rps))
    print("  relay RSS            : %.1f MiB (16 threads, after the run)" % (rss / 1024.0))
    tap.ok(True, "benchmark ran")


if __name__ == "__main__":
    procs.run(main, timeout=600)
