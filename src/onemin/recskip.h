/* recskip: a JSON record from 1min.ai copied as it arrives, with the value of
 * one member (any depth) replaced by null.
 *
 * Every chat record 1min.ai returns echoes the whole prompt in
 * aiRecordDetail.promptObject (docs/upstream-api.md §2); the relay never reads
 * it. Filtering it out while the reply arrives means a large prompt is never
 * held a second time. The filter follows strings, escapes and nesting byte by
 * byte, so pieces may split the text anywhere; a key is matched as written
 * (a key spelt with escapes is not matched). Text that is not JSON passes
 * through, altered at most where it looked like the member: the parser that
 * reads the result judges it. Deeper than 64 levels the filter stops
 * filtering and copies the rest.
 *
 * Ownership: out and name are the caller's and must outlive the filter.
 * Thread rule: one request. */
#ifndef RELAY_ONEMIN_RECSKIP_H
#define RELAY_ONEMIN_RECSKIP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct recskip {
    struct buf *out;
    const char *name;
    size_t name_len;
    unsigned depth;             /* containers open */
    uint64_t objects;           /* bit d-1: the container at depth d is an object */
    int lost;                   /* too deep to follow: copying the rest */
    int in_str, esc;
    int key_next;               /* the next string is a member name */
    int in_key;                 /* the current string is a member name */
    size_t klen;
    int kmatch;                 /* the member name matches name so far */
    int colon_wait;             /* name ended: its ':' is next */
    int skipping;               /* inside the value being left out */
    unsigned skip_depth;        /* the depth of the object holding it */
};

void recskip_init(struct recskip *r, struct buf *out, const char *name);

/* Filter the next n bytes into out. Returns 0, or -1 when out is full. */
int recskip_feed(struct recskip *r, const char *p, size_t n);

#endif
