/* test_prompt: Chat Completions messages through the parser (api/chatmsgs)
 * and the engine's prompt (docs/tools.md §1), and the parser's 400s, each
 * with the param a client must fix. */
#include <json-c/json.h>

#include "tap.h"
#include "api/chatmsgs.h"
#include "engine/engine.h"

struct result {
    int rc;
    char prompt[4096];
    size_t images;
    struct relay_err err;
};

/* Build the prompt for a JSON messages value ("" for a missing one). */
static struct result build(const char *json, size_t max)
{
    struct result r;
    memset(&r, 0, sizeof(r));
    struct json_object *messages = NULL;
    if (*json) {
        messages = json_tokener_parse(json);
        if (!messages && strcmp(json, "null") != 0)
            printf("# bad test JSON: %s\n", json);
    }
    struct buf out;
    struct chatmsgs m;
    buf_init(&out, max);
    r.rc = chatmsgs_parse(messages, &m, &r.err);
    if (r.rc == 0) {
        struct eng_request req = { .turns = m.turns, .nturns = m.nturns, .n = 1, .param_prefix = "messages" };
        for (size_t t = 0; t < m.nturns; t++)
            for (size_t i = 0; i < m.turns[t].nparts; i++)
                r.images += m.turns[t].parts[i].kind == ENG_PART_IMAGE;
        r.rc = eng_prompt(&req, &out, &r.err);
    }
    chatmsgs_free(&m);
    snprintf(r.prompt, sizeof(r.prompt), "%s", buf_str(&out));
    buf_free(&out);
    json_object_put(messages);
    return r;
}

static void expect_prompt(const char *json, const char *want, size_t want_images, const char *name)
{
    struct result r = build(json, 1 << 16);
    is_int(r.rc, 0, "%s: accepted", name);
    if (r.rc)
        printf("#   error: %s (param %s)\n", r.err.message, r.err.param);
    is_str(r.prompt, want, "%s: prompt", name);
    is_int(r.images, want_images, "%s: image parts", name);
}

static void expect_error(const char *json, const char *param, const char *fragment, const char *name)
{
    struct result r = build(json, 1 << 16);
    is_int(r.rc, -1, "%s: rejected", name);
    is_str(r.err.param, param, "%s: param", name);
    if (!ok(strstr(r.err.message, fragment) != NULL, "%s: message says what is wrong", name))
        printf("#   message: %s\n#   want: %s\n", r.err.message, fragment);
}

static void test_convention(void)
{
    expect_prompt("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"What is FastCGI?\"}]",
                  "System: Be brief.\n\nHuman: What is FastCGI?\n\n", 0, "system + user (the doc's example)");
    expect_prompt("[{\"role\":\"developer\",\"content\":\"Rules\"},{\"role\":\"user\",\"content\":\"hi\"},"
                  "{\"role\":\"assistant\",\"content\":\"Hello!\"},{\"role\":\"user\",\"content\":\"again\"}]",
                  "System: Rules\n\nHuman: hi\n\nAssistant: Hello!\n\nHuman: again\n\n", 0,
                  "developer counts as system; a multi-turn transcript");
    expect_prompt("[{\"role\":\"user\",\"content\":\"\"}]", "Human: \n\n", 0, "empty string content is allowed");
    expect_prompt("[{\"role\":\"user\",\"content\":\"line 1\\nline 2 \\u00e9\\u65e5\"}]",
                  "Human: line 1\nline 2 \xC3\xA9\xE6\x97\xA5\n\n", 0, "newlines and UTF-8 kept");
    expect_prompt("[{\"role\":\"user\",\"name\":\"bob\",\"content\":\"x\",\"extra\":1}]",
                  "Human: x\n\n", 0, "unknown message fields are ignored");
}

static void test_parts(void)
{
    expect_prompt("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
                  "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}},"
                  "{\"type\":\"text\",\"text\":\"And this?\"},"
                  "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.test/a.png\",\"detail\":\"low\"}}]}]",
                  "Human: What is this?\nAnd this?\n\n", 2, "text parts joined with a newline, images counted");
    expect_prompt("[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.test/i.png\"}}]},"
                  "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.test/j.png\"}}]}]",
                  "Human: \n\nHuman: \n\n", 2, "image-only messages; counts add up across messages");
    expect_prompt("[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"\"},"
                  "{\"type\":\"text\",\"text\":\"b\"}]}]",
                  "System: a\n\nb\n\n", 0, "an empty text part still joins");
    expect_prompt("[{\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"I can't.\"}]}]",
                  "Assistant: I can't.\n\n", 0, "a replayed refusal part reads as text");
}

