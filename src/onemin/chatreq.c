/* chatreq: see chatreq.h. */
#include "onemin/chatreq.h"

#include <stdint.h>
#include <string.h>

#include "core/text.h"

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

/* What follows the prompt's closing quote. */
static int chatreq_tail(struct buf *out, const struct chatreq *c)
{
    if (buf_puts(out, "\",\"settings\":{\"historySettings\":{\"isMixed\":false},\"withMemories\":false") < 0)
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

/* Copy what is left of part (the part starts at body offset start) into dst. */
static size_t chatreq_copy(struct chatreq_body *b, char *dst, size_t max, const char *part, size_t len, size_t start)
{
    size_t off = b->at - start, k = len - off < max ? len - off : max;
    memcpy(dst, part + off, k);
    b->at += k;
    return k;
}

static size_t chatreq_read(void *ud, char *dst, size_t max)
{
    struct chatreq_body *b = ud;
    size_t w = 0, hl = b->head.len, pl = hl + b->quoted, tl = pl + b->tail.len;
    while (w < max && b->at < tl) {
        if (b->at < hl) {
            w += chatreq_copy(b, dst + w, max - w, b->head.data, b->head.len, 0);
        } else if (b->at >= pl) {
            w += chatreq_copy(b, dst + w, max - w, b->tail.data, b->tail.len, pl);
        } else if (b->pend_at < b->pend_len) {
            dst[w++] = b->pend[b->pend_at++];
            b->at++;
        } else {
            size_t k = text_json_quote_some(dst + w, max - w, b->prompt, b->prompt_len, &b->prompt_at);
            if (k == 0) {         /* the next escape is longer than the room left */
                b->pend_len = text_json_quote_some(b->pend, sizeof b->pend, b->prompt, b->prompt_len, &b->prompt_at);
                b->pend_at = 0;
            }
            w += k;
            b->at += k;
        }
    }
    return w;
}

static void chatreq_rewind(void *ud)
{
    struct chatreq_body *b = ud;
    b->at = b->prompt_at = b->pend_len = b->pend_at = 0;
}

int chatreq_open(struct chatreq_body *b, const struct chatreq *c, size_t max)
{
    size_t at = 0;
    memset(b, 0, sizeof *b);
    buf_init(&b->head, max);
    buf_init(&b->tail, max);
    b->prompt = c->prompt;
    b->prompt_len = c->prompt_len;
    b->quoted = text_json_quote_some(NULL, SIZE_MAX, c->prompt, c->prompt_len, &at);
    if (buf_puts(&b->head, "{\"type\":\"UNIFY_CHAT_WITH_AI\",\"model\":") < 0 ||
        text_json_quote(&b->head, c->model, strlen(c->model)) < 0 ||
        buf_puts(&b->head, ",\"promptObject\":{\"prompt\":\"") < 0 || chatreq_tail(&b->tail, c) < 0)
        return -1;
    b->src = (struct client_body){ .len = b->head.len + b->quoted + b->tail.len, .read = chatreq_read,
                                   .rewind = chatreq_rewind, .ud = b };
    return b->src.len > max ? -1 : 0;
}

void chatreq_close(struct chatreq_body *b)
{
    buf_free(&b->head);
    buf_free(&b->tail);
}
