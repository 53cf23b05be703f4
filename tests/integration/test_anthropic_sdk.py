#!/usr/bin/env python3
"""The official @anthropic-ai/sdk (npm, tests/clients/anthropic) against the
relay behind lighttpd: messages.create, messages.stream (event order,
incremental text, finalMessage()), images, countTokens, models.list, and the
typed errors AuthenticationError, NotFoundError and BadRequestError with
Anthropic's body shape (tests/clients/anthropic/sdk_messages.mjs); then the
emulated parts: a tool-use loop with tool_result, stop_sequences and
max_tokens (sdk_emulation.mjs).

Needs tests/clients/anthropic/node_modules (`npm ci` there; .ci/run does it).
Without it the test is skipped in a release tarball and fails in CI
(RELAY_TEST_STRICT=1)."""

import json
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
EXPECTED = 24   # results sdk_messages.mjs reports when it runs to the end
EXPECTED_EMULATION = 8   # results of sdk_emulation.mjs
CLAUDE = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"]


def main():
    pkg = os.path.join(CLIENT_DIR, "node_modules", "@anthropic-ai", "sdk", "package.json")
    need_npm(pkg, "npm @anthropic-ai/sdk (tests/clients/anthropic)")
    if not ok(shutil.which("node") is not None, "node is installed"):
        return
    if not ok(os.path.exists(pkg), "the Anthropic SDK is installed in tests/clients/anthropic/node_modules",
              "run `npm ci --prefix %s` first" % CLIENT_DIR):
        return
    ok(json.load(open(pkg)).get("version", "").startswith("1."), "Anthropic SDK major version 1")
    mock = start_mock()
    mock.config(extra_chat_models=CLAUDE)
    lt = start_lighttpd(relay_env(mock))
    env = base_env({"RELAY_ORIGIN": lt.base_url, "MOCK_URL": mock.url, "HOME": tmpdir("anthropic-sdk-home-"),
                    "CLAUDE_MODELS": json.dumps(CLAUDE)})
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("ANTHROPIC_BASE_URL", None)
    run_sdk_script("sdk_messages.mjs", env, EXPECTED, timeout=150, folder=CLIENT_DIR, label="anthropic-sdk")
    run_sdk_script("sdk_emulation.mjs", env, EXPECTED_EMULATION, timeout=150, folder=CLIENT_DIR,
                   label="anthropic-sdk")


run(main, timeout=240)
