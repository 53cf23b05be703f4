/* libFuzzer target: the Anthropic Messages request parser on any bytes. A
 * body that is JSON goes through anth_parse in both modes; a success must
 * give a well-formed transcript (every part of a known kind with its fields,
 * no NUL inside text, tool calls with a JSON object as arguments), a failure
 * a 400 (or the 500 of memory) with a message.
 * Run: fuzz_anthropic NEW_CORPUS_DIR tests/fuzz/corpus/anthropic */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api/anthropic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct anth_request *q)
{
    const struct eng_request *r = &q->eng;
    for (size_t i = 0; i < r->nturns; i++) {
        const struct eng_turn *t = &r->turns[i];
        for (size_t j = 0; j < t->nparts; j++) {
            const struct eng_part *p = &t->parts[j];
            switch (p->kind) {
            case ENG_PART_TEXT:
            case ENG_PART_TOOL_RESULT:
                if (!p->text || memchr(p->text, '\0', p->text_len))
                    abort();
                if (p->kind == ENG_PART_TOOL_RESULT && !p->id)
                    abort();
                break;
            case ENG_PART_IMAGE:
                if (!p->url && (!p->data || !p->data_len || !p->media_type))
                    abort();
                break;
            case ENG_PART_FILE:
                if (!p->url && !p->file_id && (!p->data || !p->data_len))
                    abort();
                break;
            case ENG_PART_TOOL_CALL: {
                struct json_object *a = p->id && p->name ? json_tokener_parse(p->arguments) : NULL;
                if (!a || !json_object_is_type(a, json_type_object))
                    abort();
                json_object_put(a);
                break;
            }
            default:
                abort();
            }
        }
    }
    for (size_t k = 0; k < r->ntools; k++)
        if (!r->tools[k].name || !r->tools[k].parameters)
            abort();
    if (r->nstop > ENG_STOP_MAX || r->n != 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *root = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    json_tokener_free(tok);
    if (!root)
        return 0;
    for (int mode = ANTH_MESSAGES; mode <= ANTH_COUNT_TOKENS; mode++) {
        struct anth_request q;
        struct relay_err e = { 0 };
        if (anth_parse(root, (enum anth_mode)mode, &q, &e) == 0)
            check(&q);
        else if ((e.status != 400 && e.status != 500) || !e.message[0])
            abort();
        anth_request_free(&q);
    }
    json_object_put(root);
    return 0;
}
