#!/usr/bin/env python3
"""The official @anthropic-ai/sdk (npm, tests/clients/anthropic) sends
document blocks through the relay behind lighttpd: a base64 PDF is uploaded
and attached by uuid, a text document inlined, a PDF to a model that reads no
documents refused in Anthropic's error shape (tests/clients/anthropic/
sdk_documents.mjs).

Needs tests/clients/anthropic/node_modules (`npm ci` there; .ci/run does it).
Without it the test is skipped in a release tarball and fails in CI
(RELAY_TEST_STRICT=1)."""

import os
import shutil
import sys

TOP = os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from relaytest.procs import base_env, need_npm, run, tmpdir  # noqa: E402
from relaytest.sdk import run_sdk_script  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.tap import ok  # noqa: E402

CLIENT_DIR = os.path.join(TOP, "tests", "clients", "anthropic")
EXPECTED = 3   # results sdk_documents.mjs reports when it runs to the end


def main():
    pkg = os.path.join(CLIENT_DIR, "node_modules", "@anthropic-ai", "sdk", "package.json")
    need_npm(pkg, "npm @anthropic-ai/sdk (tests/clients/anthropic)")
    if not ok(shutil.which("node") is not None, "node is installed"):
        return
    if not ok(os.path.exists(pkg), "the Anthropic SDK is installed in tests/clients/anthropic/node_modules",
              "run `npm ci --prefix %s` first" % CLIENT_DIR):
        return
    mock = start_mock()
    work = tmpdir("anthropic-docs-")
    lt = start_lighttpd(relay_env(mock, RELAY_UPLOAD_CACHE_DIR=os.path.join(work, "cache")))
    env = base_env({"RELAY_ORIGIN": lt.base_url, "MOCK_URL": mock.url, "HOME": tmpdir("anthropic-docs-home-")})
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("ANTHROPIC_BASE_URL", None)
    run_sdk_script("sdk_documents.mjs", env, EXPECTED, timeout=120, folder=CLIENT_DIR, label="anthropic-sdk")
    lt.stop()


run(main, timeout=200)
