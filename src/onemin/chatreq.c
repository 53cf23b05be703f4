/* chatreq: see chatreq.h. */
#include "onemin/chatreq.h"

#include <string.h>

#include "core/text.h"

#define CHATREQ_OVERHEAD 1024

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
    if (c->nimages > 0) {
        if (buf_puts(out, ",\"attachments\":{\"images\":[") < 0)
            return -1;
        for (size_t i = 0; i < c->nimages; i++)
            if ((i && buf_puts(out, ",") < 0) || text_json_quote(out, c->images[i], strlen(c->images[i])) < 0)
                return -1;
        if (buf_puts(out, "]}") < 0)
            return -1;
    }
    return buf_puts(out, "}}");
}
