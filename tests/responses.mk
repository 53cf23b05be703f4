# Tests of the Responses API dialect: unit tests of its parser, sink and store.
check_PROGRAMS += tests/unit/test_responses_parse tests/unit/test_responses_sink
TESTS += tests/unit/test_responses_parse tests/unit/test_responses_sink
tests_unit_test_responses_parse_SOURCES = tests/unit/test_responses_parse.c
tests_unit_test_responses_parse_CFLAGS = $(unit_cflags)
tests_unit_test_responses_parse_LDADD = $(unit_libs)
tests_unit_test_responses_sink_SOURCES = tests/unit/test_responses_sink.c
tests_unit_test_responses_sink_CFLAGS = $(unit_cflags)
tests_unit_test_responses_sink_LDADD = $(unit_libs)
