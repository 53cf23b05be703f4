# issue 14's tests: image variations and edits, the files API, documents in
# chat, through the real lighttpd and the official openai SDK.
TESTS += tests/integration/test_sdk_files.py
EXTRA_DIST += tests/integration/test_sdk_files.py tests/sdk/sdk_files.mjs
