/* test_render: the prompt of the emulation contract (docs/tools.md §1): the
 * labelled blocks, the tool section in the opening System block, earlier
 * calls as <tool_call> blocks, results as Tool: blocks, tool_choice,
 * parallel_tool_calls and the structured-output instructions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "engine/render.h"
#include "tap.h"

#define TEXT(s) { .kind = ENG_PART_TEXT, .text = (s), .text_len = sizeof(s) - 1 }
#define IMAGE(u) { .kind = ENG_PART_IMAGE, .url = (u) }
#define CALL(i, n, a) { .kind = ENG_PART_TOOL_CALL, .id = (i), .name = (n), .arguments = (a) }
#define RESULT(i, s, e) { .kind = ENG_PART_TOOL_RESULT, .id = (i), .text = (s), .text_len = sizeof(s) - 1, .is_error = (e) }
#define TURN(r, p) { .role = (r), .parts = (p), .nparts = sizeof(p) / sizeof((p)[0]) }

static char *render(const struct eng_request *req)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    if (render_prompt(req, &out) < 0)
        buf_puts(&out, "(full)");
    return buf_steal(&out);
}

static void expect(const struct eng_request *req, const char *want, const char *name)
{
    char *got = render(req);
    is_str(got, want, "%s", name);
    free(got);
}

static int contains(const struct eng_request *req, const char *needle)
{
    char *got = render(req);
    int r = strstr(got, needle) != NULL;
    free(got);
    return r;
}

static struct eng_tool weather[] = {
    { .name = "get_weather", .description = "Current weather of a city",
      .parameters = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}" },
    { .name = "now" },
};

#define SECTION_HEAD \
    "# Tools\n\nYou can call these tools (one JSON object per tool: its name, its description and the JSON " \
    "Schema of its parameters):\n" \
    "{\"name\": \"get_weather\", \"description\": \"Current weather of a city\", \"parameters\": " \
    "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}\n" \
    "{\"name\": \"now\", \"parameters\": {}}\n\n" \
    "To call a tool, write in your answer one block per call, of exactly this form:\n" \
    "<tool_call>{\"name\": \"<tool name>\", \"arguments\": {<arguments>}}</tool_call>\n" \
    "where \"name\" is one of the tools above and \"arguments\" is a JSON object that follows the tool's " \
    "parameters schema. Write nothing after the last block. Each result comes back to you in a block of the " \
    "form \"Tool: <tool name> (<call id>): <result>\".\n"
#define AUTO "Call a tool only when you need one; otherwise answer normally, without any block.\n"
#define PARALLEL "You may call several tools at once: one block per call."
#define SINGLE "Call at most one tool per answer: write at most one block."

static void test_plain(void)
{
    struct eng_part sys[] = { TEXT("Be brief.") }, user[] = { TEXT("What is FastCGI?") };
    struct eng_turn turns[] = { TURN(ENG_SYSTEM, sys), TURN(ENG_USER, user) };
    struct eng_request req = { .turns = turns, .nturns = 2, .parallel_tool_calls = 1 };
    expect(&req, "System: Be brief.\n\nHuman: What is FastCGI?\n\n", "plain: the labelled blocks");

    struct eng_part multi[] = { TEXT("look"), IMAGE("https://x/y.png"), TEXT("and this") };
    struct eng_part img[] = { IMAGE("data:image/png;base64,AA==") }, said[] = { TEXT("Hello!") };
    struct eng_turn t2[] = { TURN(ENG_USER, multi), TURN(ENG_ASSISTANT, said), TURN(ENG_USER, img) };
    struct eng_request r2 = { .turns = t2, .nturns = 3 };
    expect(&r2, "Human: look\nand this\n\nAssistant: Hello!\n\nHuman: \n\n", "plain: parts joined, images add no text");

    /* tools offered but tool_choice none: no tool section at all */
    struct eng_request r3 = req;
    r3.tools = weather;
    r3.ntools = 2;
    r3.tool_choice = ENG_CHOICE_NONE;
    expect(&r3, "System: Be brief.\n\nHuman: What is FastCGI?\n\n", "tool_choice none: no tool section");
}

