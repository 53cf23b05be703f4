# core: buffers, logging, configuration, text, the error value, addresses
librelay_a_SOURCES += \
	src/core/buf.c src/core/buf.h \
	src/core/cfg.c src/core/cfg.h \
	src/core/log.c src/core/log.h
librelay_a_SOURCES += \
	src/core/rand.c src/core/rand.h \
	src/core/text.c src/core/text.h
librelay_a_SOURCES += src/core/sha256.c src/core/sha256.h
librelay_a_SOURCES += \
	src/core/shm.c src/core/shm.h \
	src/core/metrics.c src/core/metrics.h \
	src/core/record.c src/core/record.h \
	src/core/accesslog.c src/core/accesslog.h
librelay_a_SOURCES += \
	src/core/err.c src/core/err.h \
	src/core/keep.c src/core/keep.h \
	src/core/mcconn.c src/core/mcconn.h \
	src/core/cidr.c src/core/cidr.h \
	src/core/netcheck.c src/core/netcheck.h
