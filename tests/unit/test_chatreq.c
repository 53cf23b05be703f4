/* Unit tests: onemin/chatreq, the chat body produced as libcurl reads it.
 * Whatever the size of each read, the bytes must be the body written whole
 * (head, the prompt as text_json_quote escapes it, tail), exactly the length
 * declared, the same again after a rewind, and a JSON document whose prompt
 * is the prompt. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "onemin/chatreq.h"
#include "tap.h"

/* Everything b produces in reads of at most piece bytes. */
static void read_all(struct chatreq_body *b, size_t piece, struct buf *out)
{
    char dst[64];
    size_t n;
    buf_clear(out);
    while ((n = b->src.read(b->src.ud, dst, piece)) > 0)
        buf_append(out, dst, n);
}

int main(void)
{
    static const char *images[] = { "images/a.png", "images/\"b\".png" };
    static const char *files[] = { "uuid-1" };
    /* escapes of every length: two-byte, \u00XX, U+FFFD for bad bytes, UTF-8 */
    const char prompt[] = "Human: say \"hi\"\n\tcaf\xc3\xa9 \x01\x7f \xff\xfe \xe2\x82\xac \xf0\x9f\x98\x80 \\ end\n\n";
    struct chatreq c = { .model = "gpt-4o", .prompt = prompt, .prompt_len = sizeof prompt - 1,
                         .web_search = 1, .num_sites = 3, .max_words = 500,
                         .images = images, .nimages = 2, .files = files, .nfiles = 1 };
    struct buf want, got;
    buf_init(&want, 1 << 20);
    buf_init(&got, 1 << 20);
    buf_puts(&want, "{\"type\":\"UNIFY_CHAT_WITH_AI\",\"model\":\"gpt-4o\",\"promptObject\":{\"prompt\":");
    text_json_quote(&want, prompt, sizeof prompt - 1);
    buf_puts(&want, ",\"settings\":{\"historySettings\":{\"isMixed\":false},\"withMemories\":false,"
                    "\"webSearchSettings\":{\"webSearch\":true,\"numOfSite\":3,\"maxWord\":500}},"
                    "\"attachments\":{\"images\":[\"images/a.png\",\"images/\\\"b\\\".png\"],\"files\":[\"uuid-1\"]}}}");

    struct chatreq_body b;
    is_int(chatreq_open(&b, &c, 1 << 20), 0, "opens");
    is_int(b.src.len, want.len, "declares the length of the whole body");
    size_t bad = 0;
    for (size_t piece = 1; piece <= 64; piece++) {
        b.src.rewind(b.src.ud);
        read_all(&b, piece, &got);
        bad += got.len != want.len || memcmp(got.data, want.data, want.len) != 0;
    }
    is_int(bad, 0, "reads of 1 to 64 bytes, each after a rewind: the body written whole");
    b.src.rewind(b.src.ud);
    char half[40];
    b.src.read(b.src.ud, half, sizeof half);
    b.src.rewind(b.src.ud);
    read_all(&b, 13, &got);
    is_str(buf_str(&got), buf_str(&want), "a rewind in the middle starts over");
    struct json_object *root = json_tokener_parse(buf_str(&got)), *po = NULL, *p = NULL;
    ok(root && json_object_object_get_ex(root, "promptObject", &po) && json_object_object_get_ex(po, "prompt", &p),
       "the body is JSON with promptObject.prompt");
    const char *fixed = "Human: say \"hi\"\n\tcaf\xc3\xa9 \x01\x7f \xef\xbf\xbd\xef\xbf\xbd \xe2\x82\xac "
                        "\xf0\x9f\x98\x80 \\ end\n\n";
    is_str(p ? json_object_get_string(p) : NULL, fixed, "the prompt comes back, bad bytes as U+FFFD");
    json_object_put(root);
    chatreq_close(&b);

    ok(chatreq_open(&b, &c, want.len - 1) < 0, "a body one byte over the maximum is refused");
    chatreq_close(&b);
    buf_free(&want);
    buf_free(&got);
    return tap_done();
}
