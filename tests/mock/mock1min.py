#!/usr/bin/env python3
"""mock1min: a stand-in for the 1min.ai API, for the relay's integration tests.

It speaks the wire formats of docs/upstream-api.md (unified
chat, JSON and SSE; the model catalogue; the error shapes) and records every
request it receives so that tests can check what the relay sent. Behaviours
are selected by markers inside the prompt text (``[[mock:status=500]]``) and by
a small JSON control API under /__mock/. tests/mock/README.md documents both.

Python 3 standard library only. Listens on 127.0.0.1.

    python3 mock1min.py --port 0 --port-file F

prints ``PORT n`` as its first line on stdout (and writes n to F).
"""

import argparse
import base64
import importlib
import json
import os
import random
import re
import select
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# ---------------------------------------------------------------------------
# Catalogue

def _model(model_id, name, provider, group, features, modality, credit, status="ACTIVE"):
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, "mock1min/" + model_id)),
        "modelId": model_id,
        "name": name,
        "provider": provider,
        "group": group,
        "status": status,
        "cutoffDate": "2024-10-01",
        "logoUrl": "https://asset.1min.ai/logos/%s.png" % group,
        "features": features,
        "modality": modality,
        "creditMetadata": credit,
        "information": None,
        "numberOfStars": 4,
        "createdAt": "2025-01-01T00:00:00.000Z",
        "updatedAt": "2026-03-01T00:00:00.000Z",
    }


_TEXT_IMG = {"INPUT": ["text", "image"], "OUTPUT": ["text"]}
_TEXT = {"INPUT": ["text"], "OUTPUT": ["text"]}
_IMG_CREDIT = {"standard": {"1024x1024": 5000, "1024x1792": 10000}, "hd": {"1024x1024": 10000}}

