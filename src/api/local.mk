# api: the client-facing API — the router, the one error renderer, one
# handler per route, rate-limit admission, and the dialects' parsers and sinks
librelay_a_SOURCES += \
	src/api/api.c src/api/api.h \
	src/api/router.c src/api/router.h \
	src/api/render_error.c src/api/render_error.h \
	src/api/admit.c src/api/admit.h \
	src/api/health.c \
	src/api/models.c \
	src/api/chat.c src/api/chat.h \
	src/api/chat_json.c \
	src/api/chat_sse.c \
	src/api/chatmsgs.c src/api/chatmsgs.h \
	src/api/chat_tools.c src/api/chat_tools.h \
	src/api/images.c src/api/images.h \
	src/api/form.c src/api/form.h \
	src/api/audio.c \
	src/api/speech.c \
	src/api/metrics.c \
	src/api/reqid.c

check_PROGRAMS += tests/unit/test_prompt
TESTS += tests/unit/test_prompt
tests_unit_test_prompt_SOURCES = tests/unit/test_prompt.c
tests_unit_test_prompt_CFLAGS = $(unit_cflags)
tests_unit_test_prompt_LDADD = $(unit_libs)

# Integration tests of the media routes against the mock (its media side is
# tests/mock/mock_media.py), and the SDK-level media test.
TESTS += tests/integration/test_media.py tests/integration/test_media_cache.py
EXTRA_DIST += \
	tests/integration/test_media.py \
	tests/integration/test_media_cache.py \
	tests/mock/mock_media.py
TESTS += tests/integration/test_sdk_media.py
EXTRA_DIST += tests/integration/test_sdk_media.py tests/sdk/sdk_media.mjs

check_PROGRAMS += tests/unit/test_render_error
TESTS += tests/unit/test_render_error
tests_unit_test_render_error_SOURCES = tests/unit/test_render_error.c
tests_unit_test_render_error_CFLAGS = $(unit_cflags)
tests_unit_test_render_error_LDADD = $(unit_libs)
