# upstream: the 1min.ai client, its SSE parser, error mapping and model catalogue
librelay_a_SOURCES += \
	src/upstream/client.c src/upstream/client.h \
	src/upstream/catalog.c src/upstream/catalog.h \
	src/upstream/errors.c src/upstream/errors.h \
	src/upstream/sse.c src/upstream/sse.h

check_PROGRAMS += tests/unit/test_sse
TESTS += tests/unit/test_sse
tests_unit_test_sse_SOURCES = tests/unit/test_sse.c
tests_unit_test_sse_CFLAGS = $(unit_cflags)
tests_unit_test_sse_LDADD = $(unit_libs)

# test_errors defines resp_add_header/resp_error itself to observe uperr_send.
check_PROGRAMS += tests/unit/test_errors
TESTS += tests/unit/test_errors
tests_unit_test_errors_SOURCES = tests/unit/test_errors.c
tests_unit_test_errors_CFLAGS = $(unit_cflags)
tests_unit_test_errors_LDADD = $(unit_libs)
