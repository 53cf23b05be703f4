#!/usr/bin/env python3
"""The official openai npm SDK (v6) against the relay behind lighttpd: list
models, a completion with usage, a stream (role first, one id, chunks as the
upstream sends them), typed errors. Runs tests/sdk/sdk_chat.mjs.

Needs tests/sdk/node_modules: `npm ci --prefix tests/sdk` (done by .ci/run).
Without it the test fails; it is never skipped."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.procs import base_env, run, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.sdk import run_sdk_script, sdk_ready  # noqa: E402

EXPECTED = 18   # results sdk_chat.mjs reports when it runs to the end


def main():
    if not sdk_ready():
        return
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("sdk-home-")})
    run_sdk_script("sdk_chat.mjs", env, EXPECTED, timeout=120)


run(main, timeout=200)
