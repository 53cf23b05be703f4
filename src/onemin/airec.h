/* airec: reading 1min.ai's aiRecord envelope (docs/upstream-api.md §2.2, §4).
 *
 * All returned json_object pointers are borrowed from root and die with it.
 * Thread rule: pure reads; a parsed reply belongs to one request. */
#ifndef RELAY_ONEMIN_AIREC_H
#define RELAY_ONEMIN_AIREC_H

#include <stddef.h>

#include "core/buf.h"

struct json_object;

/* root.aiRecord, or NULL when the reply has no record. */
struct json_object *airec_get(struct json_object *root);

enum airec_failure {
    AIREC_OK = 0,
    AIREC_REFUSED,      /* resultObject is a {code, message} refusal (moderation) */
    AIREC_FAILED        /* status FAILED */
};

/* Whether the record reports a failure; writes the raw reason into msg when
 * it does ("request refused: TEXT (CODE)", "status FAILED: TEXT"), cut at
 * msg's limit. The text is the upstream's and may hold the client's key:
 * only onemin/uperr turns it into an error, masking the key. */
enum airec_failure airec_failed(struct json_object *rec, struct buf *msg);

/* aiRecordDetail.resultObject, or NULL. */
struct json_object *airec_result(struct json_object *rec);

/* The i-th result string: resultObject[i], or the whole resultObject when it
 * is a plain string (i == 0). NULL when absent or not a string. */
const char *airec_result_string(struct json_object *rec, size_t i);

/* Number of entries in resultObject (1 for a plain string). */
size_t airec_result_count(struct json_object *rec);

/* aiRecord.temporaryUrl, or NULL. */
const char *airec_temporary_url(struct json_object *rec);

#endif
