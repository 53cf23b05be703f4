#!/usr/bin/env python3
"""test_result_urls: URLs that 1min.ai hands back pass the SSRF guard.

Downloads of aiRecord.temporaryUrl and of absolute result paths (for b64_json
images and speech bytes) must not reach a private address unless it is on the
configured asset CDN's origin (docs/upstream-api.md §7, docs/platform.md
§5.6). Trap servers listen on 127.0.0.2 (and ::1 when available), loopback but
not the CDN host (the mock on 127.0.0.1), and on another port of 127.0.0.1:
they must see no connection, while the same answers on the CDN still work. The relay runs without ALLOW_PRIVATE_FETCH.
"""

import base64
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, ok  # noqa: E402
from relaytest.procs import run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import request  # noqa: E402

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "mock"))
import mock_media  # noqa: E402

KEY = "sk-result-url-test-1"
PNG = mock_media.make_png((1, 2, 3), 4)
TRAP_PNG = mock_media.make_png((250, 0, 0), 5)     # what a download from the trap would give
MP3 = mock_media.make_mp3(4)


class Trap:
    """A listener that answers every connection with TRAP_PNG and counts them."""

    def __init__(self, family, host):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            with self.lock:
                self.hits += 1
            try:
                c.settimeout(2)
                c.recv(4096)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: %d\r\n"
                          b"Connection: close\r\n\r\n" % len(TRAP_PNG) + TRAP_PNG)
            except OSError:
                pass
            c.close()

    def count(self):
        with self.lock:
            return self.hits

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()


def ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def record(typ, model, result, temp):
    return {"aiRecord": {"uuid": "5f1e0000-0000-4000-8000-000000000001", "type": typ, "model": model,
                         "status": "SUCCESS", "metadata": None, "temporaryUrl": temp,
                         "aiRecordDetail": {"promptObject": {}, "resultObject": result}}}


def post(lt, path, body):
    return request(lt, "POST", path, body=body, headers={"Authorization": "Bearer " + KEY}, timeout=60)


def image_b64(lt):
    return post(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "a fox", "response_format": "b64_json"})


def speech(lt):
    return post(lt, "/v1/audio/speech", {"model": "tts-1", "input": "hello", "voice": "alloy"})


def first_b64(r):
    try:
        return base64.b64decode(((r.json() or {}).get("data") or [{}])[0].get("b64_json") or "")
    except ValueError:
        return b""


def main():
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock))
    traps = [("127.0.0.2", Trap(socket.AF_INET, "127.0.0.2"))]
    if ipv6_loopback():
        traps.append(("[::1]", Trap(socket.AF_INET6, "::1")))
    cdn_png = {"path": "/cdn/images/ok.png", "body_b64": base64.b64encode(PNG).decode(),
               "headers": {"Content-Type": "image/png"}, "times": 0}
    cdn_mp3 = {"path": "/cdn/audios/ok.mp3", "body_b64": base64.b64encode(MP3).decode(),
               "headers": {"Content-Type": "audio/mpeg"}, "times": 0}

    # Another port of the CDN's own host (127.0.0.1) is not the CDN either.
    traps.append(("127.0.0.1", Trap(socket.AF_INET, "127.0.0.1")))
    for host, trap in traps:
        base = "http://%s:%d" % (host, trap.port)

        def untouched(what, before):
            ok(trap.count() == before, "%s: the relay did not connect to %s" % (what, host),
               "%d connections" % (trap.count() - before))

        # A private temporaryUrl is refused; the CDN copy of the same path serves.
        n = trap.count()
        mock.reset()
        mock.script({"path": "/api/features", "json": record("IMAGE_GENERATOR", "dall-e-3", ["images/ok.png"],
                                                            base + "/signed/ok.png?sig=x")}, cdn_png)
        r = image_b64(lt)
        ok(r.status == 200 and first_b64(r) == PNG,
           "images b64_json, temporaryUrl on %s: refused, the CDN copy is served" % host, (r.status, r.body[:300]))
        untouched("images b64_json, private temporaryUrl", n)

        # Private absolute result paths and a private temporaryUrl: nothing to download.
        n = trap.count()
        mock.reset()
        mock.script({"path": "/api/features", "json": record("IMAGE_GENERATOR", "dall-e-3",
                                                            [base + "/img/a.png", base + "/img/b.png"],
                                                            base + "/signed/a.png?sig=x")})
        r = image_b64(lt)
        check_error(r, 502, "images b64_json, every result URL on %s: 502, nothing downloaded" % host)
        untouched("images b64_json, private result URLs", n)

        # Speech: the signed URL first, then the CDN.
        n = trap.count()
        mock.reset()
        mock.script({"path": "/api/features", "json": record("TEXT_TO_SPEECH", "tts-1", ["audios/ok.mp3"],
                                                            base + "/signed/ok.mp3?sig=x")}, cdn_mp3)
        r = speech(lt)
        ok(r.status == 200 and r.body == MP3,
           "speech, temporaryUrl on %s: refused, the CDN copy is served" % host, (r.status, r.body[:200]))
        untouched("speech, private temporaryUrl", n)
        n = trap.count()
        mock.reset()
        mock.script({"path": "/api/features", "json": record("TEXT_TO_SPEECH", "tts-1", [base + "/a.mp3"],
                                                            base + "/signed/a.mp3?sig=x")})
        r = speech(lt)
        check_error(r, 502, "speech, result and temporaryUrl on %s: 502, nothing downloaded" % host)
        untouched("speech, private result and temporaryUrl", n)

        # The CDN host redirecting to a private address: the hop is checked too.
        n = trap.count()
        mock.reset()
        mock.script({"path": "/api/features", "json": record("IMAGE_GENERATOR", "dall-e-3", ["images/r.png"], None)},
                    {"path": "/cdn/images/r.png", "status": 302, "headers": {"Location": base + "/img/r.png"},
                     "body": "moved", "times": 0})
        r = image_b64(lt)
        ok(r.status >= 400 and first_b64(r) != TRAP_PNG,
           "images b64_json, the CDN redirects to %s: not followed" % host, (r.status, r.body[:300]))
        untouched("images b64_json, CDN redirect", n)

    # The CDN host itself is trusted: a temporaryUrl there works while the CDN path fails.
    mock.reset()
    mock.script({"path": "/api/features", "json": record("IMAGE_GENERATOR", "dall-e-3", ["images/gone.png"],
                                                        mock.url + "/signed/fresh.png?sig=x")},
                {"path": "/signed/fresh.png", "body_b64": base64.b64encode(PNG).decode(),
                 "headers": {"Content-Type": "image/png"}})
    r = image_b64(lt)
    ok(r.status == 200 and first_b64(r) == PNG,
       "images b64_json: a temporaryUrl on the CDN host (127.0.0.1) is downloaded", (r.status, r.body[:300]))
    for _host, trap in traps:
        trap.close()


run(main, timeout=180)
