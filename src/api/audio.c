/* POST /v1/audio/transcriptions and /v1/audio/translations: the client's
 * multipart form -> upload the file -> SPEECH_TO_TEXT or AUDIO_TRANSLATOR ->
 * the text in the requested response_format.
 *
 * The upstream returns text only. srt and vtt therefore hold one cue with
 * the whole text, from 0 to 99:59:59.999 (the real duration is unknown);
 * verbose_json has duration 0 and segments [] (docs/upstream-api.md §4.2). */
#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admit.h"
#include "api/api.h"
#include "api/form.h"
#include "codec/multipart.h"
#include "codec/sniff.h"
#include "core/metrics.h"
#include "http/resp.h"
#include "onemin/airec.h"
#include "onemin/asset.h"
#include "onemin/feature.h"
#include "onemin/stt.h"
#include "ratelimit/rl.h"

#define AUDIO_FORM_OVERHEAD ((size_t)1 << 20)   /* the other fields and part headers */
#define AUDIO_FIELD_MAX 4096

enum audio_task { AUDIO_TRANSCRIBE, AUDIO_TRANSLATE };

/* Append text to out with blank lines collapsed (a blank line would end a
 * subtitle cue) and "-->" defused (it would start a new timing line). */
static void audio_cue_text(struct buf *out, const char *text)
{
    int newline = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            if (!newline)
                buf_append(out, "\n", 1);
            newline = 1;
            continue;
        }
        if (strncmp(p, "-->", 3) == 0) {
            buf_puts(out, "->");
            p += 2;
        } else {
            buf_append(out, p, 1);
        }
        newline = 0;
    }
    if (!newline)
        buf_append(out, "\n", 1);
}

static int audio_answer(struct relay_req *r, enum audio_task task, const char *format,
                        const char *language, const char *text, struct relay_err *e)
{
    struct buf out;
    struct json_object *o = NULL;
    int rc = 0;
    buf_init(&out, strlen(text) * 2 + 256);
    if (strcmp(format, "text") == 0) {
        resp_send(r, 200, "text/plain; charset=utf-8", text, strlen(text));
    } else if (strcmp(format, "srt") == 0) {
        buf_puts(&out, "1\n00:00:00,000 --> 99:59:59,999\n");
        audio_cue_text(&out, text);
        buf_puts(&out, "\n");
        resp_send(r, 200, "text/plain; charset=utf-8", out.data, out.len);
    } else if (strcmp(format, "vtt") == 0) {
        buf_puts(&out, "WEBVTT\n\n00:00:00.000 --> 99:59:59.999\n");
        audio_cue_text(&out, text);
        resp_send(r, 200, "text/vtt; charset=utf-8", out.data, out.len);
    } else {
        o = json_object_new_object();
        if (o && strcmp(format, "verbose_json") == 0) {
            json_object_object_add(o, "task", json_object_new_string(task == AUDIO_TRANSLATE ? "translate" : "transcribe"));
            json_object_object_add(o, "language", json_object_new_string(
                task == AUDIO_TRANSLATE ? "english" : (*language ? language : "unknown")));
            json_object_object_add(o, "duration", json_object_new_double_s(0, "0"));
            json_object_object_add(o, "text", json_object_new_string(text));
            json_object_object_add(o, "segments", json_object_new_array());
        } else if (o) {
            json_object_object_add(o, "text", json_object_new_string(text));
        }
        rc = o ? api_json(r, 200, o, e) : err_oom(e);
    }
    json_object_put(o);
    buf_free(&out);
    return rc;
}

