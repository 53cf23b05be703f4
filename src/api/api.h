/* api: the handlers behind each API path and the steps they share.
 *
 * A handler is one straight line — parse, check, admit, call 1min.ai (or the
 * chat engine), answer — with the signature of api_handler: it returns 0 once
 * it answered, or -1 with e filled and nothing sent; the router renders the
 * error once (api/render_error). The shared steps below follow the same rule.
 *
 * Thread rule: everything runs on the request's worker thread. */
#ifndef RELAY_API_API_H
#define RELAY_API_API_H

#include <stddef.h>

#include "app.h"
#include "core/err.h"
#include "http/req.h"
#include "onemin/catalog.h"
#include "onemin/onemin.h"

struct json_object;
struct cidr;           /* core/cidr.h */

typedef int (*api_handler)(struct relay_req *r, struct relay_err *e);

int health_get(struct relay_req *r, struct relay_err *e);                /* GET /health */
int models_list(struct relay_req *r, struct relay_err *e);               /* GET /v1/models */
int models_get(struct relay_req *r, struct relay_err *e);                /* GET /v1/models/{id} */
int chat_completions(struct relay_req *r, struct relay_err *e);          /* POST /v1/chat/completions */
int images_generations(struct relay_req *r, struct relay_err *e);        /* POST /v1/images/generations */
int images_variations(struct relay_req *r, struct relay_err *e);         /* POST /v1/images/variations */
int images_edits(struct relay_req *r, struct relay_err *e);              /* POST /v1/images/edits */
int files_create(struct relay_req *r, struct relay_err *e);              /* POST /v1/files */
int files_list(struct relay_req *r, struct relay_err *e);                /* GET /v1/files */
int files_get(struct relay_req *r, struct relay_err *e);                 /* GET /v1/files/{id}[/content] */
int files_delete(struct relay_req *r, struct relay_err *e);              /* DELETE /v1/files/{id} */
int audio_transcriptions(struct relay_req *r, struct relay_err *e);      /* POST /v1/audio/transcriptions */
int audio_translations(struct relay_req *r, struct relay_err *e);        /* POST /v1/audio/translations */
int speech_create(struct relay_req *r, struct relay_err *e);             /* POST /v1/audio/speech */
/* GET /metrics (api/metrics.c); its access rules are read from the
 * environment by route_metrics_configure before worker threads start:
 * 0, or -1 with a message naming the variable in err. */
int route_metrics(struct relay_req *r, struct relay_err *e);
int route_metrics_configure(char *err, size_t errlen);

/* api/reqid.c: take the X-Request-Id of a trusted proxy as r's id. The list
 * (RATE_LIMIT_TRUSTED_PROXIES, parsed by the rate limiter's config) is given
 * once before worker threads start and must outlive them. */
void route_reqid_configure(const struct cidr *trusted, size_t n);
void route_adopt_request_id(struct relay_req *r);

/* The client's API key copied into key (ONEMIN_KEY_MAX + 1 bytes), or -1
 * with the 401. */
int api_key(struct relay_req *r, char *key, size_t *key_len, struct relay_err *e);

/* Read a body of at most max bytes and parse it as a JSON object; *root is
 * new (the caller puts it). A string anywhere in it that holds a NUL
 * character is refused with a 400 naming its field (a C string would cut it
 * silently). -1 with a 400/413 (or 500) otherwise. */
int api_json_body(struct relay_req *r, size_t max, struct json_object **root, struct relay_err *e);

/* The parse and the checks of api_json_body on a body already read: text is
 * scratch afterwards (codec/jsonparse decodes strings in place). */
int api_json_text(char *text, size_t len, struct json_object **root, struct relay_err *e);

/* Look model id up for a kind (CATALOG_IMAGE, ...). -1 with a 400 (param
 * "model") when the model is unknown or of another kind; what names the
 * feature for the message ("an image model"). */
int api_model(struct relay_req *r, const char *id, unsigned kind, const char *what,
              struct catalog_model *out, struct relay_err *e);

/* The environment of r's calls to 1min.ai with the client's key (borrowed). */
void api_onemin(struct relay_req *r, const char *key, size_t key_len, struct onemin *om);

/* Right before a call to 1min.ai (it costs money): -1 with a 499 (nothing
 * is rendered for it) when the client has left. */
int api_check_client(struct relay_req *r, struct relay_err *e);

/* The query parameter name of r's query string into out, percent-decoded
 * ('+' is a space); when it repeats, the last one counts. 1, 0 when it is
 * absent, -1 with a 400 naming it when the value is longer than outlen - 1
 * or holds a bad escape or a NUL. */
int api_query(struct relay_req *r, const char *name, char *out, size_t outlen, struct relay_err *e);

/* The query of OpenAI's cursor-paged lists (GET /v1/files, GET
 * /v1/responses/{id}/input_items): order=asc|desc (default desc),
 * limit=1..max (default def), after=ID (empty: from the start). Other
 * parameters are the caller's. -1 with a 400 naming the parameter whose
 * value is not one of these. */
#define API_LIST_AFTER_MAX 64
struct api_list {
    int desc;
    size_t limit;
    char after[API_LIST_AFTER_MAX];
};
int api_list_query(struct relay_req *r, size_t def, size_t max, struct api_list *q, struct relay_err *e);

/* Send obj as a 200-or-other JSON response. -1 with e filled when it cannot
 * be serialised; 0 otherwise (also when the client left meanwhile). */
int api_json(struct relay_req *r, int status, struct json_object *obj, struct relay_err *e);

#endif
