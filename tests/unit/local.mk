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

# the emulation modules of src/engine (docs/tools.md)
check_PROGRAMS += tests/unit/test_toolparse tests/unit/test_emul tests/unit/test_render
TESTS += tests/unit/test_toolparse tests/unit/test_emul tests/unit/test_render
tests_unit_test_toolparse_SOURCES = tests/unit/test_toolparse.c
tests_unit_test_toolparse_CFLAGS = $(unit_cflags)
tests_unit_test_toolparse_LDADD = $(unit_libs)
tests_unit_test_emul_SOURCES = tests/unit/test_emul.c
tests_unit_test_emul_CFLAGS = $(unit_cflags)
tests_unit_test_emul_LDADD = $(unit_libs)
tests_unit_test_render_SOURCES = tests/unit/test_render.c
tests_unit_test_render_CFLAGS = $(unit_cflags)
tests_unit_test_render_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_chat_tools
TESTS += tests/unit/test_chat_tools
tests_unit_test_chat_tools_SOURCES = tests/unit/test_chat_tools.c
tests_unit_test_chat_tools_CFLAGS = $(unit_cflags)
tests_unit_test_chat_tools_LDADD = $(unit_libs)
