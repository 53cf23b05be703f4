"""mock_media: the media side of the mock 1min.ai (imported by mock1min.py).

Implements, from docs/upstream-api.md:
- POST /api/features for IMAGE_GENERATOR, IMAGE_VARIATOR, IMAGE_EDITOR and
  IMAGE_INPAINTER (imageUrl/maskUrl must be uploaded asset paths; per-family required fields ->
  400 MISSING_REQUIRED_FIELDS with `details` as a JSON string; unknown or
  DISABLED models -> 400 UNSUPPORTED_MODEL), SPEECH_TO_TEXT, AUDIO_TRANSLATOR
  and TEXT_TO_SPEECH. Results are storage paths (images/..., audios/...) plus
  an aiRecord.temporaryUrl pointing at this mock.
- POST /api/assets: multipart with exactly one file part named `asset`; the
  answer has the documented {asset, fileContent} shape.
- GET /cdn/<path> (the relay's ONE_MIN_ASSET_CDN_URL) and GET /signed/<path>
  (temporaryUrl): the stored bytes. Generated images are real PNGs, speech is
  real MP3 frames (or WAV, FLAC, Ogg Opus, ADTS AAC by response_format).
- Test helpers for vision downloads: GET /img/red.png, /img/blue.jpg (real
  images), /doc/brief.pdf (a PDF for document URLs), /img/page.html (not an image), /img/big?bytes=N (a PNG signature
  followed by N zero bytes), /redirect?to=URL (302 to URL).

Every upload and generation is added to the request log (state.record) as an
extra entry with "event": "asset-upload" / "feature" (and "path":
"event:asset-upload" / "event:feature"). Markers in the prompt,
TTS text or transcription prompt: [[mock:status=N]], [[mock:failed-record]],
[[mock:no-temp-url]], [[mock:refused]] (images: resultObject is a moderation
{code, message}), [[mock:abs-url]] (resultObject holds absolute URLs),
[[mock:slow=MS]], [[mock:tts-format=F]] (TEXT_TO_SPEECH returns format F
whatever was asked). Config keys (/__mock/config): asset_fail (status for
every upload), cdn_fail (CDN answers 404), temp_fail (signed URLs answer 403),
tts_temp_url (the temporaryUrl every TEXT_TO_SPEECH record carries).
"""

import email.parser
import email.policy
import hashlib
import io
import json
import re
import struct
import sys
import time
import uuid
import wave
import zlib
from urllib.parse import quote

MARKER_RE = re.compile(r"\[\[mock:([a-z0-9-]+)(?:=([^\]]*))?\]\]")


def _markers(text):
    out = {}
    for m in MARKER_RE.finditer(text or ""):
        out[m.group(1)] = m.group(2) if m.group(2) is not None else True
    return out


# ---------------------------------------------------------------------------
# Real media bytes

def make_png(rgb=(200, 30, 30), size=4):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * size
    raw = row * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_jpeg():
    # A minimal baseline JPEG header is enough for magic-byte checks.
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def make_mp3(frames=60):
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames of silence.
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return frame * frames


def make_wav(seconds=0.2):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24000)
        w.writeframes(b"\x00\x00" * int(24000 * seconds))
    return out.getvalue()


def make_flac():
    return b"fLaC" + b"\x80\x00\x00\x22" + b"\x00" * 34 + b"\x00" * 2000


def make_opus():
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    page = (b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 4 + b"\x00" * 4
            + b"\x01" + bytes([len(head)]) + head)
    return page + b"\x00" * 2000


def make_aac():
    frame = b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 9
    return frame * 200


AUDIO_MAKERS = {"mp3": make_mp3, "wav": make_wav, "flac": make_flac, "opus": make_opus, "aac": make_aac}
CTYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
          "gif": "image/gif", "mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac",
          "opus": "audio/ogg", "ogg": "audio/ogg", "aac": "audio/aac", "m4a": "audio/mp4",
          "webm": "audio/webm", "mp4": "video/mp4"}

# ---------------------------------------------------------------------------
# Image families: required promptObject fields (docs/upstream-api.md §4.1)

