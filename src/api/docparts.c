/* docparts: see docparts.h. */
#include "api/docparts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/files.h"
#include "app.h"
#include "codec/b64.h"
#include "codec/doctype.h"
#include "core/log.h"
#include "onemin/fetch.h"

/* Keep p until release; NULL (and p freed) when out of memory. */
static void *hold_keep(struct docparts *h, void *p)
{
    return keep_add(&h->blocks, p);
}

void docparts_release(struct docparts *h)
{
    keep_free(&h->blocks);
}

static char *hold_str(struct docparts *h, const char *s)
{
    return hold_keep(h, strdup(s));
}

/* The bytes of a part given by URL or base64 into out; *mime (held) gets a
 * data: URL's type. -1 after the 400/413. */
static int doc_bytes(struct relay_req *r, const struct eng_part *p, const char *param, struct buf *out,
                     const char **mime, struct docparts *h, struct relay_err *e)
{
    const struct media_config *mc = r->app->media;
    const char *s = p->url;
    size_t n = strlen(s);
    char msg[256];
    if (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0) {
        struct fetch_opts o = {
            .max_bytes = mc->files_max_bytes, .timeout_s = mc->fetch_timeout_s,
            .connect_timeout_ms = r->cfg->connect_timeout_ms, .max_redirects = mc->fetch_max_redirects,
            .allow_private = mc->allow_private_fetch, .allow = mc->fetch_allow, .nallow = mc->fetch_allow_count,
        };
        enum fetch_rc frc = fetch_url(s, &o, out, msg, sizeof msg);
        if (frc == FETCH_INTERNAL)
            return err_set(e, 500, NULL, NULL, NULL, "Document: %s", msg);
        if (frc == FETCH_TOO_BIG)
            return err_set(e, 413, NULL, "file_too_large", param, "The document is larger than %zu bytes "
                           "(RELAY_FILES_MAX_BYTES)", mc->files_max_bytes);
        if (frc != FETCH_OK) {
            LOG_INFO("document refused or not downloaded: %s", msg);
            return err_set(e, 400, NULL, frc == FETCH_REFUSED ? "file_url_refused" : "file_download_failed",
                           param, "Document: %s", msg);
        }
        return 0;
    }
    if (strncasecmp(s, "data:", 5) == 0) {
        const char *comma = memchr(s, ',', n);
        const char *b64 = comma ? strstr(s, ";base64,") : NULL;
        if (!comma || b64 != comma - 7)
            return err_set(e, 400, NULL, "invalid_file", param, "A document data: URL must have the form "
                           "data:<type>;base64,<data>");
        size_t tlen = strcspn(s + 5, ";,");
        char *t = hold_keep(h, strndup(s + 5, tlen));
        if (!t)
            return err_oom(e);
        *mime = t;
        s = comma + 1;
        n -= (size_t)(s - p->url);
    }
    if (n / 4 * 3 > mc->files_max_bytes + 3)
        return err_set(e, 413, NULL, "file_too_large", param, "The document is larger than %zu bytes "
                       "(RELAY_FILES_MAX_BYTES)", mc->files_max_bytes);
    if (b64_decode(out, s, n) < 0 || out->len == 0)
        return err_set(e, 400, NULL, "invalid_file", param, "The document's data is not valid base64");
    return 0;
}

/* One FILE part made ready (see docparts.h). 1 when it stays a FILE part, 0
 * when it became text, -1 with e. */
static int doc_prepare(struct relay_req *r, const char *key, size_t key_len, struct eng_part *p,
                       const char *param, struct docparts *h, struct relay_err *e)
{
    const struct media_config *mc = r->app->media;
    if (p->file_id) {
        struct files_entry fe;
        int got = files_lookup(r, key, key_len, p->file_id, &fe, e);
        if (got < 0)
            return -1;
        if (got == 0)
            return err_set(e, 400, NULL, "file_not_found", param, "No file with id '%.64s' for this API key "
                           "(upload it with POST /v1/files)", p->file_id);
        if (!(p->file_uuid = hold_str(h, fe.asset.uuid)) || !(p->filename = hold_str(h, fe.filename)))
            return err_oom(e);
        return 1;
    }
    struct buf bytes;
    const char *mime = p->media_type;
    const void *data = p->data;
    size_t len = p->data_len;
    buf_init(&bytes, mc->files_max_bytes);
    if (!data) {
        if (!p->url || !*p->url) {
            buf_free(&bytes);
            return err_set(e, 400, NULL, "invalid_file", param, "The document has no data, URL or file_id");
        }
        if (doc_bytes(r, p, param, &bytes, &mime, h, e) < 0) {
            buf_free(&bytes);
            return -1;
        }
        data = bytes.data;
        len = bytes.len;
    }
    if (len > mc->files_max_bytes) {
        buf_free(&bytes);
        return err_set(e, 413, NULL, "file_too_large", param, "The document is %zu bytes; this relay accepts "
                       "at most %zu (RELAY_FILES_MAX_BYTES)", len, mc->files_max_bytes);
    }
    const struct doctype *d = doctype_detect(data, len, mime, p->filename);
    if (!d) {
        buf_free(&bytes);
        return err_set(e, 400, NULL, "unsupported_file", param,
                       "The document is not a format 1min.ai reads: use %s", doctype_list());
    }
    if (d->text) {
        const char *name = p->filename && *p->filename ? p->filename : "(unnamed)";
        size_t cap = strlen(name) + len + 16;
        char *t = hold_keep(h, malloc(cap));
        if (!t) {
            buf_free(&bytes);
            return err_oom(e);
        }
        int k = snprintf(t, cap, "Document %s:\n", name);
        memcpy(t + k, data, len);
        t[(size_t)k + len] = '\0';
        p->kind = ENG_PART_TEXT;
        p->text = t;
        p->text_len = (size_t)k + len;
        buf_free(&bytes);
        return 0;
    }
    if (bytes.data) {
        p->data = hold_keep(h, buf_steal(&bytes));
        if (!p->data)
            return err_oom(e);
    }
    p->data_len = len;
    p->media_type = d->fmt.mime;
    p->url = NULL;
    buf_free(&bytes);
    return 1;
}

int docparts_prepare(struct relay_req *r, const char *key, size_t key_len, const struct catalog_model *model,
                     struct eng_request *req, struct docparts *hold, struct relay_err *e)
{
    const char *where = req->param_prefix ? req->param_prefix : "messages";
    size_t files = 0;
    for (size_t t = 0; t < req->nturns; t++)
        for (size_t i = 0; i < req->turns[t].nparts; i++) {
            struct eng_part *p = &req->turns[t].parts[i];
            if (p->kind != ENG_PART_FILE)
                continue;
            int rc = doc_prepare(r, key, key_len, p, p->param ? p->param : where, hold, e);
            if (rc < 0)
                return -1;
            files += (size_t)rc;
        }
    if (files && !model->documents)
        return err_set(e, 400, NULL, "model_not_documents", where,
                       "The model `%s` does not read documents (PDF, DOCX); use a model such as gpt-4o, or "
                       "send plain text", model->id);
    return 0;
}
