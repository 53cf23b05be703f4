/* eng-bench: what one large chat request costs the relay in memory and CPU,
 * in-process, with a fake transport (not a test; make bench-eng).
 *
 * The path of a Chat Completions request from the body on: the body read
 * into one buffer of its size, parsed and checked (api_json_text), the messages turned into the
 * transcript, the prompt rendered once and counted, the upstream body written
 * and the call made (a fake transport answering a short record). Printed:
 *   - peak resident memory the first request of its size added, as a
 *     multiple of its body (target: at most 3x);
 *   - CPU time of the whole path, the tokenizer's share of it (counting the
 *     prompt), and the rest (target: at most 5 ms for 1 MiB): for the first
 *     request, and the median of the next ones;
 *   - the parse alone, side by side with json-c's tokener. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/chatmsgs.h"
#include "core/cfg.h"
#include "engine/ctx.h"
#include "engine/engine.h"
#include "onemin/media.h"

static long status_kb(const char *field)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0)
            v = strtol(line + strlen(field), NULL, 10);
    fclose(f);
    return v;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static enum client_rc fake_perform(void *h, const struct client_request *req, struct client_reply *rep)
{
    static const char answer[] = "{\"aiRecord\":{\"status\":\"SUCCESS\",\"aiRecordDetail\":{\"resultObject\":"
                                 "[\"Short answer.\"]},\"metadata\":{\"inputToken\":1,\"outputToken\":2}}}";
    static char piece[65536];         /* libcurl's upload buffer */
    (void)h;
    while (req->body_src && req->body_src->read(req->body_src->ud, piece, sizeof piece) > 0)
        ;                             /* the body escaped as libcurl would read it */
    rep->status = 200;
    buf_append(&rep->body, answer, sizeof answer - 1);
    return CLIENT_OK;
}

static int null_begin(void *ud, unsigned c) { (void)ud; (void)c; return 0; }
static int null_text(void *ud, unsigned c, const char *p, size_t n) { (void)ud; (void)c; (void)p; (void)n; return 0; }
static int null_end(void *ud, unsigned c, const struct eng_result *r) { (void)ud; (void)c; (void)r; return 0; }

/* The whole path for one body; returns the prompt's length (0 on failure). */
static size_t one(const char *client_body, size_t len, double *tok_ms)
{
    static struct relay_config cfg = { .chat_api_url = "http://upstream.test/chat", .max_upstream_body = 1 << 20 };
    static struct media_config media = { .max_images = 8 };
    static struct onemin om = { .cfg = &cfg, .media = &media, .key = "bench-key-123456", .key_len = 16 };
    struct buf body, prompt;
    struct chatmsgs msgs;
    struct relay_err e;
    struct eng_request req;
    size_t out = 0;
    buf_init(&body, len + 1);
    buf_init(&prompt, (size_t)64 << 20);
    buf_reserve(&body, len);                     /* req_read_body: the declared size at once */
    buf_append(&body, client_body, len);
    struct json_object *root = NULL, *messages = NULL;
    int parsed = api_json_text(body.data, body.len, &root, &e);   /* api_json_body's parse and checks */
    buf_free(&body);                             /* api_json_body frees the read buffer */
    memset(&req, 0, sizeof req);
    snprintf(req.model, sizeof req.model, "gpt-4o-mini");
    req.n = 1;
    memset(&msgs, 0, sizeof msgs);
    if (parsed == 0 && json_object_object_get_ex(root, "messages", &messages) && chatmsgs_parse(messages, &msgs, &e) == 0) {
        req.turns = msgs.turns;
        req.nturns = msgs.nturns;
        if (eng_prompt(&req, &prompt, &e) == 0) {
            double t = cpu_ms();
            long long tokens = eng_count_tokens(req.model, buf_str(&prompt), prompt.len);
            *tok_ms = cpu_ms() - t;
            struct eng_ctx ctx = { .om = &om, .prompt = &prompt, .prompt_tokens = tokens, .perform = fake_perform };
            struct eng_sink sink = { .begin = null_begin, .text = null_text, .end = null_end };
            if (eng_run(&ctx, &req, &sink, NULL, &e) == 0)
                out = prompt.len;
        }
    }
    chatmsgs_free(&msgs);
    json_object_put(root);
    buf_free(&prompt);
    return out;
}

