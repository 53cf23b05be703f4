# translate: OpenAI <-> 1min.ai formats (prompt flattening, aiRecord, finish reasons, usage)
librelay_a_SOURCES += \
	src/translate/airecord.c src/translate/airecord.h \
	src/translate/prompt.c src/translate/prompt.h \
	src/translate/chatmap.c src/translate/chatmap.h
