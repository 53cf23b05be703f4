/* io_fcgi: the io operations over one libfcgi request (FCGX_Request).
 *
 * Ownership: the state and the request are borrowed and must outlive io.
 * Thread rule: like the request, one thread at a time. */
#ifndef RELAY_HTTP_IO_FCGI_H
#define RELAY_HTTP_IO_FCGI_H

#include <fcgiapp.h>

#include "http/io.h"

struct io_fcgi {
    FCGX_Request *req;
    int eof;            /* the body was read to its end (the empty FCGI_STDIN record) */
};

/* Bind io to req through st. */
void io_fcgi_bind(struct io *io, struct io_fcgi *st, FCGX_Request *req);

/* Read and discard what is left of the body, at most max bytes. Returns 1
 * when the body has been read to its end (the web server has nothing more to
 * send, so the connection may be closed without a lingering close), else 0. */
int io_fcgi_drain(struct io_fcgi *st, size_t max);

#endif