static char *make_body(size_t content_bytes, size_t *len)
{
    static const char *words[] = { "relay ", "the ", "upstream ", "answer, ", "tokens ", "quick\n", "ünïcode ",
                                   "\"quoted\" ", "42 " };
    char *b = malloc(content_bytes + 256);
    size_t at = (size_t)sprintf(b, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"");
    for (size_t i = 0; at < content_bytes; i++) {
        const char *w = words[i % (sizeof words / sizeof words[0])];
        for (; *w; w++) {
            if (*w == '"' || *w == '\n') {
                b[at++] = '\\';
                b[at++] = *w == '\n' ? 'n' : '"';
            } else {
                b[at++] = *w;
            }
        }
    }
    at += (size_t)sprintf(b + at, "\"}]}");
    *len = at;
    return b;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Parse CPU of one body, best of a few: ours (api_json_text) or json-c's
 * tokener with the same flags. */
static double parse_ms(const char *body, size_t len, int tokener)
{
    double best = 1e9;
    char *copy = malloc(len);
    for (int i = 0; copy && i < 5; i++) {
        struct json_object *root = NULL;
        struct relay_err e;
        memcpy(copy, body, len);
        double t = cpu_ms();
        if (tokener) {
            json_tokener *tok = json_tokener_new_ex(64);
            json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
            root = json_tokener_parse_ex(tok, copy, (int)len);
            json_tokener_free(tok);
        } else {
            (void)api_json_text(copy, len, &root, &e);
        }
        json_object_put(root);
        t = cpu_ms() - t;
        best = t < best ? t : best;
    }
    free(copy);
    return best;
}

/* One size in a process of its own, so that no earlier size has warmed the
 * heap: the first request (memory and CPU), then WARM more (median CPU). */
#define WARM 5
static void one_size(size_t size)
{
    size_t small_len, len;
    char *small = make_body(4096, &small_len);
    double tok, rest[WARM], toks[WARM];
    one(small, small_len, &tok);                /* the tokenizer's tables and the allocator's start */
    free(small);
    char *body = make_body(size, &len);
    long base = status_kb("VmRSS:");
    reset_peak();
    double t0 = cpu_ms();
    size_t plen = one(body, len, &tok);
    double total = cpu_ms() - t0;
    long peak = status_kb("VmHWM:");
    if (!plen)
        printf("  the request failed\n");
    printf("  body %5.2f MiB, first request: peak memory added %.2f x the body (target <= 3); CPU %.1f ms = "
           "tokenizer %.1f ms + the rest %.1f ms\n", len / 1048576.0, (peak - base) * 1024.0 / (double)len, total,
           tok, total - tok);
    for (int i = 0; i < WARM; i++) {
        t0 = cpu_ms();
        one(body, len, &toks[i]);
        rest[i] = cpu_ms() - t0 - toks[i];
    }
    qsort(rest, WARM, sizeof rest[0], cmp_double);
    qsort(toks, WARM, sizeof toks[0], cmp_double);
    printf("  body %5.2f MiB, the next %d (median): tokenizer %.1f ms + the rest %.1f ms (target: the rest <= %.0f ms)\n",
           len / 1048576.0, WARM, toks[WARM / 2], rest[WARM / 2], 5.0 * (double)len / 1048576.0);
    double ours = parse_ms(body, len, 0), theirs = parse_ms(body, len, 1);
    printf("  body %5.2f MiB, parse alone: jsonparse %.2f ms, json-c's tokener %.2f ms (%.1fx)\n",
           len / 1048576.0, ours, theirs, theirs / ours);
    free(body);
}

int main(void)
{
    size_t sizes[] = { (size_t)1 << 20, (size_t)4 << 20 };
    printf("eng-bench: one chat request through parse, transcript, prompt, count, upstream body, fake call\n");
    fflush(stdout);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            one_size(sizes[i]);
            fflush(stdout);
            _exit(0);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
    return 0;
}
