#!/usr/bin/env python3
"""Media through lighttpd against the mock: /v1/images/generations for every
image family (the exact upstream promptObject), url and b64_json answers;
/v1/audio/transcriptions and /translations (the upload, every response
format, the errors); /v1/audio/speech (the bytes and their type); vision in
chat (uploads in order, the upload cache, the errors) and the SSRF refusals."""

import base64
import hashlib
import http.client
import http.server
import json
import os
import sys
import threading
import time
import uuid

TOP = os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "mock"))
from relaytest.tap import check_error, is_, ok  # noqa: E402
from relaytest.procs import run, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import auth, request  # noqa: E402
import mock_media  # noqa: E402  (only its byte generators)

KEY = "sk-media-SECRET-5d1e"
SEEN = []


def post_json(lt, path, body, headers=None, timeout=60):
    h = {"Content-Type": "application/json"}
    h.update(auth(KEY) if headers is None else headers)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = request(lt, "POST", path, body=data, headers=h, timeout=timeout)
    SEEN.append(r)
    return r


def multipart(fields, files, boundary=None):
    """(content_type, body) for fields {name: str} and files [(name, filename, ctype, bytes)]."""
    b = boundary or "----relaytest" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v)).encode())
    for name, fn, ct, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (b, name, fn, ct)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % b).encode())
    return "multipart/form-data; boundary=" + b, b"".join(out)


def post_form(lt, path, fields, files, raw=None, ctype=None):
    ct, body = multipart(fields or {}, files or [])
    h = dict(auth(KEY))
    h["Content-Type"] = ctype or ct
    r = request(lt, "POST", path, body=raw if raw is not None else body, headers=h, timeout=60)
    SEEN.append(r)
    return r


def features(mock):
    return [q for q in mock.requests("/api/features")]


def uploads(mock):
    return [q for q in mock.requests() if q.get("event") == "asset-upload"]


def last_po(mock):
    f = features(mock)
    return (f[-1].get("body") or {}) if f else {}