static void test_tools(void)
{
    struct eng_part sys[] = { TEXT("Be brief.") }, user[] = { TEXT("Weather in Paris and Oslo?") };
    struct eng_part asked[] = { TEXT("Let me check."), CALL("call_1", "get_weather", "{\"city\": \"Paris\"}"),
                                CALL("call_2", "get_weather", " {\"city\":\"Oslo\"} ") };
    struct eng_part results[] = { RESULT("call_1", "18C, sunny", 0) };
    struct eng_part results2[] = { RESULT("call_2", "service down", 1), RESULT("call_9", "stray", 0),
                                   TEXT("Thanks, and now?") };
    struct eng_part bare[] = { CALL("call_3", "now", NULL) }, odd[] = { CALL("call_4", "now", "not json") };
    struct eng_turn turns[] = {
        TURN(ENG_SYSTEM, sys), TURN(ENG_USER, user), TURN(ENG_ASSISTANT, asked), TURN(ENG_TOOL, results),
        TURN(ENG_USER, results2), TURN(ENG_ASSISTANT, bare), TURN(ENG_ASSISTANT, odd),
    };
    struct eng_request req = { .turns = turns, .nturns = 7, .tools = weather, .ntools = 2, .parallel_tool_calls = 1 };
    expect(&req,
           "System: Be brief.\n\n" SECTION_HEAD AUTO PARALLEL "\n\n"
           "Human: Weather in Paris and Oslo?\n\n"
           "Assistant: Let me check.\n"
           "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>\n"
           "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Oslo\"}}</tool_call>\n\n"
           "Tool: get_weather (call_1): 18C, sunny\n\n"
           "Tool: get_weather (call_2) error: service down\n\n"
           "Tool: unknown (call_9): stray\n\n"
           "Human: Thanks, and now?\n\n"
           "Assistant: <tool_call>{\"name\": \"now\", \"arguments\": {}}</tool_call>\n\n"
           "Assistant: <tool_call>{\"name\": \"now\", \"arguments\": \"not json\"}</tool_call>\n\n",
           "tools: the section after the system text, calls and results in the contract's form");

    /* no system turn: a new opening System block */
    struct eng_request r2 = req;
    r2.turns = turns + 1;
    r2.nturns = 1;
    r2.parallel_tool_calls = 0;
    expect(&r2, "System: " SECTION_HEAD AUTO SINGLE "\n\nHuman: Weather in Paris and Oslo?\n\n",
           "tools: a new opening System block; parallel_tool_calls false");

    r2.tool_choice = ENG_CHOICE_REQUIRED;
    ok(contains(&r2, "You must call at least one tool in this answer.\n"), "tool_choice required");
    ok(!contains(&r2, AUTO), "tool_choice required: not the auto instruction");
    r2.tool_choice = ENG_CHOICE_NAMED;
    r2.tool_choice_name = "now";
    ok(contains(&r2, "You must call the tool \"now\" in this answer.\n"), "tool_choice named");

    /* a system turn later in the conversation stays where it is */
    struct eng_part late[] = { TEXT("Answer in French.") };
    struct eng_turn t3[] = { TURN(ENG_USER, user), TURN(ENG_SYSTEM, late) };
    struct eng_request r3 = { .turns = t3, .nturns = 2, .tools = weather, .ntools = 1, .parallel_tool_calls = 1 };
    char *got = render(&r3);
    ok(strncmp(got, "System: # Tools", 15) == 0 && strstr(got, "\n\nHuman: Weather in Paris and Oslo?\n\n"
                                                           "System: Answer in French.\n\n") != NULL,
       "tools: the section opens the prompt, a later system turn stays in place");
    free(got);
}

static void test_format(void)
{
    struct eng_part user[] = { TEXT("List two colours.") };
    struct eng_turn turns[] = { TURN(ENG_USER, user) };
    struct eng_request req = { .turns = turns, .nturns = 1, .format = ENG_FORMAT_JSON_OBJECT };
    expect(&req, "System: Answer with a single valid JSON object and nothing else: no code fence, no text before or "
           "after it.\n\nHuman: List two colours.\n\n", "json_object: the instruction");
    req.format = ENG_FORMAT_JSON_SCHEMA;
    req.format_name = "colours";
    req.format_schema = "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}";
    expect(&req, "System: Answer with a single valid JSON value that follows this JSON Schema (\"colours\"), and "
           "nothing else: no code fence, no text before or after it.\n"
           "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}\n\nHuman: List two colours.\n\n",
           "json_schema: the instruction with the schema");
    req.tools = weather + 1;
    req.ntools = 1;
    char *got = render(&req);
    const char *tools_at = strstr(got, "# Tools"), *format_at = strstr(got, "Answer with a single valid JSON value");
    ok(tools_at && format_at && tools_at < format_at && strstr(got, SINGLE "\n\nAnswer with"),
       "tools and format: both in the opening block, tools first");
    free(got);

    struct buf small;
    buf_init(&small, 40);
    is_int(render_prompt(&req, &small), -1, "a prompt past the buffer's maximum fails");
    buf_free(&small);
}

/* Results name their call through the sorted index: with many calls, each
 * result finds its own; a duplicate id names the first call with it; an id
 * no call has is "unknown". */
static void test_many_calls(void)
{
    enum { N = 3000 };
    static char ids[N][16], names[N][16];
    static struct eng_part calls[N + 1], results[N + 1];
    struct eng_turn turns[2] = { { .role = ENG_ASSISTANT, .parts = calls, .nparts = N + 1 },
                                 { .role = ENG_TOOL, .parts = results, .nparts = N + 1 } };
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "call_%d", (i * 7919) % N);
        snprintf(names[i], sizeof names[i], "tool%d", i);
        calls[i] = (struct eng_part){ .kind = ENG_PART_TOOL_CALL, .id = ids[i], .name = names[i], .arguments = "{}" };
        results[i] = (struct eng_part){ .kind = ENG_PART_TOOL_RESULT, .id = ids[i], .text = "r", .text_len = 1 };
    }
    calls[N] = (struct eng_part){ .kind = ENG_PART_TOOL_CALL, .id = ids[5], .name = "later", .arguments = "{}" };
    results[N] = (struct eng_part){ .kind = ENG_PART_TOOL_RESULT, .id = "call_none", .text = "r", .text_len = 1 };
    struct eng_request req = { .turns = turns, .nturns = 2 };
    char *got = render(&req);
    char want[64];
    int found = 0;
    for (int i = 0; i < N; i++) {
        /* checked: a cut line would match a shorter id's (and gcc's
         * -Wformat-truncation cannot see that ids[i] is short) */
        int n = snprintf(want, sizeof want, "Tool: tool%d (%s): r\n", i, ids[i]);
        found += n > 0 && (size_t)n < sizeof want && strstr(got, want) != NULL;
    }
    is_int(found, N, "each of %d results names its own call", N);
    ok(strstr(got, "Tool: later (") == NULL, "a duplicate id names the first call with it");
    ok(strstr(got, "Tool: unknown (call_none): r") != NULL, "an id no call has is unknown");
    free(got);
}

int main(void)
{
    test_plain();
    test_tools();
    test_format();
    test_many_calls();
    return tap_done();
}
