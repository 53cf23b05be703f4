/* tts: see tts.h. */
#include "onemin/tts.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define TTS_INPUT_MAX 4096

/* An OpenAI format and the value the upstream wants for it. */
struct tts_format {
    const char *openai, *upstream;
};

struct tts_family {
    const char *prefix;                 /* model ids starting with this ("" matches all) */
    const struct tts_format *formats;   /* {NULL}-terminated */
    const char *voice_field;            /* upstream name of the voice */
    const char *default_voice;          /* when the client's voice is an OpenAI name */
    const char *speed_field;            /* NULL: speed not sent */
    const char *format_field;           /* NULL: format not sent */
    const char *extras;                 /* fixed fields, JSON object text, or NULL */
    int voice_is_openai;                /* the client's OpenAI voice names are valid upstream */
};

static const struct tts_format openai_formats[] = {
    { "mp3", "mp3" }, { "opus", "opus" }, { "aac", "aac" }, { "flac", "flac" }, { "wav", "wav" }, { NULL, NULL }
};
static const struct tts_format google_formats[] = {
    { "mp3", "MP3" }, { "wav", "LINEAR16" }, { "opus", "OGG_OPUS" }, { NULL, NULL }
};
static const struct tts_format eleven_formats[] = { { "mp3", "mp3_44100_128" }, { NULL, NULL } };
static const struct tts_format wav_only[] = { { "wav", NULL }, { NULL, NULL } };
static const struct tts_format mp3_only[] = { { "mp3", NULL }, { NULL, NULL } };

static const struct tts_family tts_families[] = {
    { "tts-1", openai_formats, "voice", "alloy", "speed", "response_format", NULL, 1 },
    { "gpt-4o-mini-tts", openai_formats, "voice", "alloy", "speed", "response_format", NULL, 1 },
    { "google-tts", google_formats, "name", "en-US-Standard-C", "speakingRate", "audioEncoding",
      "{\"pitch\":0,\"volumeGainDb\":0}", 0 },
    { "elevenlabs-tts", eleven_formats, "voice_id", NULL, NULL, "output_format",
      "{\"model_id\":\"eleven_turbo_v2_5\"}", 0 },
    { "qwen3-tts", wav_only, "voice", "Cherry", NULL, NULL, NULL, 0 },
    { "", mp3_only, "voice", NULL, NULL, NULL, NULL, 1 },     /* undocumented catalogue models */
};

static const char *const tts_openai_voices[] = {
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
    "marin", "cedar", NULL
};

static const struct tts_family *tts_family_for(const char *id)
{
    const size_t n = sizeof tts_families / sizeof tts_families[0];
    for (size_t i = 0; i + 1 < n; i++)
        if (strncmp(id, tts_families[i].prefix, strlen(tts_families[i].prefix)) == 0)
            return &tts_families[i];
    return &tts_families[n - 1];
}

static int tts_openai_voice(const char *v)
{
    for (const char *const *p = tts_openai_voices; *p; p++)
        if (strcmp(*p, v) == 0)
            return 1;
    return 0;
}

struct json_object *tts_build(struct json_object *root, const char *model_id, const struct sniff_fmt **want,
                              struct relay_err *e)
{
    struct json_object *v, *up = NULL, *po = NULL;
    const struct tts_family *fam = tts_family_for(model_id);