def png_ok(data):
    return data[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------

def test_images(lt, mock):
    mock.reset()
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "a fox"}, headers={})
    check_error(r, 401, "images: no key -> 401", code="invalid_api_key")
    is_(len(features(mock)), 0, "images: nothing sent upstream without a key")

    # The upstream body for every family: the exact promptObject.
    cases = [
        ("dall-e-2", {"n": 2, "size": "512x512"},
         {"prompt": "p", "n": 2, "size": "512x512"}),
        ("dall-e-3", {"quality": "hd", "style": "natural", "size": "1024x1792"},
         {"prompt": "p", "n": 1, "size": "1024x1792", "quality": "hd", "style": "natural"}),
        ("dall-e-3", {},
         {"prompt": "p", "n": 1, "size": "1024x1024", "quality": "standard", "style": "vivid"}),
        ("gpt-image-1-mini", {"response_format": "url"},
         {"prompt": "p", "n": 1, "size": "1024x1024", "quality": "low"}),
        ("gpt-image-1", {"quality": "high", "size": "1536x1024", "response_format": "url"},
         {"prompt": "p", "n": 1, "size": "1536x1024", "quality": "high"}),
        ("black-forest-labs/flux-dev", {"n": 2, "size": "1792x1024"},
         {"prompt": "p", "num_outputs": 2, "aspect_ratio": "16:9", "output_format": "webp"}),
        ("midjourney", {"size": "1024x1792", "n": 2},
         {"prompt": "p", "n": 4, "aspect_width": 4, "aspect_height": 7, "mode": "fast",
          "isNiji6": False, "maintainModeration": True}),
        ("stable-diffusion-xl-1024-v1-0", {"n": 2},
         {"prompt": "p", "samples": 2, "size": "1024x1024", "cfg_scale": 7,
          "clip_guidance_preset": "NONE", "seed": 0, "steps": 30}),
        ("stable-diffusion-v1-6", {"size": "768x512"},
         {"prompt": "p", "samples": 1, "width": 768, "height": 512, "cfg_scale": 7,
          "clip_guidance_preset": "NONE", "seed": 0, "steps": 30}),
        ("phoenix", {"negative_prompt": "blur"},
         {"prompt": "p", "n": 1, "size": "1024x1024", "negativePrompt": "blur"}),
    ]
    for model, extra, want_po in cases:
        mock.reset()
        body = {"model": model, "prompt": "p"}
        body.update(extra)
        r = post_json(lt, "/v1/images/generations", body)
        up = last_po(mock)
        want_model = "6b645e3a-d64f-4341-a6d8-7a3690fbf042" if model == "phoenix" else model
        ok(r.status == 200 and up.get("type") == "IMAGE_GENERATOR" and up.get("model") == want_model
           and up.get("promptObject") == want_po,
           "images %s %s: upstream body is exact" % (model, json.dumps(extra)),
           "status %s, sent %s, body %s" % (r.status, json.dumps(up), r.body[:300]))
        data = (r.json() or {}).get("data") or []
        n_want = extra.get("n", 1)
        ok(len(data) == n_want and all(d.get("url", "").startswith(mock.url + "/cdn/images/") for d in data),
           "images %s: %d absolute CDN URL(s)" % (model, n_want), r.body[:300])
        if model == "midjourney":
            ok(len(data) == 2, "midjourney: n=2 returns 2 of the 4 images", len(data))

    # The URLs work, and b64_json gives the same bytes.
    mock.reset()
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-2", "prompt": "p", "n": 2})
    urls = [d["url"] for d in (r.json() or {}).get("data", [])]
    got = [request(mock.url, "GET", u[len(mock.url):]) for u in urls]
    ok(len(got) == 2 and all(g.status == 200 and png_ok(g.body) for g in got), "images: the URLs serve PNGs")
    ok(isinstance((r.json() or {}).get("created"), int), "images: created is an integer")
    mock.reset()
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-2", "prompt": "p", "n": 2,
                                                  "response_format": "b64_json"})
    data = (r.json() or {}).get("data") or []
    blobs = [base64.b64decode(d.get("b64_json", "")) for d in data]
    ok(r.status == 200 and len(blobs) == 2 and all(png_ok(b) for b in blobs) and blobs[0] != blobs[1]
       and all("url" not in d for d in data),
       "images: b64_json gives the two PNGs base64-encoded, no url", r.body[:200])

    mock.reset()
    r = post_json(lt, "/v1/images/generations", {"model": "gpt-image-1", "prompt": "p"})
    d0 = ((r.json() or {}).get("data") or [{}])[0]
    ok(png_ok(base64.b64decode(d0.get("b64_json", ""))) and d0.get("url", "").startswith(mock.url),
       "images: gpt-image without response_format answers b64_json (and url)", r.body[:200])

    # Signed URL refused: b64_json falls back to the CDN; CDN down: temporaryUrl.
    mock.reset()
    mock.config(temp_fail=True)
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p",
                                                  "response_format": "b64_json"})
    ok(r.status == 200 and png_ok(base64.b64decode(((r.json() or {}).get("data") or [{}])[0].get("b64_json", ""))),
       "images: b64_json falls back to the CDN when the signed URL fails", r.body[:200])
    mock.reset()
    mock.config(cdn_fail=True)
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p",
                                                  "response_format": "b64_json"})
    ok(r.status == 200, "images: b64_json uses temporaryUrl when the CDN fails", r.body[:200])
    mock.reset()
    mock.config(cdn_fail=True, temp_fail=True)
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p",
                                                  "response_format": "b64_json"})
    check_error(r, 502, "images: no working link for b64_json -> 502")
    mock.reset()
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p [[mock:abs-url]]"})
    u = ((r.json() or {}).get("data") or [{}])[0].get("url", "")
    ok(u.startswith(mock.url + "/cdn/images/") and u.count("/cdn/") == 1,
       "images: an absolute result URL is kept as it is", u)

    # Validation: 400 with param, nothing sent upstream.
    mock.reset()
    for body, param, name in (
            ({"model": "no-such-model", "prompt": "p"}, "model", "unknown model"),
            ({"model": "gpt-4o", "prompt": "p"}, "model", "chat model"),
            ({"model": "black-forest-labs/flux-schnell", "prompt": "p"}, "model", "DISABLED model"),
            ({"model": "dall-e-3", "prompt": "p", "n": 2}, "n", "dall-e-3 n=2"),
            ({"model": "dall-e-2", "prompt": "p", "n": 11}, "n", "dall-e-2 n=11"),
            ({"model": "dall-e-3", "prompt": "p", "size": "512x512"}, "size", "dall-e-3 512x512"),
            ({"model": "gpt-image-1", "prompt": "p", "quality": "hd"}, "quality", "gpt-image quality hd"),
            ({"model": "dall-e-3", "prompt": "p", "response_format": "png"}, "response_format",
             "bad response_format"),
            ({"model": "dall-e-3"}, "prompt", "no prompt")):
        r = post_json(lt, "/v1/images/generations", body)
        check_error(r, 400, "images: %s -> 400 param %s" % (name, param), param=param)
    r = post_json(lt, "/v1/images/generations", b"{not json")
    check_error(r, 400, "images: invalid JSON -> 400")
    is_(len(features(mock)), 0, "images: no upstream call for invalid requests")

    # Upstream failures.
    mock.reset()
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p [[mock:status=500]]"})
    check_error(r, 502, "images: upstream 500 -> 502")
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p [[mock:status=429]]"})
    check_error(r, 429, "images: upstream 429 -> 429")
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p [[mock:failed-record]]"})
    check_error(r, 502, "images: FAILED record -> 502")
    r = post_json(lt, "/v1/images/generations", {"model": "dall-e-3", "prompt": "p [[mock:refused]]"})
    check_error(r, 400, "images: a moderation refusal -> 400 content_filter", code="content_filter")


