#!/usr/bin/env python3
"""The official openai npm SDK (v6) against the relay's issue-14 routes behind
lighttpd: image variations and edits (URLs and base64, a mask making it an
inpainting), the files API (the list's purpose, order, limit and after, and
the SDK's auto-pagination over has_more), documents in chat. Runs
tests/sdk/sdk_files.mjs.

Needs tests/sdk/node_modules: `npm ci --prefix tests/sdk` (done by .ci/run).
Without it the test fails; it is never skipped."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.procs import base_env, run, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.sdk import run_sdk_script, sdk_ready  # noqa: E402

EXPECTED = 41   # results sdk_files.mjs reports when it runs to the end


def main():
    if not sdk_ready():
        return
    mock = start_mock()
    work = tmpdir("sdk-files-")
    lt = start_lighttpd(relay_env(mock, RELAY_UPLOAD_CACHE_DIR=os.path.join(work, "cache"),
                                 RELAY_FILES_DIR=os.path.join(work, "files"), RELAY_FILES_MAX_BYTES="64K"))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("sdk-home-")})
    run_sdk_script("sdk_files.mjs", env, EXPECTED, timeout=150)
    lt.stop()


run(main, timeout=240)