LEONARDO = {"6b645e3a-d64f-4341-a6d8-7a3690fbf042", "b24e16ff-06e3-43eb-8d33-4416c2d75876",
            "e71a1c2f-4f80-4800-934f-2c68979d8cc8", "1e60896f-3c26-4296-8ecc-53e2afecc132",
            "aa77f04e-3eec-4034-9c07-d0f619684628", "5c232a9e-9061-4777-980a-ddc8e65647c6",
            "2067ae52-33fd-4a82-bb92-c2c55e7d2786"}


def image_family(model):
    if model == "dall-e-2":
        return ["prompt", "n", "size"], "n"
    if model == "dall-e-3":
        return ["prompt", "n", "size", "quality", "style"], "n"
    if model.startswith("gpt-image-"):
        return ["prompt", "n", "size", "quality"], "n"
    if model.startswith("black-forest-labs/flux"):
        return ["prompt", "num_outputs", "aspect_ratio"], "num_outputs"
    if model.startswith("midjourney"):
        return ["prompt", "mode", "n", "aspect_width", "aspect_height"], None
    if model == "stable-diffusion-xl-1024-v1-0":
        return ["prompt", "samples", "size", "cfg_scale", "clip_guidance_preset", "seed", "steps"], "samples"
    if model == "stable-diffusion-v1-6":
        return ["prompt", "samples", "cfg_scale", "clip_guidance_preset", "height", "width", "seed",
                "steps"], "samples"
    if model in LEONARDO:
        return ["prompt", "n", "size"], "n"
    return ["prompt"], "n"


# ---------------------------------------------------------------------------

def _event(state, entry):
    """An extra log entry; "path" names the event so log filters by path keep working."""
    entry.setdefault("path", "event:" + entry["event"])
    entry.setdefault("method", None)
    state.record(entry)


def _store(state):
    with state.lock:
        if not hasattr(state, "media_assets"):
            state.media_assets = {}
        return state.media_assets


def _json(status, obj, headers=None):
    h = {"Content-Type": "application/json; charset=utf-8"}
    h.update(headers or {})
    return status, h, json.dumps(obj).encode("utf-8")


def _err_feature(code, message, status=400, details=None):
    obj = {"errorCode": code, "message": message}
    if details is not None:
        obj["details"] = json.dumps(details)
    return _json(status, obj)


def _catalogue_ok(feature, model):
    main = sys.modules.get("__main__")
    cat = getattr(main, "CATALOGUE", None) or getattr(sys.modules.get("mock1min"), "CATALOGUE", {})
    for m in cat.get(feature, []):
        if m["modelId"] == model:
            return m["status"] == "ACTIVE"
    return False


def _stamp():
    t = time.time()
    return time.strftime("%Y_%m_%d_%H_%M_%S", time.gmtime(t)) + "_%03d" % int((t % 1) * 1000)


def _record_env(state, feature, model, result, temp_url):
    return {
        "uuid": str(uuid.uuid4()),
        "teamUser": {"creditLimit": 214748364, "usedCredit": 3086973},
        "model": model, "type": feature, "metadata": None, "status": "SUCCESS",
        "temporaryUrl": temp_url,
        "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "aiRecordDetail": {"promptObject": {}, "resultObject": result},
    }


def _auth(headers):
    key = headers.get("API-KEY")
    if not key or key == "bad-key":
        return _json(401, {"success": False, "error": {"code": "UNAUTHORIZED", "message": "Invalid API key"}})
    return None


def _marker_status(mk):
    if "status" in mk:
        status = int(mk["status"])
        return _json(status, {"success": False, "error": {"code": "MOCK_ERROR",
                                                          "message": "Mock upstream error %d" % status}})
    return None


def _results(state, mk, paths, data_by_path):
    """Store the results; return (resultObject, temporaryUrl)."""
    store = _store(state)
    with state.lock:
        for p in paths:
            store[p] = data_by_path[p]
    if "abs-url" in mk:
        result = [state.base_url + "/cdn/" + p for p in paths]
    else:
        result = list(paths)
    temp = None if "no-temp-url" in mk else state.base_url + "/signed/" + quote(paths[0]) + "?sig=mock"
    return result, temp