def test_transcriptions(lt, mock):
    mp3 = mock_media.make_mp3(30)
    sha = hashlib.sha256(mp3).hexdigest()
    mock.reset()
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1", "language": "en"},
                  [("file", "talk.mp3", "audio/mpeg", mp3)])
    ups = uploads(mock)
    up = ups[0] if ups else {}
    ok(len(ups) == 1 and up.get("field") == "asset" and up.get("content_type") == "audio/mpeg"
       and up.get("filename", "").endswith(".mp3") and up.get("sha256") == sha,
       "transcriptions: the file is uploaded as part 'asset' with a .mp3 name and audio/mpeg", ups)
    body = last_po(mock)
    ok(body.get("type") == "SPEECH_TO_TEXT" and body.get("model") == "whisper-1"
       and body.get("promptObject", {}).get("audioUrl") == up.get("path")
       and body.get("promptObject", {}).get("language") == "en"
       and body.get("promptObject", {}).get("response_format") == "text",
       "transcriptions: SPEECH_TO_TEXT with audioUrl = fileContent.path", body)
    text = (r.json() or {}).get("text", "")
    ok(r.status == 200 and text.startswith("Transcript of ") and "[language=en]" in text,
       "transcriptions: json answer {text}", r.body[:200])
    ok((r.header("Content-Type") or "").startswith("application/json"), "transcriptions: json content type")

    for fmt, ctype, check in (
            ("text", "text/plain", lambda b: b.startswith("Transcript of ")),
            ("srt", "text/plain", lambda b: b.startswith("1\n00:00:00,000 --> 99:59:59,999\nTranscript of ")),
            ("vtt", "text/vtt", lambda b: b.startswith("WEBVTT\n\n00:00:00.000 --> 99:59:59.999\nTranscript of ")),
            ("verbose_json", "application/json",
             lambda b: json.loads(b).get("duration") == 0 and json.loads(b).get("segments") == []
             and json.loads(b).get("task") == "transcribe" and json.loads(b)["text"].startswith("Transcript"))):
        r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1", "response_format": fmt},
                      [("file", "talk.mp3", "audio/mpeg", mp3)])
        b = r.body.decode("utf-8", "replace")
        good = False
        try:
            good = r.status == 200 and (r.header("Content-Type") or "").startswith(ctype) and check(b)
        except ValueError:
            pass
        ok(good, "transcriptions: response_format %s (%s)" % (fmt, ctype), "%s %s %r" % (r.status, r.header("Content-Type"), b[:200]))
    ok(len(uploads(mock)) == 1, "upload cache: the same file is uploaded once for five requests",
       len(uploads(mock)))

    # a WAV known only by its magic bytes (octet-stream, no extension)
    wav = mock_media.make_wav()
    mock.reset()
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "latest_long", "prompt": "names: Ana"},
                  [("file", "blob", "application/octet-stream", wav)])
    up = (uploads(mock) or [{}])[0]
    po = last_po(mock).get("promptObject", {})
    ok(r.status == 200 and up.get("content_type") == "audio/wav" and up.get("filename", "").endswith(".wav")
       and "response_format" not in po and po.get("prompt") == "names: Ana",
       "transcriptions: WAV by magic bytes; a Google model gets no response_format", (r.status, up, po))

    # translations
    mock.reset()
    r = post_form(lt, "/v1/audio/translations", {"model": "whisper-1", "response_format": "verbose_json",
                                                  "language": "de"},
                  [("file", "talk.mp3", "audio/mpeg", mp3)])
    body = last_po(mock)
    j = r.json() or {}
    ok(r.status == 200 and body.get("type") == "AUDIO_TRANSLATOR" and "language" not in body.get("promptObject", {})
       and j.get("task") == "translate" and j.get("language") == "english" and j.get("text", "").startswith("Translation"),
       "translations: AUDIO_TRANSLATOR, no language upstream, task translate", (r.status, body, j))
    r = post_form(lt, "/v1/audio/translations", {"model": "latest_long"}, [("file", "a.mp3", "audio/mpeg", mp3)])
    check_error(r, 400, "translations: a model without translation -> 400 param model", param="model")

    # errors
    mock.reset()
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1"}, [])
    check_error(r, 400, "transcriptions: no file -> 400 param file", param="file")
    r = post_form(lt, "/v1/audio/transcriptions", {}, [("file", "a.mp3", "audio/mpeg", mp3)])
    check_error(r, 400, "transcriptions: no model -> 400 param model", param="model")
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "tts-1"}, [("file", "a.mp3", "audio/mpeg", mp3)])
    check_error(r, 400, "transcriptions: a TTS model -> 400 param model", param="model")
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1", "response_format": "xml"},
                  [("file", "a.mp3", "audio/mpeg", mp3)])
    check_error(r, 400, "transcriptions: bad response_format -> 400", param="response_format")
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1", "temperature": "2"},
                  [("file", "a.mp3", "audio/mpeg", mp3)])
    check_error(r, 400, "transcriptions: temperature 2 -> 400", param="temperature")
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1"},
                  [("file", "a.png", "image/png", mock_media.make_png())])
    check_error(r, 400, "transcriptions: a PNG is not audio -> 400 param file", param="file")
    r = post_json(lt, "/v1/audio/transcriptions", {"model": "whisper-1"})
    check_error(r, 400, "transcriptions: JSON instead of multipart -> 400")
    ct, body = multipart({"model": "whisper-1"}, [("file", "a.mp3", "audio/mpeg", mp3)])
    r = post_form(lt, "/v1/audio/transcriptions", None, None, raw=body[:-40], ctype=ct)
    check_error(r, 400, "transcriptions: truncated multipart -> 400", message_re="cut short")
    r = post_form(lt, "/v1/audio/transcriptions", None, None, raw=body, ctype="multipart/form-data")
    check_error(r, 400, "transcriptions: no boundary -> 400", message_re="boundary")
    nameless = body.replace(b'name="model"', b'x="model"', 1)
    r = post_form(lt, "/v1/audio/transcriptions", None, None, raw=nameless, ctype=ct)
    check_error(r, 400, "transcriptions: a part without a name -> 400", message_re="no name")
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1"},
                  [("file", "big.mp3", "audio/mpeg", mock_media.make_mp3(300))])
    check_error(r, 413, "transcriptions: file over RELAY_AUDIO_MAX_BYTES -> 413")
    is_(len(uploads(mock)) + len(features(mock)), 0, "transcriptions: nothing sent upstream for bad requests")

    mock.reset()
    mock.config(asset_fail=415)
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1"},
                  [("file", "other.mp3", "audio/mpeg", mock_media.make_mp3(31))])
    check_error(r, 400, "transcriptions: a refused upload -> 400 naming the upload", message_re="Uploading")
    is_(len(features(mock)), 0, "transcriptions: no SPEECH_TO_TEXT call after a failed upload")
    mock.reset()
    mock.config(asset_fail=503)
    r = post_form(lt, "/v1/audio/transcriptions", {"model": "whisper-1"},
                  [("file", "other.mp3", "audio/mpeg", mock_media.make_mp3(32))])
    check_error(r, 502, "transcriptions: upload 503 -> 502")


