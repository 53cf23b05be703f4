/* responses_store: stored responses; see responses.h.
 *
 * An entry is the JSON text {"owner":<hex SHA-256 of the key>,"response":{...},
 * "input":[...],"context":[...]}, at most max_bytes long; a larger one is
 * replaced by {"owner":...,"too_large":<bytes>} so that a later
 * previous_response_id gets a clear 400 instead of a puzzling 404.
 *
 * Where (memcached key "1min-relay:resp:<hex>", or one file per entry in
 * RELAY_RESPONSES_DIR) is onemin/kvstore's business. Thread-safe. */
#include "api/responses.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "core/log.h"
#include "onemin/kvstore.h"

#define RESP_MC_PREFIX "1min-relay:resp:"
#define RESP_TTL_MAX (30u * 24 * 3600)

int resp_store_config_load(struct resp_store_config *c, char *err, size_t errlen)
{
    unsigned long ttl;
    const char *dir;
    struct kvstore kv;
    memset(c, 0, sizeof *c);
    if (cfg_env_uint("RELAY_RESPONSES_TTL", 3600, 0, RESP_TTL_MAX, &ttl, err, errlen) < 0 ||
        cfg_env_size("RELAY_RESPONSES_MAX_BYTES", (size_t)960 << 10, (size_t)4 << 10, (size_t)256 << 20,
                     &c->max_bytes, err, errlen) < 0 ||
        cfg_env_str("RELAY_RESPONSES_DIR", NULL, &dir, err, errlen) < 0 ||
        kvstore_dir(&kv, "RELAY_RESPONSES_DIR", dir, "responses", err, errlen) < 0)
        return -1;
    c->ttl_s = (unsigned)ttl;
    snprintf(c->dir, sizeof c->dir, "%s", kv.dir);
    return 0;
}

void resp_store_owner(const char *key, size_t len, char owner[65])
{
    kvstore_owner(key, len, owner);
}

/* The store these settings describe (an entry may be a little above
 * max_bytes: the marker's owner and the JSON around it). */
static void resp_kv(const struct resp_store_config *c, struct kvstore *kv)
{
    memset(kv, 0, sizeof *kv);
    kv->what = "response";
    kv->mc_prefix = RESP_MC_PREFIX;
    kv->ttl_s = c->ttl_s;
    kv->max_bytes = c->max_bytes + 1024;
    snprintf(kv->dir, sizeof kv->dir, "%s", c->dir);
}

static int hex_ok(const char *hex)
{
    size_t i = 0;
    for (; hex[i]; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return 0;
    return i == RESP_HEX_LEN;
}

/* ---- the interface ------------------------------------------------------ */

int resp_store_put(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                   struct json_object *entry)
{
    struct kvstore kv;
    if (c->ttl_s == 0 || !hex_ok(hex))
        return -1;
    size_t n = 0;
    const char *text = json_object_to_json_string_length(
        entry, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!text)
        return -1;
    char marker[160];
    if (n > c->max_bytes) {
        struct json_object *owner = NULL;
        json_object_object_get_ex(entry, "owner", &owner);
        LOG_WARN("response resp_%s not stored: %zu bytes, above RELAY_RESPONSES_MAX_BYTES (%zu)",
                 hex, n, c->max_bytes);
        int k = snprintf(marker, sizeof marker, "{\"owner\":\"%s\",\"too_large\":%zu}",
                         owner ? json_object_get_string(owner) : "", n);
        text = marker;
        n = (size_t)k;
    }
    resp_kv(c, &kv);
    return kvstore_put(&kv, mc, hex, text, n);
}

/* The raw entry text: 1 (caller frees *text), 0 none, -1 with e. */
static int store_fetch(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                       char **text, size_t *len, struct relay_err *e)
{
    struct kvstore kv;
    *text = NULL;
    if (c->ttl_s == 0 || !hex_ok(hex))
        return 0;
    resp_kv(c, &kv);
    int rc = kvstore_get(&kv, mc, hex, text, len);
    if (rc >= 0)
        return rc;
    return err_set(e, 503, "service_unavailable", NULL, NULL,
                   "The response store is unavailable; try again.");
}

/* Parse text and check the owner: 1 with *entry, 0 (not ours, or not JSON). */
static int entry_of(char *text, size_t len, const char *owner, struct json_object **entry)
{
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL, *v;
    json_tokener_free(tok);
    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "owner", &v) || !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), owner) != 0) {
        json_object_put(o);
        return 0;
    }
    *entry = o;
    return 1;
}

int resp_store_get(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                   const char *owner, const char *param, struct json_object **entry,
                   struct relay_err *e)
{
    char *text;
    size_t len = 0;
    *entry = NULL;
    int rc = store_fetch(c, mc, hex, &text, &len, e);
    if (rc <= 0)
        return rc;
    rc = entry_of(text, len, owner, entry);
    free(text);
    struct json_object *v;
    if (rc == 1 && json_object_object_get_ex(*entry, "too_large", &v)) {
        long long n = json_object_get_int64(v);
        json_object_put(*entry);
        *entry = NULL;
        return err_set(e, 400, "invalid_request_error", "response_too_large", param,
                       "Response resp_%s was not stored: its conversation (%lld bytes) is above the "
                       "relay's RELAY_RESPONSES_MAX_BYTES limit (%zu). Send the history as input "
                       "instead.", hex, n, c->max_bytes);
    }
    return rc;
}

int resp_store_delete(const struct resp_store_config *c, struct memcached_st *mc, const char *hex,
                      const char *owner, struct relay_err *e)
{
    char *text;
    size_t len = 0;
    int rc = store_fetch(c, mc, hex, &text, &len, e);
    if (rc <= 0)
        return rc;
    struct json_object *entry = NULL;
    rc = entry_of(text, len, owner, &entry);
    free(text);
    json_object_put(entry);
    if (rc == 0)
        return 0;
    struct kvstore kv;
    resp_kv(c, &kv);
    if (kvstore_delete(&kv, mc, hex) == 0)
        return 1;
    return err_set(e, 503, "service_unavailable", NULL, NULL,
                   "The stored response could not be removed; try again.");
}
