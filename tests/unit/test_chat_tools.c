/* test_chat_tools: the Chat Completions fields of the emulation read into
 * the engine's request (docs/tools.md §3, §4), with a 400 naming the field
 * for each mistake, and the tool_calls items of answers. */
#include <json-c/json.h>

#include "api/chat_tools.h"
#include "tap.h"

struct parsed {
    int rc;
    struct eng_request req;
    struct relay_err err;
    struct json_object *root;
};

static struct parsed parse(const char *json)
{
    struct parsed p;
    memset(&p, 0, sizeof(p));
    p.root = json_tokener_parse(json);
    if (!p.root)
        printf("# bad test JSON: %s\n", json);
    p.rc = chat_tools_parse(p.root, 4, &p.req, &p.err);
    return p;
}

static void done(struct parsed *p)
{
    chat_tools_free(&p->req);
    json_object_put(p->root);
}

static void expect_400(const char *json, const char *param, const char *fragment, const char *name)
{
    struct parsed p = parse(json);
    is_int(p.rc, -1, "%s: refused", name);
    is_int(p.err.status, 400, "%s: 400", name);
    is_str(p.err.param, param, "%s: param", name);
    if (!ok(strstr(p.err.message, fragment) != NULL, "%s: the message says why", name))
        printf("#   message: %s\n", p.err.message);
    done(&p);
}

static void test_tools(void)
{
    struct parsed p = parse("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                            "\"description\":\"Weather\",\"parameters\":{\"type\":\"object\",\"properties\":"
                            "{\"city\":{\"type\":\"string\"}}},\"strict\":true}},{\"type\":\"web_search_preview\"},"
                            "{\"type\":\"function\",\"function\":{\"name\":\"now\"}}],\"tool_choice\":\"required\","
                            "\"parallel_tool_calls\":false}");
    is_int(p.rc, 0, "tools: accepted");
    is_int(p.req.ntools, 2, "tools: two functions");
    is_str(p.req.tools[0].name, "get_weather", "tools: name");
    is_str(p.req.tools[0].description, "Weather", "tools: description");
    is_str(p.req.tools[0].parameters, "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}",
           "tools: parameters as sent");
    ok(p.req.tools[1].parameters == NULL && p.req.tools[1].description == NULL, "tools: optional fields absent");
    is_int(p.req.web_search, 1, "tools: web_search_preview turns on web search");
    is_int(p.req.tool_choice, ENG_CHOICE_REQUIRED, "tool_choice required");
    is_int(p.req.parallel_tool_calls, 0, "parallel_tool_calls false");
    is_int(p.req.n, 1, "n defaults to 1");
    done(&p);

    p = parse("{\"functions\":[{\"name\":\"lookup\",\"parameters\":{}}],\"function_call\":{\"name\":\"lookup\"}}");
    is_int(p.rc, 0, "functions: accepted");
    ok(p.req.ntools == 1 && strcmp(p.req.tools[0].name, "lookup") == 0, "functions: the legacy list");
    ok(p.req.tool_choice == ENG_CHOICE_NAMED && strcmp(p.req.tool_choice_name, "lookup") == 0,
       "function_call: named");
    is_int(p.req.parallel_tool_calls, 0, "functions: one function_call per answer");
    is_int(chat_tools_legacy(p.root), 1, "functions: the legacy answer shape");
    done(&p);

    p = parse("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\"}}],"
              "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"a\"}}}");
    ok(p.rc == 0 && p.req.tool_choice == ENG_CHOICE_NAMED && strcmp(p.req.tool_choice_name, "a") == 0,
       "tool_choice: a named function");
    done(&p);
    p = parse("{\"tool_choice\":\"none\"}");
    ok(p.rc == 0 && p.req.tool_choice == ENG_CHOICE_NONE, "tool_choice none without tools");
    done(&p);

    expect_400("{\"tools\":[{\"type\":\"file_search\"}]}", "tools[0].type", "'file_search'", "a file_search tool");
    expect_400("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\"}},{\"type\":\"code_interpreter\"}]}",
               "tools[1].type", "'code_interpreter'", "a code_interpreter tool");
    expect_400("{\"tools\":{}}", "tools", "expected an array", "tools not an array");
    expect_400("{\"tools\":[{\"type\":\"function\",\"function\":{\"description\":\"x\"}}]}", "tools[0].function",
               "name", "a function without a name");
    expect_400("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]}", "tools[0].function",
               "pattern", "a function name with a space");
    expect_400("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"parameters\":[]}}]}",
               "tools[0].function", "parameters", "parameters not an object");
    expect_400("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\"}},{\"type\":\"function\","
               "\"function\":{\"name\":\"a\"}}]}", "tools", "used twice", "a name used twice");
    expect_400("{\"tool_choice\":\"required\"}", "tool_choice", "only allowed when 'tools'", "required without tools");
    expect_400("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\"}}],\"tool_choice\":{\"type\":"
               "\"function\",\"function\":{\"name\":\"b\"}}}", "tool_choice", "no function named 'b'",
               "a named tool that is not offered");
    expect_400("{\"tool_choice\":\"sometimes\"}", "tool_choice", "expected", "an unknown tool_choice");
    expect_400("{\"parallel_tool_calls\":1}", "parallel_tool_calls", "boolean", "parallel_tool_calls not a boolean");
}

