"""relaytest.fcgi: CGI and raw FastCGI, the wire a web server speaks to the relay.

cgi_env() builds the CGI/1.1 variables a web server sets, parse_cgi_response()
reads a CGI response, FcgiConn/fcgi_request() speak FastCGI records over one
connection (docs/platform.md, "Testing without a web server").
"""

import json
import socket
import struct
import time

from relaytest.procs import addr_family


class CgiResult:
    def __init__(self, rc, raw, stderr):
        self.rc = rc
        self.raw = raw
        self.stderr = stderr
        self.status, self.headers, self.body = parse_cgi_response(raw)

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def parse_cgi_response(raw):
    """(status, [(name, value)], body) from a CGI/FastCGI response; status from
    the Status: header (200 when absent), None when the headers are malformed."""
    sep = raw.find(b"\r\n\r\n")
    seplen = 4
    nsep = raw.find(b"\n\n")
    if sep < 0 or (0 <= nsep < sep):
        sep, seplen = nsep, 2
    if sep < 0:
        return None, [], raw
    head = raw[:sep].decode("latin-1")
    headers = []
    for line in head.splitlines():
        if ":" not in line:
            return None, headers, raw[sep + seplen:]
        k, v = line.split(":", 1)
        headers.append((k.strip(), v.strip()))
    status = 200
    for k, v in headers:
        if k.lower() == "status":
            try:
                status = int(v.split()[0])
            except (ValueError, IndexError):
                status = None
    return status, headers, raw[sep + seplen:]


def cgi_env(method, uri, headers=None, body=b"", extra=None):
    """The CGI/1.1 variables a web server would set for this request."""
    path, _, query = uri.partition("?")
    env = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "relay-test-harness",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "REQUEST_METHOD": method,
        "REQUEST_URI": uri,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
    }
    for k, v in (headers or {}).items():
        if v is None:
            continue
        if k.lower() == "content-type":
            env["CONTENT_TYPE"] = v
        else:
            env["HTTP_" + k.upper().replace("-", "_")] = v
    if extra:
        env.update(extra)
    return env


# ---------------------------------------------------------------------------
# Raw FastCGI client (docs/platform.md §1.10)

FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_END_REQUEST = 1, 2, 3
FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 4, 5, 6, 7


def _fcgi_record(rtype, content, req_id=1):
    out = b""
    while True:
        part, content = content[:65535], content[65535:]
        pad = (8 - len(part) % 8) % 8
        out += struct.pack(">BBHHBB", 1, rtype, req_id, len(part), pad, 0) + part + b"\0" * pad
        if not content:
            return out


def _fcgi_len(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def fcgi_encode_params(params):
    out = b""
    for k, v in params.items():
        kb, vb = k.encode(), str(v).encode()
        out += _fcgi_len(len(kb)) + _fcgi_len(len(vb)) + kb + vb
    return out


class FcgiConn:
    """One FastCGI request over a fresh connection (no keep-alive).

    conn = FcgiConn(addr); conn.send(params, body); for (type, content, t) in
    conn.records(): ...  addr is (host, port) or a Unix socket path."""

    def __init__(self, addr, timeout=30):
        self.sock = socket.socket(addr_family(addr), socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(addr)
        self.buf = b""
        self.app_status = None

    def send(self, params, body=b"", keep_conn=False):
        msg = _fcgi_record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 1 if keep_conn else 0))
        enc = fcgi_encode_params(params)
        if enc:
            msg += _fcgi_record(FCGI_PARAMS, enc)
        msg += _fcgi_record(FCGI_PARAMS, b"")
        if body:
            msg += _fcgi_record(FCGI_STDIN, body)
        msg += _fcgi_record(FCGI_STDIN, b"")
        self.sock.sendall(msg)

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def records(self):
        """Yield (type, content, t) until END_REQUEST (or EOF)."""
        while True:
            try:
                hdr = self._read_exact(8)
            except EOFError:
                return
            _ver, rtype, _rid, clen, plen, _ = struct.unpack(">BBHHBB", hdr)
            content = self._read_exact(clen)
            self._read_exact(plen)
            t = time.monotonic()
            if rtype == FCGI_END_REQUEST:
                self.app_status = struct.unpack(">I", content[:4])[0]
                yield (rtype, content, t)
                return
            yield (rtype, content, t)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def fcgi_request(addr, method, uri, body=b"", headers=None, timeout=30, extra=None):
    """A whole FastCGI request: returns (CgiResult-like status/headers/body,
    stderr bytes, app status, ended) where ended says END_REQUEST arrived."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    conn = FcgiConn(addr, timeout)
    try:
        conn.send(cgi_env(method, uri, headers, body, extra), body)
        out, err, ended = b"", b"", False
        for rtype, content, _t in conn.records():
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_STDERR:
                err += content
            elif rtype == FCGI_END_REQUEST:
                ended = True
        res = CgiResult(conn.app_status, out, err.decode("utf-8", "replace"))
        return res, ended
    finally:
        conn.close()