static void test_tools(void)
{
    expect_prompt("[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                  "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                  "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                  "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
                  "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C, sunny\"},"
                  "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":[{\"type\":\"text\",\"text\":\"12:00\"}]}]",
                  "Human: Weather in Paris?\n\n"
                  "Assistant: <tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}</tool_call>\n"
                  "<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>\n\n"
                  "Tool: get_weather (call_1): 18C, sunny\n\nTool: get_time (call_2): 12:00\n\n", 0,
                  "tool calls and tool results (docs/tools.md)");
    expect_prompt("[{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":[{\"type\":\"function\","
                  "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]",
                  "Assistant: Let me check.\n<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>\n\n", 0,
                  "text followed by its calls");
    expect_prompt("[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\"}}]}]",
                  "Assistant: <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>\n\n", 0,
                  "missing content and arguments with tool_calls");
    expect_prompt("[{\"role\":\"assistant\",\"content\":null,\"function_call\":{\"name\":\"old\",\"arguments\":\"{\\\"a\\\":1}\"}},"
                  "{\"role\":\"function\",\"name\":\"old\",\"content\":\"done\"},{\"role\":\"function\",\"name\":\"x\",\"content\":null}]",
                  "Assistant: <tool_call>{\"name\": \"old\", \"arguments\": {\"a\":1}}</tool_call>\n\n"
                  "Tool: old (old): done\n\nTool: unknown (x): \n\n", 0,
                  "legacy function_call and function role");
    expect_prompt("[{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":\"ignored on a user message\"}]",
                  "Human: x\n\n", 0, "tool_calls only matter on assistant messages");
}

static void test_errors(void)
{
    expect_error("", "messages", "Missing required parameter: 'messages'", "messages missing");
    expect_error("null", "messages", "Missing required parameter", "messages null");
    expect_error("{\"role\":\"user\"}", "messages", "expected an array", "messages an object");
    expect_error("\"hi\"", "messages", "expected an array", "messages a string");
    expect_error("[]", "messages", "at least one message", "messages empty");
    expect_error("[{\"role\":\"user\",\"content\":\"a\"},\"hello\"]", "messages[1]", "expected an object",
                 "a message that is a string");
    expect_error("[{\"role\":\"user\",\"content\":\"a\"},{\"content\":\"b\"}]", "messages[1].role",
                 "Missing required parameter", "role missing");
    expect_error("[{\"role\":null,\"content\":\"b\"}]", "messages[0].role", "Missing required parameter", "role null");
    expect_error("[{\"role\":5,\"content\":\"b\"}]", "messages[0].role", "expected a string", "role a number");
    expect_error("[{\"role\":\"robot\",\"content\":\"b\"}]", "messages[0].role", "'robot' is not one of",
                 "unknown role");
    expect_error("[{\"role\":\"User\",\"content\":\"b\"}]", "messages[0].role", "is not one of",
                 "roles are case-sensitive, as in OpenAI");
    expect_error("[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\"}]", "messages[1].content",
                 "Missing required parameter", "content missing");
    expect_error("[{\"role\":\"user\",\"content\":null}]", "messages[0].content", "content is null",
                 "user content null");
    expect_error("[{\"role\":\"assistant\",\"content\":null}]", "messages[0].content", "no tool_calls",
                 "assistant content null without tool_calls");
    expect_error("[{\"role\":\"tool\",\"content\":null}]", "messages[0].content", "content is null",
                 "tool content null");
    expect_error("[{\"role\":\"user\",\"content\":42}]", "messages[0].content", "expected a string or an array",
                 "content a number");
    expect_error("[{\"role\":\"user\",\"content\":{\"text\":\"x\"}}]", "messages[0].content",
                 "expected a string or an array", "content an object");
    expect_error("[{\"role\":\"user\",\"content\":[]}]", "messages[0].content", "at least one text, image_url or file",
                 "empty parts array");
    expect_error("[{\"role\":\"user\",\"content\":[\"plain\"]}]", "messages[0].content[0]", "expected an object",
                 "a part that is a string");
    expect_error("[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]", "messages[0].content[0]",
                 "'messages[0].content[0].type'", "a part without type");
    expect_error("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}]", "messages[0].content[0]",
                 "expected a string", "a text part whose text is a number");
    expect_error("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                 "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}}]}]",
                 "messages[0].content[1]", "'input_audio' cannot be relayed", "input_audio part");
    expect_error("[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\"}}]}]",
                 "messages[0].content[0].file", "needs file_data (base64) or file_id", "a file part without data");
    expect_error("[{\"role\":\"user\",\"content\":[{\"type\":\"file\"}]}]",
                 "messages[0].content[0].file", "Missing required parameter", "a file part without file");
    expect_error("[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]", "messages[0].content[0]",
                 "'video' is not a supported content part type", "unknown part type");
    expect_error("[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":{\"id\":1}}]", "messages[0].tool_calls",
                 "expected an array", "tool_calls not an array");
    expect_error("[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}]",
                 "messages[0].tool_calls[0].function", "needs a string 'name'", "a tool call without a name");
    expect_error("[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{}}}]}]",
                 "messages[0].tool_calls[0].function", "arguments': expected a string", "arguments not a string");
    expect_error("[{\"role\":\"assistant\",\"content\":\"x\",\"tool_calls\":[3]}]", "messages[0].tool_calls[0].function",
                 "needs a string 'name'", "a tool call that is a number");
}

static void test_limit(void)
{
    const char *json = "[{\"role\":\"user\",\"content\":\"0123456789\"}]";
    struct result r = build(json, 19);
    is_int(r.rc, 0, "a prompt of exactly the limit fits");
    is_str(r.prompt, "Human: 0123456789\n\n", "...whole");
    r = build(json, 18);
    is_int(r.rc, -1, "one byte over the limit fails");
    is_str(r.err.param, "messages", "...naming messages");
    r = build("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"0123456789\"},{\"type\":\"text\",\"text\":\"x\"}]}]", 18);
    is_int(r.rc, -1, "parts over the limit fail");
    r = build("[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"long_function_name\",\"arguments\":\"{}\"}}]}]", 24);
    is_int(r.rc, -1, "tool calls over the limit fail");
    is_str(r.err.param, "messages", "...naming messages");
}

int main(void)
{
    test_convention();
    test_parts();
    test_tools();
    test_errors();
    test_limit();
    return tap_done();
}
