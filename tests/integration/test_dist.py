#!/usr/bin/env python3
"""The release tarball carries every file of the repository (but the CI
script and .gitignore): `make distdir` is compared with `git ls-files`, so a
source, header, test or document missing from the Makefile lists fails here,
before make distcheck would. Outside a git checkout (in the tarball itself)
there is nothing to compare with: skipped."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import TOP_BUILDDIR, TOP_SRCDIR, base_env, run, run_process, tmpdir  # noqa: E402

NOT_SHIPPED = {".ci/run", ".gitignore"}


def main():
    p = subprocess.run(["git", "-C", TOP_SRCDIR, "ls-files", "-z"], capture_output=True, timeout=60)
    if p.returncode != 0 or not p.stdout:
        print("1..0 # SKIP not a git checkout (a release tarball): nothing to compare with", flush=True)
        os._exit(0)
    tracked = {f for f in p.stdout.decode().split("\0") if f} - NOT_SHIPPED
    tracked = {f for f in tracked if os.path.exists(os.path.join(TOP_SRCDIR, f))}   # deleted, not committed
    d = os.path.join(tmpdir("distdir-"), "pkg")
    rc, out, err = run_process(["make", "-s", "-C", TOP_BUILDDIR, "distdir", "distdir=" + d],
                               env=base_env(), timeout=300)
    if not ok(rc == 0, "make distdir succeeds", err[-2000:]):
        return
    shipped = set()
    for root, _, files in os.walk(d):
        for f in files:
            shipped.add(os.path.relpath(os.path.join(root, f), d))
    is_(sorted(tracked - shipped), [], "every file of the repository is in the tarball")


run(main, timeout=400)
