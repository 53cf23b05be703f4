#!/usr/bin/env python3
"""The Responses API on the relay's emulation (docs/tools.md), through the
real lighttpd with the mock 1min.ai's contract-following model: the official
openai npm SDK (tests/sdk/sdk_responses_emulation.mjs: a function-tool loop
with function_call_output, whole history and previous_response_id, a streamed
call; json_schema structured output; max_output_tokens, JSON and stream) and
the OpenAI Agents SDK running an agent with a function tool through its
default Responses model to the final answer (tests/clients/agents).

Needs tests/sdk and tests/clients/agents installed (`npm ci` in each); a
missing one fails the test, it is never skipped."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.npm_clients import client_installed, need_clients, run_client_script  # noqa: E402
from relaytest.procs import base_env, need_npm, run, tmpdir  # noqa: E402
from relaytest.sdk import SDK_DIR, run_sdk_script, sdk_ready  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402


def main():
    need_npm(os.path.join(SDK_DIR, "node_modules", "openai", "package.json"), "the openai SDK (tests/sdk)")
    need_clients(("agents", "@openai/agents"))
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_RESPONSES_DIR=os.path.join(tmpdir("resp-store-"), "r")))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("emul-home-")})
    if sdk_ready():
        run_sdk_script("sdk_responses_emulation.mjs", env, 11, timeout=180)
    if client_installed("agents", "@openai/agents"):
        mock.reset()
        run_client_script("agents", "agents_responses.mjs", env, 4, timeout=120)


run(main, timeout=400)
