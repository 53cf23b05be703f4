/* emul_bench: the cost of the emulation per upstream byte (make bench-emul).
 *
 * An answer of prose with a few '<' and tool-call blocks is fed in chunks of
 * 24 bytes (about one upstream event) through (a) the tool-call parser alone
 * and (b) the whole per-choice pipeline with tools, four stop sequences and
 * a max_tokens limit that is never reached. Answers of several sizes show
 * whether the cost is linear (the ns per byte must stay flat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "engine/answer.h"
#include "engine/toolparse.h"

#define CHUNK 24

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int no_text(void *ud, const char *p, size_t n)
{
    (void)p;
    *(size_t *)ud += n;
    return 0;
}

static int no_call(void *ud, const struct eng_tool_call *c)
{
    (void)c;
    *(size_t *)ud += 1;
    return 0;
}

static const struct eng_tool tools[] = { { .name = "get_weather" }, { .name = "search" } };

/* An answer of about n bytes: text before, the blocks at the end. */
static void make_answer(struct buf *b, size_t n)
{
    static const char *words[] = { "the ", "relay ", "reads ", "a <b> ", "caf\xc3\xa9 ", "answer, ", "x < y ",
                                   "\xe6\x97\xa5\xe6\x9c\xac ", "tokens\n", "and " };
    size_t i = 0;
    while (b->len < n - n / 8)
        buf_puts(b, words[i++ % 10]);
    while (b->len < n)
        buf_puts(b, "<tool_call>{\"name\": \"search\", \"arguments\": {\"q\": \"fast </tool_call> cgi\", "
                 "\"n\": [1, 2, 3]}}</tool_call>\n");
}

static double run_parser(const struct buf *ans, int reps)
{
    size_t sink = 0;
    struct toolparse_out out = { .ud = &sink, .text = no_text, .call = no_call };
    double t0 = now_s();
    for (int r = 0; r < reps; r++) {
        struct toolparse *tp = toolparse_new(tools, 2, 0, 1 << 20, &out);
        for (size_t i = 0; i < ans->len; i += CHUNK)
            toolparse_feed(tp, ans->data + i, ans->len - i < CHUNK ? ans->len - i : CHUNK);
        toolparse_finish(tp);
        toolparse_free(tp);
    }
    return (now_s() - t0) / reps;
}

static double run_pipeline(const struct buf *ans, int reps)
{
    size_t sink = 0;
    struct eng_request req;
    memset(&req, 0, sizeof(req));
    snprintf(req.model, sizeof(req.model), "gpt-4o");
    req.tools = (struct eng_tool *)tools;
    req.ntools = 2;
    req.parallel_tool_calls = 1;
    req.stop[0] = "\n\nHuman:";
    req.stop[1] = "STOP";
    req.stop[2] = "</answer>";
    req.stop[3] = "###";
    req.nstop = 4;
    req.max_tokens = 100000000;
    req.stream = 1;
    struct answer_out out = { .ud = &sink, .text = no_text, .tool_call = no_call };
    double t0 = now_s();
    for (int r = 0; r < reps; r++) {
        struct answer *a = answer_new(&req, 1 << 26, &out);
        for (size_t i = 0; i < ans->len; i += CHUNK)
            answer_feed(a, ans->data + i, ans->len - i < CHUNK ? ans->len - i : CHUNK);
        struct eng_result res;
        answer_finish(a, ENG_FINISH_STOP, &res);
        answer_free(a);
    }
    return (now_s() - t0) / reps;
}

int main(void)
{
    size_t sizes[] = { 16 << 10, 128 << 10, 1 << 20 };
    printf("%-10s %18s %22s\n", "answer", "parser ns/byte", "pipeline ns/byte");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct buf ans;
        buf_init(&ans, (size_t)-1);
        make_answer(&ans, sizes[i]);
        int reps = (int)((8u << 20) / sizes[i]);
        double tp = run_parser(&ans, reps), pl = run_pipeline(&ans, reps > 4 ? reps / 4 : 1);
        printf("%-10zu %18.2f %22.2f\n", ans.len, tp * 1e9 / (double)ans.len, pl * 1e9 / (double)ans.len);
        buf_free(&ans);
    }
    return 0;
}
