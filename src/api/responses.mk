# api/responses: the OpenAI Responses API dialect (request parser, sink, store)
librelay_a_SOURCES += \
	src/api/responses.h \
	src/api/responses.c \
	src/api/responses_parse.c \
	src/api/responses_sink.c \
	src/api/responses_store.c

# libFuzzer target (configure CC=clang --enable-fuzzing): the parser and the
# sink on any bytes; the sources are compiled in with the instrumentation.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_responses
tests_fuzz_fuzz_responses_SOURCES = tests/fuzz/fuzz_responses.c src/api/responses_parse.c \
	src/api/responses_sink.c src/core/err.c src/core/buf.c src/core/rand.c src/core/text.c src/core/keep.c
tests_fuzz_fuzz_responses_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_responses_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_responses_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/responses
