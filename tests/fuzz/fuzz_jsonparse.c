/* libFuzzer target: codec/jsonparse against json-c's tokener, differential.
 * Any input must give json-c's own answer (tests/fuzz/jsonparse_check.h):
 * the same code, the same error, the same tree, with the flags of request
 * bodies (strict, UTF-8 validated) and of upstream replies (json-c's
 * defaults). A small depth limit makes the fuzzer reach the nesting edge
 * too.
 * Run: fuzz_jsonparse -dict=tests/fuzz/jsonparse.dict NEW_CORPUS_DIR tests/fuzz/corpus/jsonparse */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsonparse_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct jsonparse_opts body = { 64, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, NULL },
                                       shallow = { 6, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, NULL },
                                       reply = { JSON_TOKENER_DEFAULT_DEPTH, 0, NULL };
    const char *diff = jsonparse_check((const char *)data, size, &body);
    if (!diff)
        diff = jsonparse_check((const char *)data, size, &shallow);
    if (!diff)
        diff = jsonparse_check((const char *)data, size, &reply);
    if (diff) {
        fprintf(stderr, "jsonparse differs from json-c: %s\n", diff);
        abort();
    }
    return 0;
}
