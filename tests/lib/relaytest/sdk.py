"""relaytest.sdk: the openai npm SDK (tests/sdk) as a client.

sdk_ready() checks node and the SDK are installed (a missing SDK skips the
test, or fails it in CI's strict mode); run_sdk_script() runs one tests/sdk script and
turns each JSON line it prints into a TAP check.
"""

import json
import os
import shutil

from relaytest.procs import TOP_SRCDIR, need_npm, run_process
from relaytest.tap import diag, is_, ok

SDK_DIR = os.path.join(TOP_SRCDIR, "tests", "sdk")


def sdk_ready():
    """TAP checks that node and the openai SDK v6 are installed in
    tests/sdk/node_modules (`npm ci --prefix tests/sdk`); True when they are.
    A missing SDK skips the whole test, except in CI's strict mode (need_npm),
    where it fails."""
    need_npm(os.path.join(SDK_DIR, "node_modules", "openai", "package.json"), "the openai SDK (tests/sdk)")
    if not ok(shutil.which("node") is not None, "node is installed"):
        return False
    mod = os.path.join(SDK_DIR, "node_modules", "openai", "package.json")
    if not ok(os.path.exists(mod), "the openai SDK is installed in tests/sdk/node_modules",
              "missing %s: run `npm ci --prefix %s` first" % (mod, SDK_DIR)):
        return False
    version = json.load(open(mod)).get("version", "")
    return ok(version.startswith("6."), "openai SDK major version 6 (%s)" % version)


def run_sdk_script(script, env, expected, timeout, folder=SDK_DIR, label="sdk"):
    """Run <folder>/<script> (tests/sdk by default; the other npm clients live
    in their own folders), which prints one JSON result a line ({"name", "ok",
    "diag"}), and report each as a TAP check named "<label>: <name>", then
    that it exited 0 and reported all `expected` results."""
    rc, out, err = run_process(["node", os.path.join(folder, script)], env=env, timeout=timeout)
    n = 0
    for line in out.splitlines():
        try:
            res = json.loads(line)
        except ValueError:
            diag("%s: %s" % (label, line))
            continue
        n += 1
        ok(res.get("ok"), "%s: %s" % (label, res.get("name", "?")), json.dumps(res.get("diag"))[:1500])
    ok(rc == 0, "the %s script %s exits 0" % (label, script), (rc, err[-2000:]))
    is_(n, expected, "the %s script %s reported every check" % (label, script))
