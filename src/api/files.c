/* POST /v1/files, GET /v1/files, GET /v1/files/{id}, GET
 * /v1/files/{id}/content, DELETE /v1/files/{id}; see files.h.
 *
 * The content route answers 501: 1min.ai's uploaded objects are private
 * (acl private) and its API documents no download of an uploaded asset
 * (docs/upstream-api.md §5), so the relay has no way to give the bytes back. */
#include "api/files.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/admit.h"
#include "api/api.h"
#include "api/form.h"
#include "app.h"
#include "codec/doctype.h"
#include "codec/sniff.h"
#include "core/rand.h"
#include "onemin/kvstore.h"

#define FILES_FORM_OVERHEAD ((size_t)1 << 20)
#define FILES_INDEX_MAX ((size_t)1 << 20)      /* one key's index: ~40 000 ids */
#define FILES_ENTRY_MAX ((size_t)16 << 10)
#define FILES_LIST_MAX 10000                   /* OpenAI's limit: 1 to 10 000, 10 000 by default */

static const char *const files_purposes[] = { "assistants", "batch", "fine-tune", "vision", "user_data",
                                               "evals", NULL };

static void files_store(const struct relay_req *r, struct kvstore *kv)
{
    const struct media_config *mc = r->app->media;
    memset(kv, 0, sizeof *kv);
    kv->what = "file";
    kv->mc_prefix = "1min-relay:file:";
    kv->ttl_s = mc->files_ttl_s;
    kv->max_bytes = FILES_INDEX_MAX;
    snprintf(kv->dir, sizeof kv->dir, "%s", mc->files_dir);
}

static int files_unavailable(struct relay_err *e)
{
    return err_set(e, 503, "service_unavailable", NULL, NULL, "The relay's file store is unavailable; try again.");
}

static int files_not_found(struct relay_err *e, const char *id)
{
    return err_set(e, 404, "invalid_request_error", NULL, "id", "No such File object: %.64s", id);
}

/* The id of a /v1/files/<id>[/content] path into id; *content set for the
 * content route. -1 after a 404 for anything else. */
static int files_path_id(const char *path, char *id, size_t idlen, int *content, struct relay_err *e)
{
    const char *p = path + strlen("/v1/files/");
    size_t n = strcspn(p, "/");
    *content = strcmp(p + n, "/content") == 0;
    if (p[n] && !*content)
        return err_set(e, 404, NULL, NULL, NULL, "Invalid URL (%s)", path);
    if (n == 0 || n >= idlen)
        return files_not_found(e, p);
    memcpy(id, p, n);
    id[n] = '\0';
    return 0;
}

/* The stored entry of id when the key owns it: 1 with *entry (new), 0 none, -1 with e. */
static int files_load(struct relay_req *r, const char *owner, const char *id, struct json_object **entry,
                      struct relay_err *e)
{
    struct kvstore kv;
    char *text = NULL;
    size_t len = 0;
    struct json_object *o = NULL, *v;
    *entry = NULL;
    if (strncmp(id, "file-", 5) != 0)
        return 0;
    files_store(r, &kv);
    kv.max_bytes = FILES_ENTRY_MAX;
    int rc = kvstore_get(&kv, r->w->mc, id, &text, &len);
    if (rc < 0)
        return files_unavailable(e);
    if (rc == 0)
        return 0;
    o = json_tokener_parse(text);
    free(text);
    if (!o || !json_object_object_get_ex(o, "owner", &v) || strcmp(json_object_get_string(v), owner) != 0 ||
        !json_object_object_get_ex(o, "file", &v) || !json_object_is_type(v, json_type_object)) {
        json_object_put(o);
        return 0;
    }
    *entry = o;
    return 1;
}

static const char *entry_str(struct json_object *entry, const char *name)
{
    struct json_object *v;
    return json_object_object_get_ex(entry, name, &v) && json_object_is_type(v, json_type_string)
           ? json_object_get_string(v) : "";
}

