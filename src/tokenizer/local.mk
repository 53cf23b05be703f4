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
