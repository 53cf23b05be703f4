/* stt: see stt.h. */
#include "onemin/stt.h"

#include <json-c/json.h>
#include <string.h>

struct json_object *stt_body(const struct stt_request *s)
{
    struct json_object *up = json_object_new_object();
    struct json_object *po = json_object_new_object();
    if (!up || !po) {
        json_object_put(up);
        json_object_put(po);
        return NULL;
    }
    int whisper = strncmp(s->model, "whisper", 7) == 0;
    json_object_object_add(po, "audioUrl", json_object_new_string(s->audio_path));
    if (whisper)
        json_object_object_add(po, "response_format", json_object_new_string("text"));
    if (s->language[0] && !s->translate)
        json_object_object_add(po, "language", json_object_new_string(s->language));
    if (s->prompt[0])
        json_object_object_add(po, "prompt", json_object_new_string(s->prompt));
    if (whisper && s->temperature_text[0])
        json_object_object_add(po, "temperature", json_object_new_double_s(s->temperature, s->temperature_text));
    json_object_object_add(up, "type", json_object_new_string(s->translate ? "AUDIO_TRANSLATOR" : "SPEECH_TO_TEXT"));
    json_object_object_add(up, "model", json_object_new_string(s->model));
    json_object_object_add(up, "promptObject", po);
    return up;
}
