/* doctype: see doctype.h. */
#include "codec/doctype.h"

#include <string.h>
#include <strings.h>

#include "core/text.h"

static const struct doctype doctypes[] = {
    { { "pdf", "application/pdf", "pdf", 0 }, 0 },
    { { "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", 0 }, 0 },
    { { "txt", "text/plain", "txt", 0 }, 1 },
    { { "md", "text/markdown", "md", 0 }, 1 },
    { { "csv", "text/csv", "csv", 0 }, 1 },
};

enum { D_PDF, D_DOCX, D_TXT, D_MD, D_CSV };

/* A MIME type without parameters equal to want (any case). */
static int mime_is(const char *mime, const char *want)
{
    size_t n = strlen(want);
    return mime && strncasecmp(mime, want, n) == 0 && (mime[n] == '\0' || mime[n] == ';' || mime[n] == ' ');
}

static int ext_is(const char *filename, const char *ext)
{
    const char *dot = filename ? strrchr(filename, '.') : NULL;
    return dot && strcasecmp(dot + 1, ext) == 0;
}

static int is_text(const char *p, size_t n)
{
    return !memchr(p, '\0', n) && text_utf8_valid_prefix(p, n) == n;
}

const struct doctype *doctype_detect(const void *data, size_t n, const char *mime, const char *filename)
{
    const char *p = data;
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return &doctypes[D_PDF];
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
        return mime_is(mime, doctypes[D_DOCX].fmt.mime) || ext_is(filename, "docx") ? &doctypes[D_DOCX] : NULL;
    if (n == 0 || !is_text(p, n))
        return NULL;
    if (mime_is(mime, "text/markdown") || mime_is(mime, "text/x-markdown") || ext_is(filename, "md") ||
        ext_is(filename, "markdown"))
        return &doctypes[D_MD];
    if (mime_is(mime, "text/csv") || ext_is(filename, "csv"))
        return &doctypes[D_CSV];
    if (mime_is(mime, "text/plain") || ext_is(filename, "txt") || ext_is(filename, "text"))
        return &doctypes[D_TXT];
    return NULL;
}

const char *doctype_list(void)
{
    return "pdf, docx, txt, md, csv";
}
