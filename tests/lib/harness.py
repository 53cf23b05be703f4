"""harness: a thin compatibility module for tests not yet moved to relaytest.

The harness is split by job into the relaytest package (tests/lib/relaytest):
  relaytest.tap      TAP assertions: ok, is_, isnt, like, diag, check_error, ANY
  relaytest.procs    run(main, timeout), spawn, stop_process, run_process, watch_log,
                     wait_until, ports, base_env, RELAY_BIN/TOP_SRCDIR/TOP_BUILDDIR
  relaytest.servers  start_mock, relay_env, start_lighttpd, start_stack,
                     start_relay_listen, run_cgi, start_memcached
  relaytest.clients  request, http_raw, SSEStream, stream_chunks, auth, chat_body
  relaytest.fcgi     FcgiConn, fcgi_request, cgi_env, parse_cgi_response
  relaytest.sdk      sdk_ready, run_sdk_script
Import the names you use from those modules; this module re-exports them all
and goes away once every branch has moved.
"""

# The old harness's star import also handed out these modules; tests may rely on it.
import http.client as httpclient  # noqa: F401
import atexit  # noqa: F401
import json  # noqa: F401
import os  # noqa: F401
import re  # noqa: F401
import shutil  # noqa: F401
import signal  # noqa: F401
import socket  # noqa: F401
import struct  # noqa: F401
import subprocess  # noqa: F401
import sys  # noqa: F401
import tempfile  # noqa: F401
import threading  # noqa: F401
import time  # noqa: F401
import traceback  # noqa: F401

from relaytest.tap import (  # noqa: F401
    Tap,
    TAP,
    ok,
    is_,
    isnt,
    like,
    diag,
    ANY,
    is_openai_error,
    check_error)

from relaytest.procs import (  # noqa: F401
    TOP_SRCDIR,
    TOP_BUILDDIR,
    RELAY_BIN,
    SANITIZER_RE,
    HarnessError,
    TestTimeout,
    Stop,
    tmpdir,
    spawn,
    stop_process,
    run_process,
    untrack,
    watch_log,
    all_logs_text,
    read_file,
    sanitizer_report,
    run,
    wait_until,
    free_port,
    addr_family,
    can_connect,
    wait_port,
    base_env,
    need_relay_bin)

from relaytest.clients import (  # noqa: F401
    Response,
    http_raw,
    request,
    auth,
    chat_body,
    SSEStream,
    stream_chunks)

from relaytest.fcgi import (  # noqa: F401
    CgiResult,
    parse_cgi_response,
    cgi_env,
    fcgi_encode_params,
    FcgiConn,
    fcgi_request, FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_END_REQUEST,
    FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR)

from relaytest.servers import (  # noqa: F401
    MOCK_PY,
    LIGHTTPD_FRAGMENT,
    Mock,
    start_mock,
    relay_env,
    Lighttpd,
    start_lighttpd,
    Relay,
    start_relay_listen,
    run_cgi,
    Server,
    start_memcached,
    start_stack)

from relaytest.sdk import (  # noqa: F401
    SDK_DIR,
    sdk_ready,
    run_sdk_script)


__all__ = ["httpclient", "atexit", "json", "os", "re", "shutil", "signal", "socket", "struct", "subprocess", "sys", "tempfile", "threading", "time", "traceback", "Tap", "TAP", "ok", "is_", "isnt", "like", "diag", "ANY", "is_openai_error", "check_error", "TOP_SRCDIR", "TOP_BUILDDIR", "RELAY_BIN", "SANITIZER_RE", "HarnessError", "TestTimeout", "Stop", "tmpdir", "spawn", "stop_process", "run_process", "untrack", "watch_log", "all_logs_text", "read_file", "sanitizer_report", "run", "wait_until", "free_port", "addr_family", "can_connect", "wait_port", "base_env", "need_relay_bin", "Response", "http_raw", "request", "auth", "chat_body", "SSEStream", "stream_chunks", "CgiResult", "parse_cgi_response", "cgi_env", "fcgi_encode_params", "FcgiConn", "fcgi_request", "FCGI_BEGIN_REQUEST", "FCGI_ABORT_REQUEST", "FCGI_END_REQUEST", "FCGI_PARAMS", "FCGI_STDIN", "FCGI_STDOUT", "FCGI_STDERR", "MOCK_PY", "LIGHTTPD_FRAGMENT", "Mock", "start_mock", "relay_env", "Lighttpd", "start_lighttpd", "Relay", "start_relay_listen", "run_cgi", "Server", "start_memcached", "start_stack", "SDK_DIR", "sdk_ready", "run_sdk_script"]
