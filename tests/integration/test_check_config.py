#!/usr/bin/env python3
"""1min-relay --check-config: a good environment (exit 0, every variable the
relay reads printed, secrets masked) and a broken one (exit 1, every bad
variable and a typo named, while a start with the same environment fails
too)."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import RELAY_BIN, base_env, free_port, need_relay_bin, run, run_process, tmpdir  # noqa: E402
from relaytest.servers import relay_env  # noqa: E402
from ops_envvars import source_env_vars  # noqa: E402

TOKEN = "metrics-token-SECRET-0123456789"


def check(env):
    rc, out, err = run_process([RELAY_BIN, "--check-config"], env=base_env(env), timeout=20)
    return rc, out, err


def main():
    need_relay_bin()
    d = tmpdir("checkcfg-")
    shm = "/1min-relay-test-cc-%d" % os.getpid()
    good = relay_env(RELAY_THREADS=8, RELAY_ACCESS_LOG=os.path.join(d, "access.log"),
                     RELAY_METRICS_TOKEN=TOKEN, RELAY_METRICS_SHM=shm,
                     RATE_LIMIT_STORE="memcached://127.0.0.1:11211,[::1]:11212")
    rc, out, err = check(good)
    is_(rc, 0, "a good environment: exit 0")
    ok("# no problems found" in out, "... and says there is no problem", out[-500:])
    ok("RELAY_THREADS=8\n" in out, "the effective value of a set variable")
    ok("RELAY_LOG_LEVEL=debug\n" in out, "RELAY_LOG_LEVEL as set")
    ok("RELAY_MAX_BODY=26214400   (default)" in out, "a default is shown as such, with its value")
    ok(TOKEN not in out + err and "RELAY_METRICS_TOKEN=***" in out, "the metrics token is masked")
    ok("RATE_LIMIT_STORE=memcached://127.0.0.1:11211,[::1]:11212\n" in out, "the memcached servers as set")
    printed = {l.split("=", 1)[0] for l in out.splitlines() if "=" in l and not l.startswith("#")}
    missing = sorted(source_env_vars() - printed)
    is_(missing, [], "every variable the sources read is printed")
    try:
        broken(good)
    finally:
        # every run above and below maps (so creates) the metrics object
        try:
            os.unlink("/dev/shm" + shm)
        except OSError:
            pass


def broken(good):
    bad = dict(good, RELAY_THREADS="abc", RELAY_LOG_LEVEL="loud", RATE_LIMIT_STORE="bogus",
               ONE_MIN_API_URL="ftp://x", RELAY_ACCESS_LOG="relative.log", RELAY_METRICS_ALLOW="1.2.3.4/99",
               RELAY_MAX_BODY="12Q", RELAY_THREAD="3", ALLOW_PRIVATE_FETCH="maybe")
    rc, out, err = check(bad)
    is_(rc, 1, "a broken environment: exit 1")
    problems = [l for l in out.splitlines() if l.startswith("problem: ")]
    for name in ("RELAY_THREADS", "RELAY_LOG_LEVEL", "RATE_LIMIT_STORE", "ONE_MIN_API_URL", "RELAY_ACCESS_LOG",
                 "RELAY_METRICS_ALLOW", "RELAY_MAX_BODY", "RELAY_THREAD", "ALLOW_PRIVATE_FETCH"):
        ok(any(p.startswith("problem: %s:" % name) for p in problems), "the problem with %s is named" % name,
           "\n".join(problems))
    is_(len(problems), 9, "one problem line each, all found in one run")
    ok("RELAY_THREADS=abc   (INVALID" in out, "an invalid value is shown and marked")
    ok(TOKEN not in out + err, "the token stays masked in a broken environment")
    rc, out, err = run_process([RELAY_BIN, "--listen", "127.0.0.1:%d" % free_port()], env=base_env(bad), timeout=20)
    is_(rc, 1, "a start with the same environment fails too (exit 1)")
    rc, out, err = check(dict(good, RELAY_METRICS_TOKEN="short"))
    ok(rc == 1 and "problem: RELAY_METRICS_TOKEN:" in out and "short" not in out,
       "a short metrics token is a problem, and stays masked", out[-400:])


run(main, timeout=120)
