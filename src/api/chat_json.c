/* chat_json: the non-streamed Chat Completions answer; see chat.h. */
#include "api/chat.h"

#include <string.h>

#include "core/record.h"
#include "core/text.h"
#include "http/resp.h"

#define CHAT_JSON_TEXT_MAX ((size_t)64 << 20)

const char *chat_finish_reason(enum eng_finish f)
{
    switch (f) {
    case ENG_FINISH_LENGTH: return "length";
    case ENG_FINISH_TOOL_CALLS: return "tool_calls";
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
    (void)choice;
    return buf_append(&s->text, p, n) < 0 ? -1 : 0;
}

static int chat_json_end(void *ud, unsigned choice, const struct eng_result *res)
{
    struct chat_json *s = ud;
    const struct chat_out *o = s->out;
    const struct eng_usage *u = &res->usage;
    struct buf b;
    (void)choice;
    buf_init(&b, CHAT_JSON_TEXT_MAX * 2);
    int bad = buf_printf(&b, "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%lld,\"model\":",
                         o->id, o->created) < 0 ||
              text_json_quote(&b, o->model, strlen(o->model)) < 0 ||
              buf_puts(&b, ",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"message\":"
                       "{\"role\":\"assistant\",\"content\":") < 0 ||
              text_json_quote(&b, buf_str(&s->text), s->text.len) < 0 ||
              buf_printf(&b, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}],\"usage\":"
                         "{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld}}",
                         chat_finish_reason(res->finish), u->prompt_tokens, u->completion_tokens,
                         u->prompt_tokens + u->completion_tokens) < 0;
    int rc = -1;
    if (!bad) {
        record_tokens(u->prompt_tokens, u->completion_tokens, !u->from_upstream);
        resp_add_header(o->r, "x-usage-source", u->from_upstream ? "upstream" : "estimated");
        rc = resp_send(o->r, 200, "application/json", b.data, b.len);
    }
    buf_free(&b);
    return rc < 0 ? -1 : 0;
}

void chat_json_sink(struct chat_json *s, const struct chat_out *out, struct eng_sink *sink)
{
    s->out = out;
    buf_init(&s->text, CHAT_JSON_TEXT_MAX);
    *sink = (struct eng_sink){ .ud = s, .begin = chat_json_begin, .text = chat_json_text, .end = chat_json_end };
}

void chat_json_free(struct chat_json *s)
{
    buf_free(&s->text);
}