static void test_controls(void)
{
    struct parsed p = parse("{\"stop\":[\"END\",\"\\n\\nHuman:\"],\"max_tokens\":10,\"max_completion_tokens\":20,"
                            "\"n\":3,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"c\","
                            "\"schema\":{\"type\":\"array\"},\"strict\":true}}}");
    is_int(p.rc, 0, "controls: accepted");
    ok(p.req.nstop == 2 && strcmp(p.req.stop[0], "END") == 0 && strcmp(p.req.stop[1], "\n\nHuman:") == 0, "stop list");
    is_int(p.req.max_tokens, 20, "max_completion_tokens wins over max_tokens");
    is_int(p.req.n, 3, "n");
    is_int(p.req.format, ENG_FORMAT_JSON_SCHEMA, "json_schema");
    is_str(p.req.format_name, "c", "json_schema name");
    is_str(p.req.format_schema, "{\"type\":\"array\"}", "json_schema schema");
    done(&p);
    p = parse("{\"stop\":\"x\",\"response_format\":{\"type\":\"json_object\"},\"n\":null,\"max_tokens\":null}");
    ok(p.rc == 0 && p.req.nstop == 1 && p.req.format == ENG_FORMAT_JSON_OBJECT && p.req.n == 1 && p.req.max_tokens == 0,
       "a stop string, json_object, nulls");
    done(&p);
    p = parse("{\"response_format\":{\"type\":\"text\"}}");
    ok(p.rc == 0 && p.req.format == ENG_FORMAT_TEXT, "response_format text");
    done(&p);

    expect_400("{\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "stop", "maximum length 4", "five stop sequences");
    expect_400("{\"stop\":[1]}", "stop", "string", "a stop sequence that is not a string");
    expect_400("{\"max_tokens\":0}", "max_tokens", ">= 1", "max_tokens 0");
    expect_400("{\"max_completion_tokens\":\"5\"}", "max_completion_tokens", "integer", "max_completion_tokens a string");
    expect_400("{\"n\":5}", "n", "RELAY_MAX_N", "n above the maximum");
    expect_400("{\"n\":0}", "n", ">= 1", "n 0");
    expect_400("{\"response_format\":{\"type\":\"xml\"}}", "response_format.type", "'xml'", "an unknown format");
    expect_400("{\"response_format\":{\"type\":\"json_schema\"}}", "response_format.json_schema", "Missing",
               "json_schema without its object");
    expect_400("{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}}",
               "response_format.json_schema.name", "name", "json_schema without a name");
}

static void test_call_json(void)
{
    struct eng_tool_call call = { .index = 2, .id = "call_abc", .name = "get_weather",
                                  .arguments = "{\"city\":\"Paris\"}", .arguments_len = 16 };
    struct json_object *o = chat_tools_call_json(&call, 0, 0);
    is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
           "{\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
           "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}", "a message.tool_calls item");
    json_object_put(o);
    o = chat_tools_call_json(&call, 1, 0);
    is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
           "{\"index\":2,\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
           "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}", "a delta.tool_calls item, index first");
    json_object_put(o);
    o = chat_tools_call_json(&call, 1, 1);
    is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
           "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}", "a legacy function_call");
    json_object_put(o);
}

int main(void)
{
    test_tools();
    test_controls();
    test_call_json();
    return tap_done();
}
