/* chat_tools: the Chat Completions fields the relay emulates
 * (docs/tools.md §3, §4), read into the engine's request, and the tool_calls
 * items of its answers.
 *
 * Read: tools (type "function"; web-search tools turn on 1min.ai's web
 * search; any other type is a 400 naming it) and the legacy functions;
 * tool_choice / function_call; parallel_tool_calls; response_format; stop;
 * max_tokens / max_completion_tokens; n (at most max_n, RELAY_MAX_N).
 *
 * Ownership: the strings req points to are borrowed from root (valid while
 * root lives); req->tools is allocated: chat_tools_free releases it.
 * Stateless, thread-safe. */
#ifndef RELAY_API_CHAT_TOOLS_H
#define RELAY_API_CHAT_TOOLS_H

#include "core/err.h"
#include "engine/engine.h"

struct json_object;

/* Fill req's tools, tool_choice, tool_choice_name, parallel_tool_calls,
 * web_search (set, never cleared), format*, stop, max_tokens and n from the
 * request body. Returns 0, or -1 with a 400 naming the field. */
int chat_tools_parse(struct json_object *root, unsigned max_n, struct eng_request *req, struct relay_err *e);

void chat_tools_free(struct eng_request *req);

/* 1 when the request offers the legacy `functions` (and no `tools`): its
 * answer then carries message.function_call / delta.function_call and
 * finish_reason "function_call", one call at most. */
int chat_tools_legacy(struct json_object *root);

/* {"id","type":"function","function":{"name","arguments"}} for call, with
 * "index" first when with_index (a stream's delta.tool_calls item); with
 * legacy, only {"name","arguments"} (a function_call). NULL when out of
 * memory. */
struct json_object *chat_tools_call_json(const struct eng_tool_call *call, int with_index, int legacy);

#endif
