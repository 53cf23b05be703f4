#!/usr/bin/env python3
"""Capacity (issue 12): the elastic worker pool, the fast busy answer at the
ceiling, the client deadlines, the open-file budget and stopping with a shared
socket.

Time bounds are brackets, not benchmarks: each compares against what the old
fixed pool would need (several times longer) and leaves room for a loaded
2-core machine and a sanitizer build."""

import json
import os
import re
import resource
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, diag, is_, like, ok  # noqa: E402
from relaytest.procs import (RELAY_BIN, addr_family, base_env, free_port, need_relay_bin, read_file,  # noqa: E402
                             run, spawn, stop_process, tmpdir, wait_port, wait_until, watch_log)
from relaytest.servers import relay_env, start_lighttpd, start_mock, start_relay_listen  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402
from relaytest.fcgi import FCGI_STDOUT, FcgiConn, cgi_env, fcgi_encode_params, fcgi_request  # noqa: E402

WORDS = " ".join("w%d" % i for i in range(8))


def stream_once(base, i, results, marker="[[mock:slow=400]]"):
    """One streamed chat; results[i] = (status, complete, text, retry_after, seconds)."""
    t0 = time.monotonic()
    try:
        s = SSEStream(base, "/v1/chat/completions",
                      chat_body("cap %d %s %s" % (i, WORDS, marker), stream=True),
                      headers=auth("sk-cap-%d" % i), timeout=120)
        if s.status != 200:
            results[i] = (s.status, False, s.body, s.header("Retry-After"), time.monotonic() - t0)
            return
        chunks, done, errors, _ = stream_chunks(s.read_all())
        text = "".join((c["choices"][0].get("delta") or {}).get("content") or ""
                       for c in chunks if c.get("choices"))
        results[i] = (200, done and not errors, text, None, time.monotonic() - t0)
    except Exception as e:  # recorded as that client's failure
        results[i] = ("exception", False, repr(e), None, time.monotonic() - t0)


