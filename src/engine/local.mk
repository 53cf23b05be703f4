# engine: the emulation of docs/tools.md (prompt rendering, tool-call parser,
# stop sequences, max_tokens cut, JSON cleaning, the per-choice pipeline)
librelay_a_SOURCES += \
	src/engine/engine.c src/engine/engine.h src/engine/ctx.h \
	src/engine/answer.c src/engine/answer.h \
	src/engine/jsonx.c src/engine/jsonx.h \
	src/engine/render.c src/engine/render.h \
	src/engine/stopmatch.c src/engine/stopmatch.h \
	src/engine/tokcut.c src/engine/tokcut.h \
	src/engine/toolparse.c src/engine/toolparse.h


# Benchmark (not a test): make bench-emul, the emulation's cost per upstream byte.
check_PROGRAMS += tests/bench/emul-bench
tests_bench_emul_bench_SOURCES = tests/bench/emul_bench.c
tests_bench_emul_bench_CFLAGS = $(AM_CFLAGS) $(DEPS_CFLAGS)
tests_bench_emul_bench_LDADD = librelay.a $(DEPS_LIBS)
.PHONY: bench-emul
bench-emul: tests/bench/emul-bench$(EXEEXT)
	./tests/bench/emul-bench$(EXEEXT)
bench: bench-emul

# libFuzzer target (configure CC=clang --enable-fuzzing): the parser and the
# stop matcher, whole against split.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_toolparse
tests_fuzz_fuzz_toolparse_SOURCES = tests/fuzz/fuzz_toolparse.c src/engine/toolparse.c src/engine/stopmatch.c \
	src/engine/jsonx.c src/core/buf.c src/core/text.c src/core/rand.c src/core/log.c
tests_fuzz_fuzz_toolparse_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_toolparse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_toolparse_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/toolparse tests/fuzz/toolparse.dict

# The engine against a fake transport (no network).
check_PROGRAMS += tests/unit/test_engine
TESTS += tests/unit/test_engine
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c
tests_unit_test_engine_CFLAGS = $(unit_cflags)
tests_unit_test_engine_LDADD = $(unit_libs)

# Benchmark (not a test): make bench-eng, the memory and CPU of one large chat request.
check_PROGRAMS += tests/bench/eng-bench
tests_bench_eng_bench_SOURCES = tests/bench/eng_bench.c
tests_bench_eng_bench_CFLAGS = $(AM_CFLAGS) $(DEPS_CFLAGS)
tests_bench_eng_bench_LDADD = librelay.a $(DEPS_LIBS)
.PHONY: bench-eng
bench-eng: tests/bench/eng-bench$(EXEEXT)
	./tests/bench/eng-bench$(EXEEXT)
bench: bench-eng

# Tool loops of real clients (the openai SDK, the Vercel AI SDK, the OpenAI
# Agents SDK), stop/max_tokens aborting the upstream, n > 1, JSON cleaning,
# through lighttpd against the mock's contract-following model.
TESTS += tests/integration/test_tools.py
EXTRA_DIST += tests/integration/test_tools.py tests/sdk/sdk_tools.mjs \
	tests/clients/ai-sdk/package.json tests/clients/ai-sdk/package-lock.json tests/clients/ai-sdk/tool_loop.mjs \
	tests/clients/agents/package.json tests/clients/agents/package-lock.json tests/clients/agents/tool_loop.mjs \
	tests/clients/report.mjs
