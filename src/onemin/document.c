/* document: see document.h. */
#include "onemin/document.h"

#include "codec/doctype.h"

int document_upload(const struct onemin *om, const void *data, size_t len, const char *media_type,
                    const char *filename, const char *param, struct asset_ref *ref, struct relay_err *e)
{
    const struct doctype *d = doctype_detect(data, len, media_type, filename);
    if (!d)
        return err_set(e, 400, NULL, "unsupported_file", param,
                       "The document is not a format 1min.ai reads: use %s", doctype_list());
    return asset_upload_ref(om, data, len, &d->fmt, "a document", ref, e);
}
