# Integration tests (python3, TAP) of the core relay, the mock 1min.ai they
# run against, and the library they share (tests/lib/relaytest). See tests/mock/README.md.
core_integration_tests = \
	tests/integration/test_mock.py \
	tests/integration/test_routes.py \
	tests/integration/test_models_cache.py \
	tests/integration/test_chat.py \
	tests/integration/test_stream.py \
	tests/integration/test_usage_exact.py \
	tests/integration/test_cli.py \
	tests/integration/test_shutdown.py \
	tests/integration/test_cgi.py \
	tests/integration/test_capacity.py \
	tests/integration/test_concurrency.py \
	tests/integration/test_sdk.py \
	tests/integration/test_run_local.py \
	tests/integration/test_fastcgi.py \
	tests/integration/test_examples.py \
	tests/integration/test_garbage.py \
	tests/integration/test_cases.py \
	tests/integration/test_keyleak.py \
	tests/integration/test_result_urls.py \
	tests/integration/test_large_prompts.py
TESTS += $(core_integration_tests)

# Source checks: every docs/ reference in a comment resolves.
TESTS += tests/lint/check_doc_refs.py

EXTRA_DIST += \
	$(core_integration_tests) \
	tests/lint/check_doc_refs.py \
	tests/mock/mock1min.py \
	tests/mock/README.md \
	tests/lib/relaytest/__init__.py \
	tests/lib/relaytest/tap.py \
	tests/lib/relaytest/procs.py \
	tests/lib/relaytest/servers.py \
	tests/lib/relaytest/clients.py \
	tests/lib/relaytest/fcgi.py \
	tests/lib/relaytest/sdk.py \
	tests/lib/relaytest/cases.py \
	tests/cases \
	tests/lib/README.md \
	tests/sdk/package.json \
	tests/sdk/package-lock.json \
	tests/sdk/sdk_chat.mjs

# The layering of src/: no file includes a header from a layer above its own.
TESTS += tests/lint/check_layers.sh
EXTRA_DIST += tests/lint/check_layers.sh
