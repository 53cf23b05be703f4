#!/usr/bin/env python3
"""bench-rl (not a test): what the rate limiter costs, in one run.

1. In process (tests/bench/rl_bench, C): the limiter's own work per request
   (identify the client, admit, charge) for the stores off, local and
   memcached, and the memcached round trips per admission and per charge.
2. End to end: the same chat completion through lighttpd + one relay process
   (4 threads) against the mock 1min.ai with RATE_LIMIT_STORE off, local and
   memcached, in interleaved rounds so that drift on a shared machine hits all
   three alike: median throughput and sequential latency, ratios against off.
3. The verdict: the in-process cost of each store as a share of the relay's
   own request time with the limiter off (goal: under 5% for local).

Run: make bench-rl (RL_BENCH_N requests per round, RL_BENCH_ROUNDS rounds,
RL_BENCH_CLIENTS parallel clients)."""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from relaytest import clients  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_memcached, start_mock  # noqa: E402

N = int(os.environ.get("RL_BENCH_N", "800"))
ROUNDS = int(os.environ.get("RL_BENCH_ROUNDS", "3"))
CLIENTS = int(os.environ.get("RL_BENCH_CLIENTS", "8"))
BODY = json.dumps(clients.chat_body("benchmark prompt")).encode()
HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench-000"}


def throughput(port, n, clients):
    per = n // clients
    errors = []

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(per):
            conn.request("POST", "/v1/chat/completions", body=BODY, headers=HEADERS)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                errors.append(r.status)
        conn.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise RuntimeError("non-200 answers: %r" % errors[:5])
    return per * clients / (time.perf_counter() - t)


def latency(port, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("POST", "/v1/chat/completions", body=BODY, headers=HEADERS)
        r = conn.getresponse()
        r.read()
        lat.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(lat)


def in_process():
    """Run the C part; its output is printed, its figures returned (ns)."""
    exe = os.environ.get("RL_BENCH_BIN", os.path.join(os.environ.get("TOP_BUILDDIR", "."), "tests", "bench", "rl_bench"))
    out = subprocess.run([exe], stdout=subprocess.PIPE, universal_newlines=True, timeout=300)
    sys.stdout.write(out.stdout)
    m = re.search(r"RL_LOCAL_NS=(\d+) RL_MEMCACHED_NS=(\d+) RL_OFF_NS=(\d+)", out.stdout)
    if out.returncode != 0 or not m:
        raise RuntimeError("rl_bench failed (status %d)" % out.returncode)
    local, mcd, off = (int(x) for x in m.groups())
    return {"local": local - off, "memcached": mcd - off}


def main():
    cost = in_process()
    mock = start_mock()
    mc = start_memcached(["-u", "nobody"] if os.geteuid() == 0 else [])
    tag = "rlbench-%d" % os.getpid()
    limits = {"RATE_LIMIT_RPM": 1000000, "RATE_LIMIT_TPM": 4000000000,
              "RATE_LIMIT_LOCAL_NAME": tag, "RATE_LIMIT_KEY_PREFIX": tag,
              "RELAY_LOG_LEVEL": "warn"}
    stores = [("off", "off"), ("local", "local"),
              ("memcached", "memcached://127.0.0.1:%d" % mc.port)]
    servers = {}
    try:
        for name, store in stores:
            servers[name] = start_lighttpd(relay_env(mock, RATE_LIMIT_STORE=store, **limits))
        for name, _ in stores:      # warm up
            throughput(servers[name].port, N // 4, CLIENTS)
        rps = {name: [] for name, _ in stores}
        lat = {name: [] for name, _ in stores}
        for _ in range(ROUNDS):
            for name, _ in stores:
                rps[name].append(throughput(servers[name].port, N, CLIENTS))
                lat[name].append(latency(servers[name].port, N // 8))
        base = statistics.median(rps["off"])
        base_lat = statistics.median(lat["off"])
        print("end to end, lighttpd + 1 relay process (4 threads), %d clients, %d rounds of %d requests:"
              % (CLIENTS, ROUNDS, N))
        for name, _ in stores:
            med = statistics.median(rps[name])
            ml = statistics.median(lat[name])
            print("  %-10s %8.1f req/s (ratio %.3f)   latency %6.2f ms (ratio %.3f)   rounds %s"
                  % (name, med, med / base, ml * 1000, ml / base_lat,
                     " ".join("%.0f" % x for x in rps[name])))
        print("(the python mock upstream bounds these and the shared machine makes them noisy;")
        print(" the verdict below uses the in-process cost, which isolates the limiter)")
        for name in ("local", "memcached"):
            share = cost[name] / 1e9 / base_lat * 100
            print("verdict: %-9s adds %.1f us to a %.2f ms request = %.2f%% of its time%s"
                  % (name, cost[name] / 1000.0, base_lat * 1000, share,
                     ("   (goal < 5%%: %s)" % ("met" if share < 5 else "MISSED")) if name == "local" else ""))
    finally:
        for lt in servers.values():
            lt.stop()
        try:
            os.unlink("/dev/shm/" + tag)
        except OSError:
            pass



if __name__ == "__main__":
    main()
