/* The Responses API request parser: every item and part type becomes the
 * right turns and parts; bad shapes give the right 400 with param. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "api/responses.h"
#include "tap.h"

static struct json_object *J(const char *s)
{
    struct json_object *o = json_tokener_parse(s);
    if (!o) {
        printf("# bad test JSON: %s\n", s);
        exit(2);
    }
    return o;
}

/* Parse and build with no stored responses. */
static int run(const char *body, struct resp_request *rq, struct relay_err *e)
{
    struct json_object *b = J(body);
    memset(e, 0, sizeof *e);
    int rc = resp_parse(b, rq, e);
    if (rc == 0)
        rc = resp_build(rq, NULL, NULL, NULL, e);
    json_object_put(b);
    return rc;
}

static void part_text_is(const struct eng_part *p, const char *want, const char *name)
{
    ok(p->kind == ENG_PART_TEXT && p->text_len == strlen(want) && memcmp(p->text, want, p->text_len) == 0,
       "%s: text '%s'", name, want);
}

/* input_file (issue 14): a FILE part for api/docparts. */
static void test_input_file(void)
{
    struct resp_request rq;
    struct relay_err e;
    is_int(run("{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\","
               "\"file_id\":\"file-1\"},{\"type\":\"input_file\",\"filename\":\"a.pdf\",\"file_data\":\"data:application/pdf;base64,JVBE\"}]}]}",
               &rq, &e), 0, "input_file parts parse");
    const struct eng_part *p = rq.eng.nturns ? rq.eng.turns[0].parts : NULL;
    ok(p && rq.eng.turns[0].nparts == 2 && p[0].kind == ENG_PART_FILE && p[0].file_id &&
       strcmp(p[0].file_id, "file-1") == 0 && !p[0].url, "a file_id part");
    ok(p && p[1].kind == ENG_PART_FILE && p[1].url && strncmp(p[1].url, "data:application/pdf", 20) == 0 &&
       p[1].filename && strcmp(p[1].filename, "a.pdf") == 0 && !p[1].file_id, "a file_data part with its name");
    resp_request_free(&rq);
}

static void test_string_input(void)
{
    struct resp_request rq;
    struct relay_err e;
    is_int(run("{\"model\":\"gpt-4o\",\"input\":\"Hello\"}", &rq, &e), 0, "string input parses");
    is_str(rq.eng.model, "gpt-4o", "model copied");
    is_int(rq.eng.nturns, 1, "one turn");
    is_int(rq.eng.turns[0].role, ENG_USER, "a user turn");
    part_text_is(&rq.eng.turns[0].parts[0], "Hello", "string input");
    is_int(rq.store, 1, "store defaults to true");
    is_int(rq.eng.stream, 0, "stream defaults to false");
    is_int(rq.eng.n, 1, "n is 1");
    is_int(rq.parallel_tool_calls, 1, "parallel_tool_calls defaults to true");
    is_int(rq.eng.web_search, 0, "no web search");
    is_int(json_object_array_length(rq.input), 1, "one normalised input item");
    struct json_object *m = json_object_array_get_idx(rq.input, 0), *v;
    json_object_object_get_ex(m, "type", &v);
    is_str(json_object_get_string(v), "message", "normalised as a message item");
    resp_request_free(&rq);
}

