#!/usr/bin/env python3
"""The relay's FastCGI side, with a raw client on --listen: one STDOUT record
per SSE event flushed as the upstream sends it, large bodies in many STDIN
records, long parameters, and an aborted connection."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, is_openai_error, ok  # noqa: E402
from relaytest.procs import run, wait_until  # noqa: E402
from relaytest.servers import relay_env, start_mock, start_relay_listen  # noqa: E402
from relaytest.clients import chat_body  # noqa: E402
from relaytest.fcgi import (FCGI_STDOUT, FcgiConn, cgi_env, fcgi_request, parse_cgi_response)  # noqa: E402

HDRS = {"Content-Type": "application/json", "Authorization": "Bearer sk-fcgi-test"}


def main():
    mock = start_mock()
    r = start_relay_listen(relay_env(mock))

    # one record per event, each flushed when the upstream sends it
    body = json.dumps(chat_body("r1 r2 r3 r4 [[mock:slow=200]]", stream=True)).encode()
    conn = FcgiConn(r.addr)
    conn.send(cgi_env("POST", "/v1/chat/completions", HDRS, body), body)
    recs = [(c, t) for rtype, c, t in conn.records() if rtype == FCGI_STDOUT and c]
    conn.close()
    ok(conn.app_status == 0, "END_REQUEST with application status 0")
    body_recs = [(c, t) for c, t in recs if c.startswith(b"data: ")]
    content_recs = [(c, t) for c, t in body_recs if b'"content":"' in c and b'"content":""' not in c]
    ok(body_recs and all(c.endswith(b"\n\n") and c.count(b"\n\n") == 1 for c, _ in body_recs),
       "every SSE event travels in its own STDOUT record", [c[:80] for c, _ in recs])
    is_(len(content_recs), 5, "five content events, five records")
    # the mock sends them 200 ms apart: buffered records would arrive together
    offs = [round(t - content_recs[0][1], 3) for _, t in content_recs]
    ok(len(offs) == 5 and offs[-1] >= 0.5, "records leave as the upstream sends (arrival offsets %s s)" % offs)

    # a large body in many STDIN records, and long parameters (4-byte lengths)
    big = "x" * 200000
    body = json.dumps(chat_body("big " + big[:10] + " end", extra_pad=big)).encode()
    res, ended = fcgi_request(r.addr, "POST", "/v1/chat/completions", body=body,
                              headers=dict(HDRS, **{"X-Long-Header": "v" * 5000}))
    ok(ended and res.status == 200 and "Echo: big xxxxxxxxxx end" in res.body.decode("utf-8", "replace"),
       "a 200 KB body over many STDIN records and a 5000-byte parameter", res.raw[:300])

    # the client aborts mid-stream: the relay stops the upstream transfer
    mock.reset()
    words = " ".join("a%d" % i for i in range(30))
    body = json.dumps(chat_body(words + " [[mock:slow=200]]", stream=True)).encode()
    conn = FcgiConn(r.addr)
    conn.send(cgi_env("POST", "/v1/chat/completions", HDRS, body), body)
    for rtype, c, _t in conn.records():
        if rtype == FCGI_STDOUT and b'"content":"Echo:"' in c:
            break
    conn.close()
    ok(wait_until(lambda: [x for x in mock.connections() if x["outcome"] == "client-closed"], 8),
       "raw FastCGI client closes mid-stream: the mock sees the upstream connection closed")
    res, ended = fcgi_request(r.addr, "GET", "/v1/models", headers={})
    ok(ended and res.status == 200, "the relay keeps serving afterwards")

    # an empty CONTENT_LENGTH (as nginx sends on GET) counts as 0
    res, ended = fcgi_request(r.addr, "GET", "/", headers={}, extra={"CONTENT_LENGTH": ""})
    ok(ended and res.status == 200, "CONTENT_LENGTH empty on GET -> fine")
    env = cgi_env("GET", "/", {})
    del env["CONTENT_LENGTH"]
    conn = FcgiConn(r.addr)
    conn.send(env)
    out = b"".join(c for t, c, _ in conn.records() if t == FCGI_STDOUT)
    conn.close()
    is_(parse_cgi_response(out)[0], 200, "CONTENT_LENGTH unset on GET -> fine")
    res, ended = fcgi_request(r.addr, "GET", "/v1/models", headers={},
                              extra={"REQUEST_URI": "/relay/v1/models", "SCRIPT_NAME": "/relay", "PATH_INFO": "/v1/models"})
    ok(ended and res.status == 404 and is_openai_error(res.json()),
       "without RELAY_MOUNT_PREFIX a prefixed path is unknown: 404 JSON")
    r.stop()
    r = start_relay_listen(relay_env(mock, RELAY_MOUNT_PREFIX="/relay"))
    res, ended = fcgi_request(r.addr, "GET", "/relay/v1/models?x=1", headers={})
    ok(ended and res.status == 200 and (res.json() or {}).get("object") == "list",
       "RELAY_MOUNT_PREFIX=/relay: /relay/v1/models is the model list", res.raw[:300])


run(main, timeout=120)
