/* engine: one chat exchange with 1min.ai, for every API dialect.
 *
 * A dialect's parser (api/) turns its request into a struct eng_request: a
 * neutral transcript of turns plus the generation controls. eng_run renders
 * the prompt (the emulation contract of docs/tools.md: tool section, tool
 * calls as <tool_call> blocks, results as Tool: blocks), uploads the images,
 * calls 1min.ai (streaming upstream whenever the answer may be cut early, with
 * the web-search retry), parses its event stream, applies the emulation on
 * the way back (tool-call blocks, stop sequences, max_tokens, structured
 * output), counts usage, and reports everything to a sink. Each dialect
 * (Chat Completions JSON and SSE, Responses, Anthropic) is one sink.
 *
 * Order of sink calls for each choice c (0 <= c < n):
 *   begin(c)                      once, when the upstream answered 2xx
 *   text(c, ...)*                 answer text as it arrives, already free of
 *                                 tool blocks and anything past a cut
 *   tool_call(c, ...)*            each complete, valid call, in order, after
 *                                 the text it follows
 *   end(c, result)                finish reason and usage
 * With n > 1 the calls of different choices interleave. A sink callback that
 * returns non-zero (the client is gone) stops the exchange: upstream
 * transfers are aborted and eng_run returns -1 with e->status 499.
 *
 * Errors: a failure before any begin() is returned as -1 with e filled and
 * nothing sent; the router renders it as an HTTP error. A failure after a
 * begin() is also returned as -1 with e filled; the router's renderer then
 * writes it as the dialect's in-stream error (a sink with its own failure
 * event, e.g. Responses' response.failed, registers it for the request with
 * api/render_error.h's render_error_hook). Either way it is rendered once.
 *
 * Ownership: the request and everything it points to are borrowed for the
 * call. Thread rule: one call runs on the calling worker thread; the n
 * upstream transfers of one request share that thread (curl multi). */
#ifndef RELAY_ENGINE_ENGINE_H
#define RELAY_ENGINE_ENGINE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define ENG_MODEL_MAX 128
#define ENG_ID_MAX 64
#define ENG_STOP_MAX 4

/* ---- The request ---------------------------------------------------- */

enum eng_role { ENG_SYSTEM, ENG_USER, ENG_ASSISTANT, ENG_TOOL };

enum eng_part_kind {
    ENG_PART_TEXT,          /* text */
    ENG_PART_IMAGE,         /* url: an http(s) URL or a data: URL; or data/len + media_type (raw bytes) */
    ENG_PART_TOOL_CALL,     /* an earlier call: id, name, arguments (a JSON object as text) */
    ENG_PART_TOOL_RESULT,   /* a result: id (the call's id), text, is_error */
    ENG_PART_FILE,          /* a document (PDF, DOCX, ...): data/len + media_type + filename (raw bytes),
                             * or url (http(s) or data:), or file_id (the files API's id); made
                             * ready by api/docparts before the engine runs (text documents become
                             * TEXT parts, ids resolve to file_uuid), attached by 1min.ai uuid */
};

struct eng_part {
    enum eng_part_kind kind;
    const char *text;           /* TEXT, TOOL_RESULT; UTF-8, may hold no NUL */
    size_t text_len;
    const char *url;            /* IMAGE by URL (http, https or data:), else NULL */
    const void *data;           /* IMAGE by bytes (already base64-decoded) */
    size_t data_len;
    const char *media_type;     /* IMAGE by bytes: "image/png", ... */
    const char *id;             /* TOOL_CALL: the call id; TOOL_RESULT: the id it answers */
    const char *name;           /* TOOL_CALL: the tool name */
    const char *arguments;      /* TOOL_CALL: JSON object text */
    int is_error;               /* TOOL_RESULT: Anthropic is_error */
    const char *filename;       /* FILE: the client's name for it, or NULL */
    const char *file_id;        /* FILE: a files-API id ("file-..."), or NULL */
    const char *file_uuid;      /* FILE: the uploaded asset's fileContent.uuid once known, or NULL */
    const char *param;          /* where it came from, for 400s ("messages[2].content[1]") */
};

struct eng_turn {
    enum eng_role role;
    struct eng_part *parts;
    size_t nparts;
};