    if (!json_object_object_get_ex(root, "input", &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0)
        return err_set(e, 400, NULL, NULL, "input", "'input' is required and must be a non-empty string"), NULL;
    const char *input = json_object_get_string(v);
    if (json_object_get_string_len(v) > TTS_INPUT_MAX * 4 || strlen(input) > TTS_INPUT_MAX * 4)
        return err_set(e, 400, NULL, NULL, "input", "'input' is longer than %d characters", TTS_INPUT_MAX), NULL;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)input; *p; p++)
        chars += (*p & 0xc0) != 0x80;
    if (chars > TTS_INPUT_MAX)
        return err_set(e, 400, NULL, NULL, "input", "'input' is longer than %d characters", TTS_INPUT_MAX), NULL;

    const char *voice = NULL;
    if (json_object_object_get_ex(root, "voice", &v) && v) {
        struct json_object *id;
        if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "id", &id))
            v = id;
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
            json_object_get_string_len(v) > 128)
            return err_set(e, 400, NULL, NULL, "voice", "'voice' must be a voice name"), NULL;
        voice = json_object_get_string(v);
    }
    if (!voice || (!fam->voice_is_openai && tts_openai_voice(voice)))
        voice = fam->default_voice ? fam->default_voice : voice;
    if (!voice)
        return err_set(e, 400, NULL, NULL, "voice", "The model `%s` needs a 'voice' (its own voice id)",
                          model_id), NULL;

    const char *format = "mp3";
    if (json_object_object_get_ex(root, "response_format", &v) && v) {
        if (!json_object_is_type(v, json_type_string))
            return err_set(e, 400, NULL, NULL, "response_format", "'response_format' must be a string"), NULL;
        format = json_object_get_string(v);
    }
    const struct tts_format *tf = NULL;
    for (const struct tts_format *f = fam->formats; f->openai; f++)
        if (strcmp(f->openai, format) == 0)
            tf = f;
    *want = sniff_by_name(format, SNIFF_AUDIO);
    if (!tf || !*want) {
        char list[64] = "";
        for (const struct tts_format *f = fam->formats; f->openai; f++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "", f->openai);
        return err_set(e, 400, NULL, "unsupported_format", "response_format",
                          "The model `%s` cannot produce '%.32s' audio; it offers: %s", model_id, format, list), NULL;
    }

    double speed = 1.0;
    const char *speed_text = "1";
    if (json_object_object_get_ex(root, "speed", &v) && v) {
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
            return err_set(e, 400, NULL, NULL, "speed", "'speed' must be a number from 0.25 to 4.0"), NULL;
        speed = json_object_get_double(v);
        if (!isfinite(speed) || speed < 0.25 || speed > 4.0)
            return err_set(e, 400, NULL, NULL, "speed", "'speed' must be a number from 0.25 to 4.0"), NULL;
        speed_text = json_object_to_json_string(v);
    }

    up = json_object_new_object();
    po = json_object_new_object();
    if (!up || !po)
        goto oom;
    json_object_object_add(po, "text", json_object_new_string(input));
    json_object_object_add(po, fam->voice_field, json_object_new_string(voice));
    if (strcmp(fam->prefix, "google-tts") == 0) {
        /* languageCode from a voice name like en-US-Standard-C */
        char lang[16] = "en-US";
        const char *d1 = strchr(voice, '-'), *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
        if (d2 && (size_t)(d2 - voice) < sizeof lang)
            snprintf(lang, sizeof lang, "%.*s", (int)(d2 - voice), voice);
        json_object_object_add(po, "languageCode", json_object_new_string(lang));
    }
    if (fam->format_field && tf->upstream)
        json_object_object_add(po, fam->format_field, json_object_new_string(tf->upstream));
    if (fam->speed_field)
        json_object_object_add(po, fam->speed_field, json_object_new_double_s(speed, speed_text));
    if (fam->extras) {
        struct json_object *ex = json_tokener_parse(fam->extras);
        if (!ex)
            goto oom;
        json_object_object_foreach(ex, k, val)
            json_object_object_add(po, k, json_object_get(val));
        json_object_put(ex);
    }
    json_object_object_add(up, "type", json_object_new_string("TEXT_TO_SPEECH"));
    json_object_object_add(up, "model", json_object_new_string(model_id));
    json_object_object_add(up, "promptObject", po);
    return up;
oom:
    json_object_put(po);
    json_object_put(up);
    err_oom(e);
    return NULL;
}

