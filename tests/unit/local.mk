# unit tests of the core, http and routes modules
check_PROGRAMS += tests/unit/test_core tests/unit/test_http
TESTS += tests/unit/test_core tests/unit/test_http
EXTRA_DIST += tests/unit/tap.h
tests_unit_test_core_SOURCES = tests/unit/test_core.c
tests_unit_test_core_CFLAGS = $(unit_cflags)
tests_unit_test_core_LDADD = $(unit_libs)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(unit_cflags)
tests_unit_test_http_LDADD = $(unit_libs)
