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

#include "api/admit.h"
#include "api/api.h"
#include "codec/sniff.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/resp.h"
#include "onemin/feature.h"
#include "onemin/result.h"
#include "ratelimit/rl.h"

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

/* After the whole body passed through on_data: commit what is held back
 * when the download was shorter than the sniff window. */
static void speech_end(struct speech_stream *s)
{
    if (!s->committed && !s->mismatch && (s->held == 0 || speech_commit(s) < 0))
        s->mismatch = 1;     /* empty, or short and not the format */
}

/* A link off the asset CDN: downloaded whole through the address check
 * (onemin/result), then passed on. Returns 1 when it arrived. */
static int speech_fetched(const struct onemin *om, const char *url, struct speech_stream *s)
{
    struct buf body;
    buf_init(&body, 0);
    int ok = result_download(om, url, om->media->result_max_bytes, &body) == 0;
    if (ok && speech_on_data(s, body.data ? body.data : "", body.len) == 0)
        speech_end(s);
    buf_free(&body);
    return ok;
}

/* Pass url's audio to the client. Returns 1 when the audio went out (or the
 * client left while it did), 0 when this link failed before anything was
 * sent (try the next one), -1 with e filled when the file is not the format
 * promised. */
static int speech_relay(const struct onemin *om, struct relay_req *r, const char *url,
                        const struct sniff_fmt *want, struct relay_err *e)
{
    struct speech_stream s = { .r = r, .want = want };
    int arrived;
    enum client_rc urc = CLIENT_OK;
    long status = 0;
    if (!result_on_cdn(om, url)) {
        arrived = speech_fetched(om, url, &s);
    } else {
        struct client_reply rep;
        client_reply_init(&rep, 64u << 10);
        struct client_request req = {
            .method = "GET",
            .url = url,
            .connect_timeout_ms = om->cfg->connect_timeout_ms,
            .idle_timeout_s = om->cfg->idle_timeout_s,
            .on_data = speech_on_data,
            .ud = &s,
        };
        urc = client_perform(om->curl, &req, &rep);
        status = rep.status;
        arrived = urc == CLIENT_OK && status >= 200 && status < 300;
        if (arrived)
            speech_end(&s);
        client_reply_free(&rep);
    }
    if (s.mismatch && !s.committed)
        return err_set(e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai produced audio that is not %s",
                       want->name);
    if (!s.committed) {
        LOG_INFO("speech download from a result link failed: %s, HTTP %ld", client_rc_text(urc), status);
        return 0;
    }
    if (!arrived && !r->client_gone)
        LOG_WARN("speech download broke off: %s", client_rc_text(urc));
    return 1;
}

/* Validate the request and build the upstream body. NULL after the error. */
static struct json_object *speech_build(struct json_object *root, const char *model_id,
                                        const struct sniff_fmt **want, struct relay_err *e)
{
    struct json_object *v, *up = NULL, *po = NULL;
    const struct tts_family *fam = tts_family_for(model_id);

    if (!json_object_object_get_ex(root, "input", &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0)
        return err_set(e, 400, NULL, NULL, "input", "'input' is required and must be a non-empty string"), NULL;
    const char *input = json_object_get_string(v);
    if (json_object_get_string_len(v) > SPEECH_INPUT_MAX * 4 || strlen(input) > SPEECH_INPUT_MAX * 4)
        return err_set(e, 400, NULL, NULL, "input", "'input' is longer than %d characters", SPEECH_INPUT_MAX), NULL;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)input; *p; p++)
        chars += (*p & 0xc0) != 0x80;
    if (chars > SPEECH_INPUT_MAX)
        return err_set(e, 400, NULL, NULL, "input", "'input' is longer than %d characters", SPEECH_INPUT_MAX), NULL;

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
    if (!voice || (!fam->voice_is_openai && is_openai_voice(voice)))
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

int speech_create(struct relay_req *r, struct relay_err *e)
{
    char key[ONEMIN_KEY_MAX + 1];
    size_t key_len;
    struct json_object *root = NULL, *up = NULL, *reply = NULL, *rec, *v;
    struct catalog_model model;
    struct rl_ticket ticket;
    struct onemin om;
    const struct sniff_fmt *want = NULL;
    struct buf a, b;
    int rc = -1;
    buf_init(&a, SPEECH_URL_MAX);
    buf_init(&b, SPEECH_URL_MAX);

    if (api_key(r, key, &key_len, e) < 0 || api_json_body(r, SPEECH_BODY_MAX, &root, e) < 0)
        goto out;
    if (!json_object_object_get_ex(root, "model", &v) || !json_object_is_type(v, json_type_string) ||
        !*json_object_get_string(v)) {
        err_set(e, 400, NULL, NULL, "model", "'model' is required (for example tts-1)");
        goto out;
    }
    const char *model_id = json_object_get_string(v);
    if (api_model(r, model_id, CATALOG_TTS, "a text-to-speech model", &model, e) < 0)
        goto out;
    up = speech_build(root, model_id, &want, e);
    if (!up)
        goto out;
    if (admit_request(r, key, key_len, rl_audio_cost(r->app->rl), &ticket, e) < 0)
        goto out;
    api_onemin(r, key, key_len, &om);
    if (api_check_client(r, e) < 0 || feature_call(&om, up, r->app->media->audio_timeout_s, &reply, &rec, e) < 0)
        goto out;
    result_links(&om, rec, 0, &a, &b);
    if (!a.len) {
        err_set(e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai returned no audio file");
        goto out;
    }
    metrics_media("speech");
    rc = speech_relay(&om, r, buf_str(&a), want, e);
    if (rc == 0 && b.len)
        rc = speech_relay(&om, r, buf_str(&b), want, e);
    if (rc == 0)
        rc = err_set(e, 502, "upstream_error", "download_failed", NULL,
                     "Could not download the generated audio from 1min.ai");
    rc = rc < 0 ? -1 : 0;
out:
    buf_free(&a);
    buf_free(&b);
    json_object_put(reply);
    json_object_put(up);
    json_object_put(root);
    return rc;
}