struct eng_tool {
    const char *name;
    const char *description;    /* may be NULL */
    const char *parameters;     /* the JSON Schema as text, exactly as sent; NULL = {} */
    const char *namespace_name; /* Responses namespace the tool came from, or NULL */
};

enum eng_tool_choice { ENG_CHOICE_AUTO, ENG_CHOICE_NONE, ENG_CHOICE_REQUIRED, ENG_CHOICE_NAMED };
enum eng_format { ENG_FORMAT_TEXT, ENG_FORMAT_JSON_OBJECT, ENG_FORMAT_JSON_SCHEMA };

struct eng_request {
    char model[ENG_MODEL_MAX];  /* 1min.ai model id (aliases already resolved, no :online) */
    int web_search;             /* :online, or a web-search tool */
    struct eng_turn *turns;     /* system turns anywhere; rendered in order */
    size_t nturns;
    struct eng_tool *tools;     /* offered function tools (flattened) */
    size_t ntools;
    enum eng_tool_choice tool_choice;
    const char *tool_choice_name;   /* ENG_CHOICE_NAMED */
    int parallel_tool_calls;    /* 0: at most one call */
    enum eng_format format;
    const char *format_name;    /* json_schema name, or NULL */
    const char *format_schema;  /* json_schema schema as JSON text, or NULL */
    const char *stop[ENG_STOP_MAX];
    size_t nstop;
    long long max_tokens;       /* completion limit; 0 = none */
    unsigned n;                 /* choices; 1 unless asked (validated by the parser) */
    int stream;                 /* the client reads events as they come */
    const char *param_prefix;   /* for 400s about turns: "messages", "input" */
};

/* ---- What comes back ------------------------------------------------- */

enum eng_finish {
    ENG_FINISH_STOP,            /* natural end */
    ENG_FINISH_STOP_SEQUENCE,   /* cut at a stop sequence (result.stop_sequence) */
    ENG_FINISH_LENGTH,          /* cut at max_tokens, or the upstream said length */
    ENG_FINISH_TOOL_CALLS,      /* at least one valid tool call */
    ENG_FINISH_CONTENT_FILTER,  /* the upstream said content_filter */
};

struct eng_tool_call {
    unsigned index;             /* 0, 1, ... within the choice */
    const char *id;             /* "call_..." generated, unique */
    const char *name;
    const char *namespace_name; /* or NULL */
    const char *arguments;      /* a JSON object, serialised */
    size_t arguments_len;
};

struct eng_usage {
    long long prompt_tokens;
    long long completion_tokens;
    int from_upstream;          /* 1: 1min.ai's metadata, 0: the relay's exact count */
};

struct eng_result {
    enum eng_finish finish;
    const char *stop_sequence;  /* ENG_FINISH_STOP_SEQUENCE: the one matched */
    struct eng_usage usage;     /* of this choice */
};

struct eng_sink {
    void *ud;
    int (*begin)(void *ud, unsigned choice);
    int (*text)(void *ud, unsigned choice, const char *p, size_t n);
    int (*tool_call)(void *ud, unsigned choice, const struct eng_tool_call *call);
    int (*end)(void *ud, unsigned choice, const struct eng_result *res);
    /* Called about once a second while every upstream is silent, after a
     * begin(); a sink sends its keep-alive (SSE comment, Anthropic ping). */
    int (*idle)(void *ud, unsigned idle_s);
    /* Optional: called with start 1 before and 0 after the events of one
     * upstream read, so that a sink sends the events that arrived together in
     * one write (http/resp.h resp_hold/resp_release). */
    void (*batch)(void *ud, int start);
};

struct eng_ctx;     /* per-call environment: config, worker handles, key (engine/ctx.h) */

/* Run req for the client key in ctx, reporting to sink. Returns 0, or -1 with
 * e filled (see Errors above). usage_total, when not NULL, receives the sum
 * over all choices, for the rate limiter's charge, also on failure. */
int eng_run(struct eng_ctx *ctx, const struct eng_request *req, const struct eng_sink *sink,
            struct eng_usage *usage_total, struct relay_err *e);

/* The exact prompt eng_run would send for req, and its token count under the
 * model's encoding (count_tokens endpoints, admission). out is appended to. */
int eng_prompt(const struct eng_request *req, struct buf *out, struct relay_err *e);
long long eng_count_tokens(const char *model, const char *text, size_t len);

#endif
