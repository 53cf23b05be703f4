# issue 14's tests: image variations and edits, the files API, documents in
# chat, through the real lighttpd and the official openai SDK.
TESTS += tests/integration/test_sdk_files.py tests/integration/test_files_store.py \
	tests/integration/test_anthropic_documents.py
EXTRA_DIST += tests/integration/test_sdk_files.py tests/integration/test_files_store.py \
	tests/integration/test_anthropic_documents.py tests/clients/anthropic/sdk_documents.mjs tests/sdk/sdk_files.mjs

check_PROGRAMS += tests/unit/test_kvstore
TESTS += tests/unit/test_kvstore
tests_unit_test_kvstore_SOURCES = tests/unit/test_kvstore.c
tests_unit_test_kvstore_CFLAGS = $(unit_cflags)
tests_unit_test_kvstore_LDADD = $(unit_libs)
