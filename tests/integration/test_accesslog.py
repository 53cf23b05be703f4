#!/usr/bin/env python3
"""RELAY_ACCESS_LOG: one valid JSON line per request of every kind (chat,
stream, models, health, images, errors, preflight, metrics) with its fields
checked; the key and the prompt text appear nowhere in the file; the
request id is the response's x-request-id (or a trusted proxy's
X-Request-Id) and is in the relay's own log lines; the file is reopened on
SIGHUP (logrotate); stderr mode; a bad value stops the start."""

import hashlib
import json
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, like, ok  # noqa: E402
from relaytest.procs import RELAY_BIN, TOP_SRCDIR, base_env, free_port, run, run_process, tmpdir, wait_until  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request  # noqa: E402

KEY = "sk-accesslog-SECRET-91c4d7"
PROMPT = "PROMPT-TEXT-never-logged-8e2f"
KEY_HASH = hashlib.sha256(KEY.encode()).hexdigest()[:12]
FIELDS = ("time", "ts", "request_id", "method", "route", "dialect", "model", "status", "stream",
          "duration_ms", "ttfb_ms", "upstream_ms", "upstream_calls", "upstream_status",
          "prompt_tokens", "completion_tokens", "token_source", "ratelimit", "bytes_out", "key", "pid")


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        return [l for l in f.read().decode("utf-8", "replace").split("\n") if l]


def wait_lines(path, n, timeout=10):
    wait_until(lambda: len(read_lines(path)) >= n, timeout)
    return read_lines(path)


def post(lt, path, body, key=KEY, extra=None):
    h = {"Content-Type": "application/json"}
    if key:
        h.update(auth(key))
    h.update(extra or {})
    return request(lt, "POST", path, body=json.dumps(body).encode(), headers=h, timeout=60)


def main():
    mock = start_mock()
    d = tmpdir("accesslog-")
    logf = os.path.join(d, "access.log")
    shm = "/1min-relay-test-al-%d" % os.getpid()
    lt = start_lighttpd(relay_env(mock, RELAY_ACCESS_LOG=logf, RELAY_METRICS_SHM=shm,
                                  RATE_LIMIT_TRUSTED_PROXIES="127.0.0.1"))
    try:
        run_checks(mock, lt, d, logf)
    finally:
        lt.stop()
        try:
            os.unlink("/dev/shm" + shm)
        except OSError:
            pass
    stderr_mode(mock)
    bad_values(mock)


