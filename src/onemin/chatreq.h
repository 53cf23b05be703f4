/* chatreq: the body of a UNIFY_CHAT_WITH_AI request, written in one pass into
 * one buffer (no JSON tree, no copy of the prompt besides its escaped form):
 *   {"type":"UNIFY_CHAT_WITH_AI","model":M,"promptObject":{"prompt":P,
 *    "settings":{"historySettings":{"isMixed":false},"withMemories":false
 *    [,"webSearchSettings":{"webSearch":true,"numOfSite":N,"maxWord":W}]}
 *    [,"attachments":{["images":[PATH,...]][,"files":[UUID,...]]}]}}
 * Stateless: the prompt holds the whole transcript (docs/upstream-api.md).
 *
 * Pure. Thread rule: any thread. */
#ifndef RELAY_ONEMIN_CHATREQ_H
#define RELAY_ONEMIN_CHATREQ_H

#include <stddef.h>

#include "core/buf.h"

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

/* Write the body into out (cleared first). Returns 0, or -1 when out is full. */
int chatreq_body(struct buf *out, const struct chatreq *c);

#endif