def test_speech(lt, mock):
    mock.reset()
    r = post_json(lt, "/v1/audio/speech", {"model": "tts-1", "input": "Hello there", "voice": "nova"})
    want = mock_media.make_mp3()
    body = last_po(mock)
    ok(r.status == 200 and r.header("Content-Type") == "audio/mpeg" and r.body == want,
       "speech: mp3 bytes with audio/mpeg", (r.status, r.header("Content-Type"), len(r.body), r.body[:50]))
    ok(body.get("type") == "TEXT_TO_SPEECH" and body.get("promptObject") ==
       {"text": "Hello there", "voice": "nova", "response_format": "mp3", "speed": 1},
       "speech: TEXT_TO_SPEECH body with text, voice, response_format, speed", body)
    r = post_json(lt, "/v1/audio/speech", {"model": "tts-1-hd", "input": "Hi", "voice": "alloy",
                                           "response_format": "wav", "speed": 1.25})
    ok(r.status == 200 and r.header("Content-Type") == "audio/wav" and r.body[:4] == b"RIFF" and r.body[8:12] == b"WAVE",
       "speech: wav bytes with audio/wav", (r.status, r.header("Content-Type"), r.body[:16]))
    is_(last_po(mock).get("promptObject", {}).get("speed"), 1.25, "speech: speed passed on")
    r = post_json(lt, "/v1/audio/speech", {"model": "tts-1", "input": "Hi", "voice": "alloy",
                                           "response_format": "opus"})
    ok(r.status == 200 and r.header("Content-Type") == "audio/opus" and r.body[:4] == b"OggS",
       "speech: opus bytes with audio/opus", (r.status, r.header("Content-Type")))
    r = post_json(lt, "/v1/audio/speech", {"model": "tts-1", "input": "Hi [[mock:tts-format=mp3]]",
                                           "voice": "alloy", "response_format": "flac"})
    check_error(r, 502, "speech: the upstream's bytes are not the promised format -> 502, no mislabelled audio")
    mock.reset()
    mock.config(temp_fail=True)
    r = post_json(lt, "/v1/audio/speech", {"model": "tts-1", "input": "Hello", "voice": "nova"})
    ok(r.status == 200 and r.body == want, "speech: falls back to the CDN when the signed URL fails", r.status)
    mock.reset()
    for body, param, name in (
            ({"model": "tts-1", "voice": "nova"}, "input", "no input"),
            ({"model": "tts-1", "input": "x" * 4097, "voice": "nova"}, "input", "input over 4096 characters"),
            ({"model": "whisper-1", "input": "x", "voice": "nova"}, "model", "an STT model"),
            ({"input": "x", "voice": "nova"}, "model", "no model"),
            ({"model": "tts-1", "input": "x", "voice": "nova", "response_format": "pcm"}, "response_format",
             "pcm, which no upstream model produces"),
            ({"model": "tts-1", "input": "x", "voice": "nova", "speed": 5}, "speed", "speed 5")):
        r = post_json(lt, "/v1/audio/speech", body)
        check_error(r, 400, "speech: %s -> 400 param %s" % (name, param), param=param)
    is_(len(features(mock)), 0, "speech: nothing sent upstream for bad requests")
    r = post_json(lt, "/v1/audio/speech", {"model": "tts-1", "input": "x [[mock:status=401]]", "voice": "nova"})
    check_error(r, 401, "speech: upstream 401 -> 401")


