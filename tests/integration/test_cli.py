#!/usr/bin/env python3
"""The command line: --help, --version, usage errors, --listen (TCP, IPv6,
Unix socket, bad addresses, a port in use), and configuration errors that
stop the program at start with a message naming the variable."""

import os
import re
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import diag, is_, ok  # noqa: E402
from relaytest.procs import (RELAY_BIN, base_env, free_port, need_relay_bin, run, run_process,
                             sanitizer_report, tmpdir)  # noqa: E402
from relaytest.servers import relay_env, start_mock, start_relay_listen  # noqa: E402
from relaytest.fcgi import fcgi_request  # noqa: E402


def run_relay(args, env=None, timeout=15):
    """Run the relay to completion; (rc, stdout, stderr). A hang is a failure."""
    need_relay_bin()
    rc, out, err = run_process([RELAY_BIN] + args, env=base_env(env or {}), timeout=timeout)
    rep = sanitizer_report(err)
    if rep:
        ok(False, "no sanitizer report from relay %s" % " ".join(args), rep)
    return rc, out, err


def health_over_fcgi(addr):
    res, ended = fcgi_request(addr, "GET", "/", headers={})
    return ended and res.status == 200 and b'"endpoints"' in res.body


def main():
    rc, out, err = run_relay(["--help"])
    ok(rc == 0 and "--listen" in out and "usage" in out.lower(), "--help: exit 0, usage on stdout", (rc, out[:300], err[:300]))
    rc, out, err = run_relay(["--version"])
    ok(rc == 0 and re.search(r"\d+\.\d+", out), "--version: exit 0 and a version number", (rc, out[:200]))
    rc, out, err = run_relay(["--bogus-option"])
    ok(rc == 2 and ("bogus" in err or "unrecognized" in err or "unknown" in err.lower()),
       "unknown option: exit 2 with a message", (rc, err[:300]))
    rc, out, err = run_relay(["--threads", "zero"])
    ok(rc == 2 and err.strip(), "bad --threads value: exit 2 with a message", (rc, err[:300]))
    rc, out, err = run_relay([], env={})
    ok(rc not in (0, None) and "--listen" in err, "no socket on fd 0 and no CGI env: non-zero exit, hint to --listen",
       (rc, err[:300]))

    # bad listen addresses and a busy port
    for bad in ("nonsense", "127.0.0.1:99999", "256.1.1.1:80", "unix:", "127.0.0.1:"):
        rc, out, err = run_relay(["--listen", bad], env=relay_env())
        ok(rc not in (0, None) and err.strip(), "--listen %r: clear error, non-zero exit" % bad, (rc, err[:300]))
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    rc, out, err = run_relay(["--listen", "127.0.0.1:%d" % port], env=relay_env())
    ok(rc not in (0, None) and ("in use" in err.lower() or "bind" in err.lower()),
       "--listen on a port in use: clear error, non-zero exit", (rc, err[:300]))
    busy.close()
    rc, out, err = run_relay(["--listen", "unix:/nonexistent-dir/x/relay.sock"], env=relay_env())
    ok(rc not in (0, None) and err.strip(), "--listen on an impossible Unix path: clear error", (rc, err[:300]))

    # invalid environment values stop the program with the variable's name
    for name, value in (("RELAY_THREADS", "abc"), ("RELAY_THREADS", "0"), ("ONE_MIN_CHAT_API_URL", "ftp://x"),
                        ("ONE_MIN_MODELS_API_URL", "not a url"), ("RELAY_MAX_BODY", "12Q"),
                        ("RELAY_LOG_LEVEL", "loud"), ("RELAY_IDLE_TIMEOUT", "-5"),
                        ("WEB_SEARCH_NUM_OF_SITE", "many"), ("RELAY_CORS_ORIGIN", "a b")):
        rc, out, err = run_relay(["--listen", "127.0.0.1:%d" % free_port()], env=relay_env(**{name: value}))
        ok(rc == 1 and name in err, "%s=%r: exit 1 naming the variable" % (name, value), (rc, err[:300]))

    # working listeners
    mock = start_mock()
    r = start_relay_listen(relay_env(mock))
    ok(health_over_fcgi(r.addr), "--listen 127.0.0.1:PORT serves FastCGI")
    rc = r.stop()
    is_(rc, 0, "SIGTERM on an idle relay: exit 0")
    d = tmpdir("relay-sock-")
    r = start_relay_listen(relay_env(mock), listen="unix:" + os.path.join(d, "relay.sock"))
    ok(health_over_fcgi(r.addr), "--listen unix:/path serves FastCGI")
    is_(r.stop(), 0, "... and exits 0 on SIGTERM")
    if can_bind_v6():
        r = start_relay_listen(relay_env(mock), listen="[::1]:%d" % free_port())
        ok(health_over_fcgi(r.addr), "--listen [::1]:PORT (IPv6) serves FastCGI")
        is_(r.stop(), 0, "... and exits 0 on SIGTERM")
    else:
        diag("IPv6 loopback not available here; the IPv6 --listen check is not counted")
    r = start_relay_listen(relay_env(mock), args=["--threads", "2"])
    ok(health_over_fcgi(r.addr), "--threads 2 with --listen works")
    is_(r.stop(signal.SIGINT), 0, "SIGINT: exit 0")


def can_bind_v6():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


run(main, timeout=200)
