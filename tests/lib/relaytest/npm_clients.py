"""relaytest.npm_clients: real npm clients kept in tests/clients/<name> (each
with its own package.json and lock, installed by `npm ci` there) as test
drivers.

need_clients() goes first in a test (a missing client skips the whole test,
or fails it in CI's strict mode: relaytest.procs.need_npm);
client_installed() is the check that a client's module is there;
run_client_script() runs one of its scripts,
which prints one JSON result a line ({"name", "ok", "diag"}), and turns each
into a TAP check.
"""

import os

from relaytest.procs import TOP_SRCDIR, need_npm
from relaytest.sdk import run_sdk_script
from relaytest.tap import ok

CLIENTS_DIR = os.path.join(TOP_SRCDIR, "tests", "clients")


def _module_file(folder, module):
    return os.path.join(CLIENTS_DIR, folder, "node_modules", module, "package.json")


def need_clients(*clients):
    """Before any check: each (folder, module) must be installed (see need_npm)."""
    for folder, module in clients:
        need_npm(_module_file(folder, module), "%s (tests/clients/%s)" % (module, folder))


def client_installed(folder, module):
    """A TAP check that tests/clients/<folder>/node_modules/<module> exists."""
    return ok(os.path.exists(_module_file(folder, module)), "%s is installed in tests/clients/%s" % (module, folder),
              "run `npm ci --prefix tests/clients/%s`" % folder)


def run_client_script(folder, script, env, expected, timeout):
    """Run tests/clients/<folder>/<script> with node; each JSON line it prints
    is a check; then that it exited 0 and reported all `expected` results."""
    run_sdk_script(script, env, expected, timeout, folder=os.path.join(CLIENTS_DIR, folder), label=folder)