static int audio_handle(struct relay_req *r, enum audio_task task, struct relay_err *e)
{
    const struct media_config *mc = r->app->media;
    char key[ONEMIN_KEY_MAX + 1], model_id[CATALOG_ID_MAX], format[32], language[64], temp[32];
    char prompt[AUDIO_FIELD_MAX], path[MEDIA_PATH_MAX];
    size_t key_len;
    struct buf body;
    struct multipart_form *form = NULL;
    struct json_object *up = NULL, *reply = NULL, *rec;
    struct catalog_model model;
    struct rl_ticket ticket;
    struct onemin om;
    int rc = -1;

    buf_init(&body, 0);
    if (api_key(r, key, &key_len, e) < 0)
        goto out;
    if (form_read(r, mc->audio_max_bytes + AUDIO_FORM_OVERHEAD, "a 'file' part", &body, &form, e) < 0)
        goto out;
    const struct multipart_part *file = multipart_find(form, "file");
    if (!file || file->len == 0) {
        err_set(e, 400, NULL, NULL, "file", "'file' is required: an audio file part");
        goto out;
    }
    if (file->len > mc->audio_max_bytes) {
        err_set(e, 413, NULL, "request_too_large", "file", "The audio file is larger than %zu bytes",
                   mc->audio_max_bytes);
        goto out;
    }
    if (form_field(form, "model", model_id, sizeof model_id, e) < 0 ||
        form_field(form, "response_format", format, sizeof format, e) < 0 ||
        form_field(form, "language", language, sizeof language, e) < 0 ||
        form_field(form, "temperature", temp, sizeof temp, e) < 0 ||
        form_field(form, "prompt", prompt, sizeof prompt, e) < 0)
        goto out;
    if (!model_id[0]) {
        err_set(e, 400, NULL, NULL, "model", "'model' is required");
        goto out;
    }
    if (api_model(r, model_id, task == AUDIO_TRANSLATE ? CATALOG_TRANSLATE : CATALOG_STT,
                  task == AUDIO_TRANSLATE ? "an audio translation model" : "a speech-to-text model", &model, e) < 0)
        goto out;
    if (!format[0])
        strcpy(format, "json");
    static const char *const formats[] = { "json", "text", "srt", "verbose_json", "vtt" };
    int known = 0;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        known |= strcmp(format, formats[i]) == 0;
    if (!known) {
        err_set(e, 400, NULL, NULL, "response_format",
                   "'response_format' must be json, text, srt, verbose_json or vtt");
        goto out;
    }
    double temperature = 0;
    if (temp[0]) {
        char *end;
        temperature = strtod(temp, &end);
        if (*end || !isfinite(temperature) || temperature < 0 || temperature > 1) {
            err_set(e, 400, NULL, NULL, "temperature", "'temperature' must be a number from 0 to 1");
            goto out;
        }
    }
    for (const char *p = language; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            err_set(e, 400, NULL, NULL, "language", "'language' must be a language code such as en");
            goto out;
        }
    const struct sniff_fmt *afmt = sniff_audio(file->data, file->len, file->content_type, file->filename);
    if (!afmt) {
        err_set(e, 400, NULL, "invalid_file_format", "file",
                   "The file is not a supported audio format (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm)");
        goto out;
    }
    if (admit_request(r, key, key_len, rl_audio_cost(r->app->rl), &ticket, e) < 0)
        goto out;
    api_onemin(r, key, key_len, &om);
    if (api_check_client(r, e) < 0 ||
        asset_upload(&om, file->data, file->len, afmt, "the audio file", path, sizeof path, e) < 0)
        goto out;
    buf_free(&body);            /* the bytes are upstream now; free them before the long wait */
    file = NULL;

    struct stt_request sr = {
        .translate = task == AUDIO_TRANSLATE, .model = model_id, .audio_path = path, .language = language,
        .prompt = prompt, .temperature_text = temp, .temperature = temperature,
    };
    up = stt_body(&sr);
    if (!up) {
        err_oom(e);
        goto out;
    }
    if (feature_call(&om, up, mc->audio_timeout_s, &reply, &rec, e) < 0)
        goto out;
    const char *text = airec_result_string(rec, 0);
    if (!text) {
        err_set(e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai returned no text");
        goto out;
    }
    metrics_media(task == AUDIO_TRANSLATE ? "translation" : "transcription");
    rc = audio_answer(r, task, format, language, text, e);
out:
    json_object_put(reply);
    json_object_put(up);
    free(form);
    buf_free(&body);
    return rc;
}

int audio_transcriptions(struct relay_req *r, struct relay_err *e)
{
    return audio_handle(r, AUDIO_TRANSCRIBE, e);
}

int audio_translations(struct relay_req *r, struct relay_err *e)
{
    return audio_handle(r, AUDIO_TRANSLATE, e);
}
