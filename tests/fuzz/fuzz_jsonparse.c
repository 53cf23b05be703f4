/* libFuzzer target: codec/jsonparse against json-c's tokener, differential.
 * Any input must give json-c's own answer (tests/fuzz/jsonparse_check.h):
 * the same code, the same error, the same tree. A small depth limit makes
 * the fuzzer reach the nesting edge too.
 * Run: fuzz_jsonparse -dict=tests/fuzz/jsonparse.dict NEW_CORPUS_DIR tests/fuzz/corpus/jsonparse */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsonparse_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *diff = jsonparse_check((const char *)data, size, 64);
    if (!diff)
        diff = jsonparse_check((const char *)data, size, 6);
    if (diff) {
        fprintf(stderr, "jsonparse differs from json-c: %s\n", diff);
        abort();
    }
    return 0;
}