class SlowAudio(http.server.BaseHTTPRequestHandler):
    """Serves an MP3 in two halves, 1.5 s apart: the relay must pass the first
    half on before the second exists. /moved.mp3 redirects there, with a body
    of its own that must not reach the client."""
    def do_GET(self):
        if self.path == "/moved.mp3":
            self.send_response(302)
            self.send_header("Location", "/slow.mp3")
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"moved")
            return
        data = mock_media.make_mp3(40)
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:8192])
        self.wfile.flush()
        time.sleep(1.5)
        self.wfile.write(data[8192:])

    def log_message(self, *a):
        pass


def speech_timed(lt):
    """POST /v1/audio/speech; the status, the body, and when its first bytes
    and its end arrived."""
    host, port = lt.base_url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    start = time.time()
    h = {"Content-Type": "application/json"}
    h.update(auth(KEY))
    conn.request("POST", "/v1/audio/speech", body=json.dumps(
        {"model": "tts-1", "input": "stream me", "voice": "alloy"}).encode(), headers=h)
    resp = conn.getresponse()
    first = resp.read1(4096)
    t_first = time.time() - start
    rest = resp.read()
    t_all = time.time() - start
    conn.close()
    return resp.status, first + rest, t_first, t_all


def test_speech_streams(lt, lt_private, mock):
    """The audio reaches the client as it downloads, from a signed link off
    the CDN (fetched through the address check, as 1min.ai's temporaryUrl
    is, here after a redirect) and from the CDN itself."""
    data = mock_media.make_mp3(40)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowAudio)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        mock.reset()
        mock.config(tts_temp_url="http://127.0.0.1:%d/moved.mp3" % srv.server_address[1])
        status, whole, t_first, t_all = speech_timed(lt_private)
    finally:
        srv.shutdown()
        srv.server_close()
    ok(status == 200 and whole == data, "speech off the CDN: the streamed bytes are complete", (status, len(whole)))
    ok(t_first < 1.2 and t_all >= 1.4, "speech off the CDN: the first bytes arrive before the download ends "
       "(first after %.2f s, all after %.2f s)" % (t_first, t_all))

    mock.reset()
    mock.config(tts_temp_url=mock.url + "/signed/slow.mp3")
    mock.script({"path": "/signed/slow.mp3", "headers": {"Content-Type": "audio/mpeg"}, "delay_ms": 1500,
                 "chunks_b64": [base64.b64encode(data[:8192]).decode(), base64.b64encode(data[8192:]).decode()]})
    status, whole, t_first, t_all = speech_timed(lt)
    ok(status == 200 and whole == data, "speech on the CDN: the streamed bytes are complete", (status, len(whole)))
    ok(t_first < 1.2 and t_all >= 1.4, "speech on the CDN: the first bytes arrive before the download ends "
       "(first after %.2f s, all after %.2f s)" % (t_first, t_all))


