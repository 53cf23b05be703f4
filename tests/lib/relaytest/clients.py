"""relaytest.clients: HTTP clients for the relay's tests.

request()/http_raw() for whole responses, SSEStream for reading server-sent
events as they arrive, stream_chunks() to sort them, and request helpers
(auth, chat_body). Each call opens its own connection.
"""

import http.client as httpclient
import json
import re
import socket
import time


# ---------------------------------------------------------------------------
# HTTP clients

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers     # [(name, value)] as received
        self.body = body

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


def _split_base(base):
    """(host, port) from "http://127.0.0.1:8080" or an object with .host/.port."""
    if hasattr(base, "port"):
        return base.host, base.port
    m = re.match(r"^http://([^:/]+):(\d+)", base)
    if not m:
        raise ValueError("bad base url %r" % base)
    return m.group(1), int(m.group(2))


def http_raw(host, port, method, path, body=None, headers=None, timeout=30):
    """One request; returns a Response with the whole body."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
    conn = httpclient.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, r.getheaders(), data)
    finally:
        conn.close()


def request(base, method, path, body=None, headers=None, timeout=30):
    """http_raw() against a base URL or a server object (Lighttpd, Server)."""
    host, port = _split_base(base)
    return http_raw(host, port, method, path, body, headers, timeout)


def auth(key="sk-test-key-123"):
    return {"Authorization": "Bearer " + key}


def chat_body(content="hello", model="gpt-4o", stream=False, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": content}]}
    if stream:
        body["stream"] = True
    body.update(extra)
    return body


class SSEStream:
    """A streamed POST whose server-sent events are read as they arrive.

    After construction: .status, .headers (as in Response). If the status is
    not 200, .body holds the whole response body. events() yields
    ("data", text, t) for each data event and ("comment", text, t) for each
    comment line, t being time.monotonic() when it arrived."""

    def __init__(self, base, path, body, headers=None, timeout=30, method="POST"):
        host, port = _split_base(base)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        hdrs.update(headers or {})
        self.conn = httpclient.HTTPConnection(host, port, timeout=timeout)
        self.conn.request(method, path, body=body, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.getheaders()
        self.body = None
        if self.status != 200:
            self.body = self.resp.read()
            self.close()

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, AttributeError):
            return None

    def raw_lines(self):
        while True:
            line = self.resp.readline()
            if not line:
                return
            yield line

    def events(self):
        data = []
        for raw in self.raw_lines():
            t = time.monotonic()
            line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
            if line == "":
                if data:
                    yield ("data", "\n".join(data), t)
                    data = []
                continue
            if line.startswith(":"):
                yield ("comment", line, t)
            elif line.startswith("data:"):
                v = line[5:]
                data.append(v[1:] if v.startswith(" ") else v)
            else:
                yield ("other", line, t)
        if data:
            yield ("data", "\n".join(data), time.monotonic())

    def read_all(self):
        """All events until the server closes: a list of (kind, text, t)."""
        return list(self.events())

    def close(self):
        try:
            self.conn.sock and self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def named_events(events, unparsed=lambda text: {"__unparsed__": text}):
    """[(event name or None, data parsed as JSON)] from SSEStream events, for
    the streams with event: lines (Responses, Anthropic, the upstream's);
    data that is not JSON becomes unparsed(text)."""
    out, pending = [], None
    for kind, text, _t in events:
        if kind == "other" and text.startswith("event:"):
            pending = text[6:].strip()
        elif kind == "data":
            try:
                data = json.loads(text)
            except ValueError:
                data = unparsed(text)
            out.append((pending, data))
            pending = None
    return out


def stream_chunks(events):
    """From SSEStream events: (chunks, done, errors, comments) where chunks are
    the parsed JSON data events (not [DONE]), done says whether [DONE] came
    last, errors are data events with an "error" key, comments are comment lines.
    Unparseable data lines are returned as {"__unparsed__": text}."""
    chunks, errors, comments = [], [], []
    done = False
    for kind, text, _t in events:
        if kind == "comment":
            comments.append(text)
            continue
        if kind != "data":
            continue
        if text == "[DONE]":
            done = True
            continue
        done = False
        try:
            obj = json.loads(text)
        except ValueError:
            obj = {"__unparsed__": text}
        if isinstance(obj, dict) and "error" in obj:
            errors.append(obj)
        else:
            chunks.append(obj)
    return chunks, done, errors, comments
