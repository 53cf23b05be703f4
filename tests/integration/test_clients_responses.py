#!/usr/bin/env python3
"""Real Responses API clients against the relay behind lighttpd and the mock
1min.ai, set up as a new user would:
- the Vercel AI SDK's default provider, openai("gpt-4o"): generateText and
  streamText (tests/clients/ai-sdk/ai_sdk_responses.mjs);
- OpenAI's Codex CLI: `codex exec` with the relay as a custom model provider
  (wire_api "responses", its default tools: functions, a namespace and
  web_search), config in a temporary CODEX_HOME, completes a one-line prompt.

The OpenAI Agents SDK (a function-tool loop) is in test_responses_emulation.py.
Each client lives in its own npm folder (`npm ci` there; .ci/run does it). A
missing client fails the test: it is never skipped."""

import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.npm_clients import CLIENTS_DIR, client_installed, need_clients, run_client_script  # noqa: E402
from relaytest.procs import base_env, run, run_process, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.tap import ok  # noqa: E402


def codex(lt, mock):
    if not client_installed("codex", "@openai/codex"):
        return
    home = tmpdir("codex-home-")
    work = tmpdir("codex-work-")
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write('model = "gpt-4o"\n'
                'model_provider = "relay"\n'
                '[model_providers.relay]\n'
                'name = "1min-relay"\n'
                'base_url = "%s/v1"\n'
                'env_key = "RELAY_API_KEY"\n'
                'wire_api = "responses"\n'
                'request_max_retries = 0\n'
                'stream_max_retries = 0\n' % lt.base_url)
    mock.reset()
    env = base_env({"CODEX_HOME": home, "HOME": home, "RELAY_API_KEY": "sk-codex-key",
                    "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    argv = ["node", os.path.join(CLIENTS_DIR, "codex", "node_modules", "@openai", "codex", "bin", "codex.js"),
            "exec", "--skip-git-repo-check", "-C", work, "Say hello. [[mock:say=hello from codex]]"]
    rc, out, err = run_process(argv, env=env, timeout=120)
    ok(rc == 0, "codex exec exits 0", (rc, out[-1500:], err[-3000:]))
    ok("hello from codex" in out, "codex prints the model's answer", out[-1500:])
    chats = mock.chat_requests()
    ok(len(chats) == 1, "one upstream call", len(chats))
    if chats:
        po = chats[-1]["body"]["promptObject"]
        ws = (po.get("settings") or {}).get("webSearchSettings") or {}
        ok(ws.get("webSearch") is True, "Codex's web_search tool turned on 1min.ai web search", po.get("settings"))
        ok("exec_command" in po["prompt"], "Codex's function tools are in the prompt")


def main():
    need_clients(("ai-sdk", "@ai-sdk/openai"), ("codex", "@openai/codex"))
    if not ok(shutil.which("node") is not None, "node is installed"):
        return
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_RESPONSES_DIR=os.path.join(tmpdir("resp-store-"), "r")))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("client-home-")})
    if client_installed("ai-sdk", "@ai-sdk/openai"):
        run_client_script("ai-sdk", "ai_sdk_responses.mjs", env, 7, timeout=120)
    codex(lt, mock)


run(main, timeout=420)
