# api/anthropic: the Anthropic Messages dialect (parser, sink) and its unit test
librelay_a_SOURCES += \
	src/api/anthropic.h src/api/anthropic.c \
	src/api/anthropic_parse.c \
	src/api/anthropic_sink.c
check_PROGRAMS += tests/unit/test_anthropic
TESTS += tests/unit/test_anthropic
tests_unit_test_anthropic_SOURCES = tests/unit/test_anthropic.c
tests_unit_test_anthropic_CFLAGS = $(unit_cflags)
tests_unit_test_anthropic_LDADD = $(unit_libs)
librelay_a_SOURCES += src/api/model_alias.h src/api/model_alias.c
check_PROGRAMS += tests/unit/test_model_alias
TESTS += tests/unit/test_model_alias
tests_unit_test_model_alias_SOURCES = tests/unit/test_model_alias.c
tests_unit_test_model_alias_CFLAGS = $(unit_cflags)
tests_unit_test_model_alias_LDADD = $(unit_libs)

# libFuzzer target (configure CC=clang --enable-fuzzing): the request parser on
# any bytes; the sources are compiled in with the instrumentation.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_anthropic
tests_fuzz_fuzz_anthropic_SOURCES = tests/fuzz/fuzz_anthropic.c src/api/anthropic_parse.c src/codec/b64.c \
	src/codec/sniff.c src/core/err.c src/core/buf.c
tests_fuzz_fuzz_anthropic_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_anthropic_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_anthropic_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/anthropic
