# http: the FastCGI/CGI surface — transports, request and response, worker pool
librelay_a_SOURCES += \
	src/http/io.h \
	src/http/io_cgi.c src/http/io_cgi.h \
	src/http/io_fcgi.c src/http/io_fcgi.h \
	src/http/io_mem.c src/http/io_mem.h \
	src/http/pool.c src/http/pool.h \
	src/http/req.c src/http/req.h \
	src/http/resp.c src/http/resp.h \
	src/http/server.c src/http/server.h
