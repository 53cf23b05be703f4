/* tts: every text-to-speech model family the relay knows, as one table of
 * data, and the translation of OpenAI's speech request into the family's
 * TEXT_TO_SPEECH body (docs/upstream-api.md §4.4).
 *
 * A row says which OpenAI formats the family can produce (and the upstream
 * value for each) and the names of its voice, speed and format fields; an
 * OpenAI voice name is replaced by the family's default voice where the
 * family does not know it. A format the model cannot produce is a 400.
 *
 * Pure; rows are static and read-only. Thread rule: any thread. */
#ifndef RELAY_ONEMIN_TTS_H
#define RELAY_ONEMIN_TTS_H

#include "codec/sniff.h"
#include "core/err.h"

struct json_object;

/* Validate the client's request body (input, voice, response_format, speed)
 * for model_id and build {"type":"TEXT_TO_SPEECH","model":...,"promptObject":
 * {...}}. Returns a new object (the caller puts it) and sets *want to the
 * audio format promised to the client, or NULL with e filled (a 400 naming
 * the field, or out of memory). */
struct json_object *tts_build(struct json_object *root, const char *model_id, const struct sniff_fmt **want,
                              struct relay_err *e);

#endif