def vision_body(model, *urls, text="What is this?"):
    parts = [{"type": "text", "text": text}] + [{"type": "image_url", "image_url": {"url": u}} for u in urls]
    return {"model": model, "messages": [{"role": "user", "content": parts}]}


def data_url(ctype, data):
    return "data:%s;base64,%s" % (ctype, base64.b64encode(data).decode())


def test_vision(lt, lt_private, mock):
    png = mock_media.make_png((1, 2, 3))
    jpg = mock_media.make_jpeg()
    mock.reset()
    r = post_json(lt, "/v1/chat/completions", vision_body("gpt-4o", data_url("image/png", png),
                                                          data_url("image/jpeg", jpg)))
    ups = uploads(mock)
    chats = mock.chat_requests()
    att = (((chats[-1].get("body") or {}).get("promptObject") or {}).get("attachments") or {}).get("images") if chats else None
    ok(r.status == 200 and len(ups) == 2 and ups[0]["content_type"] == "image/png"
       and ups[0]["filename"].endswith(".png") and ups[1]["content_type"] == "image/jpeg"
       and ups[1]["filename"].endswith(".jpg"),
       "vision: two data: images uploaded as png and jpeg", (r.status, ups, r.body[:300]))
    ok(att == [ups[0]["path"], ups[1]["path"]] if len(ups) == 2 else False,
       "vision: attachments.images holds the fileContent paths in conversation order", att)

    # the second turn repeats the picture: no new upload, same path
    mock.reset()
    body = vision_body("gpt-4o", data_url("image/png", png))
    body["messages"] += [{"role": "assistant", "content": "A dark square."},
                         {"role": "user", "content": "And the colour?"}]
    r = post_json(lt, "/v1/chat/completions", body)
    chats = mock.chat_requests()
    att2 = (((chats[-1].get("body") or {}).get("promptObject") or {}).get("attachments") or {}).get("images") if chats else None
    ok(r.status == 200 and len(uploads(mock)) == 0 and att2 == [att[0]] if att else False,
       "vision: the second turn uploads nothing and reuses the path (upload cache)", (r.status, uploads(mock), att2))

    # a mislabelled image is uploaded as what it is
    mock.reset()
    r = post_json(lt, "/v1/chat/completions", vision_body("gpt-4o-mini", data_url("image/jpeg", mock_media.make_png((9, 9, 9)))))
    up = (uploads(mock) or [{}])[0]
    ok(r.status == 200 and up.get("content_type") == "image/png", "vision: the bytes decide the type (png labelled jpeg)", up)

    mock.reset()
    for body, name in (
            (vision_body("deepseek-chat", data_url("image/png", png)), "model without vision"),
            (vision_body("gpt-4o", "data:image/png;base64,iVBOR!!!"), "bad base64"),
            (vision_body("gpt-4o", data_url("text/plain", b"hello")), "a text data: URL"),
            (vision_body("gpt-4o", data_url("image/png", b"hello world")), "bytes that are not an image"),
            (vision_body("gpt-4o", "ftp://example.com/a.png"), "an ftp URL"),
            (vision_body("gpt-4o", *[data_url("image/png", png)] * 3), "more images than RELAY_VISION_MAX_IMAGES")):
        r = post_json(lt, "/v1/chat/completions", body)
        check_error(r, 400, "vision: %s -> 400" % name)
    r = post_json(lt, "/v1/chat/completions", vision_body("deepseek-chat", data_url("image/png", png)))
    ok("deepseek-chat" in ((r.json() or {}).get("error") or {}).get("message", ""),
       "vision: the error names the model", r.body[:200])
    is_(len(mock.chat_requests()) + len(uploads(mock)), 0, "vision: no chat and no upload after those errors")

    mock.reset()
    mock.config(asset_fail=500)
    r = post_json(lt, "/v1/chat/completions", vision_body("gpt-4o", data_url("image/png", mock_media.make_png((7, 7, 7)))))
    check_error(r, 502, "vision: a failed upload -> 502", message_re="image 1")
    is_(len(mock.chat_requests()), 0, "vision: never a silent text-only chat after a failed upload")

    # SSRF: refused by default
    port = mock.port
    mock.reset()
    for url, name in (("http://127.0.0.1:%d/img/red.png" % port, "127.0.0.1"),
                      ("http://10.0.0.1/img/red.png", "10.0.0.1"),
                      ("http://[::1]:%d/img/red.png" % port, "[::1]"),
                      ("http://[::ffff:127.0.0.1]:%d/img/red.png" % port, "[::ffff:127.0.0.1]"),
                      ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
                      ("http://localhost:%d/img/red.png" % port, "localhost")):
        r = post_json(lt, "/v1/chat/completions", vision_body("gpt-4o", url))
        check_error(r, 400, "SSRF: %s refused by default" % name, code="image_url_refused")
    img_gets = [q for q in mock.requests() if q["path"].startswith("/img/")]
    is_(len(img_gets) + len(mock.chat_requests()), 0, "SSRF: the refused addresses were never contacted")

    # ALLOW_PRIVATE_FETCH=127.0.0.1/32: the mock is reachable, redirects are re-checked
    mock.reset()
    r = post_json(lt_private, "/v1/chat/completions", vision_body("gpt-4o", "http://127.0.0.1:%d/img/red.png" % port))
    up = (uploads(mock) or [{}])[0]
    ok(r.status == 200 and up.get("content_type") == "image/png", "fetch: an allowed URL is downloaded and uploaded",
       (r.status, r.body[:200]))
    r = post_json(lt_private, "/v1/chat/completions", vision_body(
        "gpt-4o", "http://127.0.0.1:%d/redirect?to=/img/red.png" % port))
    ok(r.status == 200, "fetch: a redirect to an allowed address is followed", r.body[:200])
    mock.reset()
    for target, name in (("http://127.0.0.2:%d/img/red.png" % port, "127.0.0.2 (loopback)"),
                         ("http://10.0.0.1/img/red.png", "10.0.0.1"),
                         ("http://[::1]:%d/img/red.png" % port, "[::1]")):
        r = post_json(lt_private, "/v1/chat/completions", vision_body(
            "gpt-4o", "http://127.0.0.1:%d/redirect?to=%s" % (port, target)))
        check_error(r, 400, "SSRF: a redirect to %s is refused" % name, code="image_url_refused")
    r = post_json(lt_private, "/v1/chat/completions", vision_body(
        "gpt-4o", "http://127.0.0.1:%d/redirect?to=file:///etc/passwd" % port))
    check_error(r, 400, "SSRF: a redirect to file:// is refused")
    hops = "/img/red.png"
    for _ in range(4):
        hops = "/redirect?to=" + hops.replace("?", "%3F").replace("=", "%3D").replace("&", "%26")
    r = post_json(lt_private, "/v1/chat/completions", vision_body("gpt-4o", "http://127.0.0.1:%d%s" % (port, hops)))
    check_error(r, 400, "fetch: more than 3 redirects -> 400", message_re="redirects")
    r = post_json(lt_private, "/v1/chat/completions", vision_body("gpt-4o", "http://127.0.0.1:%d/img/page.html" % port))
    check_error(r, 400, "fetch: an HTML page is not an image -> 400", message_re="not an image")
    r = post_json(lt_private, "/v1/chat/completions", vision_body("gpt-4o", "http://127.0.0.1:%d/img/big?bytes=300000" % port))
    check_error(r, 400, "fetch: an image over RELAY_FETCH_MAX_BYTES -> 400", message_re="larger than")
    r = post_json(lt_private, "/v1/chat/completions", vision_body("gpt-4o", "http://127.0.0.1:%d/img/missing.png" % port))
    check_error(r, 400, "fetch: HTTP 404 -> 400 image_download_failed", code="image_download_failed")
    is_(len(mock.chat_requests()), 0, "fetch: no chat after a failed download")