# Image features that start from an uploaded image (docs/upstream-api.md §4.5):
# the family's fields (a variation has no prompt) plus these asset paths.
IMAGE_INPUTS = {"IMAGE_GENERATOR": [], "IMAGE_VARIATOR": ["imageUrl"], "IMAGE_EDITOR": ["imageUrl"],
                "IMAGE_INPAINTER": ["imageUrl", "maskUrl"]}


def _image(state, model, po, feature="IMAGE_GENERATOR"):
    prompt = po.get("prompt") if isinstance(po.get("prompt"), str) else ""
    mk = _markers(prompt)
    if not _catalogue_ok("IMAGE_GENERATOR", model):
        return _err_feature("UNSUPPORTED_MODEL", "Model %s is not supported" % model)
    required, count_field = image_family(model)
    if feature == "IMAGE_VARIATOR":
        required = [f for f in required if f != "prompt"]
        if "prompt" in po:
            return _err_feature("INVALID_REQUEST", "IMAGE_VARIATOR takes no prompt")
    required = IMAGE_INPUTS[feature] + required
    with state.lock:
        known = dict(getattr(state, "media_meta", {}))
    for f in IMAGE_INPUTS[feature]:
        if f in po and (not isinstance(po[f], str) or po[f] not in known):
            return _err_feature("INVALID_REQUEST", "%s %r is not an uploaded asset" % (f, po[f]))
    missing = [f for f in required if f not in po or po[f] is None or po[f] == ""]
    if missing:
        return _err_feature("MISSING_REQUIRED_FIELDS", "The service is a bit busy, please try again",
                            details=[{"field": f, "message": "Field '%s' is required" % f} for f in missing])
    err = _marker_status(mk)
    if err:
        return err
    if "slow" in mk:
        time.sleep(int(mk["slow"]) / 1000.0)
    if count_field is None:
        count = 4
    else:
        count = po.get(count_field, 1)
        if not isinstance(count, int) or count < 1 or count > 10:
            return _err_feature("INVALID_REQUEST", "%s must be from 1 to 10" % count_field)
    stamp = _stamp()
    paths = ["images/%s_%d_%s.png" % (stamp, i, uuid.uuid4().hex[:6]) for i in range(count)]
    data = {p: make_png(((40 * i) % 256, 120, 200), 4 + i) for i, p in enumerate(paths)}
    if "failed-record" in mk:
        rec = _record_env(state, feature, model, [], None)
        rec["status"] = "FAILED"
        return _json(200, {"aiRecord": rec})
    if "refused" in mk:
        rec = _record_env(state, feature, model,
                          {"code": "CONTENT_POLICY", "message": "The prompt was refused by moderation"}, None)
        return _json(200, {"aiRecord": rec})
    result, temp = _results(state, mk, paths, data)
    _event(state, {"event": "feature", "type": feature, "model": model, "promptObject": po,
                  "result": result})
    return _json(200, {"aiRecord": _record_env(state, feature, model, result, temp)})


def _audio_in(state, feature, model, po):
    if not _catalogue_ok(feature, model):
        return _err_feature("UNSUPPORTED_MODEL", "Model %s is not supported" % model)
    path = po.get("audioUrl")
    if not isinstance(path, str) or not path:
        return _err_feature("MISSING_REQUIRED_FIELDS", "The service is a bit busy, please try again",
                            details=[{"field": "audioUrl", "message": "Field 'audioUrl' is required"}])
    store = _store(state)
    with state.lock:
        meta = getattr(state, "media_meta", {}).get(path)
        known = path in store
    if not known:
        return _err_feature("INVALID_REQUEST", "audioUrl %s is not an uploaded asset" % path)
    name = (meta or {}).get("filename", "?")
    mk = _markers(po.get("prompt") if isinstance(po.get("prompt"), str) else "")
    err = _marker_status(mk)
    if err:
        return err
    kind = "Translation" if feature == "AUDIO_TRANSLATOR" else "Transcript"
    text = "%s of %s (%d bytes)" % (kind, name, (meta or {}).get("size", 0))
    if po.get("language"):
        text += " [language=%s]" % po["language"]
    if po.get("prompt"):
        text += " [prompt=%s]" % po["prompt"]
    _event(state, {"event": "feature", "type": feature, "model": model, "promptObject": po})
    rec = _record_env(state, feature, model, [text], None)
    if "failed-record" in mk:
        rec["status"] = "FAILED"
        rec["aiRecordDetail"]["resultObject"] = []
    return _json(200, {"aiRecord": rec})


