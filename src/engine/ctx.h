/* ctx: the per-call environment of the chat engine (engine.h's struct
 * eng_ctx): where and as whom to call 1min.ai, what the catalogue says of the
 * model, the prompt when the caller already rendered it, and the transport.
 *
 * Ownership: everything is borrowed for the call. Thread rule: one call's. */
#ifndef RELAY_ENGINE_CTX_H
#define RELAY_ENGINE_CTX_H

#include "core/buf.h"
#include "onemin/client.h"
#include "onemin/onemin.h"

struct eng_ctx {
    const struct onemin *om;        /* key, curl handle, configuration */
    int vision;                     /* the model accepts images (catalogue) */
    /* eng_prompt's result for this request, so it is rendered once for
     * admission and the call; NULL: eng_run renders it. */
    const struct buf *prompt;
    long long prompt_tokens;        /* the count of that prompt; < 0: eng_run counts */
    /* The transport: client_perform, or a fake in tests. */
    enum client_rc (*perform)(void *h, const struct client_request *req, struct client_reply *rep);
    /* n transfers at once (client_perform_many), for n > 1; NULL: one after
     * the other through perform. */
    int (*perform_many)(void *const *h, const struct client_request *reqs, struct client_reply *reps,
                        enum client_rc *rcs, size_t n);
};

#endif
