# api/responses: the OpenAI Responses API dialect (request parser, sink, store)
librelay_a_SOURCES += \
	src/api/responses.h \
	src/api/responses_parse.c \
	src/api/responses_sink.c \
	src/api/responses_store.c
