#include "core/rand.h"

#include <stdlib.h>
#include <sys/random.h>

void rand_hex(char *dst, size_t nhex)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    size_t nbytes = (nhex + 1) / 2;
    if (nbytes > sizeof raw)
        nbytes = sizeof raw, nhex = 2 * sizeof raw;
    if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes) {
        /* Ids only correlate requests; a weak fallback is acceptable. */
        for (size_t i = 0; i < nbytes; i++)
            raw[i] = (unsigned char)random();
    }
    for (size_t i = 0; i < nhex; i++)
        dst[i] = hex[(raw[i / 2] >> ((i % 2) ? 0 : 4)) & 15];
    dst[nhex] = '\0';
}
