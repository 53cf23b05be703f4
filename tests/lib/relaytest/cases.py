"""relaytest.cases: test cases as data files (tests/cases/<route>/<name>.json).

A case is a request, what the mock 1min.ai answers (scripted, or its built-in
behaviour), and what the client must get. The format is in tests/cases/README.md.
load_cases() reads and validates the files; run_case() plays one case against
a running relay and reports TAP checks; matches() is the subset comparison the
expectations use. Used from the test's main thread.
"""

import base64
import json
import os
import re
import sys
import uuid

from relaytest.clients import SSEStream, named_events, request, stream_chunks
from relaytest.procs import TOP_SRCDIR, HarnessError
from relaytest.tap import ok

CASES_DIR = os.path.join(TOP_SRCDIR, "tests", "cases")
CASE_KEY = "sk-case-5d0c81f4e2a94b7fa3c6"

CASE_KEYS = {"description", "env", "request", "upstream", "expect", "sent"}
REQUEST_KEYS = {"method", "path", "headers", "body", "raw", "form", "key", "stream"}
EXPECT_KEYS = {"status", "headers", "json", "body_re", "sse"}
SSE_KEYS = {"text", "done", "error", "finish_reason", "chunks_min", "usage", "events"}


def load_cases(root=CASES_DIR):
    """Every case under root, sorted by name: a list of (name, case dict).
    A malformed file raises HarnessError (a broken case must fail the test)."""
    out = []
    for d, _dirs, files in os.walk(root):
        for f in files:
            if not f.endswith(".json"):
                continue
            path = os.path.join(d, f)
            name = os.path.relpath(path, root)[:-len(".json")]
            try:
                with open(path, encoding="utf-8") as fh:
                    case = json.load(fh)
            except ValueError as e:
                raise HarnessError("case %s: not JSON: %s" % (name, e))
            _validate(name, case)
            out.append((name, case))
    return sorted(out)


def _validate(name, case):
    def need(cond, what):
        if not cond:
            raise HarnessError("case %s: %s" % (name, what))
    need(isinstance(case, dict), "must be an object")
    need(not set(case) - CASE_KEYS, "unknown keys %s" % sorted(set(case) - CASE_KEYS))
    need(isinstance(case.get("description"), str), "needs a description")
    req = case.get("request")
    need(isinstance(req, dict) and isinstance(req.get("path"), str), "needs request.path")
    need(not set(req) - REQUEST_KEYS, "unknown request keys %s" % sorted(set(req) - REQUEST_KEYS))
    exp = case.get("expect")
    need(isinstance(exp, dict) and isinstance(exp.get("status"), int), "needs expect.status")
    need(not set(exp) - EXPECT_KEYS, "unknown expect keys %s" % sorted(set(exp) - EXPECT_KEYS))
    need(not set(exp.get("sse") or {}) - SSE_KEYS, "unknown expect.sse keys")
    need(isinstance(case.get("upstream", []), list), "upstream must be a list of scripted answers")
    need(isinstance(case.get("sent", []), list), "sent must be a list")


ABSENT = "<absent>"
ANY = "<any>"


def matches(want, got, where="$"):
    """None when got matches want, else a text naming the first difference.
    Objects: every key of want must match (the value "<absent>" requires the
    key to be missing, "<any>" only present). Lists: same length, element by
    element. Strings "re:..." are regular expressions searched in got (which
    must be a string). Everything else compares equal."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: want an object, got %r" % (where, got)
        for k, v in want.items():
            if v == ABSENT:
                if k in got:
                    return "%s.%s: must be absent, got %r" % (where, k, got[k])
                continue
            if k not in got:
                return "%s.%s: missing" % (where, k)
            if v == ANY:
                continue
            diff = matches(v, got[k], "%s.%s" % (where, k))
            if diff:
                return diff
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: want a list of %d, got %r" % (where, len(want), got)
        for i, (w, g) in enumerate(zip(want, got)):
            diff = matches(w, g, "%s[%d]" % (where, i))
            if diff:
                return diff
        return None
    if isinstance(want, str) and want.startswith("re:"):
        if not isinstance(got, str) or not re.search(want[3:], got):
            return "%s: %r does not match /%s/" % (where, got, want[3:])
        return None
    if want != got or type(want) is not type(got):
        return "%s: want %r, got %r" % (where, want, got)
    return None


def _headers(req):
    hdrs = dict(req.get("headers") or {})
    key = req.get("key", CASE_KEY)
    if key is not None:
        hdrs.setdefault("Authorization", "Bearer " + key)
    return hdrs


def _media(name, spec):
    """The bytes of one form file: "text", "b64", or "generate" (png, mp3, wav,
    flac, opus, aac: real media from the mock's makers, made unique per case so
    the relay's upload cache never answers for the upstream)."""
    if "text" in spec:
        return spec["text"].encode("utf-8")
    if "b64" in spec:
        return base64.b64decode(spec["b64"])
    sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "mock"))
    import mock_media
    kind = spec["generate"]
    data = mock_media.make_png() if kind == "png" else mock_media.AUDIO_MAKERS[kind]()
    return data + b"\0" * 16 + name.encode("utf-8")


