#!/usr/bin/env python3
"""nginx in front of the relay, configured by the repo's contrib/nginx/
snippets: the relay on --listen TCP and on a unix socket; health, models,
routing, Authorization, chunk-by-chunk streaming, the JSON 413 for a body over
client_max_body_size, and a client disconnect seen by the mock."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_common import KEY, NGINX_UPSTREAM, check_relay_behind, open_tmpdir, raw_http, relay_test_env, start_nginx_contrib  # noqa: E402
from relaytest.tap import is_, is_openai_error, ok  # noqa: E402
from relaytest.procs import read_file, run, stop_process  # noqa: E402
from relaytest.servers import start_mock, start_relay_listen  # noqa: E402
from relaytest.clients import auth, chat_body, request  # noqa: E402


def check_413(ngx, label):
    """A body over client_max_body_size (32m): nginx answers before reading it,
    with the snippet's JSON error instead of its HTML page."""
    size = 33 * 1024 * 1024
    status, hdrs, body = raw_http(ngx.port, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n"
                                  "Content-Length: %d\r\nConnection: close" % (KEY, size),
                                  body=b'{"model":"gpt-4o","messages":[')
    try:
        j = json.loads(body.decode("utf-8"))
    except ValueError:
        j = None
    ok(status == 413 and hdrs.get("content-type", "").startswith("application/json") and is_openai_error(j),
       "%s: a body over client_max_body_size -> 413 in OpenAI's JSON shape, not HTML" % label,
       "status %s, headers %r, body %r" % (status, hdrs, body[:300]))
    ok(hdrs.get("access-control-allow-origin") == "*", "%s: ... with Access-Control-Allow-Origin" % label, hdrs)


def main():
    mock = start_mock()

    # The relay on TCP.
    relay = start_relay_listen(relay_test_env(mock))
    ngx = start_nginx_contrib("%s:%d" % relay.addr)
    check_relay_behind(ngx, mock, "nginx -> TCP", disconnect=True)
    check_413(ngx, "nginx -> TCP")
    # A body under client_max_body_size but over the relay's limit: the relay's own JSON 413.
    r = request(ngx, "POST", "/v1/chat/completions", body=chat_body("x" * (26 * 1024 * 1024)),
                headers=auth(KEY), timeout=60)
    ok(r.status == 413 and is_openai_error(r.json()),
       "nginx -> TCP: 26 MiB (under 32m, over RELAY_MAX_BODY 25M) -> the relay's JSON 413",
       "%s %r" % (r.status, r.body[:300]))
    ok("keepalive" not in read_file(NGINX_UPSTREAM).split("#")[0], "the upstream snippet has no keepalive")
    # The relay's own 502 (upstream failure) passes through the error_page.
    r = request(ngx, "POST", "/v1/chat/completions", body=chat_body("x [[mock:status=500]]"), headers=auth(KEY))
    code = ((r.json() or {}).get("error") or {}).get("code")
    ok(r.status == 502 and is_openai_error(r.json()) and code != "relay_unavailable",
       "nginx -> TCP: the relay's own 502 passes through unchanged", "%s %r" % (r.status, r.body[:300]))
    # The relay not running: the snippet's JSON 502 instead of nginx's HTML page.
    stop_process(relay.proc)
    r = request(ngx, "GET", "/v1/models")
    ok(r.status == 502 and (r.header("Content-Type") or "").startswith("application/json")
       and is_openai_error(r.json()), "nginx -> TCP: relay down -> 502 in OpenAI's JSON shape, not HTML",
       "%s %r" % (r.status, r.body[:300]))
    stop_process(ngx.proc)

    # The relay on a unix socket that nginx's workers (www-data when we are root) may use.
    d = open_tmpdir("relay-unix-")
    sock = os.path.join(d, "relay.sock")
    relay = start_relay_listen(relay_test_env(mock), listen="unix:" + sock)
    os.chmod(sock, 0o666)
    ngx = start_nginx_contrib("unix:" + sock)
    check_relay_behind(ngx, mock, "nginx -> unix socket", disconnect=True)
    check_413(ngx, "nginx -> unix socket")
    is_(relay.stop(), 0, "the relay exits 0 on SIGTERM")
    stop_process(ngx.proc)


run(main, timeout=240)
