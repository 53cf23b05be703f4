#!/usr/bin/env python3
"""contrib/run-local.sh (what `make run` calls): lighttpd in the foreground with
the relay behind it, the shell's environment passed to the relay, Ctrl-C (SIGINT
to the process group) stops everything and removes the temporary directory.
The port is moved off 8080 with RELAY_HTTP_PORT so the test cannot collide."""

import glob
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import ok  # noqa: E402
from relaytest.procs import (RELAY_BIN, TOP_SRCDIR, base_env, can_connect, free_port,
                             need_relay_bin, run, spawn, tmpdir, wait_port, wait_until, watch_log)  # noqa: E402
from relaytest.servers import relay_env, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request  # noqa: E402


def main():
    need_relay_bin()
    mock = start_mock()
    port = free_port()
    d = tmpdir("run-local-")
    log = os.path.join(d, "run-local.log")
    env = base_env(relay_env(mock, RELAY_HTTP_PORT=port, TMPDIR=d))
    p = spawn(["sh", os.path.join(TOP_SRCDIR, "contrib", "run-local.sh"), RELAY_BIN], env=env, stdout=log, stderr=log)
    watch_log(log, "run-local.sh output (lighttpd and relay)")
    wait_port(("127.0.0.1", port), p, timeout=20, what="run-local.sh", log=log)
    base = "http://127.0.0.1:%d" % port
    r = request(base, "GET", "/")
    ok(r.status == 200 and "endpoints" in (r.json() or {}), "run-local.sh serves the health route", r.body[:200])
    r = request(base, "POST", "/v1/chat/completions", body=chat_body("run local"), headers=auth())
    ok(r.status == 200 and "Echo: run local" in r.text,
       "the shell's ONE_MIN_* environment reaches the relay (chat through the mock)", r.body[:300])
    s = SSEStream(base, "/v1/chat/completions", chat_body("a b c [[mock:hold]]", stream=True), headers=auth(), timeout=10)
    first = None
    for kind, t, _ in s.events():
        if kind == "data" and '"content":"Echo:"' in t:
            first = t
            break
    held = [c["outcome"] for c in mock.connections() if c["path"] == "/api/chat-with-ai"][-1:]
    ok(first is not None and held == ["held"], "streaming is not buffered by the contrib lighttpd config", held)
    mock.release()
    s.read_all()
    ok(glob.glob(os.path.join(d, "1min-relay-run.*")), "run-local.sh uses a temporary directory")
    os.killpg(p.pid, signal.SIGINT)
    t0 = time.monotonic()
    exited = wait_until(lambda: p.poll() is not None, 10)
    ok(exited, "Ctrl-C (SIGINT to the group) stops run-local.sh (%.2f s)" % (time.monotonic() - t0))
    ok(wait_until(lambda: not can_connect(("127.0.0.1", port)), 5), "the port is closed afterwards")
    ok(wait_until(lambda: not glob.glob(os.path.join(d, "1min-relay-run.*")), 5), "the temporary directory is removed")


run(main, timeout=90)
