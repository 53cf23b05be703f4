/* POST /v1/audio/speech: TEXT_TO_SPEECH (the body from the model family's
 * row, onemin/tts), then the audio file itself, streamed to the client as it
 * downloads. The first bytes of the download are checked against the promised
 * format, so the client never gets bytes whose type does not match the
 * header (502). */
#include <json-c/json.h>
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
#include "onemin/tts.h"
#include "ratelimit/rl.h"

#define SPEECH_BODY_MAX ((size_t)1 << 20)
#define SPEECH_SNIFF_BYTES 64
#define SPEECH_URL_MAX 4096

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

/* Pass url's audio to the client. Returns 1 when the audio went out (or the
 * client left while it did), 0 when this link failed before anything was
 * sent (try the next one), -1 with e filled when the file is not the format
 * promised. */
static int speech_relay(const struct onemin *om, struct relay_req *r, const char *url,
                        const struct sniff_fmt *want, struct relay_err *e)
{
    struct speech_stream s = { .r = r, .want = want };
    int arrived = result_stream(om, url, speech_on_data, &s) == 0;
    if (arrived)
        speech_end(&s);
    if (s.mismatch && !s.committed)
        return err_set(e, 502, "upstream_error", "bad_gateway", NULL, "1min.ai produced audio that is not %s",
                       want->name);
    if (!s.committed)
        return 0;
    if (!arrived && !r->client_gone)
        LOG_WARN("speech download broke off");
    return 1;
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
    up = tts_build(root, model_id, &want, e);
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