static void test_messages(void)
{
    struct resp_request rq;
    struct relay_err e;
    const char *body =
        "{\"model\":\"m\",\"instructions\":\"Be brief.\",\"input\":["
        "{\"role\":\"developer\",\"content\":\"dev text\"},"
        "{\"role\":\"system\",\"content\":[{\"type\":\"input_text\",\"text\":\"sys\"}]},"
        "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"look\"},"
        "{\"type\":\"input_image\",\"image_url\":\"https://example.com/a.png\",\"detail\":\"auto\"},"
        "{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,iVBORw0KGgo=\"}]},"
        "{\"role\":\"assistant\",\"content\":\"earlier answer\"},"
        "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"ot\","
        "\"annotations\":[]},{\"type\":\"refusal\",\"refusal\":\"no\"}]},"
        "{\"role\":\"user\",\"content\":\"again\"}]}";
    is_int(run(body, &rq, &e), 0, "messages parse (%s)", e.message);
    is_int(rq.eng.nturns, 7, "instructions + six messages");
    is_int(rq.eng.turns[0].role, ENG_SYSTEM, "instructions first, as system");
    part_text_is(&rq.eng.turns[0].parts[0], "Be brief.", "instructions");
    is_str(rq.eng.turns[0].parts[0].param, "instructions", "instructions param");
    is_int(rq.eng.turns[1].role, ENG_SYSTEM, "developer -> system");
    part_text_is(&rq.eng.turns[1].parts[0], "dev text", "developer string content");
    is_int(rq.eng.turns[2].role, ENG_SYSTEM, "system -> system");
    is_int(rq.eng.turns[3].role, ENG_USER, "user");
    is_int(rq.eng.turns[3].nparts, 3, "text + 2 images");
    part_text_is(&rq.eng.turns[3].parts[0], "look", "input_text");
    is_int(rq.eng.turns[3].parts[1].kind, ENG_PART_IMAGE, "input_image by URL");
    is_str(rq.eng.turns[3].parts[1].url, "https://example.com/a.png", "image URL");
    is_str(rq.eng.turns[3].parts[1].param, "input[2].content[1]", "image param");
    is_int(rq.eng.turns[3].parts[2].kind, ENG_PART_IMAGE, "input_image by data URL");
    is_str(rq.eng.turns[3].parts[2].url, "data:image/png;base64,iVBORw0KGgo=", "data URL kept");
    is_int(rq.eng.turns[4].role, ENG_ASSISTANT, "assistant");
    part_text_is(&rq.eng.turns[4].parts[0], "earlier answer", "assistant string content");
    part_text_is(&rq.eng.turns[5].parts[0], "ot", "output_text");
    part_text_is(&rq.eng.turns[5].parts[1], "no", "refusal as text");
    is_int(rq.eng.turns[6].role, ENG_USER, "last user");
    resp_request_free(&rq);
}

static void test_tool_items(void)
{
    struct resp_request rq;
    struct relay_err e;
    const char *body =
        "{\"model\":\"m\",\"input\":["
        "{\"role\":\"user\",\"content\":\"weather?\"},"
        "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"checking\"}]},"
        "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_a\",\"name\":\"get_weather\","
        "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\",\"status\":\"completed\"},"
        "{\"type\":\"function_call\",\"call_id\":\"call_b\",\"name\":\"get_time\",\"arguments\":{\"tz\":\"CET\"}},"
        "{\"type\":\"function_call_output\",\"call_id\":\"call_a\",\"output\":\"22C\"},"
        "{\"type\":\"function_call_output\",\"call_id\":\"call_b\",\"output\":[{\"type\":\"input_text\",\"text\":\"10:00\"},"
        "{\"type\":\"input_text\",\"text\":\"CET\"}]}]}";
    is_int(run(body, &rq, &e), 0, "tool items parse (%s)", e.message);
    is_int(rq.eng.nturns, 4, "user, assistant (text + 2 calls), 2 tool results");
    const struct eng_turn *a = &rq.eng.turns[1];
    is_int(a->role, ENG_ASSISTANT, "calls join the assistant turn");
    is_int(a->nparts, 3, "text + two calls");
    is_int(a->parts[1].kind, ENG_PART_TOOL_CALL, "function_call -> TOOL_CALL");
    is_str(a->parts[1].id, "call_a", "call id is call_id");
    is_str(a->parts[1].name, "get_weather", "call name");
    is_str(a->parts[1].arguments, "{\"city\":\"Paris\"}", "arguments as sent");
    is_str(a->parts[2].arguments, "{\"tz\":\"CET\"}", "object arguments serialised");
    is_int(rq.eng.turns[2].role, ENG_TOOL, "output -> tool turn");
    is_int(rq.eng.turns[2].parts[0].kind, ENG_PART_TOOL_RESULT, "TOOL_RESULT");
    is_str(rq.eng.turns[2].parts[0].id, "call_a", "result answers call_a");
    ok(rq.eng.turns[2].parts[0].text_len == 3 && memcmp(rq.eng.turns[2].parts[0].text, "22C", 3) == 0,
       "result text");
    ok(rq.eng.turns[3].parts[0].text && strcmp(rq.eng.turns[3].parts[0].text, "10:00\nCET") == 0,
       "input_text output parts joined");
    resp_request_free(&rq);

    /* A call with no assistant text before it opens its own assistant turn. */
    is_int(run("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},"
               "{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{}\"},"
               "{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"r\"}]}", &rq, &e), 0,
           "call without text");
    is_int(rq.eng.turns[1].role, ENG_ASSISTANT, "own assistant turn");
    is_int(rq.eng.turns[1].nparts, 1, "just the call");
    resp_request_free(&rq);
}