CATALOGUE = {
    "UNIFY_CHAT_WITH_AI": [
        # vision through modality.INPUT; documents through CHAT_WITH_PDF
        _model("gpt-4o", "GPT-4o", "openai", "openai",
               ["UNIFY_CHAT_WITH_AI", "CHAT_WITH_IMAGE", "CHAT_WITH_PDF", "CODE_GENERATOR"], _TEXT_IMG,
               {"INPUT": 5, "OUTPUT": 15, "CONTEXT": 128000, "MAX_OUTPUT_TOKEN": 16384}),
        # vision through features only, modality null
        _model("gpt-4o-mini", "GPT-4o mini", "openai", "openai",
               ["UNIFY_CHAT_WITH_AI", "CHAT_WITH_IMAGE"], None,
               {"INPUT": 1, "OUTPUT": 4, "CONTEXT": 128000, "MAX_OUTPUT_TOKEN": 16384}),
        _model("o1-preview", "o1 preview", "openai", "openai",
               ["UNIFY_CHAT_WITH_AI"], _TEXT,
               {"INPUT": 15, "OUTPUT": 60, "CONTEXT": 128000, "MAX_OUTPUT_TOKEN": 32768},
               status="DISABLED"),
        _model("claude-3-5-sonnet-20240620", "Claude 3.5 Sonnet", "anthropic", "anthropic",
               ["UNIFY_CHAT_WITH_AI", "CHAT_WITH_IMAGE", "CHAT_WITH_PDF"], _TEXT_IMG,
               {"INPUT": 3, "OUTPUT": 15, "CONTEXT": 200000, "MAX_OUTPUT_TOKEN": 8192}),
        _model("mistral-large-latest", "Mistral Large", "mistral", "mistral",
               ["UNIFY_CHAT_WITH_AI"], _TEXT,
               {"INPUT": 2, "OUTPUT": 6, "CONTEXT": 128000, "MAX_OUTPUT_TOKEN": 8192}),
        _model("deepseek-chat", "DeepSeek V3", "deepseek", "deepseek",
               ["UNIFY_CHAT_WITH_AI"], _TEXT,
               {"INPUT": 1, "OUTPUT": 2, "CONTEXT": 64000, "MAX_OUTPUT_TOKEN": 8192}),
        # the only model of its group, and DISABLED: kept by the "group would be empty" rule
        _model("command-r", "Command R", "cohere", "cohere",
               ["UNIFY_CHAT_WITH_AI"], _TEXT,
               {"INPUT": 1, "OUTPUT": 2, "CONTEXT": 128000, "MAX_OUTPUT_TOKEN": 4096},
               status="DISABLED"),
    ],
    "IMAGE_GENERATOR": [
        _model("dall-e-2", "DALL-E 2", "openai", "openai", ["IMAGE_GENERATOR"], None, _IMG_CREDIT),
        _model("dall-e-3", "DALL-E 3", "openai", "openai", ["IMAGE_GENERATOR"],
               {"INPUT": ["text"], "OUTPUT": ["image"]}, _IMG_CREDIT),
        _model("gpt-image-1", "GPT Image 1", "openai", "openai", ["IMAGE_GENERATOR"],
               {"INPUT": ["text", "image"], "OUTPUT": ["image"]},
               {"low": {"1024x1024": 1000}, "medium": {"1024x1024": 4000}, "high": {"1024x1024": 17000}}),
        _model("gpt-image-1-mini", "GPT Image 1 mini", "openai", "openai", ["IMAGE_GENERATOR"],
               None, {"low": {"1024x1024": 500}, "medium": {"1024x1024": 1500}}),
        _model("black-forest-labs/flux-schnell", "Flux Schnell", "black-forest-labs",
               "black-forest-labs", ["IMAGE_GENERATOR"], None, {"default": 300},
               status="DISABLED"),
        _model("black-forest-labs/flux-dev", "Flux Dev", "black-forest-labs",
               "black-forest-labs", ["IMAGE_GENERATOR"], None, {"default": 2500}),
        _model("black-forest-labs/flux-pro", "Flux Pro", "black-forest-labs",
               "black-forest-labs", ["IMAGE_GENERATOR"], None, {"default": 5500}),
        _model("midjourney", "Midjourney", "midjourney", "midjourney", ["IMAGE_GENERATOR"],
               None, {"fast": 10000, "relax": 5000}),
        _model("midjourney_6_1", "Midjourney 6.1", "midjourney", "midjourney",
               ["IMAGE_GENERATOR"], None, {"fast": 10000, "relax": 5000}),
        _model("stable-diffusion-xl-1024-v1-0", "Stable Diffusion XL", "stability", "stability",
               ["IMAGE_GENERATOR"], None, {"default": 800}),
        _model("stable-diffusion-v1-6", "Stable Diffusion 1.6", "stability", "stability",
               ["IMAGE_GENERATOR"], None, {"default": 500}),
        _model("6b645e3a-d64f-4341-a6d8-7a3690fbf042", "Leonardo Phoenix", "leonardo",
               "leonardo", ["IMAGE_GENERATOR"], None, {"default": 2000}),
    ],
    "SPEECH_TO_TEXT": [
        _model("whisper-1", "Whisper", "openai", "openai",
               ["SPEECH_TO_TEXT", "AUDIO_TRANSLATOR"], {"INPUT": ["audio"], "OUTPUT": ["text"]},
               {"default": 6}),
        _model("latest_long", "Google STT long", "google", "google", ["SPEECH_TO_TEXT"], None,
               {"default": 4}),
        _model("latest_short", "Google STT short", "google", "google", ["SPEECH_TO_TEXT"], None,
               {"default": 4}),
        _model("phone_call", "Google STT phone call", "google", "google", ["SPEECH_TO_TEXT"],
               None, {"default": 4}),
    ],
    "AUDIO_TRANSLATOR": [
        _model("whisper-1", "Whisper", "openai", "openai",
               ["SPEECH_TO_TEXT", "AUDIO_TRANSLATOR"], {"INPUT": ["audio"], "OUTPUT": ["text"]},
               {"default": 6}),
    ],
    "TEXT_TO_SPEECH": [
        _model("tts-1", "TTS 1", "openai", "openai", ["TEXT_TO_SPEECH"],
               {"INPUT": ["text"], "OUTPUT": ["audio"]}, {"default": 15}),
        _model("tts-1-hd", "TTS 1 HD", "openai", "openai", ["TEXT_TO_SPEECH"],
               {"INPUT": ["text"], "OUTPUT": ["audio"]}, {"default": 30}),
    ],
}


def extra_chat_models():
    """Chat models added by POST /__mock/config {"extra_chat_models": [ids]}."""
    return [_model(mid, mid, "openai", "openai", ["UNIFY_CHAT_WITH_AI"], _TEXT, {"INPUT": 10, "OUTPUT": 30})
            for mid in STATE.conf("extra_chat_models", None) or []]


def chat_model_ids():
    models = CATALOGUE["UNIFY_CHAT_WITH_AI"] + extra_chat_models()
    return {m["modelId"] for m in models if m["status"] == "ACTIVE"}


# ---------------------------------------------------------------------------
# Shared state

