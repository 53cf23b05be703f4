/* answer: the stages of answer.h chained by their emit callbacks. */
#include "engine/answer.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "engine/jsonx.h"
#include "engine/render.h"
#include "engine/stopmatch.h"
#include "engine/tokcut.h"
#include "engine/toolparse.h"

/* Bound of one tool-call block. */
#define ANSWER_BLOCK_MAX (1u << 20)

struct answer {
    struct answer_out out;
    struct buf front;           /* an incomplete character carried to the next feed */
    struct stopmatch sm;
    int use_stop;
    struct tokcut tc;
    int use_tok;
    struct toolparse *tp;       /* NULL: no tools */
    struct buf text;            /* the model's text up to the cut */
    int done;                   /* ANSWER_DONE was returned: nothing more is read */
    int json_clean;             /* collect the content and clean it at the end */
    struct buf content;         /* json_clean: the content so far */
};

static int answer_gone(int rc)
{
    return rc ? ANSWER_GONE : 0;
}

static int answer_flush_content(struct answer *a)
{
    int rc = a->content.len ? answer_gone(a->out.text(a->out.ud, a->content.data, a->content.len)) : 0;
    buf_clear(&a->content);
    return rc;
}

/* Content text for the client. */
static int answer_content(void *ud, const char *p, size_t n)
{
    struct answer *a = ud;
    if (n == 0)
        return 0;
    if (a->json_clean)
        return buf_append(&a->content, p, n) < 0 ? ANSWER_FAIL : 0;
    return answer_gone(a->out.text(a->out.ud, p, n));
}

static int answer_call(void *ud, const struct eng_tool_call *call)
{
    struct answer *a = ud;
    int rc = answer_flush_content(a);      /* the text comes before the calls */
    return rc ? rc : answer_gone(a->out.tool_call(a->out.ud, call));
}

/* Text that passed the cuts: kept for the count, then tool blocks. */
static int answer_kept(void *ud, const char *p, size_t n)
{
    struct answer *a = ud;
    if (buf_append(&a->text, p, n) < 0)
        return ANSWER_FAIL;
    if (!a->tp)
        return answer_content(a, p, n);
    int rc = toolparse_feed(a->tp, p, n);
    if (rc == 0 && toolparse_done(a->tp))
        return ANSWER_DONE;
    return rc;
}

static int answer_tok(void *ud, const char *p, size_t n)
{
    struct answer *a = ud;
    return a->use_tok ? tokcut_feed(&a->tc, p, n, answer_kept, a) : answer_kept(a, p, n);
}

struct answer *answer_new(const struct eng_request *req, size_t max_text, const struct answer_out *out)
{
    struct answer *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->out = *out;
    buf_init(&a->front, 8);
    buf_init(&a->text, max_text);
    buf_init(&a->content, max_text);
    stopmatch_init(&a->sm, req->stop, req->nstop);
    a->use_stop = a->sm.nstop > 0;
    tokcut_init(&a->tc, tok_encoding_for_model(req->model), req->max_tokens);
    a->use_tok = req->max_tokens > 0;
    a->json_clean = req->format != ENG_FORMAT_TEXT && !req->stream;
    if (render_has_tools(req)) {
        struct toolparse_out tpo = { .ud = a, .text = answer_content, .call = answer_call };
        a->tp = toolparse_new(req->tools, req->ntools, req->parallel_tool_calls ? 0 : 1, ANSWER_BLOCK_MAX, &tpo);
        if (!a->tp) {
            answer_free(a);
            return NULL;
        }
    }
    return a;
}

void answer_free(struct answer *a)
{
    if (!a)
        return;
    buf_free(&a->front);
    stopmatch_free(&a->sm);
    tokcut_free(&a->tc);
    toolparse_free(a->tp);
    buf_free(&a->text);
    buf_free(&a->content);
    free(a);
}

/* Whole characters of p[0..n) into the stages. */
static int answer_whole(struct answer *a, const char *p, size_t n)
{
    if (n == 0)
        return 0;
    return a->use_stop ? stopmatch_feed(&a->sm, p, n, answer_tok, a) : answer_tok(a, p, n);
}

/* answer_feed before the done check. */
static int answer_feed_whole(struct answer *a, const char *p, size_t n)
{
    if (a->front.len > 0) {
        /* the carried start of a character, with the next bytes: either
         * still incomplete (n < 3), or it goes out with the bytes of p that
         * complete it (or, invalid, goes out as it is) */
        char local[8];
        size_t c = a->front.len, k = n < 4 ? n : 4;
        memcpy(local, a->front.data, c);
        memcpy(local + c, p, k);
        size_t whole = text_utf8_complete_prefix(local, c + k);
        if (whole == 0)
            return buf_append(&a->front, p, n) < 0 ? ANSWER_FAIL : 0;
        buf_clear(&a->front);
        int rc = answer_whole(a, local, whole);
        if (rc)
            return rc;
        size_t used = whole > c ? whole - c : 0;
        p += used;
        n -= used;
    }
    size_t from = n > 4 ? n - 4 : 0;
    size_t whole = from + text_utf8_complete_prefix(p + from, n - from);
    int rc = answer_whole(a, p, whole);
    if (rc == 0 && buf_append(&a->front, p + whole, n - whole) < 0)
        rc = ANSWER_FAIL;
    return rc;
}

int answer_feed(struct answer *a, const char *p, size_t n)
{
    int rc = a->done ? ANSWER_DONE : answer_feed_whole(a, p, n);
    if (rc == ANSWER_DONE)
        a->done = 1;
    return rc;
}

int answer_finish(struct answer *a, enum eng_finish upstream, struct eng_result *res)
{
    int rc = 0;
    if (!a->done) {             /* pass on what the stages held back */
        if (a->front.len > 0)
            rc = answer_whole(a, a->front.data, a->front.len);
        if (rc == 0 && a->use_stop)
            rc = stopmatch_finish(&a->sm, answer_tok, a);
        if (rc == 0 && a->use_tok)
            rc = tokcut_finish(&a->tc, answer_kept, a);
        if (rc == ANSWER_DONE)
            rc = 0;
    }
    buf_clear(&a->front);
    if (rc == 0 && a->tp)
        rc = toolparse_finish(a->tp);
    unsigned calls = a->tp ? toolparse_calls(a->tp) : 0;
    if (rc == 0 && a->json_clean && calls == 0) {
        size_t start, len;
        if (jsonx_find(buf_str(&a->content), a->content.len, &start, &len)) {
            memmove(a->content.data, a->content.data + start, len);
            a->content.len = len;
            a->content.data[len] = '\0';
        }
    }
    if (rc == 0)
        rc = answer_flush_content(a);
    res->stop_sequence = NULL;
    if (calls > 0) {
        res->finish = ENG_FINISH_TOOL_CALLS;
    } else if (a->sm.matched) {
        res->finish = ENG_FINISH_STOP_SEQUENCE;
        res->stop_sequence = stopmatch_matched(&a->sm);
    } else if (a->tc.cut) {
        res->finish = ENG_FINISH_LENGTH;
    } else {
        res->finish = upstream;
    }
    return rc < 0 ? rc : 0;
}

const char *answer_text(const struct answer *a, size_t *len)
{
    *len = a->text.len;
    return buf_str(&a->text);
}
