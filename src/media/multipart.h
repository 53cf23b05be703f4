/* multipart: a strict, bounded multipart/form-data parser (RFC 7578 over
 * RFC 2046 §5.1) for the audio uploads.
 *
 * The whole body is already in memory (read with a cap); the parser never
 * reads outside body[0..len), never needs a NUL terminator, and allocates
 * nothing. Each part's bytes are borrowed from the body; its name, filename
 * and content type are copied into the part. Anything malformed — a missing
 * or invalid boundary, a body cut short, headers without CRLF or longer than
 * MP_HEADERS_MAX, a part without Content-Disposition or without a name, more
 * than MP_MAX_PARTS parts — is an error the caller turns into a 400.
 *
 * Pure; a form belongs to the caller. */
#ifndef RELAY_MEDIA_MULTIPART_H
#define RELAY_MEDIA_MULTIPART_H

#include <stddef.h>

#define MP_MAX_PARTS 32
#define MP_HEADERS_MAX 8192      /* all header lines of one part */
#define MP_NAME_MAX 128
#define MP_FILENAME_MAX 256
#define MP_CTYPE_MAX 128
#define MP_BOUNDARY_MAX 70       /* RFC 2046 */

struct mp_part {
    char name[MP_NAME_MAX];
    char filename[MP_FILENAME_MAX]; /* "" when absent or empty */
    int has_filename;               /* a filename parameter was present */
    char content_type[MP_CTYPE_MAX];/* "" when absent */
    const char *data;               /* borrowed from the body */
    size_t len;
};

struct mp_form {
    struct mp_part parts[MP_MAX_PARTS];
    size_t count;
};

enum mp_rc {
    MP_OK = 0,
    MP_NOT_MULTIPART,       /* Content-Type is not multipart/form-data */
    MP_NO_BOUNDARY,         /* no boundary parameter, or an invalid one */
    MP_NO_START,            /* the first boundary line is missing */
    MP_TRUNCATED,           /* the body ends before the closing boundary */
    MP_BAD_DELIMITER,       /* a boundary line followed by junk */
    MP_HEADERS_TOO_BIG,
    MP_BAD_HEADER,          /* a header line without a colon, folded, or with control bytes */
    MP_NO_DISPOSITION,      /* a part without Content-Disposition: form-data */
    MP_NO_NAME,             /* a part without a name */
    MP_FIELD_TOO_LONG,      /* name, filename or content type too long */
    MP_TOO_MANY_PARTS
};

/* Parse body[0..len) according to content_type (the request's Content-Type
 * header, may be NULL). Fills form (any previous content is discarded). */
enum mp_rc mp_parse(const char *content_type, const char *body, size_t len, struct mp_form *form);

/* A sentence for the client describing rc. */
const char *mp_strerror(enum mp_rc rc);

/* The first part called name, or NULL. */
const struct mp_part *mp_find(const struct mp_form *form, const char *name);

#endif