def _tts(state, model, po):
    if not _catalogue_ok("TEXT_TO_SPEECH", model):
        return _err_feature("UNSUPPORTED_MODEL", "Model %s is not supported" % model)
    text = po.get("text")
    missing = [f for f in ("text", "voice") if not po.get(f)]
    if missing:
        return _err_feature("MISSING_REQUIRED_FIELDS", "The service is a bit busy, please try again",
                            details=[{"field": f, "message": "Field '%s' is required" % f} for f in missing])
    mk = _markers(text)
    err = _marker_status(mk)
    if err:
        return err
    fmt = mk.get("tts-format") or po.get("response_format") or "mp3"
    maker = AUDIO_MAKERS.get(fmt)
    if not maker:
        return _err_feature("INVALID_REQUEST", "response_format %s is not supported" % fmt)
    ext = {"opus": "ogg"}.get(fmt, fmt)
    path = "audios/%s_%s.%s" % (_stamp(), uuid.uuid4().hex[:6], ext)
    result, temp = _results(state, mk, [path], {path: maker()})
    temp = state.conf("tts_temp_url") or temp
    _event(state, {"event": "feature", "type": "TEXT_TO_SPEECH", "model": model, "promptObject": po,
                  "result": result})
    return _json(200, {"aiRecord": _record_env(state, "TEXT_TO_SPEECH", model, result, temp)})


def _features(state, headers, body):
    denied = _auth(headers)
    if denied:
        return denied
    try:
        req = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return _err_feature("INVALID_REQUEST", "Body is not JSON")
    if not isinstance(req, dict) or not isinstance(req.get("promptObject"), dict):
        return _err_feature("INVALID_REQUEST", "promptObject is required")
    feature, model, po = req.get("type"), req.get("model"), req["promptObject"]
    if not isinstance(model, str):
        return _err_feature("INVALID_REQUEST", "model is required")
    if feature in IMAGE_INPUTS:
        return _image(state, model, po, feature)
    if feature in ("SPEECH_TO_TEXT", "AUDIO_TRANSLATOR"):
        return _audio_in(state, feature, model, po)
    if feature == "TEXT_TO_SPEECH":
        return _tts(state, model, po)
    return _err_feature("INVALID_REQUEST", "Unsupported feature type %r" % feature)


