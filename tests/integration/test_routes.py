#!/usr/bin/env python3
"""Routes through a real lighttpd: health, the model list and lookup, the
catalogue cache, CORS, 404/405, query strings, the error shape."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, is_, ok  # noqa: E402
from relaytest.procs import run, stop_process  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_stack  # noqa: E402
from relaytest.clients import auth, request  # noqa: E402

EXPOSE_MUST = ("x-request-id", "retry-after", "x-ratelimit-remaining-requests")


def cors_ok(r, origin="*"):
    expose = (r.header("Access-Control-Expose-Headers") or "").lower()
    return r.header("Access-Control-Allow-Origin") == origin and all(h in expose for h in EXPOSE_MUST)


def main():
    mock, lt = start_stack()

    # health
    r = request(lt, "GET", "/")
    j = r.json()
    ok(r.status == 200 and (r.header("Content-Type") or "").startswith("application/json")
       and isinstance(j, dict), "GET / -> 200 JSON", r.body[:300])
    eps = j.get("endpoints") if isinstance(j, dict) else None
    ok(isinstance(eps, list) and all(e in eps for e in (
        "POST /v1/chat/completions", "GET /v1/models", "GET /v1/models/{id}", "POST /v1/responses",
        "POST /v1/messages", "POST /v1/files", "DELETE /v1/files/{id}", "POST /v1/images/edits")),
       "health lists every route, the Responses, Anthropic and files ones too", repr(j)[:600])
    ok(cors_ok(r), "health carries Access-Control-Allow-Origin and -Expose-Headers", r.headers)
    r = request(lt, "GET", "/?probe=1")
    is_(r.status, 200, "GET /?probe=1 -> 200 (query string ignored for routing)")

    # model list (no mock.reset() before: a relay that fetches at start-up is fine too)
    r = request(lt, "GET", "/v1/models")
    j = r.json() or {}
    data = j.get("data") if isinstance(j.get("data"), list) else []
    ids = [m.get("id") for m in data]
    ok(r.status == 200 and j.get("object") == "list" and len(data) > 0, "GET /v1/models -> 200 list", r.body[:300])
    ok(all(m.get("object") == "model" and isinstance(m.get("created"), int) and isinstance(m.get("owned_by"), str)
           for m in data), "every entry has object=model, created (int), owned_by")
    for mid in ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20240620", "deepseek-chat", "dall-e-3",
                "black-forest-labs/flux-dev", "6b645e3a-d64f-4341-a6d8-7a3690fbf042", "whisper-1", "tts-1", "tts-1-hd"):
        ok(mid in ids, "list has %s (from the mock catalogue)" % mid)
    ok("o1-preview" not in ids and "black-forest-labs/flux-schnell" not in ids,
       "DISABLED models are dropped when their group has others", ids)
    ok("command-r" in ids, "a DISABLED model that is alone in its group is kept", ids)
    is_(len(ids), len(set(ids)), "no duplicate ids (whisper-1 is STT and translation)")

    # the catalogue was fetched once per feature, and is cached
    request(lt, "GET", "/v1/models")
    request(lt, "GET", "/v1/models/gpt-4o")
    feats = sorted(q["query"].get("feature", "") for q in mock.model_requests())
    is_(feats, sorted(["UNIFY_CHAT_WITH_AI", "IMAGE_GENERATOR", "SPEECH_TO_TEXT", "AUDIO_TRANSLATOR",
                       "TEXT_TO_SPEECH"]), "one catalogue fetch per feature within the TTL")
    ok(all(not q["api_key_present"] for q in mock.model_requests()), "catalogue fetched without an API key")

    # one model
    r = request(lt, "GET", "/v1/models/gpt-4o")
    j = r.json() or {}
    ok(r.status == 200 and j.get("id") == "gpt-4o" and j.get("object") == "model", "GET /v1/models/gpt-4o", r.body[:300])
    r = request(lt, "GET", "/v1/models/black-forest-labs/flux-dev")
    ok(r.status == 200 and (r.json() or {}).get("id") == "black-forest-labs/flux-dev",
       "GET /v1/models/{id} with a slash in the id", r.body[:300])
    r = request(lt, "GET", "/v1/models/gpt-4o?x=1")
    is_(r.status, 200, "model lookup ignores the query string")
    r = request(lt, "GET", "/v1/models/no-such-model")
    check_error(r, 404, "unknown model id -> 404 model_not_found", code="model_not_found")
    ok(cors_ok(r), "error responses carry the CORS headers too", r.headers)

    # CORS preflight, no auth needed
    r = request(lt, "OPTIONS", "/v1/chat/completions", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os"})
    is_(r.status, 204, "OPTIONS /v1/chat/completions -> 204 without a key")
    ok(r.header("Access-Control-Allow-Origin") == "*", "preflight Allow-Origin *")
    methods = (r.header("Access-Control-Allow-Methods") or "").upper()
    ok(all(m in methods for m in ("GET", "POST", "OPTIONS")), "preflight Allow-Methods", methods)
    is_((r.header("Access-Control-Allow-Headers") or "").lower(), "authorization, content-type, x-stainless-os",
        "preflight echoes Access-Control-Request-Headers")
    ok((r.header("Access-Control-Max-Age") or "").isdigit() and int(r.header("Access-Control-Max-Age")) > 0,
       "preflight Max-Age")
    is_(len(r.body), 0, "preflight has no body")
    r = request(lt, "OPTIONS", "/v1/whatever/path")
    is_(r.status, 204, "OPTIONS on any path -> 204")

    # unknown paths and wrong methods
    r = request(lt, "GET", "/v1/foo")
    check_error(r, 404, "GET /v1/foo -> 404 JSON", message_re=r"Invalid URL \(GET /v1/foo\)")
    r = request(lt, "GET", "/v1/foo?bar=1")
    check_error(r, 404, "404 message names the path without the query", message_re=r"Invalid URL \(GET /v1/foo\)")
    ok(cors_ok(r), "404 carries CORS headers")
    r = request(lt, "GET", "/v1/chat/completions")
    check_error(r, 405, "GET /v1/chat/completions -> 405 JSON")
    ok("POST" in (r.header("Allow") or ""), "405 has Allow with POST", r.headers)
    r = request(lt, "POST", "/v1/models", body=b"{}", headers={"Content-Type": "application/json"})
    check_error(r, 405, "POST /v1/models -> 405 JSON")
    ok("GET" in (r.header("Allow") or ""), "405 on /v1/models allows GET", r.headers)
    r = request(lt, "DELETE", "/v1/models/gpt-4o")
    check_error(r, 405, "DELETE /v1/models/gpt-4o -> 405")
    r = request(lt, "POST", "/v1/chat/completions?foo=bar", body=b"{}", headers=auth())
    check_error(r, 400, "POST /v1/chat/completions?foo=bar routes to chat (400 for missing messages)", param="messages")
    r = request(lt, "GET", "/v1/models?limit=5")
    ok(r.status == 200 and (r.json() or {}).get("object") == "list", "/v1/models?limit=5 is the list")

    # a different CORS origin
    stop_process(lt.proc)
    lt2 = start_lighttpd(relay_env(mock, RELAY_CORS_ORIGIN="https://x.example"))
    r = request(lt2, "GET", "/v1/models")
    ok(cors_ok(r, "https://x.example"), "RELAY_CORS_ORIGIN sets Access-Control-Allow-Origin", r.headers)
    r = request(lt2, "GET", "/v1/nope")
    ok(cors_ok(r, "https://x.example"), "... also on errors", r.headers)
    r = request(lt2, "OPTIONS", "/v1/models")
    is_(r.header("Access-Control-Allow-Origin"), "https://x.example", "... and on preflights")


run(main, timeout=180)
