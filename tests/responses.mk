# Tests of the Responses API dialect: unit tests of its parser, sink and
# store; integration tests with the openai SDK and the real clients.
check_PROGRAMS += tests/unit/test_responses_parse tests/unit/test_responses_sink
TESTS += tests/unit/test_responses_parse tests/unit/test_responses_sink
tests_unit_test_responses_parse_SOURCES = tests/unit/test_responses_parse.c
tests_unit_test_responses_parse_CFLAGS = $(unit_cflags)
tests_unit_test_responses_parse_LDADD = $(unit_libs)
tests_unit_test_responses_sink_SOURCES = tests/unit/test_responses_sink.c
tests_unit_test_responses_sink_CFLAGS = $(unit_cflags)
tests_unit_test_responses_sink_LDADD = $(unit_libs)

responses_integration_tests = \
	tests/integration/test_responses.py \
	tests/integration/test_responses_emulation.py \
	tests/integration/test_clients_responses.py
TESTS += $(responses_integration_tests)
EXTRA_DIST += \
	$(responses_integration_tests) \
	tests/sdk/sdk_responses.mjs \
	tests/sdk/sdk_responses_emulation.mjs \
	tests/sdk/responses_common.mjs \
	tests/lib/relaytest/npm_clients.py \
	tests/clients/ai-sdk/ai_sdk_responses.mjs \
	tests/clients/agents/agents_responses.mjs \
	tests/clients/codex/package.json \
	tests/clients/codex/package-lock.json
