/* chatreq: the body of a UNIFY_CHAT_WITH_AI request,
 *   {"type":"UNIFY_CHAT_WITH_AI","model":M,"promptObject":{"prompt":P,
 *    "settings":{"historySettings":{"isMixed":false},"withMemories":false
 *    [,"webSearchSettings":{"webSearch":true,"numOfSite":N,"maxWord":W}]}
 *    [,"attachments":{["images":[PATH,...]][,"files":[UUID,...]]}]}}
 * produced as libcurl sends it. The prompt, which holds the whole transcript
 * (stateless: docs/upstream-api.md) and is nearly all of the body, is escaped
 * piece by piece straight into the transfer's buffer; only the short head and
 * tail around it are kept. So the body never exists whole: a 1 MiB prompt
 * costs no second MiB, and the n choices of one request share the prompt.
 *
 * Ownership: a chatreq_body borrows the strings of the chatreq it was opened
 * with until it is closed. Thread rule: one thread at a time. */
#ifndef RELAY_ONEMIN_CHATREQ_H
#define RELAY_ONEMIN_CHATREQ_H

#include <stddef.h>

#include "core/buf.h"
#include "onemin/client.h"

struct chatreq {
    const char *model;
    const char *prompt;
    size_t prompt_len;
    int web_search;
    unsigned num_sites, max_words;      /* web search settings */
    const char *const *images;          /* asset paths for attachments.images */
    size_t nimages;
    const char *const *files;           /* asset uuids for attachments.files */
    size_t nfiles;
};

struct chatreq_body {
    struct client_body src;             /* for client_request.body_src */
    struct buf head, tail;              /* the JSON before and after the escaped prompt */
    const char *prompt;
    size_t prompt_len;
    size_t quoted;                      /* the escaped prompt's length */
    size_t at;                          /* bytes produced so far */
    size_t prompt_at;                   /* prompt bytes escaped so far */
    char pend[6];                       /* an escape that did not fit in one read */
    size_t pend_len, pend_at;
};

/* Set b up for c: src.len is the body's length. Returns 0, or -1 when the
 * body would pass max bytes or memory runs out. Close b either way. */
int chatreq_open(struct chatreq_body *b, const struct chatreq *c, size_t max);
void chatreq_close(struct chatreq_body *b);

#endif
