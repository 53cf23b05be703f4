/* form: the multipart/form-data request bodies of the upload routes (audio,
 * image variations and edits, files): reading the body with a cap, parsing
 * it, and its text fields.
 *
 * Thread rule: runs on the request's worker thread. */
#ifndef RELAY_API_FORM_H
#define RELAY_API_FORM_H

#include <stddef.h>

#include "codec/multipart.h"
#include "core/buf.h"
#include "core/err.h"
#include "http/req.h"

/* Read r's body (at most max bytes) into body and parse it as a multipart
 * form into *form (new; the caller frees it; its parts borrow body). what
 * names the file part for the 400 when the body is not multipart ("a 'file'
 * part"). Returns 0, or -1 with a 400/413 (or 500) in e. */
int form_read(struct relay_req *r, size_t max, const char *what, struct buf *body,
              struct multipart_form **form, struct relay_err *e);

/* Text field name of f as a C string in out ("" when absent), or -1 after a
 * 400 naming it (too long for out, or holding a NUL). */
int form_field(const struct multipart_form *f, const char *name, char *out, size_t outlen,
               struct relay_err *e);

#endif
