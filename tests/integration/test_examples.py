#!/usr/bin/env python3
"""The examples in examples/ run as a user would run them, against the relay
behind lighttpd and the mock 1min.ai: the node ones with the official openai
SDK (tests/sdk/node_modules), curl.sh with curl. Each must exit 0 and print
what it promises."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import ok  # noqa: E402
from relaytest.procs import base_env, run, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.sdk import SDK_DIR, sdk_ready  # noqa: E402

TOP = os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def run_example(argv, env, cwd):
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, timeout=90)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def main():
    if not sdk_ready():
        return
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock))
    work = tmpdir("examples-")
    # The examples import "openai" as a user's project would: from a
    # node_modules beside them.
    os.symlink(os.path.join(SDK_DIR, "node_modules"), os.path.join(work, "node_modules"))
    for name in ("chat.mjs", "vision.mjs", "media.mjs", "curl.sh"):
        shutil.copy(os.path.join(TOP, "examples", name), work)
    env = base_env({"OPENAI_BASE_URL": lt.base_url + "/v1", "OPENAI_API_KEY": "sk-example-key",
                    "OUT_DIR": work})

    rc, out = run_example(["node", "chat.mjs"], env, work)
    ok(rc == 0 and "answer: Echo: What is FastCGI?" in out and '"total_tokens"' in out
       and "stream: Echo: Count from one to five." in out and "stream usage:" in out,
       "examples/chat.mjs: models, a chat with usage, a streamed chat", out[-1500:])

    rc, out = run_example(["node", "vision.mjs"], env, work)
    ok(rc == 0 and "answer: Echo: What is in this picture?" in out, "examples/vision.mjs: a chat about a picture",
       out[-1500:])
    ok(any(q.get("path") == "/api/assets" for q in mock.requests()), "... the picture was uploaded to the asset API")

    rc, out = run_example(["node", "media.mjs"], env, work)
    png = os.path.join(work, "fox.png")
    mp3 = os.path.join(work, "hello.mp3")
    ok(rc == 0 and os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
       and os.path.exists(mp3) and os.path.getsize(mp3) > 0 and "transcription:" in out,
       "examples/media.mjs: an image file, a speech file, a transcription", out[-1500:])

    rc, out = run_example(["sh", "curl.sh"], env, work)
    ok(rc == 0 and '"object":"list"' in out and '"chat.completion"' in out and "data: [DONE]" in out
       and '"data":[{' in out, "examples/curl.sh: models, chat, a stream and an image", out[-1500:])


if __name__ == "__main__":
    run(main, timeout=300)
