/* chat: POST /v1/chat/completions — the request parser (chat.c) and its two
 * sinks over the engine (engine/engine.h): one JSON object (chat_json.c) or
 * a stream of chat.completion.chunk events (chat_sse.c); and chat_run, the
 * steps every chat dialect shares after its parser. Private to api/.
 *
 * Thread rule: one request's, on its worker thread. */
#ifndef RELAY_API_CHAT_H
#define RELAY_API_CHAT_H

#include <stddef.h>

#include "core/buf.h"
#include "engine/engine.h"
#include "http/req.h"

/* Run req for the client's key into sink, for any dialect: the :online
 * suffix of req->model turns on web search (and is removed in place); the
 * model must be a chat model of the catalogue (404 / 400); the prompt is
 * rendered once, counted and admitted (with the limiter's headers); the
 * exchange runs on the engine and the completion is charged. Returns 0, or
 * -1 with e filled (rendered by the router in the route's dialect). */
int chat_run(struct relay_req *r, const char *key, size_t key_len, struct eng_request *req,
             const struct eng_sink *sink, struct relay_err *e);

/* chat_run with a hook called once admission has decided (admitted or not),
 * before anything is sent: prompt_tokens = the prompt's count, res = the
 * limiter's decision (limit 0 when limiting is off). A dialect adds its own
 * rate-limit headers there (Anthropic) or learns the prompt's count for its
 * first event. */
struct rl_result;
typedef void (*chat_admit_fn)(void *ud, struct relay_req *r, long long prompt_tokens,
                              const struct rl_result *res);
int chat_run_hooked(struct relay_req *r, const char *key, size_t key_len, struct eng_request *req,
                    const struct eng_sink *sink, chat_admit_fn on_admit, void *ud, struct relay_err *e);

/* What both sinks write besides the answer. */
struct chat_out {
    struct relay_req *r;
    char id[40];                    /* chatcmpl-... */
    long long created;
    const char *model;              /* as the client named it, without :online */
    int include_usage;              /* stream_options.include_usage */
    int tools;                      /* tools were offered: an answer without text has content null */
    int legacy_functions;           /* `functions` offered: answer with function_call */
};

/* One choice of the JSON answer. */
struct chat_choice {
    struct buf text;
    struct buf calls;               /* its tool_calls items, comma-separated */
    struct eng_result res;
};

/* The JSON answer: each choice's text and calls are collected, and the
 * answer is sent whole when the last choice ended. */
struct chat_json {
    const struct chat_out *out;
    unsigned n, ended;
    struct chat_choice *choices;    /* n */
};

/* Set up s for n choices and its sink. Returns 0, or -1 when out of memory
 * (free it with chat_json_free in either case). */
int chat_json_sink(struct chat_json *s, const struct chat_out *out, unsigned n, struct eng_sink *sink);
void chat_json_free(struct chat_json *s);

/* The event stream: the 200 goes out at the first begin(), then each
 * choice's chunks by index as they come (role, text, tool calls, finish),
 * interleaved when n > 1; after the last choice the usage chunk when asked
 * for, and [DONE]. Nothing is allocated per text chunk. */
struct chat_sse {
    const struct chat_out *out;
    unsigned n, ended;
    int started;                    /* the 200 went out */
    struct eng_usage usage;         /* summed over the choices that ended */
    struct buf prefix;              /* 'data: {"id":...,"choices":' shared by every chunk */
    struct buf chunk;               /* the chunk being written */
    long long last_write;           /* monotonic seconds */
};

/* Set up s and its sink. Returns 0, or -1 when out of memory (free it with
 * chat_sse_free in either case). */
int chat_sse_sink(struct chat_sse *s, const struct chat_out *out, unsigned n, struct eng_sink *sink);
void chat_sse_free(struct chat_sse *s);

/* The OpenAI finish_reason of an engine result. */
const char *chat_finish_reason(const struct chat_out *o, enum eng_finish f);

#endif
