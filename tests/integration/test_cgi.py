#!/usr/bin/env python3
"""The relay as a plain CGI program: CGI environment and body on stdin, one
complete CGI response (with a Status: header) on stdout, then exit."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, is_openai_error, ok  # noqa: E402
from relaytest.procs import RELAY_BIN, base_env, run, sanitizer_report, spawn, wait_until  # noqa: E402
from relaytest.servers import relay_env, run_cgi, start_mock  # noqa: E402
from relaytest.fcgi import cgi_env  # noqa: E402
from relaytest.clients import chat_body  # noqa: E402


def check_clean(res, what):
    ok(sanitizer_report(res.stderr) is None, "no sanitizer report from the CGI run (%s)" % what, sanitizer_report(res.stderr))


def main():
    mock = start_mock()
    env = relay_env(mock)

    res = run_cgi(env, "GET", "/")
    ok(res.rc == 0 and res.status == 200 and res.header("Status", "").startswith("200"),
       "health as CGI: Status: 200 and exit 0", (res.rc, res.raw[:300], res.stderr[-300:]))
    ok((res.header("Content-Type") or "").startswith("application/json") and "endpoints" in (res.json() or {}),
       "health as CGI: JSON with the endpoints")
    check_clean(res, "health")

    res = run_cgi(env, "GET", "/v1/nope?x=1")
    ok(res.status == 404 and is_openai_error(res.json()), "unknown path as CGI: Status 404 with a JSON error", res.raw[:300])

    body = json.dumps(chat_body("cgi hello")).encode()
    hdrs = {"Content-Type": "application/json", "Authorization": "Bearer sk-cgi-key"}
    res = run_cgi(env, "POST", "/v1/chat/completions", body=body, headers=hdrs)
    j = res.json() or {}
    ok(res.rc == 0 and res.status == 200 and ((j.get("choices") or [{}])[0].get("message") or {}).get("content") == "Echo: cgi hello",
       "chat completion as CGI", (res.rc, res.raw[:400], res.stderr[-300:]))
    is_(mock.chat_requests()[-1]["api_key"], "sk-cgi-key", "the key from HTTP_AUTHORIZATION is forwarded")
    check_clean(res, "chat")

    # CONTENT_LENGTH is the body's end: bytes after it are not part of the request
    res = run_cgi(env, "POST", "/v1/chat/completions", body=body, headers=hdrs,
                  stdin_bytes=body + b"GARBAGE-AFTER-BODY")
    ok(res.status == 200, "exactly CONTENT_LENGTH bytes are read from stdin", res.raw[:300])

    body = json.dumps(chat_body("cgi stream one two", stream=True)).encode()
    res = run_cgi(env, "POST", "/v1/chat/completions", body=body, headers=hdrs)
    text = res.body.decode("utf-8", "replace")
    events = [l[6:] for l in text.split("\n") if l.startswith("data: ")]
    chunks = [json.loads(e) for e in events if e != "[DONE]"]
    got = "".join((c["choices"][0].get("delta") or {}).get("content") or "" for c in chunks if c.get("choices"))
    ok(res.rc == 0 and res.status == 200 and (res.header("Content-Type") or "").startswith("text/event-stream"),
       "streamed completion as CGI: 200 text/event-stream", (res.rc, res.raw[:300]))
    ok(events and events[-1] == "[DONE]" and got == "Echo: cgi stream one two"
       and chunks[0]["choices"][0]["delta"].get("role") == "assistant",
       "streamed completion as CGI: role chunk, the text, [DONE]", text[:500])
    check_clean(res, "stream")

    res = run_cgi(env, "POST", "/v1/chat/completions", body=b"{}", headers={"Content-Type": "application/json"})
    ok(res.status == 401 and is_openai_error(res.json()) and res.rc == 0, "CGI error response: 401 JSON, exit 0",
       (res.rc, res.raw[:300]))

    stalled_reader(mock)


def stalled_reader(mock):
    """A web server that stops reading a CGI stream (its client left, or it is
    stuck): once the stdout pipe is full, the relay waits RELAY_CLIENT_TIMEOUT
    for room, then gives up, aborts the upstream transfer and exits."""
    timeout = 2
    body = json.dumps(chat_body("[[mock:long=200000]] [[mock:slow=1]]", stream=True)).encode()
    env = base_env(relay_env(mock, RELAY_CLIENT_TIMEOUT=timeout))
    env.update(cgi_env("POST", "/v1/chat/completions",
                       {"Content-Type": "application/json", "Authorization": "Bearer sk-cgi-stall"}, body))
    mock.reset()
    # stdout is a pipe nobody reads; stderr goes to a file so it cannot fill up either
    errpath = os.path.join(os.environ.get("TMPDIR", "/tmp"), "cgi-stall-%d.err" % os.getpid())
    with open(errpath, "wb") as errf:
        p = spawn([RELAY_BIN], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errf)
        p.stdin.write(body)
        p.stdin.close()
        t0 = time.monotonic()
        exited = wait_until(lambda: p.poll() is not None, 60, interval=0.2)
        took = time.monotonic() - t0
    ok(exited, "CGI, a reader that stops: the relay exits (after %.1f s; deadline %d s)" % (took, timeout))
    closed = wait_until(lambda: [x for x in mock.connections() if x["outcome"] == "client-closed"], 10, interval=0.2)
    ok(closed, "... and aborted its upstream stream", mock.connections()[-3:])
    with open(errpath, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    os.unlink(errpath)
    ok(sanitizer_report(err) is None, "no sanitizer report from the stalled CGI run", sanitizer_report(err))
    p.stdout.close()


run(main, timeout=120)
