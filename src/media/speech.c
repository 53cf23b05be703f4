/* POST /v1/audio/speech: TEXT_TO_SPEECH, then the audio file itself,
 * streamed to the client as it downloads.
 *
 * Each TTS model family is one row of a table: which OpenAI formats it can
 * produce (and the upstream value for each), and the names of its voice,
 * speed and format fields. A format a model cannot produce is a 400; the
 * first bytes of the download are checked against the promised format, so the
 * client never gets bytes whose type does not match the header (502). */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/resp.h"
#include "media/media.h"
#include "media/mup.h"
#include "media/sniff.h"
#include "ratelimit/rl.h"
#include "translate/airecord.h"

#define SPEECH_BODY_MAX ((size_t)1 << 20)
#define SPEECH_INPUT_MAX 4096
#define SPEECH_SNIFF_BYTES 64
#define SPEECH_URL_MAX 4096

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

static const char *const openai_voices[] = {
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

static int is_openai_voice(const char *v)
{
    for (const char *const *p = openai_voices; *p; p++)
        if (strcmp(*p, v) == 0)
            return 1;
    return 0;
}

/* The streaming download: hold the first bytes until the format is known,
 * then commit the 200 and pass everything on as it arrives. */
struct speech_stream {
    struct relay_req *r;
    const struct sniff_fmt *want;
    unsigned char head[SPEECH_SNIFF_BYTES];
    size_t held;
    int committed;
    int mismatch;
};

static int speech_commit(struct speech_stream *s)
{
    const struct sniff_fmt *got = sniff_magic(s->head, s->held, SNIFF_AUDIO);
    /* an Ogg stream counts as opus only when it says so; ADTS AAC and MP3 by sync */
    if (got != s->want) {
        s->mismatch = 1;
        LOG_WARN("speech download is %s, not the %s promised", got ? got->name : "unrecognised",
                 s->want->name);
        return -1;
    }
    s->committed = 1;
    if (resp_begin(s->r, 200, s->want->mime, -1) < 0 || resp_write(s->r, s->head, s->held) < 0 ||
        resp_flush(s->r) < 0)
        return -1;
    return 0;
}

static int speech_on_data(void *ud, const char *p, size_t n)
{
    struct speech_stream *s = ud;
    if (!s->committed) {
        size_t take = n < SPEECH_SNIFF_BYTES - s->held ? n : SPEECH_SNIFF_BYTES - s->held;
        memcpy(s->head + s->held, p, take);
        s->held += take;
        p += take;
        n -= take;
        if (s->held < SPEECH_SNIFF_BYTES)
            return 0;
        if (speech_commit(s) < 0)
            return -1;
    }
    if (n && (resp_write(s->r, p, n) < 0 || resp_flush(s->r) < 0))
        return -1;
    return 0;
}

/* Stream url to the client. Returns 1 when a response was sent (audio or an
 * error after the bytes were seen), 0 when this link failed before anything
 * was sent (try the next one). */
static int speech_relay(struct relay_req *r, const char *url, const struct sniff_fmt *want)
{
    struct speech_stream s = { .r = r, .want = want };
    struct up_reply rep;
    up_reply_init(&rep, 64u << 10);
    struct up_request req = {
        .method = "GET",
        .url = url,
        .connect_timeout_ms = r->cfg->connect_timeout_ms,
        .idle_timeout_s = r->cfg->idle_timeout_s,
        .on_data = speech_on_data,
        .ud = &s,
    };
    enum up_rc urc = up_perform(r->w->curl, &req, &rep);
    int sent = 1;
    if (urc == UP_OK && rep.status >= 200 && rep.status < 300 && !s.committed && !s.mismatch) {
        if (s.held == 0 || speech_commit(&s) < 0)
            s.mismatch = 1;     /* empty, or short and not the format */
    }
    if (s.mismatch && !s.committed)
        resp_error(r, 502, "upstream_error", "bad_gateway", NULL,
                   "1min.ai produced audio that is not %s", want->name);
    else if (!s.committed)
        sent = 0;
    else if (urc != UP_OK && !r->client_gone)
        LOG_WARN("speech download broke off: %s", up_rc_text(urc));
    if (!sent)
        LOG_INFO("speech download from a result link failed: %s, HTTP %ld", up_rc_text(urc), rep.status);
    up_reply_free(&rep);
    return sent;
}

/* Validate the request and build the upstream body. NULL after the error. */
static struct json_object *speech_build(struct relay_req *r, struct json_object *root, const char *model_id,
                                        const struct sniff_fmt **want)
{
    struct json_object *v, *up = NULL, *po = NULL;
    const struct tts_family *fam = tts_family_for(model_id);

    if (!json_object_object_get_ex(root, "input", &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0)
        return resp_error(r, 400, NULL, NULL, "input", "'input' is required and must be a non-empty string"), NULL;
    const char *input = json_object_get_string(v);
    if (json_object_get_string_len(v) > SPEECH_INPUT_MAX * 4 || strlen(input) > SPEECH_INPUT_MAX * 4)
        return resp_error(r, 400, NULL, NULL, "input", "'input' is longer than %d characters", SPEECH_INPUT_MAX), NULL;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)input; *p; p++)
        chars += (*p & 0xc0) != 0x80;
    if (chars > SPEECH_INPUT_MAX)
        return resp_error(r, 400, NULL, NULL, "input", "'input' is longer than %d characters", SPEECH_INPUT_MAX), NULL;

    const char *voice = NULL;
    if (json_object_object_get_ex(root, "voice", &v) && v) {
        struct json_object *id;
        if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "id", &id))
            v = id;
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
            json_object_get_string_len(v) > 128)
            return resp_error(r, 400, NULL, NULL, "voice", "'voice' must be a voice name"), NULL;
        voice = json_object_get_string(v);
    }
    if (!voice || (!fam->voice_is_openai && is_openai_voice(voice)))
        voice = fam->default_voice ? fam->default_voice : voice;
    if (!voice)
        return resp_error(r, 400, NULL, NULL, "voice", "The model `%s` needs a 'voice' (its own voice id)",
                          model_id), NULL;

    const char *format = "mp3";
    if (json_object_object_get_ex(root, "response_format", &v) && v) {
        if (!json_object_is_type(v, json_type_string))
            return resp_error(r, 400, NULL, NULL, "response_format", "'response_format' must be a string"), NULL;
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
        return resp_error(r, 400, NULL, "unsupported_format", "response_format",
                          "The model `%s` cannot produce '%.32s' audio; it offers: %s", model_id, format, list), NULL;
    }

    double speed = 1.0;
    const char *speed_text = "1";
    if (json_object_object_get_ex(root, "speed", &v) && v) {
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
            return resp_error(r, 400, NULL, NULL, "speed", "'speed' must be a number from 0.25 to 4.0"), NULL;
        speed = json_object_get_double(v);
        if (!isfinite(speed) || speed < 0.25 || speed > 4.0)
            return resp_error(r, 400, NULL, NULL, "speed", "'speed' must be a number from 0.25 to 4.0"), NULL;
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
    resp_error(r, 500, NULL, NULL, NULL, "Out of memory");
    return NULL;
}

