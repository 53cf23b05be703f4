#!/usr/bin/env python3
"""Chat usage is exact when the upstream reports none: usage.prompt_tokens
equals npm tiktoken's encode_ordinary count of the very prompt the mock
received, and completion_tokens that of the answer the client got, for JSON
and streamed answers, under o200k_base (gpt-4o, and Claude as the documented
approximation) and cl100k_base (gpt-4-turbo). The oracle is the npm tiktoken
package (npm ci --prefix tests/tok); without it this test fails."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import diag, is_, ok  # noqa: E402
from relaytest.procs import need_npm, run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402

KEY = "sk-usage-test"
TOK_DIR = os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "tok")

ORACLE_JS = r"""
const { get_encoding } = require("tiktoken");
let input = "";
process.stdin.on("data", d => input += d);
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([enc, text]) => {
    const e = get_encoding(enc);
    const n = e.encode_ordinary(text).length;
    e.free();
    return n;
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def tiktoken_counts(pairs):
    """[(encoding, text)] -> [count] from npm tiktoken, or None (with a diagnostic)."""
    if not os.path.isdir(os.path.join(TOK_DIR, "node_modules", "tiktoken")):
        diag("npm tiktoken is missing: run npm ci --prefix tests/tok")
        return None
    p = subprocess.run(["node", "-e", ORACLE_JS], input=json.dumps(pairs).encode(), cwd=TOK_DIR,
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        diag("tiktoken oracle failed: %s" % p.stderr.decode(errors="replace")[-500:])
        return None
    return json.loads(p.stdout)


def main():
    need_npm(os.path.join(TOK_DIR, "node_modules", "tiktoken", "package.json"), "npm tiktoken (tests/tok)")
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock))
    # Prose with contractions, CJK, emoji, code and odd whitespace: text where
    # an estimate by characters would be far off.
    text = ("They'RE here, aren't they?  Ünïcödé: 東京タワー 🇯🇵 👩🏽‍💻\n\tdef f(x):\r\n"
            "        return x**2  # 12345678\u00a0end")
    cases = [("gpt-4o", "o200k_base"), ("claude-3-5-sonnet-20240620", "o200k_base"),
             ("gpt-4-turbo", "cl100k_base")]
    got, pairs = [], []
    for model, enc in cases:
        for streamed in (False, True):
            mock.reset()
            # The catalogue has no gpt-4 family model: serve one (cl100k_base).
            mock.config(extra_chat_models=["gpt-4-turbo"])
            content = "%s [[mock:no-usage]]" % text
            if streamed:
                s = SSEStream(lt, "/v1/chat/completions",
                              chat_body(content, model=model, stream=True, stream_options={"include_usage": True}),
                              headers=auth(KEY), timeout=30)
                chunks, done, errors, _ = stream_chunks(s.read_all())
                s.close()
                answer = "".join((c.get("choices") or [{}])[0].get("delta", {}).get("content") or ""
                                 for c in chunks if c.get("choices"))
                usage = next((c["usage"] for c in chunks if c.get("usage")), None)
                status_ok = s.status == 200 and done and not errors
            else:
                r = request(lt, "POST", "/v1/chat/completions", body=json.dumps(chat_body(content, model=model)).encode(),
                            headers=dict(auth(KEY), **{"Content-Type": "application/json"}), timeout=30)
                j = r.json() or {}
                answer = ((j.get("choices") or [{}])[0].get("message") or {}).get("content") or ""
                usage = j.get("usage")
                status_ok = r.status == 200 and r.header("x-usage-source") == "estimated"
            sent = (mock.chat_requests() or [{}])[-1].get("body") or {}
            prompt = (sent.get("promptObject") or {}).get("prompt")
            label = "%s %s" % (model, "stream" if streamed else "json")
            ok(status_ok and usage and isinstance(prompt, str) and answer,
               "%s: answered with usage counted locally" % label, (usage, prompt, answer))
            got.append((label, usage or {}))
            pairs.append((enc, prompt or ""))
            pairs.append((enc, answer))
    counts = tiktoken_counts(pairs)
    ok(counts is not None, "npm tiktoken oracle available")
    if counts is None:
        return
    for i, (label, usage) in enumerate(got):
        want_p, want_c = counts[2 * i], counts[2 * i + 1]
        is_((usage.get("prompt_tokens"), usage.get("completion_tokens"), usage.get("total_tokens")),
            (want_p, want_c, want_p + want_c),
            "%s: usage equals tiktoken's count of the prompt sent and the answer received" % label)


if __name__ == "__main__":
    run(main, timeout=240)