int files_lookup(struct relay_req *r, const char *key, size_t key_len, const char *id,
                 struct files_entry *out, struct relay_err *e)
{
    char owner[65];
    struct json_object *entry, *file, *v;
    kvstore_owner(key, key_len, owner);
    int rc = files_load(r, owner, id, &entry, e);
    if (rc <= 0)
        return rc;
    json_object_object_get_ex(entry, "file", &file);
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->format, sizeof out->format, "%s", entry_str(entry, "format"));
    snprintf(out->asset.path, sizeof out->asset.path, "%s", entry_str(entry, "path"));
    snprintf(out->asset.uuid, sizeof out->asset.uuid, "%s", entry_str(entry, "uuid"));
    if (json_object_object_get_ex(file, "filename", &v))
        snprintf(out->filename, sizeof out->filename, "%s", json_object_get_string(v));
    json_object_put(entry);
    return 1;
}

/* The key, the store switched on, and the owner tag. -1 with e. */
static int files_begin(struct relay_req *r, char *key, size_t *key_len, char owner[65], struct relay_err *e)
{
    if (api_key(r, key, key_len, e) < 0)
        return -1;
    if (r->app->media->files_ttl_s == 0)
        return err_set(e, 501, NULL, "api_not_implemented", NULL,
                       "The files API is switched off on this relay (RELAY_FILES_TTL=0)");
    kvstore_owner(key, *key_len, owner);
    return 0;
}

/* The file's format: a document (codec/doctype) or an image. NULL after the 400. */
static const struct sniff_fmt *files_format(const struct multipart_part *file, struct relay_err *e)
{
    const struct doctype *d = doctype_detect(file->data, file->len, file->content_type, file->filename);
    if (d)
        return &d->fmt;
    const struct sniff_fmt *img = sniff_magic(file->data, file->len, SNIFF_IMAGE);
    if (img)
        return img;
    err_set(e, 400, NULL, "unsupported_file", "file",
            "The file is not a format 1min.ai reads: use %s, or a png, jpeg, webp or gif image", doctype_list());
    return NULL;
}

int files_create(struct relay_req *r, struct relay_err *e)
{
    const struct media_config *mc = r->app->media;
    char key[ONEMIN_KEY_MAX + 1], owner[65], purpose[32], id[FILES_ID_MAX], line[FILES_ID_MAX + 1];
    size_t key_len;
    struct buf body;
    struct multipart_form *form = NULL;
    struct json_object *entry = NULL, *file = NULL;
    struct asset_ref ref;
    struct rl_ticket ticket;
    struct onemin om;
    struct kvstore kv;
    int rc = -1;

    buf_init(&body, 0);
    if (files_begin(r, key, &key_len, owner, e) < 0 ||
        form_read(r, mc->files_max_bytes + FILES_FORM_OVERHEAD, "a 'file' part", &body, &form, e) < 0 ||
        form_field(form, "purpose", purpose, sizeof purpose, e) < 0)
        goto out;
    const struct multipart_part *part = multipart_find(form, "file");
    if (!part || !part->has_filename || part->len == 0) {
        err_set(e, 400, NULL, NULL, "file", "'file' is required: a non-empty file part");
        goto out;
    }
    if (part->len > mc->files_max_bytes) {
        err_set(e, 413, NULL, "file_too_large", "file", "The file is %zu bytes; this relay accepts at most %zu "
                "(RELAY_FILES_MAX_BYTES)", part->len, mc->files_max_bytes);
        goto out;
    }
    int known = 0;
    for (const char *const *p = files_purposes; *p; p++)
        known |= strcmp(purpose, *p) == 0;
    if (!known) {
        err_set(e, 400, NULL, NULL, "purpose", "'purpose' is required: one of assistants, batch, fine-tune, "
                "vision, user_data, evals");
        goto out;
    }
    const struct sniff_fmt *fmt = files_format(part, e);
    if (!fmt)
        goto out;
    if (admit_request(r, key, key_len, 0, &ticket, e) < 0)
        goto out;
    api_onemin(r, key, key_len, &om);
    if (asset_upload_ref(&om, part->data, part->len, fmt, "the file", &ref, e) < 0)
        goto out;

    rand_hex(id + 5, 24);
    memcpy(id, "file-", 5);
    entry = json_object_new_object();
    file = json_object_new_object();
    if (!entry || !file) {
        err_oom(e);
        goto out;
    }
    json_object_object_add(file, "id", json_object_new_string(id));
    json_object_object_add(file, "object", json_object_new_string("file"));
    json_object_object_add(file, "bytes", json_object_new_int64((int64_t)part->len));
    json_object_object_add(file, "created_at", json_object_new_int64((int64_t)time(NULL)));
    json_object_object_add(file, "filename", json_object_new_string(part->filename));
    json_object_object_add(file, "purpose", json_object_new_string(purpose));
    json_object_object_add(file, "status", json_object_new_string("processed"));
    json_object_object_add(file, "status_details", NULL);
    json_object_object_add(entry, "owner", json_object_new_string(owner));
    json_object_object_add(entry, "file", json_object_get(file));
    json_object_object_add(entry, "path", json_object_new_string(ref.path));
    json_object_object_add(entry, "uuid", json_object_new_string(ref.uuid));
    json_object_object_add(entry, "format", json_object_new_string(fmt->name));
    size_t n = 0;
    const char *text = json_object_to_json_string_length(entry, JSON_C_TO_STRING_PLAIN, &n);
    char index[80];
    snprintf(index, sizeof index, "idx-%s", owner);
    int len = snprintf(line, sizeof line, "%s\n", id);
    files_store(r, &kv);
    if (!text || kvstore_put(&kv, om.mc, id, text, n) < 0 || kvstore_append(&kv, om.mc, index, line, (size_t)len) < 0) {
        files_unavailable(e);
        goto out;
    }
    rc = api_json(r, 200, file, e);
out:
    json_object_put(file);
    json_object_put(entry);
    free(form);
    buf_free(&body);
    return rc;
}

