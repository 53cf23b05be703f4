/* chat_json: the non-streamed Chat Completions answer; see chat.h. */
#include "api/chat.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "api/chat_tools.h"
#include "core/record.h"
#include "core/text.h"
#include "http/resp.h"

#define CHAT_JSON_TEXT_MAX ((size_t)64 << 20)

const char *chat_finish_reason(const struct chat_out *o, enum eng_finish f)
{
    switch (f) {
    case ENG_FINISH_LENGTH: return "length";
    case ENG_FINISH_TOOL_CALLS: return o->legacy_functions ? "function_call" : "tool_calls";
    case ENG_FINISH_CONTENT_FILTER: return "content_filter";
    default: return "stop";
    }
}

static int chat_json_begin(void *ud, unsigned choice)
{
    (void)ud;
    (void)choice;
    return 0;
}

static int chat_json_text(void *ud, unsigned choice, const char *p, size_t n)
{
    struct chat_json *s = ud;
    return choice < s->n && buf_append(&s->choices[choice].text, p, n) == 0 ? 0 : -1;
}

static int chat_json_tool_call(void *ud, unsigned choice, const struct eng_tool_call *call)
{
    struct chat_json *s = ud;
    if (choice >= s->n)
        return -1;
    struct chat_choice *c = &s->choices[choice];
    if (s->out->legacy_functions && c->calls.len > 0)
        return 0;                           /* one function_call */
    struct json_object *item = chat_tools_call_json(call, 0, s->out->legacy_functions);
    int rc = item && (c->calls.len == 0 || buf_puts(&c->calls, ",") == 0) &&
        buf_puts(&c->calls, json_object_to_json_string_ext(item, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE)) == 0 ? 0 : -1;
    json_object_put(item);
    return rc;
}

/* One element of "choices". */
static int chat_json_choice(const struct chat_json *s, unsigned i, struct buf *b)
{
    const struct chat_choice *c = &s->choices[i];
    if (buf_printf(b, "%s{\"index\":%u,\"message\":{\"role\":\"assistant\",\"content\":", i ? "," : "", i) < 0)
        return -1;
    /* no text next to calls, or from a model that was offered tools, is null (docs/tools.md §1.2) */
    if (c->text.len == 0 && (c->calls.len > 0 || s->out->tools) ? buf_puts(b, "null") < 0
        : text_json_quote(b, buf_str(&c->text), c->text.len) < 0)
        return -1;
    int legacy = s->out->legacy_functions;
    if (c->calls.len > 0 && (buf_puts(b, legacy ? ",\"function_call\":" : ",\"tool_calls\":[") < 0 ||
                             buf_append(b, c->calls.data, c->calls.len) < 0 || buf_puts(b, legacy ? "" : "]") < 0))
        return -1;
    return buf_printf(b, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}",
                      chat_finish_reason(s->out, c->res.finish));
}

/* Sent once every choice has ended. */
static int chat_json_end(void *ud, unsigned choice, const struct eng_result *res)
{
    struct chat_json *s = ud;
    const struct chat_out *o = s->out;
    if (choice >= s->n)
        return -1;
    s->choices[choice].res = *res;
    if (++s->ended < s->n)
        return 0;
    /* OpenAI counts the prompt once and the completions of all choices */
    long long prompt = s->choices[0].res.usage.prompt_tokens, completion = 0;
    for (unsigned i = 0; i < s->n; i++)
        completion += s->choices[i].res.usage.completion_tokens;
    struct buf b;
    buf_init(&b, CHAT_JSON_TEXT_MAX * 2);
    int bad = buf_printf(&b, "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%lld,\"model\":",
                         o->id, o->created) < 0 ||
              text_json_quote(&b, o->model, strlen(o->model)) < 0 ||
              buf_puts(&b, ",\"system_fingerprint\":null,\"choices\":[") < 0;
    for (unsigned i = 0; i < s->n && !bad; i++)
        bad = chat_json_choice(s, i, &b) < 0;
    bad = bad || buf_printf(&b, "],\"usage\":{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld}}",
                            prompt, completion, prompt + completion) < 0;
    int rc = -1;
    if (!bad) {
        record_tokens(prompt, completion, !s->choices[0].res.usage.from_upstream);
        resp_add_header(o->r, "x-usage-source", s->choices[0].res.usage.from_upstream ? "upstream" : "estimated");
        rc = resp_send(o->r, 200, "application/json", b.data, b.len);
    }
    buf_free(&b);
    return rc < 0 ? -1 : 0;
}

int chat_json_sink(struct chat_json *s, const struct chat_out *out, unsigned n, struct eng_sink *sink)
{
    s->out = out;
    s->n = n ? n : 1;
    s->ended = 0;
    s->choices = calloc(s->n, sizeof(*s->choices));
    if (!s->choices)
        return -1;
    for (unsigned i = 0; i < s->n; i++) {
        buf_init(&s->choices[i].text, CHAT_JSON_TEXT_MAX);
        buf_init(&s->choices[i].calls, CHAT_JSON_TEXT_MAX);
    }
    *sink = (struct eng_sink){ .ud = s, .begin = chat_json_begin, .text = chat_json_text,
                               .tool_call = chat_json_tool_call, .end = chat_json_end };
    return 0;
}

void chat_json_free(struct chat_json *s)
{
    for (unsigned i = 0; s->choices && i < s->n; i++) {
        buf_free(&s->choices[i].text);
        buf_free(&s->choices[i].calls);
    }
    free(s->choices);
    s->choices = NULL;
}