def run_checks(mock, lt, d, logf):
    sent = []   # (what, response)
    sent.append(("chat", post(lt, "/v1/chat/completions", chat_body(PROMPT))))
    s = SSEStream(lt.base_url, "/v1/chat/completions", chat_body(PROMPT, stream=True),
                  headers=dict(auth(KEY), **{"Content-Type": "application/json"}))
    s.read_all()
    sent.append(("stream", s))
    sent.append(("models", request(lt, "GET", "/v1/models", headers=auth(KEY))))
    sent.append(("health", request(lt, "GET", "/health")))
    sent.append(("image", post(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": PROMPT})))
    sent.append(("nokey", post(lt, "/v1/chat/completions", chat_body(PROMPT), key=None)))
    sent.append(("404", request(lt, "GET", "/nope/" + PROMPT, headers=auth(KEY))))
    sent.append(("405", request(lt, "DELETE", "/v1/chat/completions", headers=auth(KEY))))
    sent.append(("preflight", request(lt, "OPTIONS", "/v1/chat/completions",
                                      headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"})))
    sent.append(("metrics", request(lt, "GET", "/metrics")))
    sent.append(("metrics-token", request(lt, "GET", "/metrics", headers={"Authorization": "Bearer some-token-0123456789"})))
    sent.append(("proxy-id", request(lt, "GET", "/v1/models", headers={"X-Request-Id": "proxy-id_7.a:b-c"})))
    sent.append(("badjson", request(lt, "POST", "/v1/chat/completions", body=b"{" + PROMPT.encode(),
                                    headers=dict(auth(KEY), **{"Content-Type": "application/json"}))))

    lines = wait_lines(logf, len(sent))
    is_(len(lines), len(sent), "one line per request (%d)" % len(sent))
    recs = []
    for i, l in enumerate(lines):
        try:
            recs.append(json.loads(l))
        except ValueError:
            ok(False, "line %d is valid JSON" % i, l[:500])
            recs.append({})
    ok(all(isinstance(r, dict) and all(f in r for f in FIELDS) for r in recs),
       "every line is a JSON object with every field", [sorted(set(FIELDS) - set(r)) for r in recs])
    by_id = {r.get("request_id"): r for r in recs}
    for what, resp in sent:
        rid = resp.header("x-request-id")
        rec = by_id.get(rid)
        if not ok(rec is not None, "%s: the line carries the response's x-request-id %s" % (what, rid)):
            continue
        is_(rec["status"], resp.status, "%s: status %d" % (what, resp.status))
    get = lambda what: by_id.get(dict(sent)[what].header("x-request-id"), {})
    chat = get("chat")
    is_((chat.get("method"), chat.get("route"), chat.get("dialect"), chat.get("stream")),
        ("POST", "/v1/chat/completions", "openai", False), "chat: method, route, dialect, stream")
    is_(chat.get("key"), KEY_HASH, "chat: key is the 12-digit SHA-256 prefix of the key")
    ok(isinstance(chat.get("duration_ms"), (int, float)) and chat["duration_ms"] > 0, "chat: duration_ms")
    ok(chat.get("upstream_calls", 0) >= 1 and isinstance(chat.get("upstream_ms"), (int, float))
       and chat.get("upstream_status") == 200, "chat: upstream calls, time and status", chat)
    usage = dict(sent)["chat"].json().get("usage", {})
    is_((chat.get("model"), chat.get("prompt_tokens"), chat.get("completion_tokens")),
        ("gpt-4o", usage.get("prompt_tokens"), usage.get("completion_tokens")),
        "chat: model and the tokens the client was told")
    ok(chat.get("token_source") in ("upstream", "counted"), "chat: token_source")
    ok(chat.get("upstream_ms") <= chat.get("duration_ms"), "chat: upstream time within the request's")
    ok(chat.get("bytes_out", 0) > 0 and chat.get("ttfb_ms") is None, "chat: bytes_out, no ttfb (not a stream)")
    st = get("stream")
    ok(st.get("stream") is True and isinstance(st.get("ttfb_ms"), (int, float))
       and st["ttfb_ms"] <= st["duration_ms"], "stream: stream true and a time to first byte", st)
    is_(get("nokey").get("key"), None, "no key: key is null")
    is_(get("404").get("route"), None, "unknown path: route null (no client text)")
    is_(get("metrics").get("route"), "/metrics", "metrics: route")
    is_(get("metrics-token").get("key"), None, "metrics with a bearer: no key hash (it is the metrics token)")
    is_(get("image").get("route"), "/v1/images/generations", "image: route")
    is_((get("image").get("model"), get("image").get("upstream_status")), ("dall-e-3", 200),
        "image: model and upstream status")
    is_(dict(sent)["proxy-id"].header("x-request-id"), "proxy-id_7.a:b-c",
        "X-Request-Id from a trusted proxy (RATE_LIMIT_TRUSTED_PROXIES) is the request's id")
    ok(get("proxy-id").get("request_id") == "proxy-id_7.a:b-c", "... in the access log too")
    now = time.time()
    ok(all(abs(r.get("ts", 0) - now) < 120 for r in recs), "ts is the Unix time of the request")
    like(chat.get("time", ""), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", "time is RFC 3339 UTC")

    readme_jq(logf, recs)

    text = open(logf, "rb").read().decode("utf-8", "replace")
    ok(KEY not in text and KEY[3:] not in text, "the key is nowhere in the access log")
    ok(PROMPT not in text, "the prompt text is nowhere in the access log")
    ok(KEY not in lt.logs(), "the key is nowhere in the relay's stderr")

    # the relay's own log lines of a request carry its id
    rid = dict(sent)["404"].header("x-request-id")
    ok(("[%s]" % rid) in lt.logs(), "the relay's log lines of a request name its id", lt.logs()[-1500:])

    # logrotate: move the file away, SIGHUP every relay process, new lines go to a new file
    rotated = logf + ".1"
    os.rename(logf, rotated)
    pids = {r["pid"] for r in recs if r.get("pid")}
    for pid in pids:
        os.kill(pid, signal.SIGHUP)
    ok(wait_until(lambda: "access log reopened" in lt.logs(), 10), "SIGHUP: the relay says it reopened the log")
    r = request(lt, "GET", "/health")
    new = wait_lines(logf, 1)
    is_(len(new), 1, "after SIGHUP the next request goes to the new file")
    ok(new and json.loads(new[0]).get("request_id") == r.header("x-request-id"), "... with its own id")
    is_(len(read_lines(rotated)), len(sent), "the rotated file keeps the old lines, and no new one")
    is_(request(lt, "GET", "/health").status, 200, "the relay still serves after SIGHUP")


def readme_jq(logf, recs):
    """The README's jq line for "which requests of this client failed in the
    last hour" finds exactly this client's failed requests."""
    if not ok(shutil.which("jq") is not None, "jq is installed (Debian package jq)"):
        return
    readme = open(os.path.join(TOP_SRCDIR, "README.md"), encoding="utf-8").read()
    m = re.search(r"^jq -c --arg k \"\$\(printf %s \"\$KEY\" \| sha256sum \| cut -c1-12\)\" '([^']+)' access\.log$",
                  readme, re.M)
    if not ok(m, "the README has the jq line"):
        return
    rc, out, err = run_process(["jq", "-c", "--arg", "k", KEY_HASH, m.group(1), logf], timeout=20)
    got = sorted(json.loads(l)["request_id"] for l in out.splitlines())
    want = sorted(r["request_id"] for r in recs if r.get("key") == KEY_HASH and r.get("status", 0) >= 400)
    ok(rc == 0 and want and got == want, "the README's jq line lists exactly this client's %d failed requests"
       % len(want), (rc, err, got, want))


def stderr_mode(mock):
    lt = start_lighttpd(relay_env(mock, RELAY_ACCESS_LOG="stderr", RELAY_METRICS_SHM="off"))
    r = request(lt, "GET", "/health", headers={"X-Request-Id": "forged-by-a-client"})
    rid = r.header("x-request-id")
    ok(rid.startswith("req_"), "X-Request-Id from a peer that is not a trusted proxy is ignored", rid)
    ok(wait_until(lambda: any(l.startswith("{") and rid in l for l in lt.logs().splitlines()), 10),
       "RELAY_ACCESS_LOG=stderr: the JSON line is on stderr")
    lt.stop()


def bad_values(mock):
    for v in ("relative/path.log", "/nonexistent-dir/x/access.log"):
        rc, out, err = run_process([RELAY_BIN, "--listen", "127.0.0.1:%d" % free_port()],
                                   env=base_env(relay_env(mock, RELAY_ACCESS_LOG=v)), timeout=15)
        ok(rc == 1 and "RELAY_ACCESS_LOG" in err, "RELAY_ACCESS_LOG=%s: exit 1 naming the variable" % v, (rc, err[-300:]))


run(main, timeout=180)
