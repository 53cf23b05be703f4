/* heap: the allocator settings of a relay process.
 *
 * A large request passes through a few buffers about its size (the body,
 * the strings parsed from it, the prompt, the upstream body). With glibc's
 * defaults each such block is a fresh mapping, or sits at a heap top that is
 * handed back to the kernel when the request ends, so every large request
 * pays the kernel to fault in and zero its pages again: for a 1 MiB prompt
 * that was as much CPU as all of the relay's own work on it (make
 * bench-eng). heap_tune keeps blocks below 32 MiB in the heap and returns a
 * heap's free top to the kernel only beyond 64 MiB, so the next large
 * request reuses pages already mapped. The price is resident memory: after
 * a burst of large requests each malloc arena (glibc keeps up to eight per
 * core) may hold up to that much free memory until it is used again.
 *
 * An operator who sets glibc.malloc.mmap_threshold or trim_threshold in
 * GLIBC_TUNABLES gets those instead: heap_tune then changes nothing.
 *
 * Thread rule: call once, at start, before any thread exists. */
#ifndef RELAY_CORE_HEAP_H
#define RELAY_CORE_HEAP_H

/* Apply the settings above. Returns 1 when applied, 0 when left to the
 * operator's tunables or when the C library has no such settings. */
int heap_tune(void);

#endif
