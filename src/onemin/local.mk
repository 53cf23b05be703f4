# onemin: the 1min.ai protocol — the curl client, every upstream body, the
# SSE parser, aiRecord reading, the model catalogue, feature tables, asset
# uploads and their cache, result downloads, and error mapping with key
# redaction
librelay_a_SOURCES += \
	src/onemin/onemin.c src/onemin/onemin.h \
	src/onemin/client.c src/onemin/client.h \
	src/onemin/catalog.c src/onemin/catalog.h \
	src/onemin/uperr.c src/onemin/uperr.h \
	src/onemin/sse.c src/onemin/sse.h \
	src/onemin/airec.c src/onemin/airec.h \
	src/onemin/chatmap.c src/onemin/chatmap.h \
	src/onemin/media.c src/onemin/media.h \
	src/onemin/asset.c src/onemin/asset.h \
	src/onemin/feature.c src/onemin/feature.h \
	src/onemin/result.c src/onemin/result.h \
	src/onemin/resurl.c src/onemin/resurl.h \
	src/onemin/fetch.c src/onemin/fetch.h \
	src/onemin/upcache.c src/onemin/upcache.h \
	src/onemin/imgfam.c src/onemin/imgfam.h \
	src/onemin/tts.c src/onemin/tts.h \
	src/onemin/stt.c src/onemin/stt.h \
	src/onemin/chatreq.c src/onemin/chatreq.h \
	src/onemin/recskip.c src/onemin/recskip.h \
	src/onemin/vision.c src/onemin/vision.h

onemin_unit_tests = \
	tests/unit/test_sse \
	tests/unit/test_errors \
	tests/unit/test_airecord \
	tests/unit/test_chatmap \
	tests/unit/test_chatreq \
	tests/unit/test_recskip \
	tests/unit/test_media_netcheck \
	tests/unit/test_media_imgfam \
	tests/unit/test_media_upcache
check_PROGRAMS += $(onemin_unit_tests)
TESTS += $(onemin_unit_tests)
tests_unit_test_sse_SOURCES = tests/unit/test_sse.c
tests_unit_test_sse_CFLAGS = $(unit_cflags)
tests_unit_test_sse_LDADD = $(unit_libs)
tests_unit_test_errors_SOURCES = tests/unit/test_errors.c
tests_unit_test_errors_CFLAGS = $(unit_cflags)
tests_unit_test_errors_LDADD = $(unit_libs)
tests_unit_test_airecord_SOURCES = tests/unit/test_airecord.c
tests_unit_test_airecord_CFLAGS = $(unit_cflags)
tests_unit_test_airecord_LDADD = $(unit_libs)
tests_unit_test_recskip_SOURCES = tests/unit/test_recskip.c
tests_unit_test_recskip_CFLAGS = $(unit_cflags)
tests_unit_test_recskip_LDADD = $(unit_libs)
tests_unit_test_chatreq_SOURCES = tests/unit/test_chatreq.c
tests_unit_test_chatreq_CFLAGS = $(unit_cflags)
tests_unit_test_chatreq_LDADD = $(unit_libs)
tests_unit_test_chatmap_SOURCES = tests/unit/test_chatmap.c
tests_unit_test_chatmap_CFLAGS = $(unit_cflags)
tests_unit_test_chatmap_LDADD = $(unit_libs)
tests_unit_test_media_netcheck_SOURCES = tests/unit/test_media_netcheck.c
tests_unit_test_media_netcheck_CFLAGS = $(unit_cflags)
tests_unit_test_media_netcheck_LDADD = $(unit_libs)
tests_unit_test_media_imgfam_SOURCES = tests/unit/test_media_imgfam.c
tests_unit_test_media_imgfam_CFLAGS = $(unit_cflags)
tests_unit_test_media_imgfam_LDADD = $(unit_libs)
tests_unit_test_media_upcache_SOURCES = tests/unit/test_media_upcache.c
tests_unit_test_media_upcache_CFLAGS = $(unit_cflags)
tests_unit_test_media_upcache_LDADD = $(unit_libs)

# libFuzzer targets (configure CC=clang --enable-fuzzing); the sources are
# compiled into each program so that they carry the fuzzer instrumentation.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_sse tests/fuzz/fuzz_upstream_json
tests_fuzz_fuzz_sse_SOURCES = tests/fuzz/fuzz_sse.c src/onemin/sse.c src/onemin/recskip.c src/core/text.c \
	src/core/buf.c
tests_fuzz_fuzz_sse_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_sse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_upstream_json_SOURCES = tests/fuzz/fuzz_upstream_json.c src/onemin/uperr.c \
	src/api/chatmsgs.c src/engine/render.c src/engine/jsonx.c src/onemin/airec.c src/onemin/chatmap.c src/core/buf.c src/core/text.c \
	src/core/err.c src/core/keep.c
tests_fuzz_fuzz_upstream_json_CFLAGS = $(WARN_CFLAGS) $(FUZZ_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_upstream_json_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_upstream_json_LDADD = $(JSONC_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/sse tests/fuzz/corpus/upstream_json tests/fuzz/upstream_json.dict
