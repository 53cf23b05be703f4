#!/usr/bin/env python3
"""The official openai npm SDK (v6) against the relay's media routes behind
lighttpd: images.generate (url, b64_json), audio.transcriptions.create with a
real file upload, audio.translations.create, audio.speech.create returning
bytes, and a chat with an image. Runs tests/sdk/sdk_media.mjs.

Needs tests/sdk/node_modules: `npm ci --prefix tests/sdk` (done by .ci/run).
Without it the test fails; it is never skipped."""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from harness import *  # noqa: E402,F401

SDK_DIR = os.path.join(TOP_SRCDIR, "tests", "sdk")
EXPECTED = 15   # results sdk_media.mjs reports when it runs to the end


def main():
    node = shutil.which("node")
    if not ok(node is not None, "node is installed"):
        return
    mod = os.path.join(SDK_DIR, "node_modules", "openai", "package.json")
    if not ok(os.path.exists(mod), "the openai SDK is installed in tests/sdk/node_modules",
              "missing %s: run `npm ci --prefix %s` first" % (mod, SDK_DIR)):
        return
    version = json.load(open(mod)).get("version", "")
    ok(version.startswith("6."), "openai SDK major version 6 (%s)" % version)

    mock = start_mock()
    work = tmpdir("sdk-media-")
    lt = start_lighttpd(relay_env(mock, RELAY_UPLOAD_CACHE_DIR=os.path.join(work, "cache")))
    env = base_env({"RELAY_BASE_URL": lt.base_url + "/v1", "MOCK_URL": mock.url, "WORK_DIR": work,
                    "HOME": tmpdir("sdk-home-")})
    rc, out, err = run_process([node, os.path.join(SDK_DIR, "sdk_media.mjs")], env=env, timeout=150)
    n = 0
    for line in out.splitlines():
        try:
            res = json.loads(line)
        except ValueError:
            diag("sdk: " + line)
            continue
        n += 1
        ok(res.get("ok"), "sdk: " + res.get("name", "?"), json.dumps(res.get("diag"))[:1500])
    ok(rc == 0, "the SDK script exits 0", (rc, err[-2000:]))
    is_(n, EXPECTED, "the SDK script reported every check")
    lt.stop()


run(main, timeout=240)
