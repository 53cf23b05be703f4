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

/* What both sinks write besides the answer. */
struct chat_out {
    struct relay_req *r;
    char id[40];                    /* chatcmpl-... */
    long long created;
    const char *model;              /* as the client named it, without :online */
    int include_usage;              /* stream_options.include_usage */
};

/* The JSON answer: the text is collected and sent whole at end(). */
struct chat_json {
    const struct chat_out *out;
    struct buf text;
};

/* Set up s and its sink; free with chat_json_free. */
void chat_json_sink(struct chat_json *s, const struct chat_out *out, struct eng_sink *sink);
void chat_json_free(struct chat_json *s);

/* The event stream: the 200 goes out at begin(), each piece of text as a
 * chunk built in place, then the finish chunk, the usage chunk when asked
 * for, and [DONE]. Nothing is allocated per chunk. */
struct chat_sse {
    const struct chat_out *out;
    struct buf prefix;              /* 'data: {"id":...,"choices":' shared by every chunk */
    struct buf chunk;               /* the chunk being written */
    long long last_write;           /* monotonic seconds */
};

/* Set up s and its sink. Returns 0, or -1 when out of memory (free it with
 * chat_sse_free in either case). */
int chat_sse_sink(struct chat_sse *s, const struct chat_out *out, struct eng_sink *sink);
void chat_sse_free(struct chat_sse *s);

/* The OpenAI finish_reason of an engine result. */
const char *chat_finish_reason(enum eng_finish f);

#endif