int media_audio_speech(struct relay_req *r)
{
    char key[MUP_KEY_MAX + 1];
    size_t key_len;
    struct json_object *root = NULL, *up = NULL, *reply = NULL, *rec, *v;
    struct cat_model model;
    struct rl_ticket ticket;
    const struct sniff_fmt *want = NULL;
    struct buf a, b;
    buf_init(&a, SPEECH_URL_MAX);
    buf_init(&b, SPEECH_URL_MAX);

    if (mup_key(r, key, &key_len) < 0 || mup_json_body(r, SPEECH_BODY_MAX, &root) < 0)
        goto out;
    if (!json_object_object_get_ex(root, "model", &v) || !json_object_is_type(v, json_type_string) ||
        !*json_object_get_string(v)) {
        resp_error(r, 400, NULL, NULL, "model", "'model' is required (for example tts-1)");
        goto out;
    }
    const char *model_id = json_object_get_string(v);
    if (mup_model(r, model_id, CAT_TTS, "a text-to-speech model", &model) < 0)
        goto out;
    up = speech_build(r, root, model_id, &want);
    if (!up)
        goto out;
    if (rl_admit(r, key, key_len, rl_audio_cost(r->app->rl), &ticket) < 0)
        goto out;
    if (mup_feature(r, key, up, r->app->media->audio_timeout_s, &reply, &rec) < 0)
        goto out;
    mup_result_links(r, rec, 0, &a, &b);
    if (!a.len) {
        resp_error(r, 502, "upstream_error", "bad_gateway", NULL, "1min.ai returned no audio file");
        goto out;
    }
    if (!speech_relay(r, buf_str(&a), want) && (!b.len || !speech_relay(r, buf_str(&b), want)))
        resp_error(r, 502, "upstream_error", "download_failed", NULL,
                   "Could not download the generated audio from 1min.ai");
out:
    buf_free(&a);
    buf_free(&b);
    json_object_put(reply);
    json_object_put(up);
    json_object_put(root);
    return 0;
}