/* The ids of a key's index (one per line, oldest first), split in place:
 * *n of them in *ids (new, the caller frees). -1 when out of memory. */
static int files_index_ids(char *text, size_t len, char ***ids, size_t *n)
{
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    if (!(*ids = malloc((cap + 1) * sizeof **ids)))
        return -1;
    for (char *p = text; p && p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        char *stop = nl ? nl : text + len;
        *stop = '\0';
        if (stop > p && (size_t)(stop - p) < FILES_ID_MAX)
            (*ids)[(*n)++] = p;
        p = stop + 1;
    }
    return 0;
}

/* 1 when id is in the set seen, else 0 after adding it (the key points into
 * the caller's text, not copied). */
static int files_seen(struct json_object *seen, const char *id)
{
    if (json_object_object_get_ex(seen, id, NULL))
        return 1;
    json_object_object_add_ex(seen, id, NULL, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
    return 0;
}

/* The id of the i-th file object in data, a new reference. */
static struct json_object *files_id_at(struct json_object *data, size_t i)
{
    struct json_object *v = NULL;
    json_object_object_get_ex(json_object_array_get_idx(data, i), "id", &v);
    return json_object_get(v);
}

/* GET /v1/files?purpose=&order=&limit=&after= (OpenAI's defaults: every
 * purpose, desc, 10 000). The key's index holds its ids in the order they
 * were stored, which is created_at's order, and keeps an id after the file is
 * deleted or expired, so a cursor stays good while its file goes away; an
 * id that was never the key's is a 400. An id appears once, deleted or
 * expired ones not at all. */
int files_list(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1], owner[65], index[80], purpose[64];
    size_t key_len, len = 0, n = 0, k = 0;
    char *text = NULL, **ids = NULL;
    struct json_object *out = NULL, *data = NULL, *seen = NULL, *entry, *file, *v;
    struct api_list q;
    struct kvstore kv;
    int rc = -1, more = 0;

    if (files_begin(r, key, &key_len, owner, e) < 0 || api_list_query(r, FILES_LIST_MAX, FILES_LIST_MAX, &q, e) < 0)
        return -1;
    int by_purpose = api_query(r, "purpose", purpose, sizeof purpose, e);
    if (by_purpose < 0)
        return -1;
    by_purpose = by_purpose && purpose[0];
    files_store(r, &kv);
    snprintf(index, sizeof index, "idx-%s", owner);
    if (kvstore_get(&kv, r->w->mc, index, &text, &len) < 0)
        return files_unavailable(e);
    out = json_object_new_object();
    data = json_object_new_array();
    seen = json_object_new_object();
    if (!out || !data || !seen || files_index_ids(text, len, &ids, &n) < 0) {
        json_object_put(data);
        err_oom(e);
        goto out;
    }
    json_object_object_add(out, "object", json_object_new_string("list"));
    json_object_object_add(out, "data", data);
    if (q.desc)
        for (size_t i = 0; i < n / 2; i++) {
            char *t = ids[i];
            ids[i] = ids[n - 1 - i];
            ids[n - 1 - i] = t;
        }
    if (q.after[0]) {
        while (k < n && strcmp(ids[k], q.after) != 0)
            files_seen(seen, ids[k++]);
        if (k++ == n) {
            err_set(e, 400, NULL, NULL, "after", "Invalid 'after': '%.64s' is not one of your files.", q.after);
            goto out;
        }
        files_seen(seen, q.after);
    }
    for (; k < n && !more; k++) {
        if (files_seen(seen, ids[k]))
            continue;
        int got = files_load(r, owner, ids[k], &entry, e);
        if (got < 0)
            goto out;
        if (got == 0)
            continue;
        json_object_object_get_ex(entry, "file", &file);
        if (!by_purpose || (json_object_object_get_ex(file, "purpose", &v) &&
                            strcmp(json_object_get_string(v), purpose) == 0)) {
            more = json_object_array_length(data) == q.limit;
            if (!more)
                json_object_array_add(data, json_object_get(file));
        }
        json_object_put(entry);
    }
    size_t got = json_object_array_length(data);
    json_object_object_add(out, "first_id", got ? files_id_at(data, 0) : NULL);
    json_object_object_add(out, "last_id", got ? files_id_at(data, got - 1) : NULL);
    json_object_object_add(out, "has_more", json_object_new_boolean(more));
    rc = api_json(r, 200, out, e);
out:
    json_object_put(seen);  /* before text: its keys point into it */
    free(ids);
    free(text);
    json_object_put(out);
    return rc;
}

