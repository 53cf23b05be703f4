/* keep: see keep.h. */
#include "core/keep.h"

#include <stdlib.h>

void *keep_add(struct keep *k, void *p)
{
    if (!p)
        return NULL;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        void **items = realloc(k->items, cap * sizeof *items);
        if (!items) {
            free(p);
            return NULL;
        }
        k->items = items;
        k->cap = cap;
    }
    return k->items[k->n++] = p;
}

void keep_free(struct keep *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->items[i]);
    free(k->items);
    k->items = NULL;
    k->n = k->cap = 0;
}
