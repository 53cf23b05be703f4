/* keep: the heap blocks one request's parser made (copies, serialised JSON),
 * kept in a list and freed together when the request is done.
 *
 * Ownership: keep_add takes p (on failure it frees p); keep_free frees every
 * block and the list. Thread rule: a keep belongs to one request. */
#ifndef RELAY_CORE_KEEP_H
#define RELAY_CORE_KEEP_H

#include <stddef.h>

struct keep {
    void **items;   /* zero-initialised: empty */
    size_t n, cap;
};

/* Keep p; returns p, or NULL (p freed) when out of memory or p is NULL. */
void *keep_add(struct keep *k, void *p);

/* Free every kept block and the list; k is empty afterwards. */
void keep_free(struct keep *k);

#endif
