/* form: see form.h. */
#include "api/form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int form_read(struct relay_req *r, size_t max, const char *what, struct buf *body,
              struct multipart_form **form, struct relay_err *e)
{
    const char *ctype = req_header(r, "Content-Type");
    *form = NULL;
    if (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0)
        return err_set(e, 400, NULL, NULL, NULL, "The request body must be multipart/form-data with %s", what);
    buf_free(body);
    buf_init(body, max);
    if (req_read_body(r, max, body, e) < 0)
        return -1;
    *form = malloc(sizeof **form);
    if (!*form)
        return err_oom(e);
    enum multipart_rc mrc = multipart_parse(ctype, body->data ? body->data : "", body->len, *form);
    if (mrc != MULTIPART_OK)
        return err_set(e, 400, NULL, NULL, NULL, "%s", multipart_strerror(mrc));
    return 0;
}

int form_field(const struct multipart_form *f, const char *name, char *out, size_t outlen,
               struct relay_err *e)
{
    const struct multipart_part *p = multipart_find(f, name);
    out[0] = '\0';
    if (!p)
        return 0;
    if (p->len >= outlen || memchr(p->data, '\0', p->len))
        return err_set(e, 400, NULL, NULL, name, "'%s' is too long or not text", name);
    memcpy(out, p->data, p->len);
    out[p->len] = '\0';
    return 0;
}