class MockState:
    """Everything the handlers share. All mutation happens under self.lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.released = threading.Condition(self.lock)
        self.release_gen = 0
        self.requests = []
        self.config = {}
        self.base_url = ""
        self.seq = 0
        self.scripts = []      # scripted answers (see "Scripted answers" below)

    def record(self, entry):
        """Append one entry (a dict) to the request log; returns the entry."""
        with self.lock:
            self.seq += 1
            entry.setdefault("seq", self.seq)
            entry.setdefault("time", time.time())
            self.requests.append(entry)
        return entry

    def update(self, entry, **fields):
        with self.lock:
            entry.update(fields)

    def reset(self):
        with self.lock:
            self.requests = []
            self.config = {}
            self.scripts = []
            self.release_gen += 1
            self.released.notify_all()

    def release(self):
        with self.lock:
            self.release_gen += 1
            self.released.notify_all()

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.requests))

    def conf(self, key, default=None):
        with self.lock:
            return self.config.get(key, default)


STATE = MockState()

try:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    mock_media = importlib.import_module("mock_media")
except ImportError as exc:  # the media engineer's module is optional
    if getattr(exc, "name", None) != "mock_media":
        raise
    mock_media = None


# ---------------------------------------------------------------------------
# Scenario markers

MARKER_RE = re.compile(r"\[\[mock:([a-z0-9-]+)(?:=([^\]]*))?\]\]")


def parse_markers(prompt):
    """{name: value or True} for every [[mock:name=value]] in the prompt."""
    out = {}
    for m in MARKER_RE.finditer(prompt or ""):
        out[m.group(1)] = m.group(2) if m.group(2) is not None else True
    return out


def answer_for(prompt):
    """The echo answer: "Echo: " + the text of the last "Human:" block, markers removed."""
    text = prompt or ""
    idx = text.rfind("Human: ")
    while idx > 0 and text[idx - 1] != "\n":
        idx = text.rfind("Human: ", 0, idx)
    if idx >= 0:
        block = text[idx + len("Human: "):]
        end = block.find("\n\n")
        if end >= 0:
            block = block[:end]
    else:
        block = text
    block = MARKER_RE.sub("", block).strip()
    return "Echo: " + block


def split_pieces(text):
    """Content pieces: the text split before each space ("Echo:", " a", " b")."""
    pieces = re.findall(r"\s*\S+", text)
    if not pieces:
        return [text] if text else []
    tail = text[len("".join(pieces)):]
    if tail:
        pieces[-1] += tail
    return pieces


STATUS_CODES = {400: "INVALID_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
                404: "NOT_FOUND", 422: "PROMPT_OBJECT_VALIDATION_FAILED",
                429: "RATE_LIMITED"}

HTML_403 = (b"<!DOCTYPE html>\n<html><head><title>Attention Required! | Cloudflare</title></head>"
            b"<body><h1>Sorry, you have been blocked</h1><p>Ray ID: 8f0000mock</p></body></html>\n")


# ---------------------------------------------------------------------------
# Scripted answers: POST /__mock/script {"answers": [...]} queues answers that
# replace the built-in behaviour for matching requests (tests/mock/README.md).

SCRIPT_KEYS = {"path", "method", "query", "times", "status", "headers", "json", "body", "body_b64",
               "sse", "chunks", "chunks_b64", "delay_ms"}


def add_scripts(data):
    """Validate and queue data["answers"]; returns an error text or None."""
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, list):
        return "answers must be a list"
    for a in answers:
        if not isinstance(a, dict) or not isinstance(a.get("path"), str):
            return "every answer needs a path"
        unknown = set(a) - SCRIPT_KEYS
        if unknown:
            return "unknown answer keys: %s" % ", ".join(sorted(unknown))
        if sum(k in a for k in ("json", "body", "body_b64", "sse", "chunks", "chunks_b64")) > 1:
            return "json, body, body_b64, sse, chunks and chunks_b64 exclude each other"
    with STATE.lock:
        for a in answers:
            STATE.scripts.append(dict(a, used=0))
    return None


def take_script(method, path, query):
    """The first queued answer for this request (its use counted), or None.
    "times" (default 1) limits its uses; 0 means forever. "query" must be a
    subset of the request's query."""
    with STATE.lock:
        for a in STATE.scripts:
            if a["path"] != path or a.get("method", method) != method:
                continue
            if any(query.get(k) != v for k, v in (a.get("query") or {}).items()):
                continue
            times = a.get("times", 1)
            if times and a["used"] >= times:
                continue
            a["used"] += 1
            return a
    return None


def fill_key(text, key):
    return text.replace("{{API_KEY}}", key)


