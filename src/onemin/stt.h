/* stt: the body of a SPEECH_TO_TEXT or AUDIO_TRANSLATOR call for an uploaded
 * audio file (docs/upstream-api.md §4.2, §4.3): whisper models take
 * response_format and temperature; the other models take the audio, a
 * language (transcription only) and a prompt.
 *
 * Pure. Thread rule: any thread. */
#ifndef RELAY_ONEMIN_STT_H
#define RELAY_ONEMIN_STT_H

struct json_object;

struct stt_request {
    int translate;                  /* AUDIO_TRANSLATOR, else SPEECH_TO_TEXT */
    const char *model;
    const char *audio_path;         /* the asset path of the upload */
    const char *language;           /* "" for none */
    const char *prompt;             /* "" for none */
    const char *temperature_text;   /* as the client wrote it; "" for none */
    double temperature;
};

/* A new body object (the caller puts it), or NULL when out of memory. */
struct json_object *stt_body(const struct stt_request *s);

#endif