int files_get(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1], owner[65], id[FILES_ID_MAX];
    size_t key_len;
    int content;
    struct json_object *entry = NULL, *file;
    if (files_begin(r, key, &key_len, owner, e) < 0 || files_path_id(r->path, id, sizeof id, &content, e) < 0)
        return -1;
    int got = files_load(r, owner, id, &entry, e);
    if (got <= 0)
        return got < 0 ? -1 : files_not_found(e, id);
    int rc;
    if (content) {
        rc = err_set(e, 501, NULL, "api_not_implemented", NULL,
                     "File content cannot be downloaded through 1min-relay: 1min.ai keeps uploaded files "
                     "private and offers no way to fetch them back");
    } else {
        json_object_object_get_ex(entry, "file", &file);
        rc = api_json(r, 200, file, e);
    }
    json_object_put(entry);
    return rc;
}

int files_delete(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1], owner[65], id[FILES_ID_MAX];
    size_t key_len;
    int content;
    struct json_object *entry = NULL, *out;
    struct kvstore kv;
    if (files_begin(r, key, &key_len, owner, e) < 0 || files_path_id(r->path, id, sizeof id, &content, e) < 0)
        return -1;
    if (content)
        return err_set(e, 404, NULL, NULL, NULL, "Invalid URL (DELETE %s)", r->path);
    int got = files_load(r, owner, id, &entry, e);
    json_object_put(entry);
    if (got <= 0)
        return got < 0 ? -1 : files_not_found(e, id);
    files_store(r, &kv);
    /* the asset stays at 1min.ai (no documented delete); the relay forgets it */
    if (kvstore_delete(&kv, r->w->mc, id) < 0)
        return files_unavailable(e);
    out = json_object_new_object();
    if (!out)
        return err_oom(e);
    json_object_object_add(out, "id", json_object_new_string(id));
    json_object_object_add(out, "object", json_object_new_string("file"));
    json_object_object_add(out, "deleted", json_object_new_boolean(1));
    int rc = api_json(r, 200, out, e);
    json_object_put(out);
    return rc;
}