static void test_settings(void)
{
    struct resp_request rq;
    struct relay_err e;
    const char *body =
        "{\"model\":\"m\",\"input\":\"x\",\"stream\":true,\"store\":false,\"max_output_tokens\":50,"
        "\"temperature\":0.5,\"top_p\":1,\"user\":\"u1\",\"metadata\":{\"k\":\"v\"},"
        "\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},\"parallel_tool_calls\":false,"
        "\"include\":[\"reasoning.encrypted_content\"],\"prompt_cache_key\":\"abc\",\"truncation\":\"auto\","
        "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"w\",\"strict\":true,"
        "\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}},\"verbosity\":\"low\"},"
        "\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"description\":\"does f\",\"parameters\":{\"type\":\"object\"},"
        "\"strict\":true},{\"type\":\"web_search\"},{\"type\":\"namespace\",\"name\":\"ns\",\"description\":\"d\","
        "\"tools\":[{\"type\":\"function\",\"name\":\"g\",\"parameters\":{}},{\"name\":\"h\"}]}],"
        "\"tool_choice\":{\"type\":\"function\",\"name\":\"g\"}}";
    is_int(run(body, &rq, &e), 0, "settings parse (%s)", e.message);
    is_int(rq.eng.stream, 1, "stream");
    is_int(rq.store, 0, "store false");
    is_int(rq.eng.max_tokens, 50, "max_output_tokens -> max_tokens");
    is_int(rq.eng.parallel_tool_calls, 0, "parallel_tool_calls false");
    is_str(rq.reasoning_effort, "high", "reasoning.effort kept for the echo");
    is_str(rq.user, "u1", "user");
    is_int(rq.eng.format, ENG_FORMAT_JSON_SCHEMA, "json_schema");
    is_str(rq.eng.format_name, "w", "schema name");
    is_str(rq.eng.format_schema, "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", "schema text");
    is_int(rq.eng.web_search, 1, "web_search tool -> web search");
    is_int(rq.eng.ntools, 3, "f + namespace's g and h");
    is_str(rq.eng.tools[0].name, "f", "flat function");
    is_str(rq.eng.tools[0].description, "does f", "description");
    is_str(rq.eng.tools[0].parameters, "{\"type\":\"object\"}", "parameters text");
    ok(rq.eng.tools[0].namespace_name == NULL, "no namespace on a flat tool");
    is_str(rq.eng.tools[1].name, "g", "namespace tool flattened");
    is_str(rq.eng.tools[1].namespace_name, "ns", "namespace name kept");
    ok(rq.eng.tools[2].parameters == NULL, "no parameters -> NULL");
    is_int(rq.eng.tool_choice, ENG_CHOICE_NAMED, "named tool choice");
    is_str(rq.eng.tool_choice_name, "g", "named g");
    resp_request_free(&rq);

    is_int(run("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}},"
               "\"tools\":[{\"type\":\"function\",\"name\":\"f\"}],\"tool_choice\":\"required\"}", &rq, &e), 0,
           "json_object + required");
    is_int(rq.eng.format, ENG_FORMAT_JSON_OBJECT, "json_object");
    is_int(rq.eng.tool_choice, ENG_CHOICE_REQUIRED, "required");
    resp_request_free(&rq);
    is_int(run("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"none\",\"text\":{\"format\":{\"type\":\"text\"}}}",
               &rq, &e), 0, "none + text");
    is_int(rq.eng.tool_choice, ENG_CHOICE_NONE, "none");
    is_int(rq.eng.format, ENG_FORMAT_TEXT, "text");
    resp_request_free(&rq);
}

struct bad_case {
    const char *body;
    int status;
    const char *param;
    const char *says;
};

