#!/usr/bin/env python3
"""Memory of large chat requests in flight (not a test): K requests with a
prompt of B MiB each, held at the same time by one relay process behind
lighttpd (a fresh one for each row) (the mock answers only after a pause, so all K are in flight
together). Prints the relay's peak resident memory above its idle level, per
request, as a multiple of the request body (the engine issue's target: at
most 3x), for K = 1 and K = 16, answered as JSON and as a stream, side by
side.

Run: make bench-large   (or RELAY_BIN=... TOP_SRCDIR=... python3 tests/bench/bench_large.py)
"""
import http.client
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from relaytest import procs, servers, tap  # noqa: E402

MIB = 1 << 20
BODY_MIB = int(os.environ.get("BENCH_BODY_MIB", "4"))
PAUSE_MS = 1500


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def relay_pid(parent):
    """The relay lighttpd (pid parent) spawned: other relays may run here."""
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    is_relay = os.path.basename(f.read().split(b"\0")[0]) == b"1min-relay"
                if is_relay and status_kib(int(d), "PPid:") == parent:
                    return int(d)
            except OSError:
                pass
    raise RuntimeError("no relay process under lighttpd")


def chat_body(mib, i, stream):
    """A chat request of about mib MiB: English-like text with the newlines
    and quotes a prompt carries, and the mock's pause."""
    line = "Line %d of the document, with \"quotes\", numbers 12345 and a newline.\n"
    text, n = [], 0
    while n < mib * MIB:
        s = line % len(text)
        text.append(s)
        n += len(s)
    content = "[[mock:silent=%.1f]][[mock:say=ok]] request %d\n%s" % (PAUSE_MS / 1000.0, i, "".join(text))
    return json.dumps({"model": "gpt-4o-mini", "stream": stream,
                       "messages": [{"role": "user", "content": content}]}).encode()


def in_flight(port, pid, k, bodies):
    """Send k requests at once; the relay's peak RSS above its level before."""
    base = status_kib(pid, "VmRSS:")
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")                 # reset VmHWM to the current RSS
    codes = []

    def send(body):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/v1/chat/completions", body=body,
                     headers={"Authorization": "Bearer bench", "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        codes.append(r.status)
        conn.close()

    threads = [threading.Thread(target=send, args=(bodies[i],)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if codes != [200] * k:
        raise RuntimeError("statuses %r" % codes)
    return (status_kib(pid, "VmHWM:") - base) * 1024


def warm_relay(mock):
    """A fresh lighttpd and relay, after one small request: (lighttpd, relay pid)."""
    lt = servers.start_lighttpd(servers.relay_env(mock, RELAY_LOG_LEVEL="warn", RELAY_THREADS="16",
                                                  RATE_LIMIT_STORE="off"))
    small = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", lt.port, timeout=30)
    conn.request("POST", "/v1/chat/completions", body=small,
                 headers={"Authorization": "Bearer bench", "Content-Type": "application/json"})
    conn.getresponse().read()
    conn.close()
    return lt, relay_pid(lt.proc.pid)


def main():
    mock = servers.start_mock()
    size = len(chat_body(BODY_MIB, 0, False))
    print("large requests in flight: a fresh relay process behind lighttpd for each row, bodies of %.2f MiB, "
          "the upstream answering after %d ms" % (size / MIB, PAUSE_MS))
    for stream in (False, True):
        bodies = [chat_body(BODY_MIB, i, stream) for i in range(16)]
        for k in (1, 16):
            lt, pid = warm_relay(mock)
            first = in_flight(lt.port, pid, k, bodies)
            again = in_flight(lt.port, pid, k, bodies)
            print("  %-8s %2d at once: peak memory added %.2f x the body per request the first time, %.2f x "
                  "the next (target <= 3); RSS after %.1f MiB" % ("streamed" if stream else "JSON", k, first / k / size,
                                                                 again / k / size, status_kib(pid, "VmRSS:") / 1024.0))
            procs.stop_process(lt.proc)
    tap.ok(True, "benchmark ran")


if __name__ == "__main__":
    procs.run(main, timeout=600)