def run_streams(base, n, first=0, marker="[[mock:slow=400]]"):
    results = [None] * (first + n)
    threads = [threading.Thread(target=stream_once, args=(base, first + i, results, marker))
               for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    return results, threads, t0


def defaults_env(mock, **kw):
    env = relay_env(mock, RELAY_LOG_LEVEL="info", **kw)
    env.pop("RELAY_THREADS", None)      # the shipped default, not the harness's 4
    return env


def want_text(i):
    return "Echo: cap %d %s" % (i, WORDS)


def part_many_streams(mock):
    """200 streams through lighttpd against one relay with default settings
    finish in about one stream's time (16 threads would need 13 rounds)."""
    lt = start_lighttpd(defaults_env(mock))
    is_(request(lt, "GET", "/v1/models").status, 200, "defaults: catalogue loaded")
    solo = [None]
    stream_once(lt, 0, solo)
    ok(solo[0][0] == 200 and solo[0][1] and solo[0][2] == want_text(0), "one stream alone", solo[0])
    one = solo[0][4]
    n = 200
    results, threads, t0 = run_streams(lt, n)
    for t in threads:
        t.join(150)
    took = time.monotonic() - t0
    bad = [(i, r) for i, r in enumerate(results)
           if not r or r[0] != 200 or not r[1] or r[2] != want_text(i)]
    ok(not bad, "%d concurrent streams with default settings all complete with their own text" % n, bad[:5])
    diag("one stream alone: %.2f s; %d at once: %.2f s (a 16-thread pool needs ~%.0f s)"
         % (one, n, took, one * (n + 15) // 16))
    ok(took < one * 4 + 10, "... in about one stream's time: %.1f s for %d, %.1f s for one" % (took, n, one))
    lt.stop()


def part_ceiling(mock):
    """RELAY_MAX_THREADS=4: four streams are admitted; the surplus is told at
    once (503, Retry-After, OpenAI error shape); the four finish intact."""
    lt = start_lighttpd(defaults_env(mock, RELAY_MAX_THREADS=4, RELAY_THREADS=2))
    is_(request(lt, "GET", "/v1/models").status, 200, "ceiling 4: catalogue loaded")
    mock.reset()
    results, threads, _t0 = run_streams(lt, 4, marker="[[mock:hold]]")
    held = wait_until(lambda: len([c for c in mock.connections() if c["outcome"] == "held"]) == 4, 20)
    ok(held, "four streams admitted and in flight")
    surplus = []
    for i in range(6):
        t0 = time.monotonic()
        r = request(lt, "POST", "/v1/chat/completions", body=chat_body("surplus %d" % i, stream=True),
                    headers=auth("sk-surplus"), timeout=30)
        surplus.append((r, time.monotonic() - t0))
    statuses = [r.status for r, _ in surplus]
    is_(statuses, [503] * 6, "the surplus requests get 503")
    slowest = max(t for _, t in surplus)
    ok(slowest < 2.0, "... at once (slowest %.3f s)" % slowest)
    ok(all(r.header("Retry-After") == "2" for r, _ in surplus), "... with Retry-After",
       [r.header("Retry-After") for r, _ in surplus])
    err = surplus[0][0].json() or {}
    check_error(surplus[0][0], 503, "... in OpenAI's error shape", code="overloaded")
    diag("503 body: %s" % json.dumps(err))
    ok(not [q for q in mock.chat_requests() if "surplus" in json.dumps(q)],
       "no surplus request reached the upstream")
    mock.release()
    for t in threads:
        t.join(60)
    bad = [(i, r) for i, r in enumerate(results) if not r or r[0] != 200 or not r[1] or r[2] != want_text(i)]
    ok(not bad, "the admitted streams finish intact", bad)
    is_(request(lt, "GET", "/").status, 200, "served again once the streams are done")
    lt.stop()


def raw_connect(addr):
    s = socket.socket(addr_family(addr), socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(addr)
    return s


def closed_by_peer(s, deadline):
    """Seconds until the relay closed s (reading and discarding), or None."""
    t0 = time.monotonic()
    s.settimeout(0.5)
    while time.monotonic() - t0 < deadline:
        try:
            if not s.recv(65536):
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t0
    return None


def part_raw_slow_clients(mock, listen):
    """Raw FastCGI peers that send nothing, a BEGIN only, or parameters and no
    body are dropped after RELAY_CLIENT_TIMEOUT; others are served meanwhile."""
    timeout = 2
    r = start_relay_listen(relay_env(mock, RELAY_THREADS=2, RELAY_MAX_THREADS=4,
                                     RELAY_CLIENT_TIMEOUT=timeout, RELAY_LOG_LEVEL="info"),
                           listen=listen)
    kind = "unix" if listen else "tcp"
    begin = struct.pack(">BBHHBB", 1, 1, 1, 8, 0, 0) + struct.pack(">HB5x", 1, 0)
    params = fcgi_encode_params(cgi_env("POST", "/v1/chat/completions",
                                        {"Content-Type": "application/json"}, b"x" * 100))
    full_params = (struct.pack(">BBHHBB", 1, 4, 1, len(params), 0, 0) + params +
                   struct.pack(">BBHHBB", 1, 4, 1, 0, 0, 0))
    slow = []
    for payload in (b"", b"", begin, begin, begin + full_params, begin + full_params):
        s = raw_connect(r.addr)
        if payload:
            s.sendall(payload)
        slow.append(s)
    # A peer that trickles its parameters a byte a second never stalls for the
    # deadline between bytes; the whole head must still arrive in time.
    trickler = raw_connect(r.addr)
    trickler.sendall(begin)
    trickle_stop = threading.Event()

    def trickle():
        for b in full_params[:40]:
            if trickle_stop.wait(1.0):
                return
            try:
                trickler.send(bytes([b]))
            except OSError:
                return
    tt = threading.Thread(target=trickle)
    tt.start()
    t0 = time.monotonic()
    served = []
    for _ in range(3):
        res, ended = fcgi_request(r.addr, "GET", "/health", timeout=30)
        served.append((res.status, ended))
    took = time.monotonic() - t0
    is_(served, [(200, True)] * 3, "%s: six stalled peers open, other requests are served" % kind)
    ok(took < timeout, "... without waiting for the deadline (%.2f s)" % took)
    gone = [closed_by_peer(s, timeout + 15) for s in slow]
    ok(all(g is not None for g in gone),
       "%s: every stalled peer is dropped (after %s s; deadline %d s)" %
       (kind, ["%.1f" % g if g is not None else None for g in gone], timeout))
    t_gone = closed_by_peer(trickler, 30)
    trickle_stop.set()
    tt.join(5)
    trickler.close()
    ok(t_gone is not None, "%s: a peer trickling its parameters is dropped too (%.1f s later)" % (kind, t_gone or -1))
    for s in slow:
        s.close()
    res, ended = fcgi_request(r.addr, "POST", "/v1/chat/completions", body=chat_body("after"),
                              headers={"Content-Type": "application/json", "Authorization": "Bearer sk-x"})
    ok(res.status == 200 and ended, "%s: a chat is served afterwards" % kind, res.raw[:200])
    is_(r.stop(), 0, "%s: the relay stops cleanly" % kind)


def part_slow_http_body(mock):
    """Behind lighttpd with request-body streaming, clients trickling a body
    are dropped after the deadline and do not block anybody meanwhile."""
    timeout = 2
    lt = start_lighttpd(defaults_env(mock, RELAY_THREADS=4, RELAY_CLIENT_TIMEOUT=timeout),
                        conf_extra="server.stream-request-body := 2\n")
    is_(request(lt, "GET", "/").status, 200, "lighttpd with stream-request-body 2: up")
    trick = []
    for i in range(4):
        s = socket.create_connection(("127.0.0.1", lt.port), timeout=60)
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-t\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":")
        trick.append(s)
    time.sleep(0.5)
    t0 = time.monotonic()
    res = request(lt, "GET", "/", timeout=30)
    took = time.monotonic() - t0
    ok(res.status == 200 and took < timeout, "the health check is answered while four bodies stall (status %d, %.2f s)" % (res.status, took))
    ends = [closed_by_peer(s, timeout + 20) for s in trick]
    ok(all(e is not None for e in ends), "the stalled uploads are dropped (after %s s; deadline %d s)"
       % (["%.1f" % e if e is not None else None for e in ends], timeout))
    for s in trick:
        s.close()
    is_(request(lt, "POST", "/v1/chat/completions", body=chat_body("after"), headers=auth()).status, 200,
        "a chat is served afterwards")
    lt.stop()


def part_shared_socket(mock):
    """Two relays share one inherited socket (spawn-fcgi -F, a systemd socket
    unit). After SIGTERM, relay A — still finishing a stream — takes no new
    connection: relay B serves every request of the grace period."""
    need_relay_bin()
    d = tmpdir("shared-")
    path = os.path.join(d, "relay.sock")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(128)
    logs = {}

    def start(name):
        logs[name] = os.path.join(d, "relay-%s.log" % name)
        watch_log(logs[name], "relay %s (shared socket)" % name)
        env = base_env(relay_env(mock, RELAY_THREADS=2, RELAY_SHUTDOWN_GRACE=30, RELAY_LOG_LEVEL="info",
                                 RELAY_CORS_ORIGIN="http://%s.test" % name))
        return spawn([RELAY_BIN], env=env, stdin=ls.fileno(), stdout=logs[name], stderr=logs[name])

    def origin(res):
        return res.header("Access-Control-Allow-Origin")

    a = start("a")
    ok(wait_until(lambda: fcgi_request(path, "GET", "/health")[0].status == 200, 10), "relay A serves")
    mock.reset()
    body = json.dumps(chat_body("held " + WORDS + " [[mock:hold]]", stream=True)).encode()
    conn = FcgiConn(path, timeout=60)
    conn.send(cgi_env("POST", "/v1/chat/completions",
                      {"Content-Type": "application/json", "Authorization": "Bearer sk-shared"}, body), body)
    ok(wait_until(lambda: [c for c in mock.connections() if c["outcome"] == "held"], 10),
       "a stream is in flight on relay A")
    b = start("b")
    ok(wait_until(lambda: "worker threads ready" in read_file(logs["b"]), 10), "relay B started on the same socket")
    os.kill(a.pid, signal.SIGTERM)
    ok(wait_until(lambda: "stopping" in read_file(logs["a"]), 5), "relay A got SIGTERM")
    time.sleep(0.3)
    origins = []
    for _ in range(20):
        res, _ended = fcgi_request(path, "GET", "/health", timeout=10)
        origins.append((res.status, origin(res)))
    is_(origins, [(200, "http://b.test")] * 20, "every request of the grace period is served by relay B")
    ok(a.poll() is None, "... while relay A is still finishing its stream")
    mock.release()
    out = b""
    for rtype, content, _t in conn.records():
        if rtype == FCGI_STDOUT:
            out += content
    conn.close()
    ok(b"data: [DONE]" in out, "relay A's stream completes", out[-200:])
    ok(wait_until(lambda: a.poll() is not None, 10), "relay A exits")
    is_(a.returncode, 0, "... with code 0")
    res, _ = fcgi_request(path, "GET", "/health")
    is_((res.status, origin(res)), (200, "http://b.test"), "relay B keeps serving")
    stop_process(b)
    ls.close()


def part_fd_budget(mock):
    """An open-file limit too low for the ceiling: the soft limit is raised to
    the hard one when that suffices, else the ceiling is lowered with a
    warning at the default log level; either way the relay serves."""
    need_relay_bin()
    hard_now = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    need = (1024 + 4) * 5 + 64      # the default ceiling's budget (http/pool.h)
    cases = [(256, 256, True)]
    if hard_now == resource.RLIM_INFINITY or hard_now >= need:
        cases.insert(0, (256, need if hard_now == resource.RLIM_INFINITY else hard_now, False))
    else:
        diag("hard open-file limit %d is below %d: the raise case is not run" % (hard_now, need))
    for soft, hard, lowered in cases:
        d = tmpdir("fd-")
        log = os.path.join(d, "relay.log")
        watch_log(log, "relay (fd budget %d:%d)" % (soft, hard))
        addr = ("127.0.0.1", free_port())
        env = base_env(relay_env(mock, RELAY_LOG_LEVEL="info"))
        env.pop("RELAY_THREADS", None)
        p = spawn(["prlimit", "--nofile=%d:%d" % (soft, hard), "--", RELAY_BIN, "--listen",
                   "%s:%d" % addr], env=env, stdout=log, stderr=log)
        wait_port(addr, p, timeout=15, what="relay", log=log)
        res, _ = fcgi_request(addr, "GET", "/health")
        is_(res.status, 200, "nofile %d:%d: the relay serves" % (soft, hard))
        limits = read_file("/proc/%d/limits" % p.pid)
        m = re.search(r"Max open files\s+(\d+)\s+(\d+)", limits)
        cur = int(m.group(1)) if m else -1
        if lowered:
            like(read_file(log), r"open-file limit .* too low .* serving at most \d+ requests at once",
                 "nofile 256:256: a warning says the ceiling was lowered")
        else:
            ok(cur >= need, "nofile 256:%d: the soft limit was raised to %d" % (hard, cur))
            ok("too low" not in read_file(log), "... with no warning")
        stop_process(p)


def part_coalesced(mock):
    """Events that arrive in one upstream read leave in one write: far fewer
    FastCGI records than events (and the answer is intact)."""
    r = start_relay_listen(relay_env(mock, RELAY_LOG_LEVEL="info"))
    words = " ".join("b%d" % i for i in range(60))
    body = json.dumps(chat_body(words + " [[mock:burst]]", stream=True)).encode()
    conn = FcgiConn(r.addr, timeout=30)
    conn.send(cgi_env("POST", "/v1/chat/completions",
                      {"Content-Type": "application/json", "Authorization": "Bearer sk-burst"}, body), body)
    out, records = b"", 0
    for rtype, content, _t in conn.records():
        if rtype == FCGI_STDOUT and content:
            records += 1
            out += content
    conn.close()
    text = out.decode("utf-8", "replace")
    events = text.count("data: ")
    pieces = re.findall(r'"content":"([^"]*)"', text)
    is_("".join(pieces), "Echo: " + words, "burst: the whole answer")
    ok("data: [DONE]" in text, "burst: the stream ends with [DONE]")
    ok(events >= 60 and records <= events // 4,
       "burst: %d events in %d FastCGI records (one write per upstream read)" % (events, records))
    is_(r.stop(), 0, "burst: the relay stops cleanly")


def part_stalled_reader(mock):
    """A raw FastCGI client that stops reading a stream: once the socket
    buffers are full, the relay's write waits RELAY_CLIENT_TIMEOUT, then the
    relay gives up the client and aborts its upstream transfer."""
    timeout = 2
    path = os.path.join(tmpdir("stall-"), "relay.sock")
    r = start_relay_listen(relay_env(mock, RELAY_CLIENT_TIMEOUT=timeout, RELAY_LOG_LEVEL="info"),
                           listen="unix:" + path)
    mock.reset()
    body = json.dumps(chat_body("[[mock:long=200000]] [[mock:slow=1]]", stream=True)).encode()
    c = FcgiConn(path, timeout=60)
    s = c.sock
    c.send(cgi_env("POST", "/v1/chat/completions",
                   {"Content-Type": "application/json", "Authorization": "Bearer sk-stall"}, body), body)
    t0 = time.monotonic()
    closed = wait_until(lambda: [x for x in mock.connections() if x["outcome"] == "client-closed"], 60, interval=0.2)
    took = time.monotonic() - t0
    ok(closed, "a client that stops reading: the relay aborts the upstream stream (after %.1f s; deadline %d s)"
       % (took, timeout))
    res, _ = fcgi_request(path, "GET", "/health")
    is_(res.status, 200, "... and serves others meanwhile")
    gone = closed_by_peer(s, 20)
    ok(gone is not None, "... and closes the stalled connection")
    s.close()
    is_(r.stop(), 0, "the relay stops cleanly")


def threads_of(pid):
    m = re.search(r"^Threads:\s+(\d+)", read_file("/proc/%d/status" % pid), re.M)
    return int(m.group(1)) if m else -1


def part_grow_and_shrink(mock):
    """RELAY_THREADS=2: 30 held streams make the pool grow to serve them all at
    once; 30 s after they end, the threads above the minimum have exited."""
    r = start_relay_listen(relay_env(mock, RELAY_THREADS=2, RELAY_LOG_LEVEL="info"))
    base = threads_of(r.proc.pid)
    mock.reset()
    conns = []
    body = json.dumps(chat_body("grow [[mock:hold]]", stream=True)).encode()
    for i in range(30):
        c = FcgiConn(r.addr, timeout=60)
        c.send(cgi_env("POST", "/v1/chat/completions",
                       {"Content-Type": "application/json", "Authorization": "Bearer sk-grow-%d" % i}, body), body)
        conns.append(c)
    held = wait_until(lambda: len([c for c in mock.connections() if c["outcome"] == "held"]) == 30, 20)
    grown = threads_of(r.proc.pid)
    ok(held and grown >= base + 28, "30 streams held at once with RELAY_THREADS=2 (threads %d -> %d)" % (base, grown))
    mock.release()
    done = 0
    for c in conns:
        out = b""
        for rtype, content, _t in c.records():
            if rtype == FCGI_STDOUT:
                out += content
        done += b"data: [DONE]" in out
        c.close()
    is_(done, 30, "all 30 streams complete")
    shrunk = wait_until(lambda: threads_of(r.proc.pid) <= base + 4, 50, interval=1)
    ok(shrunk, "idle threads above the minimum exit after 30 s (now %d threads)" % threads_of(r.proc.pid))
    res, _ = fcgi_request(r.addr, "GET", "/health")
    is_(res.status, 200, "the shrunk pool still serves")
    is_(r.stop(), 0, "the relay stops cleanly")


def main():
    mock = start_mock()
    part_coalesced(mock)
    part_many_streams(mock)
    part_ceiling(mock)
    part_raw_slow_clients(mock, None)
    part_raw_slow_clients(mock, "unix:" + os.path.join(tmpdir("unix-"), "relay.sock"))
    part_slow_http_body(mock)
    part_stalled_reader(mock)
    part_shared_socket(mock)
    part_fd_budget(mock)
    part_grow_and_shrink(mock)


run(main, timeout=480)
