/* heap: see heap.h. */
#include "core/heap.h"

#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define HEAP_MMAP_THRESHOLD ((int)32 << 20)   /* glibc's own ceiling for this setting */
#define HEAP_TRIM_THRESHOLD ((int)64 << 20)

int heap_tune(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    const char *t = getenv("GLIBC_TUNABLES");
    if (t && (strstr(t, "glibc.malloc.mmap_threshold") || strstr(t, "glibc.malloc.trim_threshold")))
        return 0;
    return mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD) == 1 && mallopt(M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD) == 1;
#else
    return 0;
#endif
}
