#!/usr/bin/env python3
"""Concurrency benchmark (not a test): N clients open a slow chat stream at
once through lighttpd (the shipped contrib recipe) and one relay process, for
N = 100 and 1,000, with the elastic pool at its defaults and, side by side,
the old fixed pool (RELAY_MAX_THREADS = RELAY_THREADS = 16: the surplus now
gets an immediate 503 instead of waiting).

Each stream is silent for the first part of its duration (the upstream has
answered, nothing flows: "CPU while streams idle" is measured there), then
sends a few words. Printed per run: clients served / told 503 / failed, time
to first byte (the status line) p50/p99/max, time until the last stream ended,
the relay's RSS before and with every stream open (and per open stream), and
its CPU while the streams idle and over the sending half of the run (and per
SSE event sent, which must stay flat from 100 to 1,000 streams).

Run: make bench-streams   (BENCH_STREAM_S=20 BENCH_N="1000" to change)
"""
import asyncio
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from relaytest import procs, servers  # noqa: E402

STREAM_S = float(os.environ.get("BENCH_STREAM_S", "10"))
NS = [int(x) for x in os.environ.get("BENCH_N", "100 1000").split()]
TICK = os.sysconf("SC_CLK_TCK")


def relay_pid(lt):
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == lt.proc.pid and b"1min-relay" in cmd:
            return int(d)
    raise RuntimeError("relay process not found")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def threads(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


async def client(port, i, out):
    body = json.dumps({"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content":
                       "bench %d a b c d e f [[mock:paced=%g]]" % (i, STREAM_S)}]}).encode()
    req = (b"POST /v1/chat/completions HTTP/1.0\r\nHost: bench\r\nAuthorization: Bearer sk-bench-%d\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (i, len(body))) + body
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(req)
        await writer.drain()
        line = await reader.readline()
        ttfb = time.monotonic() - t0
        status = int(line.split()[1]) if line.startswith(b"HTTP/") else 0
        data = await reader.read()
        writer.close()
        done = status == 200 and b"data: [DONE]" in data
        out[i] = (status, ttfb, time.monotonic() - t0, done, data.count(b"data: "))
    except Exception as e:  # a failed client, counted
        out[i] = ("error: %r" % e, time.monotonic() - t0, time.monotonic() - t0, False, 0)


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def run_clients(port, n, pid):
    silent_ms = STREAM_S * 500          # the mock's paced stream: half silence
    out = [None] * n
    rss0 = rss_kb(pid)
    t0 = time.monotonic()
    tasks = [asyncio.ensure_future(client(port, i, out)) for i in range(n)]
    # Inside the silent part every admitted stream is open and idle.
    await asyncio.sleep(silent_ms / 1000.0 * 0.4)
    c1, w1 = cpu_s(pid), time.monotonic()
    await asyncio.sleep(silent_ms / 1000.0 * 0.4)
    c2, w2 = cpu_s(pid), time.monotonic()
    rss1, nthreads = rss_kb(pid), threads(pid)
    cpu_all0 = c1
    await asyncio.gather(*tasks)
    wall = time.monotonic() - t0
    cpu_all = cpu_s(pid) - cpu_all0
    return out, wall, rss0, rss1, nthreads, (c2 - c1) / (w2 - w1), cpu_all


def report(label, n, res):
    out, wall, rss0, rss1, nthreads, idle_cpu, cpu_all = res
    ok = [r for r in out if r and r[0] == 200 and r[3]]
    busy = [r for r in out if r and r[0] == 503]
    bad = n - len(ok) - len(busy)
    ttfb = [r[1] for r in ok]
    busy_t = [r[1] for r in busy]
    per = (rss1 - rss0) / max(len(ok), 1)
    events = sum(r[4] for r in ok)
    print("%-22s N=%-5d served %4d  503 %4d  failed %3d | TTFB p50 %6.3f p99 %6.3f max %6.3f s | "
          "503 within p99 %.3f s | all done %5.1f s | RSS %5.1f -> %5.1f MB (%4.0f KB/stream, %d threads) | "
          "CPU idle streams %4.1f %% | CPU run %.2f s (%.0f us per SSE event)"
          % (label, n, len(ok), len(busy), bad, pct(ttfb, .5), pct(ttfb, .99), max(ttfb or [0]),
             pct(busy_t, .99) if busy_t else 0.0, wall, rss0 / 1024, rss1 / 1024, per, nthreads,
             idle_cpu * 100, cpu_all, cpu_all * 1e6 / max(events, 1)))
    sys.stdout.flush()


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(n for n in NS) * 2 + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    mock = servers.start_mock()
    print("stream: %.0f s (half silent); lighttpd with contrib/lighttpd/1min-relay.conf; one relay process"
          % STREAM_S)
    for label, extra in (("elastic (defaults)", {}),
                         ("fixed pool of 16", {"RELAY_THREADS": "16", "RELAY_MAX_THREADS": "16"})):
        env = dict(mock.env(), RELAY_LOG_LEVEL="warn", RATE_LIMIT_STORE="off", **extra)
        lt = servers.start_lighttpd(env)
        try:
            import http.client
            c = http.client.HTTPConnection("127.0.0.1", lt.port, timeout=30)
            c.request("GET", "/v1/models")
            c.getresponse().read()
            c.close()
            pid = relay_pid(lt)
            for n in NS:
                report(label, n, asyncio.run(run_clients(lt.port, n, pid)))
                time.sleep(1)
        finally:
            lt.stop()
    procs.stop_process(mock.proc)


if __name__ == "__main__":
    main()
