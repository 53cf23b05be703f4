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
# integration: raw HTTP, the official @anthropic-ai/sdk, Claude Code (each
# client in its own npm folder under tests/clients/)
anthropic_integration_tests = \
	tests/integration/test_anthropic.py \
	tests/integration/test_anthropic_sdk.py \
	tests/integration/test_claude_code.py
TESTS += $(anthropic_integration_tests)
EXTRA_DIST += $(anthropic_integration_tests) \
	tests/clients/anthropic/package.json tests/clients/anthropic/package-lock.json \
	tests/clients/anthropic/sdk_messages.mjs tests/clients/anthropic/sdk_emulation.mjs tests/clients/anthropic/common.mjs \
	tests/clients/claude-code/package.json tests/clients/claude-code/package-lock.json


# libFuzzer target (configure CC=clang --enable-fuzzing): the request parser on
# any bytes; the sources are compiled in with the instrumentation.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_anthropic
tests_fuzz_fuzz_anthropic_SOURCES = tests/fuzz/fuzz_anthropic.c src/api/anthropic_parse.c src/codec/b64.c \
	src/codec/sniff.c src/core/err.c src/core/buf.c src/core/keep.c
tests_fuzz_fuzz_anthropic_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_anthropic_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_anthropic_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/anthropic
