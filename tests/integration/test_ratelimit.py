#!/usr/bin/env python3
"""Rate limiting through the real servers: several relay processes behind
lighttpd (max-procs) and behind spawn-fcgi -F sharing memcached, the local
shared-memory store across processes and in CGI mode, two relay instances on
two memcached servers, token costs, the sliding window, the headers, and a
memcached outage."""

import concurrent.futures
import json
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, is_openai_error, ok  # noqa: E402
from relaytest.procs import (HarnessError, RELAY_BIN, base_env, free_port, read_file, run,
                             sanitizer_report, spawn, tmpdir, wait_port, wait_until)  # noqa: E402
from relaytest.servers import (LIGHTTPD_FRAGMENT, relay_env, run_cgi, start_lighttpd,
                               start_memcached, start_mock)  # noqa: E402
from relaytest.clients import auth, chat_body, request  # noqa: E402

KEY = "sk-ratelimit-SECRET-91c2"
GO_DURATION = re.compile(r"^(0s|[1-9]\d{0,2}ms|(\d+h)?(\d+m)?\d+(\.\d{1,3})?s)$")
RUN = "%d-%d" % (os.getpid(), int(time.time()))
SHM_NAMES = []
PIDFILES = []


def mc_args():
    return ["-u", "nobody"] if os.geteuid() == 0 else []   # memcached refuses root without -u


def rl_env(mock, tag, **kw):
    """A relay environment with rate limiting on and counters private to this run."""
    env = relay_env(mock, RATE_LIMIT_KEY_PREFIX="t%s-%s" % (RUN, tag), RATE_LIMIT_WINDOW_S=3600,
                    RATE_LIMIT_RETRY_S=1, RELAY_LOG_LEVEL="info",
                    RATE_LIMIT_TIMEOUT_MS=2000)   # exactness needs answers, even on a loaded machine
    if kw.get("RATE_LIMIT_STORE", "local") == "local":
        name = "rltest-%s-%s" % (RUN, tag)
        SHM_NAMES.append(name)
        env["RATE_LIMIT_STORE"] = "local"
        env["RATE_LIMIT_LOCAL_NAME"] = name
    env.update({k: str(v) for k, v in kw.items()})
    return env


def fragment_procs(n):
    """The contrib lighttpd fragment with max-procs n."""
    text = open(LIGHTTPD_FRAGMENT).read()
    new = re.sub(r'"max-procs"\s*=>\s*1,', '"max-procs" => %d,' % n, text)
    if new == text:
        raise HarnessError("max-procs not found in " + LIGHTTPD_FRAGMENT)
    path = os.path.join(tmpdir("rl-frag-"), "relay-procs.conf")
    open(path, "w").write(new)
    return path


def fragment_remote(port):
    """A lighttpd fragment for a relay started elsewhere (spawn-fcgi) on port."""
    path = os.path.join(tmpdir("rl-frag-"), "relay-remote.conf")
    open(path, "w").write("""server.modules += ( "mod_fastcgi" )
server.stream-response-body = 2
server.stream-request-body = 0
fastcgi.server = ( "/" => (( "host" => "127.0.0.1", "port" => %d, "check-local" => "disable" )) )
""" % port)
    return path


def chat(base, content="hello", key=KEY, xff=None):
    h = {"Content-Type": "application/json"}
    h.update(auth(key))
    if xff:
        h["X-Forwarded-For"] = xff
    return request(base, "POST", "/v1/chat/completions",
                   body=json.dumps(chat_body(content)).encode(), headers=h, timeout=60)


