#!/usr/bin/env python3
"""Real Responses API clients against the relay behind lighttpd and the mock
1min.ai, set up as a new user would:
- the Vercel AI SDK's default provider, openai("gpt-4o"): generateText and
  streamText (tests/clients/ai-sdk/ai_sdk_responses.mjs);
- the OpenAI Agents SDK: an agent with a function tool runs through its
  default Responses model to the final answer (tests/clients/agents);
- OpenAI's Codex CLI: `codex exec` with the relay as a custom model provider
  (wire_api "responses", its default tools: functions, a namespace and
  web_search), config in a temporary CODEX_HOME, completes a one-line prompt.

Each client lives in its own npm folder (`npm ci` there; .ci/run does it). A
missing client fails the test: it is never skipped."""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.procs import TOP_SRCDIR, base_env, run, run_process, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.tap import diag, is_, ok  # noqa: E402

CLIENTS = os.path.join(TOP_SRCDIR, "tests", "clients")


def installed(folder, module):
    path = os.path.join(CLIENTS, folder, "node_modules", module, "package.json")
    return ok(os.path.exists(path), "%s is installed in tests/clients/%s" % (module, folder),
              "run `npm ci --prefix tests/clients/%s`" % folder)


def node_script(folder, script, env, expected, timeout):
    """Run a client script printing one JSON result a line; each is a check."""
    rc, out, err = run_process(["node", os.path.join(CLIENTS, folder, script)], env=env, timeout=timeout)
    n = 0
    for line in out.splitlines():
        try:
            res = json.loads(line)
        except ValueError:
            diag("%s: %s" % (folder, line))
            continue
        n += 1
        ok(res.get("ok"), "%s: %s" % (folder, res.get("name", "?")), json.dumps(res.get("diag"))[:1500])
    ok(rc == 0, "%s: the script exits 0" % folder, (rc, err[-2000:]))
    is_(n, expected, "%s: every check reported" % folder)


def codex(lt, mock):
    if not installed("codex", "@openai/codex"):
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
    argv = ["node", os.path.join(CLIENTS, "codex", "node_modules", "@openai", "codex", "bin", "codex.js"),
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
    if not ok(shutil.which("node") is not None, "node is installed"):
        return
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_RESPONSES_DIR=os.path.join(tmpdir("resp-store-"), "r")))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "HOME": tmpdir("client-home-")})
    if installed("ai-sdk", "@ai-sdk/openai"):
        node_script("ai-sdk", "ai_sdk_responses.mjs", env, 7, timeout=120)
    if installed("agents", "@openai/agents"):
        mock.reset()
        node_script("agents", "agents_responses.mjs", env, 4, timeout=120)
    codex(lt, mock)


run(main, timeout=420)