# ---------------------------------------------------------------------------
# Contract-following model (docs/tools.md §1): answers the way a model that
# follows the relay's emulation contract would, so tool loops, structured
# output and cuts can be tested end to end. Triggered by what the prompt
# holds, as a real model would be:
#   - a tool section ("# Tools" in the opening System block) and the last
#     block is not a Tool: result: a <tool_call> block for the named tool (or
#     the first one), every string property of its schema set to the last
#     Human text ([[mock:tool-fence]] wraps the JSON in a code fence inside
#     the tags, [[mock:tool-calls=N]] makes N calls, [[mock:tool-prose]] adds
#     a sentence after the blocks);
#   - a tool section and the last block is a Tool: result: plain text,
#     "The tool said: " + the result;
#   - the JSON instruction ("Answer with a single valid JSON"): a sentence
#     and a ```json fence around {"answer": <last Human text>};
#   - [[mock:long=N]]: N words "w1 w2 ... wN" (with [[mock:slow=ms]] paced);
#   - [[mock:say=TEXT]]: exactly TEXT (\\n in it becomes a newline).
# Everything else keeps the echo answer.

TOOLS_HEAD = "# Tools\n\nYou can call these tools"
BLOCK_RE = re.compile(r"(?:^|\n\n)(System|Human|Assistant|Tool): ")


def contract_tools(prompt):
    """The tool objects listed in the prompt's tool section (or [])."""
    at = prompt.find(TOOLS_HEAD)
    if at < 0:
        return []
    tools = []
    for line in prompt[at:].split("\n")[1:]:
        if line.startswith("{"):
            try:
                tools.append(json.loads(line))
            except ValueError:
                pass
        elif tools and not line.strip():
            break
    return tools


def contract_last_block(prompt):
    """(label, text) of the prompt's last labelled block."""
    last = None
    for m in BLOCK_RE.finditer(prompt):
        last = m
    if last is None:
        return None, prompt
    return last.group(1), prompt[last.end():].rstrip("\n")


def contract_arguments(tool, text):
    props = ((tool.get("parameters") or {}).get("properties") or {})
    args = {}
    for name, schema in props.items():
        kind = (schema or {}).get("type")
        if kind == "string":
            args[name] = text
        elif kind in ("number", "integer"):
            args[name] = 1
        elif kind == "boolean":
            args[name] = True
    return args


def contract_answer(prompt, mk):
    """The contract model's answer text, or None for the echo answer."""
    if "say" in mk:
        return str(mk["say"]).replace("\\n", "\n")
    if "long" in mk:
        return " ".join("w%d" % i for i in range(1, int(mk["long"]) + 1))
    human = answer_for(prompt)[len("Echo: "):]
    tools = contract_tools(prompt)
    label, last = contract_last_block(prompt)
    if tools and label == "Tool":
        result = last.split(": ", 1)[1] if ": " in last else last
        return "The tool said: " + result
    if tools:
        named = re.search(r'You must call the tool "([^"]+)"', prompt)
        tool = next((t for t in tools if named and t.get("name") == named.group(1)), tools[0])
        blocks = []
        for _ in range(int(mk.get("tool-calls", 1))):
            body = json.dumps({"name": tool["name"], "arguments": contract_arguments(tool, human)},
                              ensure_ascii=False)
            if "tool-fence" in mk:
                body = "\n```json\n" + body + "\n```\n"
            blocks.append("<tool_call>" + body + "</tool_call>")
        text = "I will call %s.\n" % tool["name"] + "\n".join(blocks)
        if "tool-prose" in mk:
            text += "\nI hope this helps."
        return text
    if "Answer with a single valid JSON" in prompt:
        return "Here is the JSON:\n```json\n" + json.dumps({"answer": human}, ensure_ascii=False) + "\n```"
    return None


class ClientGone(Exception):
    """The relay closed its connection while we were answering."""