def burst(bases, n, content="burst", workers=40):
    """n concurrent requests spread over bases; the responses."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        futs = [ex.submit(chat, bases[i % len(bases)], content) for i in range(n)]
        return [f.result() for f in futs]


def statuses(rs):
    out = {}
    for r in rs:
        out[r.status] = out.get(r.status, 0) + 1
    return out


def good_429(r, what):
    """A refusal as OpenAI sends it."""
    body = r.json() or {}
    e = body.get("error") or {}
    ra, ram = r.header("retry-after"), r.header("retry-after-ms")
    good = (r.status == 429 and is_openai_error(body) and e.get("type") == "rate_limit_error"
            and e.get("code") == "rate_limit_exceeded" and ra is not None and ra.isdigit()
            and int(ra) >= 1 and ram is not None and ram.isdigit()
            and int(ra) == (int(ram) + 999) // 1000
            and r.header("x-ratelimit-remaining-requests") is not None
            and GO_DURATION.match(r.header("x-ratelimit-reset-requests") or ""))
    return ok(good, what, "status %s headers %r body %r" % (r.status, r.headers, r.body[:400]))


def exact(rs, rpm, what):
    st = statuses(rs)
    ok(st.get(200, 0) == rpm and st.get(429, 0) == len(rs) - rpm,
       "%s: exactly %d admitted, %d refused" % (what, rpm, len(rs) - rpm), "statuses %r" % st)
    rem = sorted(int(r.header("x-ratelimit-remaining-requests", "-1")) for r in rs if r.status == 200)
    is_(rem, list(range(rpm)), "%s: the admitted saw remaining %d..0, once each" % (what, rpm - 1))
    refused = [r for r in rs if r.status == 429]
    if refused:
        good_429(refused[0], "%s: the 429 has OpenAI's body, Retry-After and headers" % what)


def memcached_items(port):
    """curr_items of the memcached on port, or -1."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"stats\r\n")
        data = b""
        while b"END\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        m = re.search(rb"STAT curr_items (\d+)", data)
        return int(m.group(1)) if m else -1
    except OSError:
        return -1


def spawn_fcgi(env, procs):
    port = free_port()
    d = tmpdir("spawnfcgi-")
    pidfile = os.path.join(d, "relay.pid")
    PIDFILES.append(pidfile)
    p = spawn(["spawn-fcgi", "-a", "127.0.0.1", "-p", str(port), "-F", str(procs), "-P", pidfile,
               "--", RELAY_BIN], env=base_env(env), stdout=os.path.join(d, "out"),
              stderr=os.path.join(d, "out"))
    p.wait(timeout=15)
    if p.returncode != 0:
        raise HarnessError("spawn-fcgi failed: " + read_file(os.path.join(d, "out")))
    wait_port(("127.0.0.1", port), what="spawn-fcgi relays")
    return port, pidfile


