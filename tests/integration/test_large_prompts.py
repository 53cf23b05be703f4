#!/usr/bin/env python3
"""test_large_prompts: a 9 MiB prompt in every dialect, through lighttpd.

1min.ai echoes the whole prompt in every record it returns, the JSON reply
and the streamed result event alike (docs/upstream-api.md §2). A prompt
larger than the relay's event limit (8 MiB) once broke streams at their
end, and one larger than RELAY_MAX_UPSTREAM_BODY failed non-streamed with a
502. Here the reply limit is 4 MiB and the prompt 9 MiB: Chat Completions
(JSON and stream), the Responses API and Anthropic Messages (streams) must
all answer cleanly with the model's text.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import is_, ok  # noqa: E402
from relaytest.procs import run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, named_events, request, stream_chunks  # noqa: E402

KEY = "sk-large-prompt-key-0001"
CLAUDE = ["claude-sonnet-4-5-20250929"]
PROMPT = "[[mock:say=fine]] " + "word " * ((9 << 20) // 5)


def main():
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, RELAY_MAX_UPSTREAM_BODY="4M"))
    mock.config(extra_chat_models=CLAUDE)
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": PROMPT}]}

    r = request(lt, "POST", "/v1/chat/completions", chat, auth(KEY), timeout=120)
    msg = ((r.json() or {}).get("choices") or [{}])[0].get("message") or {}
    ok(r.status == 200 and msg.get("content") == "fine",
       "Chat Completions, JSON: answered although the record echoing the prompt is over the reply limit",
       (r.status, r.body[:300]))

    s = SSEStream(lt, "/v1/chat/completions", dict(chat, stream=True), auth(KEY), timeout=120)
    chunks, done, errors, _ = stream_chunks(s.read_all())
    text = "".join((c.get("choices") or [{}])[0].get("delta", {}).get("content") or "" for c in chunks if c.get("choices"))
    ok(s.status == 200 and done and not errors and text == "fine",
       "Chat Completions, stream: ends cleanly after a result event larger than the event limit", (s.status, errors))

    s = SSEStream(lt, "/v1/responses", {"model": "gpt-4o", "input": PROMPT, "stream": True, "store": False},
                  auth(KEY), timeout=120)
    ev = named_events(s.events())
    text = "".join(d.get("delta", "") for n, d in ev if n == "response.output_text.delta")
    is_([n for n, _d in ev][-1:], ["response.completed"], "Responses, stream: response.completed last")
    is_(text, "fine", "Responses, stream: the text")

    s = SSEStream(lt, "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True,
                                       "messages": [{"role": "user", "content": PROMPT}]},
                  {"x-api-key": KEY, "anthropic-version": "2023-06-01"}, timeout=120)
    ev = named_events(s.events())
    text = "".join(d["delta"].get("text", "") for n, d in ev if n == "content_block_delta")
    is_([n for n, _d in ev if n != "ping"][-1:], ["message_stop"], "Anthropic Messages, stream: message_stop last")
    is_(text, "fine", "Anthropic Messages, stream: the text")


run(main, timeout=300)