def main():
    mock = start_mock()
    cache = tmpdir("media-cache-")
    common = dict(RELAY_AUDIO_MAX_BYTES="64K", RELAY_VISION_MAX_IMAGES=2, RELAY_FETCH_MAX_BYTES="256K",
                  RELAY_UPLOAD_CACHE_DIR=os.path.join(cache, "uploads"), RELAY_FETCH_TIMEOUT=10)
    lt = start_lighttpd(relay_env(mock, **common))
    lt_private = start_lighttpd(relay_env(mock, ALLOW_PRIVATE_FETCH="127.0.0.1/32",
                                          RELAY_UPLOAD_CACHE_TTL=0, **common))
    test_images(lt, mock)
    test_transcriptions(lt, mock)
    test_speech(lt, mock)
    test_speech_streams(lt, lt_private, mock)
    test_vision(lt, lt_private, mock)
    leaked = [r for r in SEEN if KEY.encode() in r.body or any(KEY in v for _, v in r.headers)]
    is_(len(leaked), 0, "the API key never appears in a response")
    logs = lt.logs() + lt_private.logs()
    ok(KEY not in logs, "the API key never appears in the relay's logs")
    st = os.stat(os.path.join(cache, "uploads"))
    ok(st.st_mode & 0o077 == 0 and len(os.listdir(os.path.join(cache, "uploads"))) > 0,
       "upload cache: a private per-host directory with entries", oct(st.st_mode))
    lt.stop()
    lt_private.stop()


if __name__ == "__main__":
    run(main, timeout=500)
