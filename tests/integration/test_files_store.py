#!/usr/bin/env python3
"""The files API's store: with memcached as the rate-limit store, two relay
processes (two lighttpd instances, as two hosts would be) share the files'
metadata — a file uploaded through one is listed, read and deleted through
the other — and memcached holds no key, only its hash. Raw multipart
requests, so the error shapes are checked byte for byte: a missing file, a
bad purpose, a NUL in a field, an unknown route under /v1/files."""

import hashlib
import json
import os
import socket
import sys
import uuid

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, is_, ok  # noqa: E402
from relaytest.procs import run, tmpdir  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_memcached, start_mock  # noqa: E402
from relaytest.clients import request  # noqa: E402

KEY = "sk-files-SECRET-77cd"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def memcached_get(port, key):
    """The value memcached holds for key, or None."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"get " + key.encode() + b"\r\n")
    data = b""
    while not data.endswith(b"END\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    if not data.startswith(b"VALUE "):
        return None
    return data.split(b"\r\n", 1)[1].rsplit(b"\r\nEND\r\n", 1)[0]


def multipart(fields, files):
    boundary = "relaytest" + uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, name)).encode() + value + b"\r\n"
    for name, filename, ctype, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                % (boundary, name, filename, ctype)).encode() + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=" + boundary


def call(lt, method, path, key=KEY, body=None, ctype=None):
    h = {"Authorization": "Bearer " + key}
    if ctype:
        h["Content-Type"] = ctype
    return request(lt, method, path, body=body, headers=h, timeout=60)


def upload(lt, data=PDF, filename="paper.pdf", ctype="application/pdf", purpose=b"user_data", key=KEY):
    body, ct = multipart([("purpose", purpose)] if purpose is not None else [], [("file", filename, ctype, data)])
    return call(lt, "POST", "/v1/files", key=key, body=body, ctype=ct)


def main():
    mock = start_mock()
    mc = start_memcached()
    env = relay_env(mock, RATE_LIMIT_STORE="memcached://127.0.0.1:%d" % mc.port,
                    RATE_LIMIT_KEY_PREFIX="files-" + uuid.uuid4().hex[:8],
                    RELAY_FILES_DIR=os.path.join(tmpdir("files-unused-"), "f"))
    a = start_lighttpd(env)
    b = start_lighttpd(env)

    r = upload(a)
    ok(r.status == 200 and r.json().get("id", "").startswith("file-"), "host A stores a PDF", (r.status, r.body[:300]))
    fid = r.json().get("id", "")
    r = call(b, "GET", "/v1/files")
    ids = [f["id"] for f in (r.json() or {}).get("data", [])] if r.status == 200 else None
    ok(ids == [fid] and r.json().get("object") == "list", "host B lists it (memcached is the shared store)", r.body[:300])
    r = call(b, "GET", "/v1/files/" + fid)
    ok(r.status == 200 and r.json().get("filename") == "paper.pdf" and r.json().get("bytes") == len(PDF),
       "host B retrieves it", r.body[:300])
    owner = hashlib.sha256(KEY.encode()).hexdigest()
    entry = memcached_get(mc.port, "1min-relay:file:" + fid) or b""
    index = memcached_get(mc.port, "1min-relay:file:idx-" + owner) or b""
    ok(fid.encode() in entry and owner.encode() in entry and KEY.encode() not in entry,
       "the entry is in memcached under the id, tagged with the key's hash, without the key", entry[:300])
    is_(index, (fid + "\n").encode(), "the key's index (named by its hash) lists the id")
    ok(not os.path.isdir(env["RELAY_FILES_DIR"]), "no per-host files while memcached is the store")

    r = call(b, "GET", "/v1/files/" + fid, key="sk-someone-else")
    check_error(r, 404, "another key: 404 for the file")
    r = call(a, "DELETE", "/v1/files/" + fid)
    ok(r.status == 200 and r.json() == {"id": fid, "object": "file", "deleted": True}, "host A deletes it", r.body[:200])
    r = call(b, "GET", "/v1/files")
    is_([f["id"] for f in r.json().get("data", [])], [], "host B no longer lists it")

    # The list's parameters, the store shared: stored through A, paged through B.
    f1, f2, f3 = [upload(a, data=b"note %d\n" % i, filename="n%d.txt" % i, ctype="text/plain",
                         purpose=p).json().get("id", "") for i, p in ((1, b"assistants"), (2, b"user_data"),
                                                                      (3, b"assistants"))]

    def page(q):
        r = call(b, "GET", "/v1/files" + q)
        j = r.json() or {}
        return [f["id"] for f in j.get("data", [])], j.get("has_more"), j.get("first_id"), j.get("last_id")

    is_(page("?limit=2"), ([f3, f2], True, f3, f2), "limit=2: the two newest, has_more, first_id, last_id")
    is_(page("?limit=2&after=" + f2), ([f1], False, f1, f1), "after=last_id: the rest")
    is_(page("?order=asc&after=" + f1), ([f2, f3], False, f2, f3), "order=asc after the oldest")
    is_(page("?purpose=user%5Fdata&limit=10000"), ([f2], False, f2, f2), "purpose filters (percent-decoded)")
    is_(page("?order=asc&after=" + fid), ([f1, f2, f3], False, f1, f3), "a deleted file still works as a cursor")
    is_(page("?purpose=batch"), ([], False, None, None), "a purpose without files: empty, first_id and last_id null")
    is_(page("?purpose=assistants&order=asc&limit=1&after=" + f1), ([f3], False, f3, f3),
        "purpose, order, limit and after together")
    for q, param, name in (("limit=0", "limit", "limit=0"), ("limit=10001", "limit", "limit above 10000"),
                           ("limit=abc", "limit", "a limit that is no number"), ("limit=-1", "limit", "limit=-1"),
                           ("limit=", "limit", "an empty limit"), ("limit=2.5", "limit", "limit=2.5"),
                           ("order=sideways", "order", "an unknown order"), ("order=ASC", "order", "order=ASC"),
                           ("after=file-0123456789abcdef01234567", "after", "after= an id never stored"),
                           ("purpose=" + "x" * 100, "purpose", "a purpose too long to be one"),
                           ("after=%zz", "after", "a bad escape in after"), ("after=file-%2", "after", "a cut escape")):
        r = call(b, "GET", "/v1/files?" + q)
        check_error(r, 400, "GET /v1/files?%s -> 400 (%s)" % (q, name), param=param, etype="invalid_request_error")
    r = call(b, "GET", "/v1/files?after=" + f1, key="sk-someone-else")
    check_error(r, 400, "after= another key's file -> 400, param after", param="after")
    for f in (f1, f2, f3):
        call(a, "DELETE", "/v1/files/" + f)

    # Errors, in OpenAI's shape.
    r = upload(a, purpose=None)
    check_error(r, 400, "no purpose -> 400", param="purpose")
    r = upload(a, purpose=b"training")
    check_error(r, 400, "an unknown purpose -> 400", param="purpose")
    r = upload(a, purpose=b"user\x00data")
    check_error(r, 400, "a NUL in purpose -> 400", param="purpose")
    body, ct = multipart([("purpose", b"user_data")], [])
    r = call(a, "POST", "/v1/files", body=body, ctype=ct)
    check_error(r, 400, "no file part -> 400", param="file")
    r = call(a, "POST", "/v1/files", body=b"{}", ctype="application/json")
    check_error(r, 400, "a JSON body -> 400")
    r = call(a, "GET", "/v1/files/" + fid + "/other")
    check_error(r, 404, "an unknown route under /v1/files/{id} -> 404")
    r = call(a, "PUT", "/v1/files/" + fid)
    check_error(r, 405, "PUT -> 405")
    ok("DELETE" in (r.header("Allow") or "") and "GET" in (r.header("Allow") or ""), "Allow names GET and DELETE",
       r.header("Allow"))
    r = call(a, "GET", "/v1/files", key="")
    check_error(r, 401, "no key -> 401")
    a.stop()
    b.stop()
    logs = a.logs() + b.logs()
    ok(KEY not in logs and KEY[:8] not in logs and "files-SECRET" not in logs,
       "no piece of the key in either relay's logs (debug level)")

    # A document by URL (Responses input_file.file_url): downloaded through the
    # SSRF guard like an image URL — refused on loopback, fetched where allowed.
    def ask(lt, url):
        body = {"model": "gpt-4o", "input": [{"role": "user", "content": [
            {"type": "input_text", "text": "read it"}, {"type": "input_file", "file_url": url}]}]}
        return call(lt, "POST", "/v1/responses", body=json.dumps(body).encode(), ctype="application/json")

    strict = start_lighttpd(relay_env(mock, RELAY_FILES_DIR=os.path.join(tmpdir("files-s-"), "f")))
    mock.reset()
    r = ask(strict, mock.url + "/doc/brief.pdf")
    ok(r.status == 400 and (r.json() or {}).get("error", {}).get("code") == "file_url_refused" and
       not [q for q in mock.requests() if q.get("event") == "asset-upload"],
       "a document URL on loopback is refused (400 file_url_refused), nothing uploaded", r.body[:300])
    strict.stop()
    lenient = start_lighttpd(relay_env(mock, ALLOW_PRIVATE_FETCH="127.0.0.1/32",
                                       RELAY_FILES_DIR=os.path.join(tmpdir("files-l-"), "f")))
    mock.reset()
    r = ask(lenient, mock.url + "/doc/brief.pdf")
    ev = [q for q in mock.requests() if q.get("event") == "chat-files"]
    ups = [q for q in mock.requests() if q.get("event") == "asset-upload"]
    ok(r.status == 200 and len(ups) == 1 and ups[0].get("content_type") == "application/pdf" and
       ev and ev[-1]["files"] == [ups[0].get("uuid")],
       "an allowed document URL is downloaded, uploaded and attached", (r.status, r.body[:200], ups, ev))
    lenient.stop()


run(main, timeout=120)
