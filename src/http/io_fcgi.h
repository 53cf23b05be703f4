/* io_fcgi: the io operations over one libfcgi request (FCGX_Request). */
#ifndef RELAY_HTTP_IO_FCGI_H
#define RELAY_HTTP_IO_FCGI_H

#include <fcgiapp.h>

#include "http/io.h"

/* Bind io to req (borrowed; must outlive io). */
void io_fcgi_bind(struct io *io, FCGX_Request *req);

#endif
