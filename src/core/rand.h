/* rand: random identifiers (request ids, completion ids). Not for secrets.
 *
 * Thread rule: any thread (getrandom; the fallback random() is thread-safe in
 * glibc). */
#ifndef RELAY_CORE_RAND_H
#define RELAY_CORE_RAND_H

#include <stddef.h>

/* Write nhex random lower-case hex digits and a NUL to dst (dst holds nhex + 1). */
void rand_hex(char *dst, size_t nhex);

#endif
