/* mcconn: one libmemcached connection handle, built from a server list
 * "h:p[,h:p...]" (a port defaults to 11211; IPv6 as [addr]:port) with a
 * connect and poll timeout and a retry time for a failed server. The users
 * (the rate limiter's memcached store, the key-value stores) borrow a handle;
 * what they do over it is theirs.
 *
 * Ownership: mcconn_open's handle belongs to whoever opened it (a worker, see
 * app.h) and is released with mcconn_close, after every borrower is done.
 * Thread rule: an mcconn_config is plain data, shared read-only; a handle
 * belongs to one thread. */
#ifndef RELAY_CORE_MCCONN_H
#define RELAY_CORE_MCCONN_H

#include <stddef.h>

#define MCCONN_MAX_SERVERS 32

struct memcached_st;

/* What every handle is built from. */
struct mcconn_config {
    char options[256];                  /* libmemcached option string, no servers */
    unsigned nservers;
    struct mcconn_server {
        char host[254];                 /* a name, IPv4 or IPv6 address (no brackets) */
        unsigned port;
    } server[MCCONN_MAX_SERVERS];
};

/* Parse servers (the part after "memcached://") and build the options for
 * timeout_ms and retry_s. Servers are added one by one at open (libmemcached's
 * option parser knows no IPv6). Returns 0, or -1 with a message; the caller
 * names the setting the list came from. */
int mcconn_config(const char *servers, unsigned timeout_ms, unsigned retry_s,
                  struct mcconn_config *out, char *err, size_t errlen);

/* A handle to config's servers (no connection is made until first use), or
 * NULL with a message. Two failures in a row take a server out for the retry
 * time; with several servers its keys move to the others meanwhile. */
struct memcached_st *mcconn_open(const struct mcconn_config *config, char *err, size_t errlen);

/* Close a handle from mcconn_open; NULL is ignored. */
void mcconn_close(struct memcached_st *mc);

#endif
