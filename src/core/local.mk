# core: buffers, logging, configuration
librelay_a_SOURCES += \
	src/core/buf.c src/core/buf.h \
	src/core/cfg.c src/core/cfg.h \
	src/core/log.c src/core/log.h
