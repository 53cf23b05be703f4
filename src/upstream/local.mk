# upstream: the 1min.ai client, its SSE parser, error mapping and model catalogue
librelay_a_SOURCES += \
	src/upstream/client.c src/upstream/client.h \
	src/upstream/catalog.c src/upstream/catalog.h \
	src/upstream/errors.c src/upstream/errors.h \
	src/upstream/sse.c src/upstream/sse.h

check_PROGRAMS += tests/unit/test_sse
TESTS += tests/unit/test_sse
tests_unit_test_sse_SOURCES = tests/unit/test_sse.c
tests_unit_test_sse_CFLAGS = $(unit_cflags)
tests_unit_test_sse_LDADD = $(unit_libs)

# test_errors defines resp_add_header/resp_error itself to observe uperr_send.
check_PROGRAMS += tests/unit/test_errors
TESTS += tests/unit/test_errors
tests_unit_test_errors_SOURCES = tests/unit/test_errors.c
tests_unit_test_errors_CFLAGS = $(unit_cflags)
tests_unit_test_errors_LDADD = $(unit_libs)

# libFuzzer targets (configure CC=clang --enable-fuzzing); the sources are
# compiled into each program so that they carry the fuzzer instrumentation.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_sse tests/fuzz/fuzz_upstream_json
tests_fuzz_fuzz_sse_SOURCES = tests/fuzz/fuzz_sse.c src/upstream/sse.c src/core/text.c src/core/buf.c
tests_fuzz_fuzz_sse_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_sse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_upstream_json_SOURCES = tests/fuzz/fuzz_upstream_json.c src/upstream/errors.c \
	src/translate/prompt.c src/translate/airecord.c src/translate/chatmap.c src/core/buf.c src/core/text.c
tests_fuzz_fuzz_upstream_json_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_upstream_json_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_upstream_json_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/sse tests/fuzz/corpus/upstream_json tests/fuzz/upstream_json.dict
