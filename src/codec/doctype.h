/* doctype: which document a file is — the formats the relay hands to
 * 1min.ai's asset API for documents in chat and the files API (README,
 * "Documents and files"): PDF, DOCX, plain text, Markdown and CSV.
 *
 * PDF is known by its magic bytes; DOCX is a ZIP whose MIME type or file
 * name says DOCX; the text formats by MIME type or file name, and only when
 * the bytes are UTF-8 without NUL characters. Images are not documents here
 * (they go through codec/sniff).
 *
 * Pure; returned pointers are static. */
#ifndef RELAY_CODEC_DOCTYPE_H
#define RELAY_CODEC_DOCTYPE_H

#include <stddef.h>

#include "codec/sniff.h"

struct doctype {
    struct sniff_fmt fmt;   /* name ("pdf"), MIME type, extension; kind 0 */
    int text;               /* plain text (txt, md, csv): may be read as UTF-8 */
};

/* The document format of p[0..n) given the client's MIME type and file name
 * (either may be NULL or ""), or NULL when it is none of the accepted ones. */
const struct doctype *doctype_detect(const void *p, size_t n, const char *mime, const char *filename);

/* The accepted formats, for messages: "pdf, docx, txt, md, csv". */
const char *doctype_list(void);

#endif