static void test_bad_shapes(void)
{
    static const struct bad_case cases[] = {
        { "[]", 400, "", "JSON object" },
        { "{\"input\":\"x\"}", 400, "model", "Missing required parameter" },
        { "{\"model\":3,\"input\":\"x\"}", 400, "model", "expected a string" },
        { "{\"model\":\"m\"}", 400, "input", "Missing required parameter: 'input'" },
        { "{\"model\":\"m\",\"input\":5}", 400, "input", "a string or an array" },
        { "{\"model\":\"m\",\"input\":[]}", 400, "input", "no message" },
        { "{\"model\":\"m\",\"input\":[\"hi\"]}", 400, "input[0]", "an object" },
        { "{\"model\":\"m\",\"input\":[{\"content\":\"x\"}]}", 400, "input[0].role", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}", 400, "input[0].role", "'tool'" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\"}]}", 400, "input[0].content", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":7}]}", 400, "input[0].content", "a string or an array" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"filename\":\"f\"}]}]}",
          400, "input[0].content[0]", "file_data, file_url or file_id" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"a\"},"
          "{\"type\":\"input_audio\",\"input_audio\":{}}]}]}", 400, "input[0].content[1].type", "input_audio" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file_1\"}]}]}",
          400, "input[0].content[0].file_id", "files API" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\"}]}]}",
          400, "input[0].content[0].image_url", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\"}]}]}",
          400, "input[0].content[0].text", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}",
          400, "input[0].content[0].type", "'video'" },
        { "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}",
          400, "input[0].content[0].type", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"name\":\"f\",\"arguments\":\"{}\"}]}",
          400, "input[0].call_id", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"arguments\":\"{}\"}]}",
          400, "input[0].name", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\"}]}",
          400, "input[0].arguments", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\"}]}",
          400, "input[0].output", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":"
          "[{\"type\":\"input_image\",\"image_url\":\"https://x\"}]}]}", 400, "input[0].output[0]", "input_text" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\"}]}", 400, "input[0].id", "Missing" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"file_search_call\",\"id\":\"x\"}]}", 400, "input[0].type",
          "file_search_call" },
        { "{\"model\":\"m\",\"input\":[{\"type\":\"reasoning\",\"id\":\"x\",\"summary\":[]}]}", 400, "input[0].type",
          "reasoning" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":{}}", 400, "tools", "an array" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[]}]}",
          400, "tools[0].type", "file_search" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"code_interpreter\"}]}",
          400, "tools[1].type", "code_interpreter" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\"}]}", 400, "tools[0].name", "Missing" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":[]}]}",
          400, "tools[0].parameters", "an object" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},"
          "{\"type\":\"function\",\"name\":\"f\"}]}", 400, "tools[1]", "Duplicate" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"namespace\",\"name\":\"n\",\"tools\":"
          "[{\"type\":\"mcp\"}]}]}", 400, "tools[0].tools[0].type", "function tools only" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"namespace\",\"name\":\"n\"}]}", 400,
          "tools[0].tools", "Missing" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"any\"}", 400, "tool_choice", "'any'" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"required\"}", 400, "tool_choice", "at least one" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"}],"
          "\"tool_choice\":{\"type\":\"function\",\"name\":\"g\"}}", 400, "tool_choice.name", "'g'" },
        { "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"file_search\"}}", 400, "tool_choice.type",
          "file_search" },
        { "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"xml\"}}}", 400, "text.format.type", "'xml'" },
        { "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"schema\":{}}}}", 400,
          "text.format.name", "Missing" },
        { "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"n\"}}}", 400,
          "text.format.schema", "Missing" },
        { "{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":\"10\"}", 400, "max_output_tokens", "an integer" },
        { "{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}", 400, "max_output_tokens", ">= 1" },
        { "{\"model\":\"m\",\"input\":\"x\",\"temperature\":3}", 400, "temperature", "outside" },
        { "{\"model\":\"m\",\"input\":\"x\",\"stream\":\"yes\"}", 400, "stream", "a boolean" },
        { "{\"model\":\"m\",\"input\":\"x\",\"store\":1}", 400, "store", "a boolean" },
        { "{\"model\":\"m\",\"input\":\"x\",\"instructions\":[]}", 400, "instructions", "a string" },
        { "{\"model\":\"m\",\"input\":\"x\",\"reasoning\":{\"effort\":1}}", 400, "reasoning.effort", "a string" },
        { "{\"model\":\"m\",\"input\":\"x\",\"metadata\":[]}", 400, "metadata", "an object" },
        { "{\"model\":\"m\",\"input\":\"x\",\"background\":true}", 400, "background", "Background" },
        { "{\"model\":\"m\",\"input\":\"x\",\"conversation\":\"conv_1\"}", 400, "conversation", "previous_response_id" },
        { "{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":\"\"}", 400, "previous_response_id", "empty" },
        { "{\"model\":\"m\",\"instructions\":\"only\",\"input\":[{\"role\":\"system\",\"content\":\"s\"}]}", 400,
          "input", "no message" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct resp_request rq;
        struct relay_err e;
        int rc = run(cases[i].body, &rq, &e);
        is_int(rc, -1, "case %zu fails: %s", i, cases[i].body);
        is_int(e.status, cases[i].status, "case %zu status", i);
        is_str(e.param, cases[i].param, "case %zu param", i);
        ok(strstr(e.message, cases[i].says) != NULL, "case %zu message says '%s' (%s)", i, cases[i].says,
           e.message);
        resp_request_free(&rq);
    }
}

/* item_reference resolution and a stored conversation. */
static int lookup(void *ud, const char *id, struct json_object **item, struct relay_err *e)
{
    (void)e;
    struct json_object *store = ud, *v;
    if (!json_object_object_get_ex(store, id, &v))
        return 0;
    *item = json_object_get(v);
    return 1;
}

