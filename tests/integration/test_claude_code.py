#!/usr/bin/env python3
"""Claude Code (npm @anthropic-ai/claude-code, tests/clients/claude-code)
against the relay behind lighttpd and the mock 1min.ai: `claude -p "…"
--output-format json` with ANTHROPIC_BASE_URL pointing at the relay and an
ANTHROPIC_AUTH_TOKEN answers with the mock's reply and exits 0; every request
it made (lighttpd's access log) was answered with a 2xx; nothing left the
machine (its proxy variables point at a loopback listener that records every
attempt). A second run lets it call its Bash tool and send the result back.

Needs tests/clients/claude-code/node_modules (`npm ci` there; .ci/run does
it). Without it the test is skipped in a release tarball and fails in CI
(RELAY_TEST_STRICT=1)."""

import json
import os
import socket
import sys
import threading

TOP = os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from relaytest.procs import base_env, need_npm, read_file, run, run_process, tmpdir, wait_until  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.tap import diag, is_, ok  # noqa: E402

CC_DIR = os.path.join(TOP, "tests", "clients", "claude-code")
CLI = os.path.join(CC_DIR, "node_modules", "@anthropic-ai", "claude-code", "cli-wrapper.cjs")
KEY = "sk-claude-code-key"
CLAUDE = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"]


class ProxyTrap:
    """A loopback listener set as HTTP(S)_PROXY: every connection is recorded
    (its first line) and refused, so no request can leave the machine."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                c.settimeout(2)
                self.seen.append(c.recv(512).split(b"\r\n")[0].decode("latin-1"))
                c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            c.close()


def claude(lt, trap, prompt, *args):
    home = tmpdir("claude-home-")
    project = tmpdir("claude-project-")
    proxy = "http://127.0.0.1:%d" % trap.port
    env = base_env({
        "HOME": home, "ANTHROPIC_BASE_URL": lt.base_url, "ANTHROPIC_AUTH_TOKEN": KEY,
        "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_BUG_COMMAND": "1",
        "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "https_proxy": proxy, "http_proxy": proxy,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    env.pop("ANTHROPIC_API_KEY", None)
    argv = ["node", CLI, "-p", prompt, "--output-format", "json"] + list(args)
    old = os.getcwd()
    os.chdir(project)
    try:
        rc, out, err = run_process(argv, env=env, timeout=150)
    finally:
        os.chdir(old)
    try:
        res = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
    except ValueError:
        res = None
    return rc, res, out, err


def access_log(path, since=0):
    """[(method, path, status)] from lighttpd's access log (lines from since
    on), once lighttpd has flushed it (it buffers about a second)."""
    wait_until(lambda: len(read_file(path).splitlines()) > since, 5)
    out = []
    for line in read_file(path).splitlines()[since:]:
        parts = line.split(" ")
        if len(parts) >= 3:
            out.append((parts[0], parts[1], int(parts[2])))
    return out


def main():
    need_npm(CLI, "npm @anthropic-ai/claude-code (tests/clients/claude-code)")
    if not ok(os.path.exists(CLI), "Claude Code is installed in tests/clients/claude-code/node_modules",
              "run `npm ci --prefix %s`" % CC_DIR):
        return
    mock = start_mock()
    mock.config(extra_chat_models=CLAUDE)
    logdir = tmpdir("claude-access-")
    alog = os.path.join(logdir, "access.log")
    lt = start_lighttpd(relay_env(mock), conf_extra='server.modules += ("mod_accesslog")\n'
                        'accesslog.filename = "%s"\naccesslog.format = "%%m %%U %%s"\n' % alog)
    trap = ProxyTrap()

    rc, res, out, err = claude(lt, trap, "say hello to the relay [[mock:say=Hello from the mock model]]")
    ok(rc == 0, "claude -p exits 0", (rc, out[-1500:], err[-1500:]))
    ok(res is not None and res.get("type") == "result" and res.get("is_error") is False, "a successful result",
       out[-1500:])
    chats = mock.chat_requests()
    ok(len(chats) >= 1, "Claude Code's request reached 1min.ai through the relay")
    if res and chats:
        is_(res.get("result"), "Hello from the mock model", "the answer is the mock's reply")
        ok("say hello to the relay" in chats[-1]["body"]["promptObject"]["prompt"], "the prompt carries the user's text")
        ok(chats[-1]["body"]["model"].startswith("claude-"), "its model resolved to a Claude model of the catalogue",
           chats[-1]["body"]["model"])
    calls = access_log(alog)
    diag("Claude Code called: %s" % sorted(set("%s %s" % (m, p) for m, p, _s in calls)))
    ok(any(m == "POST" and p == "/v1/messages" for m, p, _s in calls), "it called POST /v1/messages", calls)
    ok(calls and all(200 <= s < 300 for _m, _p, s in calls), "every request it made was answered with a 2xx", calls)
    is_(trap.seen, [], "nothing tried to leave the machine")

    # The tool loop. The mock model follows the emulation contract
    # (tests/mock/README.md): asked to call a tool it calls it, every string
    # argument set to the first paragraph of the user's turn (here one of
    # Claude Code's reminders, so Read fails to find such a file); after the
    # Tool: result it answers "The tool said: ...".
    mock.reset()
    mock.config(extra_chat_models=CLAUDE)
    before = len(read_file(alog).splitlines())
    rc, res, out, err = claude(lt, trap, 'You must call the tool "Read"', "--allowedTools", "Read")
    ok(rc == 0 and res is not None and res.get("is_error") is False, "tool loop: exits 0 with a result",
       (rc, out[-1500:], err[-1500:]))
    ok(res and str(res.get("result", "")).startswith("The tool said: "), "tool loop: the tool's result came back to "
       "the model and its answer is the result", res and res.get("result"))
    chats = mock.chat_requests()
    ok(len(chats) >= 2 and "Tool: Read (toolu_" in chats[-1]["body"]["promptObject"]["prompt"],
       "tool loop: the second call carries the tool_result as a Tool: block", len(chats))
    calls = access_log(alog, before)
    ok(len(calls) >= 2 and all(200 <= s < 300 for _m, _p, s in calls), "tool loop: every request answered with a 2xx",
       calls)
    is_(trap.seen, [], "tool loop: nothing tried to leave the machine")


run(main, timeout=400)
