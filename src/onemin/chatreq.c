/* chatreq: see chatreq.h. */
#include "onemin/chatreq.h"

#include <string.h>

#include "core/text.h"

#define CHATREQ_OVERHEAD 1024

/* [,]"name":["item",...] */
static int chatreq_list(struct buf *out, int comma, const char *name, const char *const *items, size_t n)
{
    if (buf_printf(out, "%s\"%s\":[", comma ? "," : "", name) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((i && buf_puts(out, ",") < 0) || text_json_quote(out, items[i], strlen(items[i])) < 0)
            return -1;
    return buf_puts(out, "]");
}

int chatreq_body(struct buf *out, const struct chatreq *c)
{
    buf_clear(out);
    /* the escaped prompt is about as long as the prompt: one allocation */
    (void)buf_reserve(out, c->prompt_len + c->prompt_len / 8 + CHATREQ_OVERHEAD);
    if (buf_puts(out, "{\"type\":\"UNIFY_CHAT_WITH_AI\",\"model\":") < 0 ||
        text_json_quote(out, c->model, strlen(c->model)) < 0 ||
        buf_puts(out, ",\"promptObject\":{\"prompt\":") < 0 ||
        text_json_quote(out, c->prompt, c->prompt_len) < 0 ||
        buf_puts(out, ",\"settings\":{\"historySettings\":{\"isMixed\":false},\"withMemories\":false") < 0)
        return -1;
    if (c->web_search && buf_printf(out, ",\"webSearchSettings\":{\"webSearch\":true,\"numOfSite\":%u,"
                                    "\"maxWord\":%u}", c->num_sites, c->max_words) < 0)
        return -1;
    if (buf_puts(out, "}") < 0)
        return -1;
    if (c->nimages + c->nfiles > 0 && buf_puts(out, ",\"attachments\":{") < 0)
        return -1;
    if (c->nimages > 0 && chatreq_list(out, 0, "images", c->images, c->nimages) < 0)
        return -1;
    if (c->nfiles > 0 && chatreq_list(out, c->nimages > 0, "files", c->files, c->nfiles) < 0)
        return -1;
    if (c->nimages + c->nfiles > 0 && buf_puts(out, "}") < 0)
        return -1;
    return buf_puts(out, "}}");
}
