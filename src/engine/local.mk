# engine: the emulation of docs/tools.md (prompt rendering, tool-call parser,
# stop sequences, max_tokens cut, JSON cleaning, the per-choice pipeline)
librelay_a_SOURCES += \
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
