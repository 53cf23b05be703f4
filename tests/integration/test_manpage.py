#!/usr/bin/env python3
"""The manual page 1min-relay(1): it renders with `man -l` without a single
warning, documents every environment variable the sources read and no other,
and lists exactly the options of --help (and of count-tokens --help)."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import RELAY_BIN, TOP_BUILDDIR, base_env, need_relay_bin, run, run_process  # noqa: E402
from ops_envvars import source_env_vars  # noqa: E402

PAGE = os.path.join(TOP_BUILDDIR, "man", "1min-relay.1")


def options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text))


def main():
    need_relay_bin()
    if not ok(shutil.which("man") is not None, "man is installed (Debian package man-db)"):
        return
    if not ok(os.path.exists(PAGE), "the page is built: %s" % PAGE):
        return
    env = base_env({"MANWIDTH": "80", "MAN_DISABLE_SECCOMP": "1"})
    rc, out, err = run_process(["man", "--warnings", "-E", "UTF-8", "-l", PAGE], env=env, timeout=30)
    ok(rc == 0 and not err.strip(), "man -l --warnings renders it without a warning", (rc, err[-1500:]))
    ok("1min-relay --check-config" in out and "ENVIRONMENT" in out and "EXIT STATUS" in out,
       "synopsis, environment and exit status are there")
    for sect in ("NAME", "SYNOPSIS", "DESCRIPTION", "MODES", "OPTIONS", "ENVIRONMENT", "METRICS", "SIGNALS",
                 "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"):
        ok(re.search(r"^%s$" % sect, out, re.M), "section %s" % sect)
    ok("%VERSION%" not in out and "%docdir%" not in out, "the placeholders are filled in")

    src = open(PAGE, encoding="utf-8").read()
    env_part = src[src.index(".SH ENVIRONMENT"):src.index(".SH METRICS")]
    documented = set()
    for line in env_part.splitlines():
        if line.startswith(".B "):
            documented.update(n.strip() for n in line[3:].split(","))
    want = source_env_vars()
    is_(sorted(want - documented), [], "every variable the sources read is in ENVIRONMENT")
    is_(sorted(documented - want), [], "ENVIRONMENT lists no variable the sources do not read")

    rc, help_out, _ = run_process([RELAY_BIN, "--help"], env=base_env(), timeout=15)
    rc2, tok_help, tok_err = run_process([RELAY_BIN, "count-tokens", "--help"], env=base_env(), timeout=15)
    man_opts = options(out)
    is_(sorted(options(help_out) - man_opts), [], "every option of --help is in the page")
    tok_opts = options(tok_help + tok_err) - {"--help"}
    is_(sorted(tok_opts - man_opts), [], "every option of count-tokens --help is in the page")
    is_(sorted(man_opts - options(help_out) - tok_opts), [], "the page has no option --help does not know")


run(main, timeout=60)
