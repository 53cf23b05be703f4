/* io_mem: an in-memory io for unit tests: variables from a NULL-terminated
 * "NAME=value" array, the body from a byte range, the response into a buf.
 * Set fail_after_writes to simulate a client that goes away, closed to make
 * io_gone report it.
 *
 * Ownership: vars and body are borrowed; out is the state's (io_mem_free).
 * Thread rule: one thread at a time, like any io. */
#ifndef RELAY_HTTP_IO_MEM_H
#define RELAY_HTTP_IO_MEM_H

#include <stddef.h>

#include "core/buf.h"
#include "http/io.h"

struct io_mem {
    const char *const *vars;    /* borrowed: "NAME=value" strings, NULL-terminated */
    const char *body;           /* borrowed */
    size_t body_len, body_pos;
    struct buf out;             /* everything written; freed by io_mem_free */
    int flushes;                /* number of flush calls */
    int fail_after_writes;      /* >0: writes and flushes fail after this many calls */
    int calls;
    int closed;                 /* io_gone reports the client as gone */
};

/* Bind io to st; st->out gets a 64 MiB limit. */
void io_mem_bind(struct io *io, struct io_mem *st, const char *const *vars, const char *body, size_t body_len);
void io_mem_free(struct io_mem *st);

#endif
