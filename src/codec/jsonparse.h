/* jsonparse: JSON text (a request body, an upstream reply) into a json-c
 * tree, fast.
 *
 * jsonparse_text returns the tree json-c's tokener builds with the flags
 * given (the relay parses request bodies strict and UTF-8 validated), with
 * the same error when it fails. Plain JSON, which is what clients send, takes a fast path:
 * one pass checks that the text is inside the subset it handles, a second
 * builds the tree, decoding each string in place and copying it once into
 * its json-c object. The tokener's byte-at-a-time state machine, its buffer
 * doubling and its extra copy cost a 1 MiB prompt about 4 ms; this is a
 * fraction of that. Everything outside the subset goes to json-c itself:
 * the tokener's leniencies and quirks (NaN, Infinity, lone surrogates, the
 * escaped pairs it decodes to U+FFFD, numbers such as "1." or "-01", a NUL
 * byte, bytes json-c validates less strictly than UTF-8), malformed text, a
 * root that is not an object, nesting near the limit. So what a client sees never depends on which path ran; the
 * differential fuzzer (tests/fuzz/fuzz_jsonparse.c) holds the two to that.
 *
 * A member named opts->skip, at any depth, can be left out of the tree on the
 * fast path (its value is still checked): 1min.ai echoes the whole prompt in
 * every reply, which the relay never reads.
 *
 * text[0..len) is the caller's and is scratch afterwards (strings are decoded
 * in place). The tree is the caller's (json_object_put). Thread rule: any
 * thread. */
#ifndef RELAY_CODEC_JSONPARSE_H
#define RELAY_CODEC_JSONPARSE_H

#include <json-c/json.h>
#include <stddef.h>

struct jsonparse_opts {
    int max_depth;                  /* as for json_tokener_new_ex */
    int flags;                      /* json_tokener_set_flags' */
    const char *skip;               /* a member name to leave out, or NULL */
};

/* 0 with *root (NULL when the text is the literal null); -1 when the text
 * is not JSON, with json-c's error code in *err; -2 when out of memory. */
int jsonparse_text(char *text, size_t len, const struct jsonparse_opts *o, struct json_object **root,
                   enum json_tokener_error *err);

#endif
