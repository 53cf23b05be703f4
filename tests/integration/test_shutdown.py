#!/usr/bin/env python3
"""SIGTERM: in-flight requests finish, new connections are refused, the
process exits 0 within the grace time; a request that never ends does not
hold the exit past RELAY_SHUTDOWN_GRACE; stopping lighttpd stops the relay."""

import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import diag, is_, ok  # noqa: E402
from relaytest.procs import can_connect, read_file, run, wait_until  # noqa: E402
from relaytest.servers import (relay_env, start_lighttpd, start_mock, start_relay_listen)  # noqa: E402
from relaytest.clients import chat_body, request  # noqa: E402
from relaytest.fcgi import FCGI_END_REQUEST, FCGI_STDOUT, FcgiConn, cgi_env  # noqa: E402


def wait_exit(proc, timeout):
    """Seconds until proc exited, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main():
    mock = start_mock()

    # 1. graceful: a slow stream in flight completes
    r = start_relay_listen(relay_env(mock, RELAY_SHUTDOWN_GRACE=20))
    words = " ".join("w%d" % i for i in range(12))
    body = json.dumps(chat_body(words + " [[mock:slow=250]]", stream=True)).encode()
    conn = FcgiConn(r.addr, timeout=30)
    conn.send(cgi_env("POST", "/v1/chat/completions",
                      {"Content-Type": "application/json", "Authorization": "Bearer sk-shutdown"}, body), body)
    out = b""
    recs = conn.records()
    for rtype, content, _t in recs:
        if rtype == FCGI_STDOUT:
            out += content
            if b'"content":"Echo:"' in out:
                break
    ok(b'"content":"Echo:"' in out, "a stream is in flight when SIGTERM is sent", out[:300])
    os.kill(r.proc.pid, signal.SIGTERM)
    refused = wait_until(lambda: not can_connect(r.addr), 3)
    ok(refused, "after SIGTERM new connections are refused")
    ended = False
    for rtype, content, _t in recs:
        if rtype == FCGI_STDOUT:
            out += content
        elif rtype == FCGI_END_REQUEST:
            ended = True
    conn.close()
    text = out.decode("utf-8", "replace")
    ok(ended and "data: [DONE]" in text, "the in-flight stream completes after SIGTERM", text[-300:])
    pieces = re.findall(r'"content":"([^"]*)"', text)
    is_("".join(pieces), "Echo: " + words, "... with the whole answer")
    took = wait_exit(r.proc, 10)
    ok(took is not None, "the relay exits once the stream is done (%.2f s after it)" % (took or -1))
    is_(r.proc.returncode, 0, "... with exit code 0")

    # 2. a request that never ends: the grace time bounds the exit
    r = start_relay_listen(relay_env(mock, RELAY_SHUTDOWN_GRACE=1, RELAY_IDLE_TIMEOUT=300))
    body = json.dumps(chat_body("forever [[mock:never]]")).encode()
    conn = FcgiConn(r.addr, timeout=30)
    conn.send(cgi_env("POST", "/v1/chat/completions",
                      {"Content-Type": "application/json", "Authorization": "Bearer sk-shutdown"}, body), body)
    ok(wait_until(lambda: [c for c in mock.connections() if c["outcome"] == "held"], 5),
       "a never-ending request is in flight")
    t0 = time.monotonic()
    os.kill(r.proc.pid, signal.SIGTERM)
    took = wait_exit(r.proc, 8)
    ok(took is not None and took < 6.0, "RELAY_SHUTDOWN_GRACE=1: exits after about 1 s anyway (%.2f s)" % (took or -1))
    diag("exit code after the grace time ran out: %s" % r.proc.returncode)
    ok(r.proc.returncode is not None and r.proc.returncode >= 0, "... by exiting, not by a signal (code %s)" % r.proc.returncode)
    conn.close()

    # 3. stopping lighttpd stops the multi-threaded relay it spawned
    lt = start_lighttpd(relay_env(mock))
    res = request(lt, "GET", "/")
    is_(res.status, 200, "relay up behind lighttpd")
    kids = [k for k in children_of(lt.proc.pid) if "1min-relay" in read_file("/proc/%d/cmdline" % k)]
    ok(len(kids) == 1, "lighttpd spawned one relay process", kids)
    os.kill(lt.proc.pid, signal.SIGTERM)   # lighttpd only, not its process group
    gone = wait_until(lambda: all(not pid_alive(k) for k in kids), 10)
    ok(gone, "stopping lighttpd (SIGTERM to lighttpd alone) stops the relay too")


run(main, timeout=120)