def _assets(state, headers, body):
    denied = _auth(headers)
    if denied:
        return denied
    fail = state.conf("asset_fail")
    if fail:
        return _json(int(fail), {"message": "file type isn't supported"})
    ctype = headers.get("Content-Type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        return _json(400, {"message": "Multipart body with one file part named 'asset' expected"})
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
    parts = list(msg.iter_parts()) if msg.is_multipart() else []
    if len(parts) != 1:
        return _json(400, {"message": "Exactly one file part named 'asset' expected, got %d parts" % len(parts)})
    part = parts[0]
    field = part.get_param("name", header="content-disposition")
    filename = part.get_filename()
    if field != "asset" or not filename:
        return _json(400, {"message": "The file part must be named 'asset' and have a filename (got %r)" % field})
    data = part.get_payload(decode=True) or b""
    ptype = part.get_content_type()
    if ptype.startswith("audio/") or ptype.startswith("video/"):
        folder = "audios"
    elif ptype.startswith("image/"):
        folder = "images"
    else:
        folder = "documents"
    name = "%s_%s" % (_stamp(), re.sub(r"[^A-Za-z0-9._-]", "_", filename))
    path = "%s/%s" % (folder, name)
    sha = hashlib.sha256(data).hexdigest()
    store = _store(state)
    with state.lock:
        store[path] = data
        if not hasattr(state, "media_meta"):
            state.media_meta = {}
        state.media_meta[path] = {"filename": filename, "size": len(data), "content_type": ptype}
    file_uuid = str(uuid.uuid4())
    with state.lock:
        state.media_meta[path]["uuid"] = file_uuid
    _event(state, {"event": "asset-upload", "field": field, "filename": filename, "content_type": ptype,
                  "size": len(data), "sha256": sha, "path": path, "uuid": file_uuid})
    ext = filename.rsplit(".", 1)[-1] if "." in filename else ""
    return _json(200, {
        "asset": {"fieldname": "asset", "originalname": filename, "mimetype": ptype, "size": len(data),
                  "bucket": "asset.1min.ai", "key": path, "acl": "private",
                  "location": "https://asset.1min.ai.s3.us-east-1.amazonaws.com/" + path},
        "fileContent": {"uuid": file_uuid, "path": path, "type": ext, "name": name,
                        "status": "ACTIVE", "metadata": {"token": 0, "character": 0},
                        "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())},
    })


# ---------------------------------------------------------------------------
# Documents attached to a unified chat (docs/upstream-api.md §5): the ids in
# promptObject.attachments.files must be fileContent.uuid values of uploads.

def chat_files(state, po):
    """None when promptObject.attachments.files is absent or names uploaded
    files (logged as a "chat-files" event with their uuids, paths and types);
    otherwise the upstream's error body for a 400."""
    att = po.get("attachments") if isinstance(po.get("attachments"), dict) else {}
    files = att.get("files")
    if files is None:
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return {"success": False, "error": {"code": "INVALID_REQUEST", "message": "attachments.files must be a list of ids"}}
    with state.lock:
        by_uuid = {m.get("uuid"): (p, m) for p, m in getattr(state, "media_meta", {}).items()}
    unknown = [f for f in files if f not in by_uuid]
    if unknown:
        return {"success": False, "error": {"code": "INVALID_REQUEST",
                                            "message": "attachments.files: %s is not an uploaded file" % unknown[0]}}
    _event(state, {"event": "chat-files", "files": files, "paths": [by_uuid[f][0] for f in files],
                  "content_types": [by_uuid[f][1].get("content_type") for f in files]})
    return None


def _serve(state, path):
    store = _store(state)
    with state.lock:
        data = store.get(path)
    if data is None:
        return _json(404, {"message": "Not found"})
    ext = path.rsplit(".", 1)[-1].lower()
    return 200, {"Content-Type": CTYPES.get(ext, "application/octet-stream")}, data


def handle(state, method, path, query, headers, body):
    if path == "/api/features" and method == "POST":
        return _features(state, headers, body)
    if path == "/api/assets":
        if method != "POST":
            return _json(404, {"message": "Cannot %s %s" % (method, path)})
        return _assets(state, headers, body)
    if path.startswith("/cdn/") and method == "GET":
        if state.conf("cdn_fail"):
            return _json(404, {"message": "Not found"})
        return _serve(state, path[len("/cdn/"):])
    if path.startswith("/signed/") and method == "GET":
        if state.conf("temp_fail") or query.get("sig") != "mock":
            return 403, {"Content-Type": "application/xml"}, b"<Error><Code>AccessDenied</Code></Error>"
        return _serve(state, path[len("/signed/"):])
    if path == "/img/red.png":
        return 200, {"Content-Type": "image/png"}, make_png((220, 20, 20), 8)
    if path == "/img/blue.jpg":
        return 200, {"Content-Type": "image/jpeg"}, make_jpeg()
    if path == "/doc/brief.pdf":
        return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n% served by the mock\n%%EOF\n"
    if path == "/img/page.html":
        return 200, {"Content-Type": "text/html"}, b"<html><body>not an image</body></html>"
    if path == "/img/big":
        n = int(query.get("bytes", "1000"))
        return 200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\x00" * n
    if path == "/redirect":
        return 302, {"Location": query.get("to", "/"), "Content-Type": "text/plain"}, b"redirect"
    return None
