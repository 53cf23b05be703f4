/* io_cgi: the io operations for plain CGI: variables from the environment,
 * the body from fd 0 (exactly CONTENT_LENGTH bytes: RFC 3875 promises no EOF),
 * the response to stdout. One request per process.
 *
 * Ownership: the state is the caller's (on its stack); stdin and stdout stay
 * the process's.
 * Thread rule: the process's one request, on one thread. */
#ifndef RELAY_HTTP_IO_CGI_H
#define RELAY_HTTP_IO_CGI_H

#include "http/io.h"

struct io_cgi {
    unsigned long long remaining;   /* body bytes still to read */
    int failed;                     /* stdout broke */
    int timeout_ms;                 /* longest wait for a body byte or for room
                                       on stdout; <= 0: none */
};

/* Bind io to the process's CGI request; state is borrowed. A body read that
 * waits timeout_ms for a byte fails, and so does a response write that waits
 * timeout_ms for room on stdout (the client deadline, both ways). Responses
 * are not buffered: each write goes out at once. */
void io_cgi_bind(struct io *io, struct io_cgi *state, int timeout_ms);

/* Read and discard what is left of the body, at most max bytes: a web server
 * that feeds stdin through a socket (mod_cgid) turns unread input into a
 * connection reset that cuts the response short. */
void io_cgi_drain(struct io_cgi *state, unsigned long long max);

#endif
