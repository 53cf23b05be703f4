# routes: the API handlers and the router
librelay_a_SOURCES += \
	src/routes/routes.h \
	src/routes/router.c \
	src/routes/health.c \
	src/routes/models.c \
	src/routes/chat.c src/routes/chat.h \
	src/routes/chat_stream.c \
	src/routes/metrics.c
