/* multipart: a strict, bounded multipart/form-data parser (RFC 7578 over
 * RFC 2046 §5.1) for the audio uploads.
 *
 * The whole body is already in memory (read with a cap); the parser never
 * reads outside body[0..len), never needs a NUL terminator, and allocates
 * nothing. Each part's bytes are borrowed from the body; its name, filename
 * and content type are copied into the part. Anything malformed — a missing
 * or invalid boundary, a body cut short, headers without CRLF or longer than
 * MULTIPART_HEADERS_MAX, a part without Content-Disposition or without a name, more
 * than MULTIPART_MAX_PARTS parts — is an error the caller turns into a 400.
 *
 * Pure; a form belongs to the caller. Thread rule: a form belongs to one
 * thread at a time. */
#ifndef RELAY_CODEC_MULTIPART_H
#define RELAY_CODEC_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_PARTS 32
#define MULTIPART_HEADERS_MAX 8192      /* all header lines of one part */
#define MULTIPART_NAME_MAX 128
#define MULTIPART_FILENAME_MAX 256
#define MULTIPART_CTYPE_MAX 128
#define MULTIPART_BOUNDARY_MAX 70       /* RFC 2046 */

struct multipart_part {
    char name[MULTIPART_NAME_MAX];
    char filename[MULTIPART_FILENAME_MAX]; /* "" when absent or empty */
    int has_filename;               /* a filename parameter was present */
    char content_type[MULTIPART_CTYPE_MAX];/* "" when absent */
    const char *data;               /* borrowed from the body */
    size_t len;
};

struct multipart_form {
    struct multipart_part parts[MULTIPART_MAX_PARTS];
    size_t count;
};

enum multipart_rc {
    MULTIPART_OK = 0,
    MULTIPART_NOT_MULTIPART,       /* Content-Type is not multipart/form-data */
    MULTIPART_NO_BOUNDARY,         /* no boundary parameter, or an invalid one */
    MULTIPART_NO_START,            /* the first boundary line is missing */
    MULTIPART_TRUNCATED,           /* the body ends before the closing boundary */
    MULTIPART_BAD_DELIMITER,       /* a boundary line followed by junk */
    MULTIPART_HEADERS_TOO_BIG,
    MULTIPART_BAD_HEADER,          /* a header line without a colon, folded, or with control bytes */
    MULTIPART_NO_DISPOSITION,      /* a part without Content-Disposition: form-data */
    MULTIPART_NO_NAME,             /* a part without a name */
    MULTIPART_FIELD_TOO_LONG,      /* name, filename or content type too long */
    MULTIPART_TOO_MANY_PARTS
};

/* Parse body[0..len) according to content_type (the request's Content-Type
 * header, may be NULL). Fills form (any previous content is discarded). */
enum multipart_rc multipart_parse(const char *content_type, const char *body, size_t len, struct multipart_form *form);

/* A sentence for the client describing rc. */
const char *multipart_strerror(enum multipart_rc rc);

/* The first part called name, or NULL. */
const struct multipart_part *multipart_find(const struct multipart_form *form, const char *name);

#endif