# ---------------------------------------------------------------------------
# HTTP handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "mock1min/1.0"

    def setup(self):
        super().setup()
        # small writes must leave at once, one TCP segment each (the split scenario)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):  # quiet; the request log is the record
        if os.environ.get("MOCK1MIN_VERBOSE"):
            sys.stderr.write("mock1min: " + (fmt % args) + "\n")

    # -- plumbing ----------------------------------------------------------

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        if length:
            return self.rfile.read(int(length))
        return b""

    def _write(self, data):
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, OSError) as exc:
            raise ClientGone() from exc

    def _chunk(self, data):
        if data:
            self._write(b"%x\r\n" % len(data) + data + b"\r\n")

    def _end_chunks(self):
        self._write(b"0\r\n\r\n")

    def _peer_closed(self):
        """True when the relay has closed its end (EOF or reset pending)."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if not r:
                return False
            data = self.connection.recv(1, socket.MSG_PEEK)
            return data == b""
        except OSError:
            return True

    def _wait(self, seconds):
        """Sleep, but raise ClientGone as soon as the relay hangs up."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                r, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            except OSError as exc:
                raise ClientGone() from exc
            if r and self._peer_closed():
                raise ClientGone()

    def _wait_release(self, limit):
        """Block until POST /__mock/release (or reset), the relay leaving, or limit s."""
        with STATE.lock:
            gen = STATE.release_gen
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with STATE.lock:
                if STATE.release_gen != gen:
                    return
                STATE.released.wait(0.05)
                if STATE.release_gen != gen:
                    return
            if self._peer_closed():
                raise ClientGone()

    def _send_json(self, status, obj, extra_headers=None):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send_bytes(status, body, "application/json; charset=utf-8", extra_headers)

    def _send_bytes(self, status, body, ctype, extra_headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self._write(body)
        self.wfile.flush()

    def _start_stream(self, ctype="text/event-stream; charset=utf-8"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    # -- dispatch ----------------------------------------------------------

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def _dispatch(self, method):
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body = self._read_body()

        if path.startswith("/__mock/"):
            return self._control(method, path, body)

        entry = self._record(method, path, query, parts.query, body)
        try:
            self._route(method, path, query, body, entry)
            if entry.get("outcome") is None:
                STATE.update(entry, outcome="complete", ended=time.time())
        except ClientGone:
            STATE.update(entry, outcome="client-closed", ended=time.time())
            self.close_connection = True

    def _record(self, method, path, query, query_string, body):
        headers = {k.lower(): v for k, v in self.headers.items()}
        parsed = None
        ctype = headers.get("content-type", "")
        if body and "json" in ctype:
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                parsed = None
        return STATE.record({
            "method": method,
            "path": path,
            "query": query,
            "query_string": query_string,
            "headers": headers,
            "api_key_present": "api-key" in headers,
            "api_key": headers.get("api-key"),
            "body": parsed,
            "body_size": len(body),
            "status": None,
            "outcome": None,
            "events_sent": 0,
            "peer": "%s:%d" % self.client_address[:2],
        })

    def _route(self, method, path, query, body, entry):
        script = take_script(method, path, query)
        if script is not None:
            return self._scripted(script, entry)
        if path == "/api/chat-with-ai":
            if method != "POST":
                return self._error(entry, 404, {"message": "Cannot %s %s" % (method, path)})
            return self._chat(query, body, entry)
        if path == "/models":
            if method != "GET":
                return self._error(entry, 404, {"message": "Cannot %s %s" % (method, path)})
            return self._models(query, entry)
        if mock_media is not None:
            res = mock_media.handle(STATE, method, path, query, self.headers, body)
            if res is not None:
                status, headers, data = res
                STATE.update(entry, status=status)
                headers = dict(headers or {})
                ctype = headers.pop("Content-Type", headers.pop("content-type", "application/octet-stream"))
                return self._send_bytes(status, data, ctype, headers)
        return self._error(entry, 404, {"message": "Cannot %s %s" % (method, path)})

    def _error(self, entry, status, obj, headers=None):
        STATE.update(entry, status=status)
        self._send_json(status, obj, headers)

    def _scripted(self, script, entry):
        """Play one scripted answer (see add_scripts); {{API_KEY}} in it becomes
        the API-KEY header this request carried."""
        key = self.headers.get("API-KEY") or ""
        status = int(script.get("status", 200))
        headers = {k: fill_key(str(v), key) for k, v in (script.get("headers") or {}).items()}
        STATE.update(entry, status=status, scripted=True)
        if "sse" in script or "chunks" in script or "chunks_b64" in script:
            ctype = headers.pop("Content-Type", "text/event-stream; charset=utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.flush()
            if "sse" in script:
                pieces = []
                for ev in script["sse"]:
                    name, data = ev[0], ev[1]
                    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
                    pieces.append(("event: %s\ndata: %s\n\n" % (name, text)) if name
                                  else "data: %s\n\n" % text)
                pieces = [fill_key(piece, key).encode("utf-8") for piece in pieces]
            elif "chunks" in script:
                pieces = [fill_key(piece, key).encode("utf-8") for piece in script["chunks"]]
            else:
                pieces = [base64.b64decode(piece) for piece in script["chunks_b64"]]
            delay = script.get("delay_ms", 0) / 1000.0
            for i, piece in enumerate(pieces):
                if i and delay:
                    self._wait(delay)
                self._chunk(piece)
                with STATE.lock:
                    entry["events_sent"] += 1
            self._end_chunks()
            return None
        if "body_b64" in script:
            ctype = headers.pop("Content-Type", "application/octet-stream")
            return self._send_bytes(status, base64.b64decode(script["body_b64"]), ctype, headers)
        if "json" in script:
            body = json.dumps(script["json"], ensure_ascii=False)
            ctype = "application/json; charset=utf-8"
        else:
            body = script.get("body", "")
            ctype = "text/plain; charset=utf-8"
        ctype = headers.pop("Content-Type", ctype)
        return self._send_bytes(status, fill_key(body, key).encode("utf-8"), ctype, headers)

    # -- control API -------------------------------------------------------

    def _control(self, method, path, body):
        try:
            data = json.loads(body.decode("utf-8")) if body else {}
        except ValueError:
            return self._send_json(400, {"error": "body is not JSON"})
        if method == "GET" and path == "/__mock/requests":
            return self._send_json(200, {"requests": STATE.snapshot()})
        if method == "GET" and path == "/__mock/connections":
            reqs = STATE.snapshot()
            conns = [{k: r.get(k) for k in ("seq", "path", "query_string", "status", "outcome",
                                             "events_sent", "time", "ended", "peer")}
                     for r in reqs]
            return self._send_json(200, {"connections": conns})
        if method == "POST" and path == "/__mock/reset":
            STATE.reset()
            return self._send_json(200, {"ok": True})
        if method == "POST" and path == "/__mock/release":
            STATE.release()
            return self._send_json(200, {"ok": True})
        if method == "POST" and path == "/__mock/config":
            if not isinstance(data, dict):
                return self._send_json(400, {"error": "config must be an object"})
            with STATE.lock:
                STATE.config.update(data)
                conf = dict(STATE.config)
            return self._send_json(200, {"config": conf})
        if method == "POST" and path == "/__mock/script":
            err = add_scripts(data)
            if err:
                return self._send_json(400, {"error": err})
            return self._send_json(200, {"scripts": len(STATE.scripts)})
        if method == "GET" and path == "/__mock/config":
            with STATE.lock:
                return self._send_json(200, {"config": dict(STATE.config)})
        return self._send_json(404, {"error": "unknown control path"})

    # -- catalogue ---------------------------------------------------------

    def _models(self, query, entry):
        delay = STATE.conf("models_delay_ms", 0)
        if delay:
            self._wait(delay / 1000.0)
        if STATE.conf("models_fail"):
            return self._error(entry, 500, {"message": "Internal server error"})
        feature = query.get("feature")
        models = CATALOGUE.get(feature, []) if feature else []
        if feature == "UNIFY_CHAT_WITH_AI":
            models = models + extra_chat_models()
        STATE.update(entry, status=200)
        self._send_json(200, {"models": models, "total": len(models)})

    # -- chat --------------------------------------------------------------

    def _chat(self, query, body, entry):
        streaming = query.get("isStreaming", "").lower() == "true"
        key = self.headers.get("API-KEY")
        if not key or key == "bad-key":
            return self._error(entry, 401, {"success": False, "error": {
                "code": "UNAUTHORIZED",
                "message": "Invalid API key" if key else "API key is required"}})
        try:
            req = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self._error(entry, 400, {"success": False, "error": {
                "code": "INVALID_REQUEST", "message": "Request body must be JSON"}})
        if not isinstance(req, dict):
            return self._error(entry, 400, {"success": False, "error": {
                "code": "INVALID_REQUEST", "message": "Request body must be an object"}})
        if "messages" in req:
            return self._error(entry, 422, {"success": False, "error": {
                "code": "PROMPT_OBJECT_VALIDATION_FAILED", "message": "Invalid prompt object",
                "details": [{"field": "messages", "message": "property messages should not exist"}]}})
        if req.get("type") != "UNIFY_CHAT_WITH_AI":
            return self._error(entry, 400, {"success": False, "error": {
                "code": "INVALID_REQUEST", "message": "type must be UNIFY_CHAT_WITH_AI"}})
        po = req.get("promptObject")
        if not isinstance(po, dict) or not isinstance(po.get("prompt"), str):
            return self._error(entry, 422, {"success": False, "error": {
                "code": "PROMPT_OBJECT_VALIDATION_FAILED", "message": "Invalid prompt object",
                "details": [{"field": "prompt", "message": "prompt must be a string"}]}})
        model = req.get("model")
        if model not in chat_model_ids():
            return self._error(entry, 400, {"errorCode": "UNSUPPORTED_MODEL",
                                            "message": "Model %s is not supported" % model})

        bad_files = mock_media.chat_files(STATE, po)
        if bad_files:
            return self._error(entry, 400, bad_files)

        prompt = po["prompt"]
        mk = parse_markers(prompt)
        settings = po.get("settings") if isinstance(po.get("settings"), dict) else {}
        ws = settings.get("webSearchSettings") if isinstance(settings.get("webSearchSettings"), dict) else {}
        web_search = ws.get("webSearch") is True

        if "never" in mk:
            STATE.update(entry, outcome="held")
            self._wait(float(mk["never"]) if mk["never"] is not True else 600)
            raise ClientGone()
        if "websearch-400" in mk:
            if web_search:
                return self._error(entry, 400, {"success": False, "error": {
                    "code": "WEB_SEARCH_FAILED", "message": "Web search is not available (mock)"}})
            if mk["websearch-400"] == "always":
                return self._error(entry, 400, {"success": False, "error": {
                    "code": "RETRY_FAILED", "message": "Retry without web search failed (mock)"}})
        if "html-403" in mk:
            STATE.update(entry, status=403)
            return self._send_bytes(403, HTML_403, "text/html; charset=UTF-8")
        if "garbage" in mk:
            # HTTP 200 with random bytes (seeded by the marker's value) in place
            # of the JSON record or the event stream.
            rng = random.Random(str(mk["garbage"]))
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000)))
            STATE.update(entry, status=200)
            if streaming:
                self._start_stream("text/event-stream; charset=utf-8")
                for i in range(0, len(junk), 97):
                    self._chunk(junk[i:i + 97])
                self._end_chunks()
                return None
            return self._send_bytes(200, junk, "application/json")
        if "echo-key" in mk:
            return self._error(entry, 400, {"success": False, "error": {
                "code": "INVALID_REQUEST",
                "message": "Key %s cannot use model %s" % (key, model)}})
        if "status" in mk:
            return self._marker_error(entry, mk)

        text = contract_answer(prompt, mk)
        if text is None:
            text = answer_for(prompt)
        if "failed-record" in mk:
            text = ""
        pieces = split_pieces(text)
        record = self._airecord(model, prompt, text, mk)

        if not streaming:
            return self._chat_json(entry, mk, record, len(pieces))
        return self._chat_stream(entry, mk, record, pieces, text)

    def _marker_error(self, entry, mk):
        status = int(mk["status"])
        headers = {}
        if "retry-after" in mk:
            headers["Retry-After"] = str(mk["retry-after"])
        if mk.get("error-shape") == "feature":
            body = {"errorCode": "MISSING_REQUIRED_FIELDS",
                    "message": "The service is a bit busy, please try again",
                    "details": json.dumps([{"field": "quality",
                                            "message": "Field 'quality' is required"}])}
        else:
            code = STATUS_CODES.get(status, "INTERNAL_SERVER_ERROR")
            body = {"success": False, "error": {"code": code,
                                                "message": "Mock upstream error %d" % status}}
        return self._error(entry, status, body, headers)

    def _airecord(self, model, prompt, text, mk):
        failed = "failed-record" in mk
        n_out = len(split_pieces(text))
        if "tokens" in mk:
            tin, tout = (int(x) for x in str(mk["tokens"]).split(","))
        else:
            tin, tout = len(prompt.split()), n_out
        metadata = None
        if "no-usage" not in mk and not STATE.conf("no_usage") and not failed:
            metadata = {"credit": tin + tout, "inputToken": tin, "outputToken": tout,
                        "totalToken": tin + tout, "promptToken": tin,
                        "inputCredit": tin, "outputCredit": tout,
                        "finishReason": mk.get("finish", "stop"), "executionTime": 0.1}
        if mk.get("result-shape") == "string":
            result = text
        elif mk.get("result-shape") == "object":
            result = {"code": "CONTENT_POLICY", "message": "The request was refused by moderation"}
        else:
            result = [] if failed else [text]
        return {
            "uuid": str(uuid.uuid4()),
            "teamUser": {"creditLimit": 214748364, "usedCredit": 3086973},
            "model": model,
            "type": "UNIFY_CHAT_WITH_AI",
            "metadata": metadata,
            "conversationId": None,
            "status": "FAILED" if failed else "SUCCESS",
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "aiRecordDetail": {
                "promptObject": {"prompt": prompt, "linkContentList": [], "searchContentList": []},
                "resultObject": result,
            },
            "modelDetail": {"name": model, "provider": "OPENAI"},
        }

    def _chat_json(self, entry, mk, record, n_pieces):
        if "hold" in mk:
            STATE.update(entry, outcome="held")
            self._wait_release(120)
            STATE.update(entry, outcome=None)
        if "silent" in mk:
            self._wait(float(mk["silent"]))
        if "slow" in mk:
            self._wait(int(mk["slow"]) / 1000.0 * max(n_pieces, 1))
        STATE.update(entry, status=200)
        self._send_json(200, {"aiRecord": record})

    def _chat_stream(self, entry, mk, record, pieces, text):
        nl = "\r\n" if "crlf" in mk else "\n"

        def frame(event, payload):
            data = json.dumps(payload, ensure_ascii=False)
            return ("event: %s%sdata: %s%s%s" % (event, nl, data, nl, nl)).encode("utf-8")

        STATE.update(entry, status=200)
        legacy = "legacy-raw" in mk
        self._start_stream("text/plain; charset=utf-8" if legacy else "text/event-stream; charset=utf-8")
        if "silent" in mk:
            self._wait(float(mk["silent"]))
        slow = int(mk["slow"]) / 1000.0 if "slow" in mk else 0.0
        split = "split" in mk

        frames = []
        if legacy:
            frames = [p.encode("utf-8") for p in pieces]
        else:
            if mk.get("sse-error") == "first":
                pieces = []
            elif "sse-error" in mk:
                pieces = pieces[:1]
            frames = [frame("content", {"content": p}) for p in pieces]
            if "dup-final" in mk and "sse-error" not in mk:
                frames.append(frame("content", {"content": text}))
            if "sse-error" in mk:
                frames.append(frame("error", {"error": "Model %s is not supported" % record["model"]}))
            else:
                frames.append(frame("result", {"aiRecord": record}))
                if "no-done" not in mk:
                    frames.append(frame("done", {"message": "Stream completed"}))

        if "burst" in mk:
            return self._stream_burst(entry, frames)
        if "paced" in mk:
            return self._stream_paced(entry, frames, float(mk["paced"]))
        for i, data in enumerate(frames):
            if i > 0 and slow:
                self._wait(slow)
            if i == 0 and "hold" in mk:
                # Marked before the frame goes out: a client that already holds
                # the first chunk must see the stream as held, never earlier.
                STATE.update(entry, outcome="held")
            if split:
                for piece in split_bytes(data):
                    self._chunk(piece)
                    self._wait(0.01)
            else:
                self._chunk(data)
            with STATE.lock:
                entry["events_sent"] += 1
            if i == 0 and "hold" in mk:
                self._wait_release(120)
                STATE.update(entry, outcome=None)
        self._end_chunks()


    # -- capacity tests (cap) ------------------------------------------------

    def _stream_burst(self, entry, frames):
        """[[mock:burst]]: every frame of the stream in one chunk and one write,
        so the relay reads many events at once (it must pass them on in one
        write, not one per event)."""
        self._chunk(b"".join(frames))
        with STATE.lock:
            entry["events_sent"] += len(frames)
        self._end_chunks()

    def _sleep_quietly(self, seconds):
        """Like _wait, but one poll() per call instead of 20 wake-ups a second
        (a thousand held streams would starve the mock), and fine with
        descriptors above 1024. Raises ClientGone when the relay hangs up."""
        deadline = time.monotonic() + seconds
        p = select.poll()
        p.register(self.connection, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if p.poll(left * 1000):
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        raise ClientGone()
                except OSError as exc:
                    raise ClientGone() from exc
                time.sleep(min(left, 0.2))   # unexpected bytes: do not spin

    def _stream_paced(self, entry, frames, total):
        """[[mock:paced=S]]: a stream of S seconds for capacity benchmarks:
        silent for the first half, then the frames spread over the second."""
        self._sleep_quietly(total / 2)
        gap = total / 2 / max(len(frames) - 1, 1)
        for i, data in enumerate(frames):
            if i:
                self._sleep_quietly(gap)
            self._chunk(data)
            with STATE.lock:
                entry["events_sent"] += 1
        self._end_chunks()


def split_bytes(data):
    """Cut data into small pieces, always inside every multi-byte UTF-8 character
    and every few bytes elsewhere, so frames and characters straddle writes."""
    cuts = set(range(3, min(len(data), 40), 5)) | set(range(40, len(data), 97))
    for i, b in enumerate(data):
        if b >= 0xC0:  # lead byte of a multi-byte sequence: cut right after it
            cuts.add(i + 1)
    out, last = [], 0
    for c in sorted(cuts):
        if 0 < c < len(data):
            out.append(data[last:c])
            last = c
    out.append(data[last:])
    return out


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024   # capacity tests open hundreds of upstream streams at once


def main():
    ap = argparse.ArgumentParser(description="mock 1min.ai API")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    port = srv.server_address[1]
    STATE.base_url = "http://127.0.0.1:%d" % port
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
