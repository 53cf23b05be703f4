#!/usr/bin/env python3
"""The model catalogue when the upstream fails: a stale copy after a first
success, the built-in list when there was never a copy."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import run, stop_process  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import auth, chat_body, request  # noqa: E402


def ids_of(r):
    j = r.json() or {}
    return [m.get("id") for m in j.get("data", [])] if isinstance(j.get("data"), list) else []


def main():
    mock = start_mock()

    # stale copy
    lt = start_lighttpd(relay_env(mock, RELAY_MODELS_TTL=1))
    r = request(lt, "GET", "/v1/models")
    first = ids_of(r)
    ok(r.status == 200 and "command-r" in first, "first list comes from the mock", r.body[:300])
    mock.config(models_fail=True)
    time.sleep(2.2)
    n_before = len(mock.model_requests())
    r = request(lt, "GET", "/v1/models")
    second = ids_of(r)
    is_(r.status, 200, "catalogue failing after a success: still 200")
    is_(sorted(second), sorted(first), "the stale copy is served unchanged")
    failed = [q for q in mock.model_requests()[n_before:] if q["status"] == 500]
    ok(len(failed) >= 1, "the relay did try to refresh after the TTL (and got 500)")
    r = request(lt, "GET", "/v1/models/command-r")
    is_(r.status, 200, "lookup of a mock-only model works from the stale copy")
    r = request(lt, "POST", "/v1/chat/completions", body=chat_body("stale ok", model="deepseek-chat"), headers=auth())
    ok(r.status == 200 and "Echo: stale ok" in r.text, "chat still validates models against the stale copy", r.body[:300])
    stop_process(lt.proc)

    # never a copy: the built-in list
    mock.reset()
    mock.config(models_fail=True)
    lt = start_lighttpd(relay_env(mock))
    r = request(lt, "GET", "/v1/models")
    ids = ids_of(r)
    ok(r.status == 200 and len(ids) > 5, "no copy ever: 200 with the built-in list", r.body[:300])
    ok("gpt-4o" in ids and "dall-e-3" in ids and "whisper-1" in ids, "the built-in list has the usual models")
    ok("command-r" not in ids, "... and not the mock-only command-r (it is not the mock's list)")
    ok(len(mock.model_requests()) >= 1, "the relay asked the mock first")
    r = request(lt, "POST", "/v1/chat/completions", body=chat_body("builtin ok", model="gpt-4o"), headers=auth())
    ok(r.status == 200 and "Echo: builtin ok" in r.text, "chat works with a built-in model", r.body[:300])

    # the mock comes back: the next refresh after the TTL uses it (default TTL here is long,
    # so only check that the relay keeps serving)
    mock.config(models_fail=False)
    r = request(lt, "GET", "/v1/models")
    is_(r.status, 200, "list still served")


run(main, timeout=120)
