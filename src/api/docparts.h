/* docparts: the documents of a chat request (ENG_PART_FILE, from any
 * dialect) made ready for the engine before the prompt is rendered:
 *
 *   - a file_id of the files API becomes the stored asset's uuid (404-ish
 *     400 file_not_found when the caller's key has no such file);
 *   - a data: URL, bare base64 or an http(s) URL (downloaded through the
 *     same address check as images) becomes bytes, at most
 *     RELAY_FILES_MAX_BYTES (413 file_too_large);
 *   - a plain-text document (txt, md, csv) is inlined: the part becomes a
 *     TEXT part "Document <name>:\n<text>". Every chat model reads its prompt,
 *     the text counts toward the prompt's tokens and admission, and nothing
 *     is uploaded — while 1min.ai documents attachments.files only for PDF
 *     chat (README, "Documents in chat");
 *   - other documents (PDF, DOCX) stay FILE parts with their bytes, which
 *     the engine uploads (upload cache) and attaches by uuid; a model whose
 *     catalogue entry does not read documents gets a 400.
 *
 * What the prepared parts point to is owned by hold until docparts_release.
 * Thread rule: runs on the request's worker thread. */
#ifndef RELAY_API_DOCPARTS_H
#define RELAY_API_DOCPARTS_H

#include <stddef.h>

#include "core/err.h"
#include "core/keep.h"
#include "engine/engine.h"
#include "http/req.h"
#include "onemin/catalog.h"

struct docparts {
    struct keep blocks;     /* what the prepared parts point to */
};

/* Prepare every FILE part of req for model. 0, or -1 with e (a 400/413 naming
 * the part, 503 when the file store failed). */
int docparts_prepare(struct relay_req *r, const char *key, size_t key_len, const struct catalog_model *model,
                     struct eng_request *req, struct docparts *hold, struct relay_err *e);

void docparts_release(struct docparts *hold);

#endif
