/* jsonparse_check.h: codec/jsonparse against json-c's tokener on one input,
 * shared by the unit test and the differential fuzzer. The tokener runs with
 * the same depth and flags (a root that ends in "continue" taken as parsed,
 * as api.c did before jsonparse existed). Both must give the same answer: the
 * same return code, json-c's error code on failure, the same tree (compared
 * as json-c serialises it) on success. */
#ifndef RELAY_TESTS_JSONPARSE_CHECK_H
#define RELAY_TESTS_JSONPARSE_CHECK_H

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "codec/jsonparse.h"

/* The tokener as api_json_body called it: 0, or -1 with *err. */
static int jsonparse_check_reference(const char *in, size_t len, const struct jsonparse_opts *o,
                                     struct json_object **root, enum json_tokener_error *err)
{
    json_tokener *tok = json_tokener_new_ex(o->max_depth);
    json_tokener_set_flags(tok, o->flags);
    *root = json_tokener_parse_ex(tok, len ? in : "", (int)len);
    *err = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (*root && *err == json_tokener_continue)
        *err = json_tokener_success;
    if (*err == json_tokener_continue)
        *err = json_tokener_error_parse_eof;
    if (*err == json_tokener_success)
        return 0;
    json_object_put(*root);
    *root = NULL;
    return -1;
}

/* NULL when jsonparse_text (o without skip) agrees with the tokener on
 * in[0..len), else what differs. */
static const char *jsonparse_check(const char *in, size_t len, const struct jsonparse_opts *o)
{
    static char why[160];
    struct json_object *mine = NULL, *ref = NULL;
    enum json_tokener_error merr, rerr;
    char *scratch = malloc(len + 1);
    const char *diff = NULL;
    if (!scratch)
        return "out of memory";
    memcpy(scratch, in, len);
    int mrc = jsonparse_text(scratch, len, o, &mine, &merr);
    int rrc = jsonparse_check_reference(in, len, o, &ref, &rerr);
    if (mrc != rrc) {
        snprintf(why, sizeof why, "return code %d, json-c's %d (%s)", mrc, rrc,
                 rrc ? json_tokener_error_desc(rerr) : "parsed");
        diff = why;
    } else if (mrc < 0 && merr != rerr) {
        snprintf(why, sizeof why, "error '%s', json-c's '%s'", json_tokener_error_desc(merr),
                 json_tokener_error_desc(rerr));
        diff = why;
    } else if (mrc == 0) {
        const int fl = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
        size_t ml = 0, rl = 0;
        const char *ms = mine ? json_object_to_json_string_length(mine, fl, &ml) : "null";
        const char *rs = ref ? json_object_to_json_string_length(ref, fl, &rl) : "null";
        if (!mine)
            ml = 4;
        if (!ref)
            rl = 4;
        if (ml != rl || memcmp(ms, rs, ml) != 0) {
            snprintf(why, sizeof why, "tree %.60s, json-c's %.60s", ms, rs);
            diff = why;
        }
    }
    json_object_put(mine);
    json_object_put(ref);
    free(scratch);
    return diff;
}

#endif
