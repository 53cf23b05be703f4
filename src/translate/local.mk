# translate: OpenAI <-> 1min.ai formats (prompt flattening, aiRecord, finish reasons, usage)
librelay_a_SOURCES += \
	src/translate/airecord.c src/translate/airecord.h \
	src/translate/prompt.c src/translate/prompt.h \
	src/translate/chatmap.c src/translate/chatmap.h

check_PROGRAMS += tests/unit/test_airecord tests/unit/test_chatmap
TESTS += tests/unit/test_airecord tests/unit/test_chatmap
tests_unit_test_airecord_SOURCES = tests/unit/test_airecord.c
tests_unit_test_airecord_CFLAGS = $(unit_cflags)
tests_unit_test_airecord_LDADD = $(unit_libs)
tests_unit_test_chatmap_SOURCES = tests/unit/test_chatmap.c
tests_unit_test_chatmap_CFLAGS = $(unit_cflags)
tests_unit_test_chatmap_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_prompt
TESTS += tests/unit/test_prompt
tests_unit_test_prompt_SOURCES = tests/unit/test_prompt.c
tests_unit_test_prompt_CFLAGS = $(unit_cflags)
tests_unit_test_prompt_LDADD = $(unit_libs)
