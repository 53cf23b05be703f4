#!/usr/bin/env python3
"""make install (into a DESTDIR): the program, the manual page (which `man
1min-relay` then finds), the README and the example recipes under $docdir,
the systemd units in the configured systemdsystemunitdir pointing at the
installed program, and nothing else outside $prefix; make uninstall removes
it all again."""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import TOP_BUILDDIR, base_env, run, run_process, tmpdir  # noqa: E402


def make_var(name):
    """The value of a variable in the build's Makefile, expanded by make (in a
    clean environment: the MAKEFLAGS of an outer make check would add
    directory lines to the output)."""
    p = subprocess.run(["make", "-s", "-C", TOP_BUILDDIR, "--no-print-directory", "-f", "Makefile", "-f", "-",
                        "print-var"], input=("print-var:\n\t@echo $(%s)\n" % name).encode(),
                       capture_output=True, timeout=60, env=base_env())
    return p.stdout.decode().strip()


def files_under(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out


def main():
    prefix, bindir, docdir = make_var("prefix"), make_var("bindir"), make_var("docdir")
    mandir, unitdir = make_var("mandir"), make_var("systemdsystemunitdir")
    ok(prefix.startswith("/") and bindir.startswith(prefix), "prefix %s, bindir %s" % (prefix, bindir))
    dest = tmpdir("install-")
    # -j1: make check itself may run with -j; nothing here is rebuilt
    rc, out, err = run_process(["make", "-C", TOP_BUILDDIR, "-j1", "install", "DESTDIR=" + dest],
                               env=base_env(), timeout=300)
    if not ok(rc == 0, "make install DESTDIR=... succeeds", err[-2000:]):
        return
    got = files_under(dest)
    inside = {f for f in got if ("/" + f).startswith(prefix + "/")}
    outside = got - inside
    want_units = {"1min-relay.service", "1min-relay-activated.service", "1min-relay-activated.socket"}
    if unitdir and unitdir != "no":
        is_(sorted(outside), sorted(os.path.join(unitdir, u).lstrip("/") for u in want_units)
            if not unitdir.startswith(prefix + "/") else [],
            "outside $prefix only the systemd units, in %s" % unitdir)
        for u in want_units:
            path = os.path.join(dest + unitdir, u)
            text = open(path).read() if os.path.exists(path) else ""
            ok(os.path.exists(path), "unit %s installed in %s" % (u, unitdir))
            if "ExecStart" in text:
                execs = re.findall(r"^ExecStart=.*$", text, re.M)
                ok(all(os.path.join(bindir, "1min-relay") in e for e in execs),
                   "%s runs the installed %s/1min-relay" % (u, bindir), execs)
    else:
        is_(sorted(outside), [], "nothing outside $prefix (units not installed: --with-systemdsystemunitdir=no)")

    rel = lambda p: p.lstrip("/")
    ok(rel(os.path.join(bindir, "1min-relay")) in got, "the program in $bindir")
    page = os.path.join(mandir, "man1", "1min-relay.1")
    ok(rel(page) in got, "the manual page in $mandir/man1")
    for f in ("README.md", "DEPLOY.md", "examples/lighttpd/1min-relay.conf", "examples/nginx/1min-relay.conf",
              "examples/apache/1min-relay-fcgid.conf", "examples/systemd/1min-relay.service"):
        ok(rel(os.path.join(docdir, f)) in got, "%s under $docdir" % f)
    if shutil.which("man"):
        rc, out, err = run_process(["man", "--warnings", "1min-relay"],
                                   env=base_env({"MANPATH": dest + mandir, "MANWIDTH": "80"}), timeout=30)
        ok(rc == 0 and "--check-config" in out and not err.strip(),
           "`man 1min-relay` finds and renders the installed page", (rc, err[-500:]))
        ok(docdir in out, "the page names the installed $docdir (%s)" % docdir)

    rc, out, err = run_process(["make", "-C", TOP_BUILDDIR, "-j1", "uninstall", "DESTDIR=" + dest],
                               env=base_env(), timeout=300)
    is_((rc, sorted(files_under(dest))), (0, []), "make uninstall removes every file it installed")


run(main, timeout=400)
