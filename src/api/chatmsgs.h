/* chatmsgs: a Chat Completions messages array -> the engine's neutral
 * transcript (struct eng_turn), validated so that a client gets a 400 naming
 * the field it must fix instead of a prompt that silently lost part of the
 * conversation.
 *
 * Roles: system and developer -> ENG_SYSTEM, user -> ENG_USER, assistant ->
 * ENG_ASSISTANT (its tool_calls and legacy function_call become TOOL_CALL
 * parts after its text), tool and function -> ENG_TOOL with one TOOL_RESULT
 * part. Array content: text parts (and replayed "refusal" parts) are TEXT
 * parts, image_url parts IMAGE parts (the URL; "" when it has none);
 * input_audio and file parts cannot be relayed and are refused. Empty string
 * content is allowed; a function-role message may have null content.
 *
 * Ownership: the parts borrow the strings of the messages array (which must
 * outlive the transcript); what had to be built (joined tool results, part
 * paths) is owned by the chatmsgs and freed with it. Thread rule: one
 * request's. */
#ifndef RELAY_API_CHATMSGS_H
#define RELAY_API_CHATMSGS_H

#include <stddef.h>

#include "core/err.h"
#include "core/keep.h"
#include "engine/engine.h"

struct json_object;

struct chatmsgs {
    struct eng_turn *turns;
    size_t nturns;
    struct keep owned;      /* strings built for the parts */
};

/* Fill m from messages (borrowed; may be NULL when the field is missing).
 * Returns 0, or -1 with a 400 in e (param naming the field). Free m with
 * chatmsgs_free in either case. */
int chatmsgs_parse(struct json_object *messages, struct chatmsgs *m, struct relay_err *e);
void chatmsgs_free(struct chatmsgs *m);

#endif
