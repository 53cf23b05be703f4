/* feature: see feature.h. */
#include "onemin/feature.h"

#include <json-c/json.h>

#include "onemin/airec.h"
#include "onemin/uperr.h"

int feature_call(const struct onemin *om, struct json_object *body, unsigned timeout_s,
                 struct json_object **root, struct json_object **rec, struct relay_err *e)
{
    struct client_reply rep;
    size_t len;
    int rc = -1;
    *root = NULL;
    *rec = NULL;
    const char *text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!text)
        return err_oom(e);
    client_reply_init(&rep, om->cfg->max_upstream_body);
    struct client_request req = onemin_post(om, om->cfg->features_api_url, text, len, timeout_s, timeout_s);
    enum client_rc urc = client_perform(om->curl, &req, &rep);
    if (urc != CLIENT_OK || rep.status < 200 || rep.status >= 300) {
        uperr_from_reply(e, urc, &rep, NULL, om->key);
        goto out;
    }
    *root = json_tokener_parse(buf_str(&rep.body));
    *rec = *root ? airec_get(*root) : NULL;
    if (!*rec) {
        err_set(e, 502, "upstream_error", "bad_gateway", NULL,
                "1min.ai answered with something that is not a feature record");
        goto out;
    }
    if (uperr_record(e, *rec, om->key) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        json_object_put(*root);
        *root = NULL;
        *rec = NULL;
    }
    client_reply_free(&rep);
    return rc;
}