def _form(name, form):
    """(content type, body) of a multipart/form-data request."""
    b = "----relaycase" + uuid.uuid4().hex
    out = [("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v)).encode()
           for k, v in (form.get("fields") or {}).items()]
    for f in form.get("files") or []:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (b, f.get("name", "file"), f["filename"], f["type"])).encode()
                   + _media(name, f) + b"\r\n")
    out.append(("--%s--\r\n" % b).encode())
    return "multipart/form-data; boundary=" + b, b"".join(out)


def _body(req):
    if "raw" in req:
        return req["raw"].encode("utf-8")
    if "body" in req:
        return json.dumps(req["body"]).encode("utf-8")
    return None


def _check_headers(name, want, header):
    for k, v in (want or {}).items():
        got = header(k)
        if v is None:
            ok(got is None, "%s: no %s header" % (name, k), "got %r" % got)
        else:
            ok(matches(v, got) is None, "%s: header %s" % (name, k), matches(v, got, k))


def _in_order(want, got):
    """None when every expected {"event", "data"} matches a later event than the
    one before it (an ordered subsequence), else the first one not found."""
    i = 0
    for n, w in enumerate(want):
        while i < len(got):
            name, data = got[i]
            i += 1
            if ("event" not in w or w["event"] == name) and ("data" not in w or matches(w["data"], data) is None):
                break
        else:
            return "sse.events[%d] %r not found in order among %d events" % (n, w, len(got))
    return None


def _check_sse(name, want, events):
    chunks, done, errors, _comments = stream_chunks(events)
    text = "".join(((c.get("choices") or [{}])[0].get("delta") or {}).get("content") or ""
                   for c in chunks if c.get("choices"))
    finish = [c["choices"][0].get("finish_reason") for c in chunks
              if c.get("choices") and c["choices"][0].get("finish_reason")]
    usage = [c["usage"] for c in chunks if c.get("usage")]
    got = {"text": text, "done": done, "error": errors[0] if errors else None,
           "finish_reason": finish[-1] if finish else None, "usage": usage[-1] if usage else None}
    for k in ("text", "done", "error", "finish_reason", "usage"):
        if k in want:
            diff = matches(want[k], got[k], "sse." + k)
            ok(diff is None, "%s: stream %s" % (name, k), diff)
    if "events" in want:
        diff = _in_order(want["events"], named_events(events, unparsed=lambda text: text))
        ok(diff is None, "%s: stream events in order" % name, diff)
    if "chunks_min" in want:
        ok(len(chunks) >= want["chunks_min"], "%s: at least %d chunks" % (name, want["chunks_min"]),
           "got %d" % len(chunks))
    return text


def run_case(name, case, mock, server):
    """Play one case: reset the mock, queue its scripted answers, send the
    request to server (a lighttpd), check the answer and what went upstream.
    Returns every byte the client got (for key checks)."""
    mock.reset()
    if case.get("upstream"):
        mock.script(*case["upstream"])
    req, exp = case["request"], case["expect"]
    method = req.get("method", "POST" if ("body" in req or "raw" in req) else "GET")
    hdrs = _headers(req)
    body = _body(req)
    if "form" in req:
        hdrs["Content-Type"], body = _form(name, req["form"])
        method = req.get("method", "POST")
    seen = b""
    if req.get("stream"):
        hdrs.setdefault("Content-Type", "application/json")
        s = SSEStream(server, req["path"], body or b"", headers=hdrs, method=method)
        ok(s.status == exp["status"], "%s: status %d" % (name, exp["status"]),
           "got %s, body %r" % (s.status, (s.body or b"")[:500]))
        _check_headers(name, exp.get("headers"), s.header)
        seen += repr(s.headers).encode()
        if s.status == 200:
            events = s.read_all()
            s.close()
            seen += "".join(t for _k, t, _t in events).encode()
            _check_sse(name, exp.get("sse") or {}, events)
        else:
            seen += s.body or b""
            if "json" in exp:
                diff = matches(exp["json"], s.json())
                ok(diff is None, "%s: body" % name, diff)
    else:
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json")
        r = request(server, method, req["path"], body=body, headers=hdrs)
        seen += r.body + repr(r.headers).encode()
        ok(r.status == exp["status"], "%s: status %d" % (name, exp["status"]),
           "got %s, body %r" % (r.status, r.body[:500]))
        _check_headers(name, exp.get("headers"), r.header)
        if "json" in exp:
            diff = matches(exp["json"], r.json())
            ok(diff is None, "%s: body" % name, diff if r.json() is not None else "not JSON: %r" % r.body[:300])
        if "body_re" in exp:
            ok(re.search(exp["body_re"], r.text) is not None, "%s: body matches /%s/" % (name, exp["body_re"]),
               r.text[:500])
    if "sent" in case:
        got = [x for x in mock.requests() if x["path"] != "/models"]
        want = case["sent"]
        diff = None if len(got) == len(want) else "want %d upstream requests, got %d: %r" % (
            len(want), len(got), [x["path"] for x in got])
        for i, (w, g) in enumerate(zip(want, got)):
            diff = diff or matches(w, g, "sent[%d]" % i)
        ok(diff is None, "%s: what went upstream" % name, diff)
    ok(CASE_KEY.encode() not in seen, "%s: the key is not in the answer" % name)
    return seen
