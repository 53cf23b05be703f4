# codec: pure encoders and parsers — base64, file-type sniffing, data: URLs,
# multipart/form-data, request bodies into json-c trees
librelay_a_SOURCES += \
	src/codec/b64.c src/codec/b64.h \
	src/codec/sniff.c src/codec/sniff.h \
	src/codec/dataurl.c src/codec/dataurl.h \
	src/codec/multipart.c src/codec/multipart.h \
	src/codec/jsonparse.c src/codec/jsonparse.h

codec_unit_tests = \
	tests/unit/test_media_codec \
	tests/unit/test_dataurl \
	tests/unit/test_multipart \
	tests/unit/test_jsonparse
check_PROGRAMS += $(codec_unit_tests)
TESTS += $(codec_unit_tests)
tests_unit_test_media_codec_SOURCES = tests/unit/test_media_codec.c
tests_unit_test_media_codec_CFLAGS = $(unit_cflags)
tests_unit_test_media_codec_LDADD = $(unit_libs)
tests_unit_test_dataurl_SOURCES = tests/unit/test_dataurl.c
tests_unit_test_dataurl_CFLAGS = $(unit_cflags)
tests_unit_test_dataurl_LDADD = $(unit_libs)
tests_unit_test_multipart_SOURCES = tests/unit/test_multipart.c
tests_unit_test_multipart_CFLAGS = $(unit_cflags)
tests_unit_test_multipart_LDADD = $(unit_libs)
tests_unit_test_jsonparse_SOURCES = tests/unit/test_jsonparse.c
tests_unit_test_jsonparse_CFLAGS = $(unit_cflags)
tests_unit_test_jsonparse_LDADD = $(unit_libs)
EXTRA_DIST += tests/fuzz/jsonparse_check.h

# libFuzzer targets: the sources they exercise are compiled in with the fuzzing
# instrumentation, since librelay.a is not.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_multipart tests/fuzz/fuzz_dataurl tests/fuzz/fuzz_jsonparse
tests_fuzz_fuzz_multipart_SOURCES = tests/fuzz/fuzz_multipart.c src/codec/multipart.c src/codec/doctype.c \
	src/core/text.c src/core/buf.c
tests_fuzz_fuzz_multipart_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_multipart_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dataurl_SOURCES = tests/fuzz/fuzz_dataurl.c src/codec/dataurl.c src/codec/b64.c \
	src/codec/sniff.c src/core/buf.c
tests_fuzz_fuzz_dataurl_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dataurl_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jsonparse_SOURCES = tests/fuzz/fuzz_jsonparse.c src/codec/jsonparse.c src/core/text.c \
	src/core/buf.c
tests_fuzz_fuzz_jsonparse_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_jsonparse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jsonparse_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/jsonparse.dict
EXTRA_DIST += tests/fuzz/corpus