def kill_pidfile(pidfile):
    try:
        pids = [int(x) for x in open(pidfile).read().split()]
    except (OSError, ValueError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        if sig == signal.SIGTERM:
            wait_until(lambda: not any(os.path.exists("/proc/%d" % pid) for pid in pids), 5)


def cleanup():
    for pf in PIDFILES:
        kill_pidfile(pf)
    for name in SHM_NAMES:
        try:
            os.unlink("/dev/shm/" + name)
        except OSError:
            pass


def main():
    try:
        body()
    finally:
        cleanup()


def body():
    mock = start_mock()
    mc1 = start_memcached(mc_args())
    mc2 = start_memcached(mc_args())
    mcs1 = "memcached://127.0.0.1:%d" % mc1.port
    mcs12 = "memcached://127.0.0.1:%d,127.0.0.1:%d" % (mc1.port, mc2.port)

    # --- 3 relay processes behind lighttpd share one memcached
    lt = start_lighttpd(rl_env(mock, "lt-mc", RATE_LIMIT_STORE=mcs1, RATE_LIMIT_RPM=20,
                               RATE_LIMIT_TPM=10000000), fragment=fragment_procs(3))
    exact(burst([lt], 200), 20, "lighttpd max-procs 3, memcached")
    lt.stop()

    # --- the same with the local store
    lt = start_lighttpd(rl_env(mock, "lt-local", RATE_LIMIT_RPM=20, RATE_LIMIT_TPM=10000000),
                        fragment=fragment_procs(3))
    exact(burst([lt], 200), 20, "lighttpd max-procs 3, local store")
    lt.stop()

    # --- spawn-fcgi -F 3 behind lighttpd, memcached
    env = rl_env(mock, "spawn-mc", RATE_LIMIT_STORE=mcs1, RATE_LIMIT_RPM=20, RATE_LIMIT_TPM=10000000)
    port, pidfile = spawn_fcgi(env, 3)
    lt = start_lighttpd({}, fragment=fragment_remote(port))
    exact(burst([lt], 200), 20, "spawn-fcgi -F 3, memcached")
    lt.stop()
    kill_pidfile(pidfile)

    # --- CGI: a process per request, local store
    env = rl_env(mock, "cgi", RATE_LIMIT_RPM=5, RATE_LIMIT_TPM=10000000)

    def cgi_once(_):
        return run_cgi(env, "POST", "/v1/chat/completions", body=chat_body("cgi"),
                       headers=dict(auth(KEY), **{"Content-Type": "application/json"}))
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        res = list(ex.map(cgi_once, range(16)))
    st = {}
    for r in res:
        code = r.status if hasattr(r, "status") else None
        st[code] = st.get(code, 0) + 1
    ok(st.get(200, 0) == 5 and st.get(429, 0) == 11, "CGI, 16 processes: exactly 5 admitted", repr(st))
    ok(not any(sanitizer_report(r.stderr) for r in res), "no sanitizer report from the CGI runs")

    # --- two relay instances, each behind its own lighttpd, two memcached servers
    env = rl_env(mock, "two", RATE_LIMIT_STORE=mcs12, RATE_LIMIT_RPM=20, RATE_LIMIT_TPM=10000000)
    lt_a = start_lighttpd(env, fragment=fragment_procs(2))
    lt_b = start_lighttpd(env, fragment=fragment_procs(2))
    exact(burst([lt_a, lt_b], 120), 20, "two instances, two memcached servers")

    # other clients, through a trusted proxy's X-Forwarded-For, spread over both servers
    env_x = rl_env(mock, "xff", RATE_LIMIT_STORE=mcs12, RATE_LIMIT_RPM=3, RATE_LIMIT_TPM=10000000,
                   RATE_LIMIT_TRUSTED_PROXIES="127.0.0.1")
    lt_x = start_lighttpd(env_x)
    counts = {}
    for i in range(12):
        for _ in range(4):
            r = chat(lt_x, "xff", xff="198.51.100.%d" % i)
            counts[i] = counts.get(i, 0) + (r.status == 200)
    ok(all(v == 3 for v in counts.values()), "each forwarded client gets its own 3", repr(counts))
    r = chat(lt_x, "xff", xff="198.51.100.0, 198.51.100.99")
    ok(r.status == 200, "a spoofed left-hand XFF entry is ignored: the rightmost untrusted one counts",
       "status %s" % r.status)
    lt_x.stop()
    lt_a.stop()
    lt_b.stop()

    # --- tokens, headers, per-key limits (one process, local store)
    lt = start_lighttpd(rl_env(mock, "tokens", RATE_LIMIT_RPM=100, RATE_LIMIT_TPM=1000,
                               RATE_LIMIT_KEY_RPM=50, RATE_LIMIT_KEY_TPM=900,
                               RATE_LIMIT_IMAGE_TOKENS=100, RATE_LIMIT_AUDIO_TOKENS=100))
    r1 = chat(lt, "[[mock:tokens=5,100]] count me")
    ok(r1.status == 200, "first request admitted", r1.body[:300])
    heads = dict((k.lower(), v) for k, v in r1.headers)
    ok(all(h in heads for h in ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                                "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens",
                                "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens")),
       "all six x-ratelimit headers on a 200", repr(r1.headers))
    is_(heads.get("x-ratelimit-limit-requests"), "50", "limit-requests: the tighter of client and key")
    is_(heads.get("x-ratelimit-limit-tokens"), "900", "limit-tokens: the tighter of client and key")
    is_(heads.get("x-ratelimit-remaining-requests"), "49", "remaining-requests after one")
    ok(GO_DURATION.match(heads.get("x-ratelimit-reset-requests", "")) and
       GO_DURATION.match(heads.get("x-ratelimit-reset-tokens", "")),
       "reset values are Go durations", repr(heads))
    rem1 = int(heads.get("x-ratelimit-remaining-tokens", "-1"))
    p1 = 900 - rem1
    c1 = ((r1.json() or {}).get("usage") or {}).get("completion_tokens")
    ok(p1 > 0 and c1 == 100, "prompt charged at admission (%d), completion reported (%r)" % (p1, c1))
    r2 = chat(lt, "[[mock:tokens=5,100]] count me")
    is_(int(r2.header("x-ratelimit-remaining-tokens", "-1")), rem1 - c1 - p1,
        "the finished answer's completion tokens were counted")
    r3 = chat(lt, "word " * 1200)
    e = (r3.json() or {}).get("error") or {}
    ok(r3.status == 429 and r3.header("x-should-retry") == "false" and e.get("code") == "rate_limit_exceeded"
       and "too large" in (e.get("message") or "").lower() and r3.header("retry-after") is None,
       "a prompt larger than TPM: 429, not retryable, says so", "%s %r %r" % (r3.status, r3.headers, r3.body[:300]))
    r4 = chat(lt, "[[mock:tokens=5,900]] fill")      # admitted, then its 900 completion tokens
    r5 = chat(lt, "after the fill")
    ok(r4.status == 200 and r5.status == 429 and "tokens" in ((r5.json() or {}).get("error") or {}).get("message", ""),
       "over the token limit: refused on tokens", "%s %s %r" % (r4.status, r5.status, r5.body[:300]))
    if r5.status == 429:
        good_429(r5, "token 429 has Retry-After and headers")
    r6 = chat(lt, "another key", key="sk-another-key-000")
    ok(r6.status == 429, "the client's own TPM still applies with another key", "status %s" % r6.status)
    logs = lt.logs()
    ok(KEY not in logs, "the API key never appears in the logs")
    lt.stop()

    # --- the window slides (4 s window, 4 requests)
    lt = start_lighttpd(rl_env(mock, "slide", RATE_LIMIT_RPM=4, RATE_LIMIT_TPM=10000000,
                               RATE_LIMIT_WINDOW_S=4))
    ms = int(time.time() * 1000) % 4000
    if ms > 400:
        time.sleep((4000 - ms + 50) / 1000.0)
    rs = [chat(lt, "slide") for _ in range(5)]
    is_([r.status for r in rs], [200, 200, 200, 200, 429], "4 admitted, the 5th refused")
    wait_ms = int(rs[4].header("retry-after-ms", "0"))
    ok(3000 < wait_ms <= 5100, "retry-after-ms points into the next window: %d" % wait_ms)
    time.sleep(max(0, wait_ms - 150) / 1000.0)
    early = chat(lt, "slide")
    time.sleep(0.3)
    r_ok = chat(lt, "slide")
    r_again = chat(lt, "slide")
    is_([early.status, r_ok.status, r_again.status], [429, 200, 429],
        "refused just before retry-after-ms, admitted after, and only one slot (the window slides)")
    lt.stop()

    # --- memcached killed mid-test: fail open, then limits again after it restarts
    mc3 = start_memcached(mc_args())
    port3 = mc3.port
    lt = start_lighttpd(rl_env(mock, "outage", RATE_LIMIT_STORE="memcached://127.0.0.1:%d" % port3,
                               RATE_LIMIT_RPM=5, RATE_LIMIT_TPM=10000000))
    lt_closed = start_lighttpd(rl_env(mock, "outage-closed", RATE_LIMIT_STORE="memcached://127.0.0.1:%d" % port3,
                                      RATE_LIMIT_RPM=5, RATE_LIMIT_TPM=10000000, RATE_LIMIT_FAIL="closed"))
    rs = [chat(lt, "outage") for _ in range(6)]
    is_([r.status for r in rs], [200] * 5 + [429], "limited through memcached")
    ok(chat(lt_closed, "closed").status == 200, "closed mode admits while memcached is up")
    mc3.stop()
    rs = [chat(lt, "outage") for _ in range(3)]
    ok(all(r.status == 200 for r in rs), "memcached down: requests keep working (fail open)",
       repr([r.status for r in rs]))
    r = chat(lt_closed, "closed")
    e = (r.json() or {}).get("error") or {}
    ok(r.status == 503 and is_openai_error(r.json()) and e.get("type") == "service_unavailable"
       and (r.header("retry-after") or "").isdigit() and 1 <= int(r.header("retry-after")) <= 1,
       "RATE_LIMIT_FAIL=closed: 503 with OpenAI's body and Retry-After", "%s %r %r" % (r.status, r.headers, r.body[:300]))
    mc3 = None
    for _ in range(20):
        try:
            p = spawn(["memcached", "-l", "127.0.0.1", "-p", str(port3), "-U", "0", "-m", "16"] + mc_args(),
                      env=base_env())
            wait_port(("127.0.0.1", port3), p, what="memcached again", timeout=5)
            mc3 = p
            break
        except HarnessError:
            time.sleep(0.2)
    ok(mc3 is not None, "memcached restarted on its port")
    # RATE_LIMIT_RETRY_S is 1 s; libmemcached's own retry clock counts whole seconds
    time.sleep(3)
    rs = [chat(lt, "outage") for _ in range(7)]
    # the restarted memcached starts empty: 5 more, then 429 (the fallback, which
    # already counted 3, would have admitted only 2)
    is_([r.status for r in rs], [200] * 5 + [429] * 2, "limits come back through memcached once it is up")
    ok(memcached_items(port3) > 0, "the counters are in the restarted memcached")
    r = chat(lt_closed, "closed")
    ok(r.status == 200, "closed mode admits again once memcached is back", "status %s" % r.status)
    lt_closed.stop()
    logs = lt.logs()
    ok(len(re.findall(r"rate limiter: memcached", logs)) == 1,
       "the outage was logged once", logs[-2000:])
    lt.stop()


run(main, timeout=500)