static void test_references(void)
{
    struct json_object *store = J("{\"msg_x\":{\"type\":\"message\",\"id\":\"msg_x\",\"role\":\"assistant\","
                                  "\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"text\":\"stored\","
                                  "\"annotations\":[]}]}}");
    struct json_object *prior = J("[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\","
                                  "\"text\":\"first\"}]},{\"type\":\"message\",\"role\":\"assistant\",\"content\":"
                                  "[{\"type\":\"output_text\",\"text\":\"answer\"}]}]");
    struct json_object *b = J("{\"model\":\"m\",\"previous_response_id\":\"resp_1\",\"instructions\":\"I\","
                              "\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_x\"},{\"role\":\"user\",\"content\":\"next\"}]}");
    struct resp_request rq;
    struct relay_err e = { 0 };
    is_int(resp_parse(b, &rq, &e), 0, "references parse");
    is_int(resp_build(&rq, prior, lookup, store, &e), 0, "references build (%s)", e.message);
    is_int(rq.eng.nturns, 5, "instructions, 2 stored, referenced, new");
    is_int(rq.eng.turns[0].role, ENG_SYSTEM, "instructions first, before the stored turns");
    part_text_is(&rq.eng.turns[1].parts[0], "first", "stored turn 1");
    is_str(rq.eng.turns[1].parts[0].param, "previous_response_id.content[0]", "stored turns name previous_response_id");
    part_text_is(&rq.eng.turns[2].parts[0], "answer", "stored turn 2");
    part_text_is(&rq.eng.turns[3].parts[0], "stored", "item_reference resolved");
    part_text_is(&rq.eng.turns[4].parts[0], "next", "new input last");
    is_str(rq.eng.turns[4].parts[0].param, "input[1].content[0]", "new input param");
    is_int(json_object_array_length(rq.context), 4, "context: 2 stored + 2 input");
    is_int(json_object_array_length(rq.input), 2, "input keeps the reference");
    resp_request_free(&rq);
    json_object_put(b);

    b = J("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},{\"type\":\"item_reference\",\"id\":\"msg_gone\"}]}");
    memset(&e, 0, sizeof e);
    is_int(resp_parse(b, &rq, &e), 0, "unknown reference parses");
    is_int(resp_build(&rq, NULL, lookup, store, &e), -1, "unknown reference fails");
    is_int(e.status, 404, "404");
    is_str(e.param, "input[1].id", "param names the reference");
    ok(strstr(e.message, "msg_gone") != NULL, "message names the id");
    resp_request_free(&rq);
    json_object_put(b);

    /* previous_response_id without input is fine. */
    b = J("{\"model\":\"m\",\"previous_response_id\":\"resp_1\"}");
    memset(&e, 0, sizeof e);
    is_int(resp_parse(b, &rq, &e), 0, "previous_response_id without input");
    is_int(resp_build(&rq, prior, NULL, NULL, &e), 0, "builds from the stored turns only");
    is_int(rq.eng.nturns, 2, "two stored turns");
    resp_request_free(&rq);
    json_object_put(b);
    json_object_put(store);
    json_object_put(prior);
}

static void test_ids(void)
{
    char hex[RESP_HEX_LEN + 1], id[RESP_ID_MAX], back[RESP_HEX_LEN + 1];
    resp_new_id(hex, id);
    is_int(strlen(hex), 32, "32 hex digits");
    ok(strncmp(id, "resp_", 5) == 0 && strcmp(id + 5, hex) == 0, "resp_<hex>");
    is_int(resp_id_hex(id, back), 0, "response id parses");
    is_str(back, hex, "same hex");
    char item[80];
    snprintf(item, sizeof item, "msg_%s_0", hex);
    is_int(resp_id_hex(item, back), 0, "message item id parses");
    is_str(back, hex, "message item -> its response");
    snprintf(item, sizeof item, "fc_%s_3", hex);
    is_int(resp_id_hex(item, back), 0, "function call item id parses");
    is_int(resp_id_hex("resp_123", back), -1, "short id refused");
    is_int(resp_id_hex("msg_abc", back), -1, "foreign item id refused");
    snprintf(item, sizeof item, "resp_%sx", hex);
    is_int(resp_id_hex(item, back), -1, "trailing junk refused");
    is_int(resp_id_hex("resp_../../../../etc/passwdxxxxxxxxxxxx", back), -1, "path refused");
}

int main(void)
{
    test_input_file();
    test_string_input();
    test_messages();
    test_tool_items();
    test_settings();
    test_bad_shapes();
    test_references();
    test_ids();
    return tap_done();
}
