# media: vision input, image generation, audio (docs: src/media/*.h)
librelay_a_SOURCES += \
	src/media/media.h src/media/config.c \
	src/media/images.c src/media/audio.c src/media/speech.c src/media/vision.c \
	src/media/mup.c src/media/mup.h \
	src/media/fetch.c src/media/fetch.h \
	src/media/upcache.c src/media/upcache.h \
	src/media/b64.c src/media/b64.h \
	src/media/dataurl.c src/media/dataurl.h \
	src/media/imgfam.c src/media/imgfam.h \
	src/media/multipart.c src/media/multipart.h \
	src/media/netcheck.c src/media/netcheck.h \
	src/media/resulturl.c src/media/resulturl.h \
	src/media/sniff.c src/media/sniff.h

media_unit_tests = \
	tests/unit/test_media_codec \
	tests/unit/test_dataurl \
	tests/unit/test_multipart \
	tests/unit/test_media_netcheck \
	tests/unit/test_media_imgfam \
	tests/unit/test_media_upcache
check_PROGRAMS += $(media_unit_tests)
TESTS += $(media_unit_tests)
tests_unit_test_media_codec_SOURCES = tests/unit/test_media_codec.c
tests_unit_test_media_codec_CFLAGS = $(unit_cflags)
tests_unit_test_media_codec_LDADD = $(unit_libs)
tests_unit_test_dataurl_SOURCES = tests/unit/test_dataurl.c
tests_unit_test_dataurl_CFLAGS = $(unit_cflags)
tests_unit_test_dataurl_LDADD = $(unit_libs)
tests_unit_test_multipart_SOURCES = tests/unit/test_multipart.c
tests_unit_test_multipart_CFLAGS = $(unit_cflags)
tests_unit_test_multipart_LDADD = $(unit_libs)
tests_unit_test_media_netcheck_SOURCES = tests/unit/test_media_netcheck.c
tests_unit_test_media_netcheck_CFLAGS = $(unit_cflags)
tests_unit_test_media_netcheck_LDADD = $(unit_libs)
tests_unit_test_media_imgfam_SOURCES = tests/unit/test_media_imgfam.c
tests_unit_test_media_imgfam_CFLAGS = $(unit_cflags)
tests_unit_test_media_imgfam_LDADD = $(unit_libs)
tests_unit_test_media_upcache_SOURCES = tests/unit/test_media_upcache.c
tests_unit_test_media_upcache_CFLAGS = $(unit_cflags)
tests_unit_test_media_upcache_LDADD = $(unit_libs)

# libFuzzer targets: the sources they exercise are compiled in with the fuzzing
# instrumentation, since librelay.a is not.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_multipart tests/fuzz/fuzz_dataurl
tests_fuzz_fuzz_multipart_SOURCES = tests/fuzz/fuzz_multipart.c src/media/multipart.c
tests_fuzz_fuzz_multipart_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_multipart_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dataurl_SOURCES = tests/fuzz/fuzz_dataurl.c src/media/dataurl.c src/media/b64.c \
	src/media/sniff.c src/core/buf.c
tests_fuzz_fuzz_dataurl_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dataurl_LDFLAGS = $(FUZZ_LDFLAGS)
endif

# Integration tests of the media routes against the mock (its media side is
# tests/mock/mock_media.py), and the SDK-level media test.
TESTS += tests/integration/test_media.py tests/integration/test_media_cache.py
EXTRA_DIST += \
	tests/integration/test_media.py \
	tests/integration/test_media_cache.py \
	tests/mock/mock_media.py \
	tests/fuzz/corpus
TESTS += tests/integration/test_sdk_media.py
EXTRA_DIST += tests/integration/test_sdk_media.py tests/sdk/sdk_media.mjs
