# tokenizer: exact tiktoken-compatible token counts (o200k_base, cl100k_base)
librelay_a_SOURCES += \
	src/tokenizer/tok.c src/tokenizer/tok.h \
	src/tokenizer/tok_bpe.c src/tokenizer/tok_bpe.h \
	src/tokenizer/tok_cli.c \
	src/tokenizer/tok_hash.h \
	src/tokenizer/tok_split.c src/tokenizer/tok_split.h \
	src/tokenizer/tok_unicode.c src/tokenizer/tok_unicode.h \
	src/tokenizer/tok_utf8.c src/tokenizer/tok_utf8.h \
	src/tokenizer/tok_vocab.c src/tokenizer/tok_vocab.h

# The vocabularies are compiled in: tok-gen turns the committed .tiktoken
# files into C tables (token bytes, offsets, a prebuilt hash table) at build
# time, so the relay parses nothing when it starts.
noinst_PROGRAMS += src/tokenizer/tok-gen
src_tokenizer_tok_gen_SOURCES = src/tokenizer/tok_gen.c src/tokenizer/tok_hash.h
nodist_librelay_a_SOURCES = src/tokenizer/vocab_o200k_base.c src/tokenizer/vocab_cl100k_base.c
CLEANFILES += src/tokenizer/vocab_o200k_base.c src/tokenizer/vocab_cl100k_base.c
EXTRA_DIST += \
	src/tokenizer/data/o200k_base.tiktoken \
	src/tokenizer/data/cl100k_base.tiktoken \
	src/tokenizer/data/README.md

tok_gen_run = $(AM_V_GEN)$(MKDIR_P) src/tokenizer && src/tokenizer/tok-gen$(EXEEXT)
src/tokenizer/vocab_o200k_base.c: $(srcdir)/src/tokenizer/data/o200k_base.tiktoken src/tokenizer/tok-gen$(EXEEXT)
	$(tok_gen_run) o200k_base $(srcdir)/src/tokenizer/data/o200k_base.tiktoken $@
src/tokenizer/vocab_cl100k_base.c: $(srcdir)/src/tokenizer/data/cl100k_base.tiktoken src/tokenizer/tok-gen$(EXEEXT)
	$(tok_gen_run) cl100k_base $(srcdir)/src/tokenizer/data/cl100k_base.tiktoken $@

# Tests: the committed corpus (no node needed), the pre-splitting cases, the
# API and UTF-8 repair, BPE on synthetic vocabularies, the command, and a
# fresh random comparison with npm tiktoken (needs node + npm ci, see fresh.sh).
check_PROGRAMS += tests/unit/test_tok_corpus tests/unit/test_tok_split tests/unit/test_tok_api \
	tests/unit/test_tok_bpe
TESTS += tests/unit/test_tok_corpus tests/unit/test_tok_split tests/unit/test_tok_api \
	tests/unit/test_tok_bpe tests/tok/test_cli.py tests/tok/fresh.sh
tests_unit_test_tok_corpus_SOURCES = tests/unit/test_tok_corpus.c
tests_unit_test_tok_corpus_CFLAGS = $(unit_cflags)
tests_unit_test_tok_corpus_LDADD = $(unit_libs)
tests_unit_test_tok_split_SOURCES = tests/unit/test_tok_split.c
tests_unit_test_tok_split_CFLAGS = $(unit_cflags)
tests_unit_test_tok_split_LDADD = $(unit_libs)
tests_unit_test_tok_api_SOURCES = tests/unit/test_tok_api.c
tests_unit_test_tok_api_CFLAGS = $(unit_cflags)
tests_unit_test_tok_api_LDADD = $(unit_libs)
tests_unit_test_tok_bpe_SOURCES = tests/unit/test_tok_bpe.c
tests_unit_test_tok_bpe_CFLAGS = $(unit_cflags)
tests_unit_test_tok_bpe_LDADD = $(unit_libs)
EXTRA_DIST += \
	tests/data/tok/corpus.jsonl \
	tests/tok/test_cli.py tests/tok/fresh.sh tests/tok/fresh.cjs tests/tok/textgen.cjs \
	tests/tok/gen-corpus.cjs tests/tok/gen-vocab.cjs tests/tok/gen-unicode.cjs \
	tests/tok/package.json tests/tok/package-lock.json

# Benchmark (not a test): make bench-tok. Needs npm ci --prefix tests/tok.
check_PROGRAMS += tests/bench/tok-rss
tests_bench_tok_rss_SOURCES = tests/bench/tok_rss.c
tests_bench_tok_rss_CFLAGS = $(AM_CFLAGS) $(DEPS_CFLAGS)
tests_bench_tok_rss_LDADD = librelay.a $(DEPS_LIBS)
EXTRA_DIST += tests/bench/tok_bench.cjs
.PHONY: bench-tok
bench-tok: 1min-relay$(EXEEXT) tests/bench/tok-rss$(EXEEXT)
	node $(top_srcdir)/tests/bench/tok_bench.cjs --bin ./1min-relay$(EXEEXT) --rss ./tests/bench/tok-rss$(EXEEXT)
