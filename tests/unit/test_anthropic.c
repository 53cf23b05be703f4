/* test_anthropic: the Messages API parser (every block type, every 400 with
 * the field it names) and the sink (message object and event stream, over the
 * in-memory io). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "api/anthropic.h"
#include "core/cfg.h"
#include "app.h"
#include "http/io_mem.h"
#include "http/req.h"
#include "http/resp.h"
#include "ratelimit/rl.h"
#include "tap.h"

/* anth_parse over JSON text (NULL root when the text does not parse). */
static int parse(const char *body, enum anth_mode mode, struct anth_request *q, struct relay_err *e)
{
    struct json_object *root = json_tokener_parse(body);
    if (!root && strcmp(body, "null") != 0)
        printf("# bad test JSON: %s\n", body);
    int rc = anth_parse(root, mode, q, e);
    json_object_put(root);
    return rc;
}

/* ---- Parser ----------------------------------------------------------- */

/* A 1x1 PNG, base64. */
#define PNG_B64 "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

static const char *role_name(enum eng_role r)
{
    return r == ENG_SYSTEM ? "S" : r == ENG_USER ? "U" : r == ENG_ASSISTANT ? "A" : "T";
}

/* The transcript as "S[text:..]|U[text:..,image:image/png:70]|A[call:id:name:{..}]|T[result:id:0:..]". */
static void dump(const struct eng_request *q, struct buf *out)
{
    for (size_t i = 0; i < q->nturns; i++) {
        const struct eng_turn *t = &q->turns[i];
        buf_printf(out, "%s%s[", i ? "|" : "", role_name(t->role));
        for (size_t j = 0; j < t->nparts; j++) {
            const struct eng_part *p = &t->parts[j];
            if (j)
                buf_puts(out, ",");
            switch (p->kind) {
            case ENG_PART_TEXT:
                buf_printf(out, "text:%.*s", (int)p->text_len, p->text);
                break;
            case ENG_PART_IMAGE:
                if (p->url)
                    buf_printf(out, "image:%s", p->url);
                else
                    buf_printf(out, "image:%s:%zu", p->media_type, p->data_len);
                break;
            case ENG_PART_TOOL_CALL:
                buf_printf(out, "call:%s:%s:%s", p->id, p->name, p->arguments);
                break;
            case ENG_PART_TOOL_RESULT:
                buf_printf(out, "result:%s:%d:%.*s", p->id, p->is_error, (int)p->text_len, p->text);
                break;
            case ENG_PART_FILE:
                buf_printf(out, "file:%s:%zu", p->url ? p->url : p->media_type ? p->media_type : "", p->data_len);
                break;
            }
        }
        buf_puts(out, "]");
    }
}

static void expect_turns(const char *body, enum anth_mode mode, const char *want, const char *name)
{
    struct anth_request q;
    struct relay_err e = { 0 };
    struct buf got;
    buf_init(&got, 1 << 20);
    int rc = parse(body, mode, &q, &e);
    is_int(rc, 0, "%s: accepted", name);
    if (rc)
        printf("#   error %d: %s\n", e.status, e.message);
    dump(&q.eng, &got);
    is_str(buf_str(&got), want, "%s: turns", name);
    buf_free(&got);
    anth_request_free(&q);
}

static void ok_turns(const char *body, const char *want, const char *name)
{
    expect_turns(body, ANTH_MESSAGES, want, name);
}

static void expect_400(const char *body, const char *param, const char *fragment, const char *name)
{
    struct anth_request q;
    struct relay_err e = { 0 };
    int rc = parse(body, ANTH_MESSAGES, &q, &e);
    is_int(rc, -1, "%s: rejected", name);
    is_int(e.status, 400, "%s: status", name);
    is_str(e.type, "invalid_request_error", "%s: type", name);
    is_str(e.param, param ? param : "", "%s: param", name);
    if (!ok(strstr(e.message, fragment) != NULL, "%s: message names it", name))
        printf("#   message: %s\n#   want: %s\n", e.message, fragment);
    anth_request_free(&q);
}

#define HEAD "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,"
#define USER(content) "\"messages\":[{\"role\":\"user\",\"content\":" content "}]"

static void test_basics(void)
{
    struct anth_request q;
    struct relay_err e = { 0 };
    const char *body = HEAD "\"stream\":true,\"stop_sequences\":[\"END\",\"\\n\\nHuman:\"],"
        "\"temperature\":0.5,\"top_p\":0.9,\"top_k\":5,\"metadata\":{\"user_id\":\"{\\\"a\\\":1}\"},"
        "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"context_management\":{\"edits\":[]},"
        "\"service_tier\":\"auto\",\"unknown_field\":[1,2]," USER("\"hi\"") "}";
    is_int(parse(body, ANTH_MESSAGES, &q, &e), 0, "full request accepted");
    is_str(q.client_model, "claude-sonnet-4-5", "model kept as sent");
    is_str(q.eng.model, "", "engine model left for alias resolution");
    is_int(q.eng.max_tokens, 100, "max_tokens");
    is_int(q.eng.stream, 1, "stream");
    is_int(q.eng.nstop, 2, "two stop sequences");
    is_str(q.eng.stop[1], "\n\nHuman:", "stop sequence text");
    is_int(q.eng.n, 1, "one choice");
    is_int(q.eng.parallel_tool_calls, 1, "parallel calls allowed by default");
    is_int(q.eng.ntools, 0, "no tools");
    is_int(q.eng.web_search, 0, "no web search");
    is_int(q.eng.format, ENG_FORMAT_TEXT, "text format");
    anth_request_free(&q);

    ok_turns(HEAD USER("\"hello\"") "}", "U[text:hello]", "string content");
    expect_turns("{\"model\":\"m\"," USER("\"x\"") ",\"stream\":true}", ANTH_COUNT_TOKENS, "U[text:x]",
                 "count_tokens needs no max_tokens");
    body = "{\"model\":\"m\",\"stream\":true," USER("\"x\"") "}";
    is_int(parse(body, ANTH_COUNT_TOKENS, &q, &e), 0, "count_tokens body parsed");
    is_int(q.eng.stream, 0, "count_tokens never streams");
    anth_request_free(&q);

    ok_turns(HEAD "\"system\":\"Be brief.\"," USER("\"hi\"") "}", "S[text:Be brief.]|U[text:hi]", "system string");
    ok_turns(HEAD "\"system\":[{\"type\":\"text\",\"text\":\"A\",\"cache_control\":{\"type\":\"ephemeral\"}},"
             "{\"type\":\"text\",\"text\":\"B\"}]," USER("\"hi\"") "}",
             "S[text:A,text:B]|U[text:hi]", "system text blocks, cache_control ignored");
    ok_turns(HEAD "\"system\":\"\"," USER("\"hi\"") "}", "U[text:hi]", "empty system string");
    ok_turns(HEAD "\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":"
             "[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"x\"},{\"type\":\"redacted_thinking\","
             "\"data\":\"x\"},{\"type\":\"text\",\"text\":\"a\"}]},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
             "\"text\":\"b\",\"cache_control\":{\"type\":\"ephemeral\"}},{\"type\":\"text\",\"text\":\"c\"}]}]}",
             "U[text:q]|A[text:a]|U[text:b,text:c]", "turns, thinking dropped, blocks kept in order");
    ok_turns(HEAD "\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"The answer is\"}]}",
             "U[text:q]|A[text:The answer is]", "assistant prefill");
    /* the shape of Claude Code's request (2.1): system blocks with cache_control,
     * a system message among the messages, tools with extra fields, adaptive
     * thinking, context management, output_config, metadata.user_id as JSON text */
    ok_turns("{\"model\":\"claude-opus-5-5\",\"max_tokens\":128000,\"stream\":true,"
             "\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\"},{\"type\":\"text\",\"text\":\"Be careful.\","
             "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],"
             "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"<system-reminder>ctx</system-reminder>\"},"
             "{\"type\":\"text\",\"text\":\"say hello\"}]},{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"env\","
             "\"cache_control\":{\"type\":\"ephemeral\"}}]}],"
             "\"tools\":[{\"name\":\"Bash\",\"description\":\"Run\",\"input_schema\":{\"type\":\"object\"}},"
             "{\"name\":\"DeferredToolPlaceholder\",\"description\":\"d\",\"input_schema\":{},\"defer_loading\":true}],"
             "\"metadata\":{\"user_id\":\"{\\\"device_id\\\":\\\"x\\\"}\"},\"thinking\":{\"type\":\"adaptive\",\"display\":\"omitted\"},"
             "\"context_management\":{\"edits\":[{\"type\":\"clear_thinking_20251015\",\"keep\":\"all\"}]},"
             "\"output_config\":{\"effort\":\"medium\"}}",
             "S[text:You are Claude Code.,text:Be careful.]|U[text:<system-reminder>ctx</system-reminder>,text:say hello]"
             "|S[text:env]", "Claude Code's request");
}

static void test_blocks(void)
{
    ok_turns(HEAD USER("[{\"type\":\"text\",\"text\":\"what is this?\"},{\"type\":\"image\",\"source\":"
                       "{\"type\":\"base64\",\"media_type\":\"image/jpeg\",\"data\":\"" PNG_B64 "\"}}]") "}",
             "U[text:what is this?,image:image/png:70]", "base64 image: bytes decide the type");
    ok_turns(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}}]") "}",
             "U[image:https://example.com/a.png]", "url image");
    ok_turns(HEAD "\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"content\":"
             "[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
             "\"input\":{\"city\":\"Paris\",\"n\":[1,2]}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
             "\"tool_use_id\":\"toolu_1\",\"content\":\"18C\"},{\"type\":\"text\",\"text\":\"thanks\"}]}]}",
             "U[text:weather?]|A[text:Checking.,call:toolu_1:get_weather:{\"city\":\"Paris\",\"n\":[1,2]}]"
             "|T[result:toolu_1:0:18C]|U[text:thanks]", "tool loop");
    ok_turns(HEAD USER("[{\"type\":\"tool_result\",\"tool_use_id\":\"a\",\"is_error\":true,\"content\":"
                       "[{\"type\":\"text\",\"text\":\"line1\"},{\"type\":\"text\",\"text\":\"line2\"}]},"
                       "{\"type\":\"tool_result\",\"tool_use_id\":\"b\"}]") "}",
             "T[result:a:1:line1\nline2,result:b:0:]", "tool results: blocks joined, is_error, no content");
    ok_turns(HEAD USER("[{\"type\":\"tool_result\",\"tool_use_id\":\"a\",\"content\":[{\"type\":\"text\",\"text\":\"see\"},"
                       "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" PNG_B64 "\"}},"
                       "{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"doc\"}}]}]") "}",
             "T[result:a:0:see\ndoc]|U[image:image/png:70]", "tool result with an image and a document");
    ok_turns(HEAD USER("[{\"type\":\"document\",\"title\":\"Notes\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\","
                       "\"data\":\"x=1\"}},{\"type\":\"document\",\"source\":{\"type\":\"content\",\"content\":"
                       "[{\"type\":\"text\",\"text\":\"p1\"},{\"type\":\"text\",\"text\":\"p2\"}]}},"
                       "{\"type\":\"document\",\"source\":{\"type\":\"content\",\"content\":\"s\"}}]") "}",
             "U[text:Document: Notes\nx=1,text:p1\np2,text:s]", "document blocks with text sources");

    expect_400(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"!!!\"}}]") "}",
               "messages.0.content.0.source", "not valid base64", "bad base64");
    expect_400(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"aGVsbG8=\"}}]") "}",
               "messages.0.content.0.source", "not a JPEG, PNG", "bytes that are no image");
    expect_400(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/tiff\",\"data\":\"" PNG_B64 "\"}}]") "}",
               "messages.0.content.0.source", "media_type", "unsupported media type");
    expect_400(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"data\":\"" PNG_B64 "\"}}]") "}",
               "messages.0.content.0.source.media_type", "Field required", "media type missing");
    expect_400(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"file:///etc/passwd\"}}]") "}",
               "messages.0.content.0.source", "http or https", "file URL");
    expect_400(HEAD USER("[{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"f\"}}]") "}",
               "messages.0.content.0.source", "'file'", "file source");
    expect_400(HEAD USER("[{\"type\":\"image\"}]") "}", "messages.0.content.0.source", "Field required", "image without source");
    expect_400(HEAD "\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\","
               "\"url\":\"https://e.com/a.png\"}}]}]}", "messages.0.content.0", "only allowed in user", "image from the assistant");
    expect_400(HEAD USER("[{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"f\",\"input\":{}}]") "}",
               "messages.0.content.0", "only allowed in assistant", "tool_use from the user");
    expect_400(HEAD "\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"a\"}]}]}",
               "messages.0.content.0", "only allowed in user", "tool_result from the assistant");
    expect_400(HEAD "\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"f\","
               "\"input\":\"{}\"}]}]}", "messages.0.content.0.input", "object", "tool_use input not an object");
    expect_400(HEAD "\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"name\":\"f\",\"input\":{}}]}]}",
               "messages.0.content.0.id", "Field required", "tool_use without id");
    expect_400(HEAD USER("[{\"type\":\"tool_result\",\"content\":\"x\"}]") "}",
               "messages.0.content.0.tool_use_id", "Field required", "tool_result without id");
    expect_400(HEAD USER("[{\"type\":\"tool_result\",\"tool_use_id\":\"a\",\"is_error\":\"yes\"}]") "}",
               "messages.0.content.0.is_error", "boolean", "is_error not a boolean");
    expect_400(HEAD USER("[{\"type\":\"tool_result\",\"tool_use_id\":\"a\",\"content\":[{\"type\":\"search_result\"}]}]") "}",
               "messages.0.content.0.content.0", "'search_result'", "tool result block type");
    expect_400(HEAD USER("[{\"type\":\"tool_result\",\"tool_use_id\":\"a\",\"content\":7}]") "}",
               "messages.0.content.0.content", "string or a list", "tool result content type");
    /* documents (issue 14): base64, url and file sources become FILE parts for api/docparts */
    ok_turns(HEAD USER("[{\"type\":\"document\",\"title\":\"a.pdf\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\",\"data\":\"JVBERi0x\"}}]") "}",
             "U[file:application/pdf:6]", "PDF document (base64)");
    ok_turns(HEAD USER("[{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://x.example/a.pdf\"}}]") "}",
             "U[file:https://x.example/a.pdf:0]", "PDF document (url)");
    expect_400(HEAD USER("[{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\",\"data\":\"!!\"}}]") "}",
               "messages.0.content.0.source", "base64", "PDF document with bad base64");
    expect_400(HEAD USER("[{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"ftp://x/a.pdf\"}}]") "}",
               "messages.0.content.0.source", "http", "document URL not http");
    expect_400(HEAD USER("[{\"type\":\"document\",\"source\":{\"type\":\"content\",\"content\":[{\"type\":\"image\"}]}}]") "}",
               "messages.0.content.0.source.content.0", "'image'", "document content block type");
    expect_400(HEAD USER("[{\"type\":\"thinking\",\"thinking\":\"x\"}]") "}", "messages.0.content.0", "'thinking'",
               "thinking from the user");
    expect_400(HEAD USER("[{\"type\":\"container_upload\",\"file_id\":\"f\"}]") "}", "messages.0.content.0",
               "'container_upload'", "unknown block type");
    expect_400(HEAD USER("[{\"text\":\"x\"}]") "}", "messages.0.content.0.type", "Field required", "block without type");
    expect_400(HEAD USER("[{\"type\":\"text\"}]") "}", "messages.0.content.0.text", "Field required", "text block without text");
    expect_400(HEAD USER("[\"x\"]") "}", "messages.0.content.0", "object", "block not an object");
    expect_400(HEAD USER("\"a\\u0000b\"") "}", "messages.0.content", "NUL", "NUL in text");
}

static void test_request_errors(void)
{
    expect_400("{\"model\":\"m\"," USER("\"x\"") "}", "max_tokens", "Field required", "max_tokens required");
    expect_400("{\"model\":\"m\",\"max_tokens\":0," USER("\"x\"") "}", "max_tokens", "greater than or equal to 1", "max_tokens 0");
    expect_400("{\"model\":\"m\",\"max_tokens\":\"9\"," USER("\"x\"") "}", "max_tokens", "integer", "max_tokens string");
    expect_400("{\"max_tokens\":9," USER("\"x\"") "}", "model", "Field required", "model required");
    expect_400("{\"model\":\"\",\"max_tokens\":9," USER("\"x\"") "}", "model", "at least 1", "model empty");
    expect_400("{\"model\":7,\"max_tokens\":9," USER("\"x\"") "}", "model", "string", "model not a string");
    expect_400(HEAD "\"messages\":[]}", "messages", "At least one", "no messages");
    expect_400(HEAD "\"x\":1}", "messages", "Field required", "messages missing");
    expect_400(HEAD "\"messages\":{}}", "messages", "list", "messages not a list");
    expect_400(HEAD "\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages.0", "'tool'", "tool role");
    expect_400(HEAD "\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image\"}]}]}", "messages.0.content.0",
               "text blocks only", "image in a system message");
    expect_400(HEAD "\"messages\":[{\"content\":\"x\"}]}", "messages.0.role", "Field required", "role missing");
    expect_400(HEAD "\"messages\":[{\"role\":\"user\"}]}", "messages.0.content", "Field required", "content missing");
    expect_400(HEAD USER("5") "}", "messages.0.content", "string or a list", "content a number");
    expect_400(HEAD "\"messages\":[7]}", "messages.0", "object", "message not an object");
    expect_400(HEAD "\"system\":5," USER("\"x\"") "}", "system", "string or a list", "system a number");
    expect_400(HEAD "\"system\":[{\"type\":\"image\"}]," USER("\"x\"") "}", "system.0", "'text'", "system image block");
    expect_400(HEAD "\"stream\":\"yes\"," USER("\"x\"") "}", "stream", "boolean", "stream not boolean");
    expect_400(HEAD "\"stop_sequences\":\"END\"," USER("\"x\"") "}", "stop_sequences", "list", "stop_sequences string");
    expect_400(HEAD "\"stop_sequences\":[\"a\",\"b\",\"c\",\"d\",\"e\"]," USER("\"x\"") "}", "stop_sequences", "at most 4",
               "too many stop sequences");
    expect_400(HEAD "\"stop_sequences\":[\"a\",1]," USER("\"x\"") "}", "stop_sequences.1", "string", "stop sequence number");
    expect_400(HEAD "\"stop_sequences\":[\" \"]," USER("\"x\"") "}", "stop_sequences.0", "non-whitespace", "blank stop sequence");
    expect_400(HEAD "\"temperature\":\"hot\"," USER("\"x\"") "}", "temperature", "number", "temperature string");
    expect_400(HEAD "\"top_k\":1.5," USER("\"x\"") "}", "top_k", "integer", "top_k fraction");
    expect_400(HEAD "\"metadata\":[]," USER("\"x\"") "}", "metadata", "object", "metadata list");
    expect_400(HEAD "\"thinking\":true," USER("\"x\"") "}", "thinking", "object", "thinking boolean");
    expect_400(HEAD "\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://m\"}]," USER("\"x\"") "}", "mcp_servers", "MCP",
               "MCP servers");
    expect_400("[1]", NULL, "JSON object", "array body");
}

static void test_tools(void)
{
    struct anth_request q;
    struct relay_err e = { 0 };
    const char *body = HEAD "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather\",\"input_schema\":"
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},\"cache_control\":{\"type\":\"ephemeral\"}},"
        "{\"name\":\"Bash\",\"input_schema\":{\"type\":\"object\"},\"defer_loading\":true,\"strict\":true},"
        "{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5},"
        "{\"type\":\"custom\",\"name\":\"x-y_1\",\"input_schema\":{}}],"
        "\"tool_choice\":{\"type\":\"tool\",\"name\":\"Bash\",\"disable_parallel_tool_use\":true}," USER("\"x\"") "}";
    is_int(parse(body, ANTH_MESSAGES, &q, &e), 0, "tools accepted");
    if (e.status)
        printf("#   %s\n", e.message);
    is_int(q.eng.ntools, 3, "three function tools; web search is not one");
    is_int(q.eng.web_search, 1, "web search server tool turns on web search");
    is_str(q.eng.tools[0].name, "get_weather", "tool name");
    is_str(q.eng.tools[0].description, "Weather", "tool description");
    is_str(q.eng.tools[0].parameters, "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}",
           "input_schema becomes the parameters");
    ok(q.eng.tools[1].description == NULL, "no description");
    is_int(q.eng.tool_choice, ENG_CHOICE_NAMED, "tool_choice tool");
    is_str(q.eng.tool_choice_name, "Bash", "tool_choice name");
    is_int(q.eng.parallel_tool_calls, 0, "disable_parallel_tool_use");
    anth_request_free(&q);

    static const struct { const char *choice; enum eng_tool_choice want; } choices[] = {
        { "{\"type\":\"auto\"}", ENG_CHOICE_AUTO }, { "{\"type\":\"any\"}", ENG_CHOICE_REQUIRED },
        { "{\"type\":\"none\"}", ENG_CHOICE_NONE },
    };
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++) {
        char b[512];
        snprintf(b, sizeof b, HEAD "\"tools\":[{\"name\":\"f\",\"input_schema\":{}}],\"tool_choice\":%s," USER("\"x\"") "}",
                 choices[i].choice);
        is_int(parse(b, ANTH_MESSAGES, &q, &e), 0, "tool_choice %s accepted", choices[i].choice);
        is_int(q.eng.tool_choice, choices[i].want, "tool_choice %s mapped", choices[i].choice);
        is_int(q.eng.parallel_tool_calls, 1, "tool_choice %s: parallel calls stay allowed", choices[i].choice);
        anth_request_free(&q);
    }

#define T1 "\"tools\":[{\"name\":\"f\",\"input_schema\":{}}],"
    expect_400(HEAD "\"tools\":[{\"type\":\"bash_20250124\",\"name\":\"bash\"}]," USER("\"x\"") "}", "tools.0.type",
               "'bash_20250124'", "bash tool");
    expect_400(HEAD "\"tools\":[{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\"}]," USER("\"x\"") "}",
               "tools.0.type", "'text_editor_20250728'", "text editor tool");
    expect_400(HEAD "\"tools\":[{\"type\":\"computer_20250124\",\"name\":\"computer\"}]," USER("\"x\"") "}",
               "tools.0.type", "'computer_20250124'", "computer tool");
    expect_400(HEAD "\"tools\":[{\"type\":\"code_execution_20250825\",\"name\":\"code_execution\"}]," USER("\"x\"") "}",
               "tools.0.type", "'code_execution_20250825'", "code execution tool");
    expect_400(HEAD "\"tools\":[{\"type\":\"memory_20250818\",\"name\":\"memory\"}]," USER("\"x\"") "}",
               "tools.0.type", "'memory_20250818'", "other server tool");
    expect_400(HEAD "\"tools\":[{\"name\":\"f\"}]," USER("\"x\"") "}", "tools.0.input_schema", "Field required",
               "input_schema missing");
    expect_400(HEAD "\"tools\":[{\"name\":\"f\",\"input_schema\":[]}]," USER("\"x\"") "}", "tools.0.input_schema", "object",
               "input_schema a list");
    expect_400(HEAD "\"tools\":[{\"name\":\"a b\",\"input_schema\":{}}]," USER("\"x\"") "}", "tools.0.name", "pattern",
               "tool name with a space");
    expect_400(HEAD "\"tools\":[{\"input_schema\":{}}]," USER("\"x\"") "}", "tools.0.name", "Field required", "tool name missing");
    expect_400(HEAD "\"tools\":[{\"name\":\"f\",\"input_schema\":{}},{\"name\":\"f\",\"input_schema\":{}}]," USER("\"x\"") "}",
               "tools.1.name", "unique", "duplicate tool names");
    expect_400(HEAD "\"tools\":{}," USER("\"x\"") "}", "tools", "list", "tools not a list");
    expect_400(HEAD "\"tools\":[3]," USER("\"x\"") "}", "tools.0", "object", "tool not an object");
    expect_400(HEAD T1 "\"tool_choice\":{\"type\":\"tool\",\"name\":\"g\"}," USER("\"x\"") "}", "tool_choice.name",
               "'g'", "tool_choice names an unknown tool");
    expect_400(HEAD T1 "\"tool_choice\":{\"type\":\"tool\"}," USER("\"x\"") "}", "tool_choice.name", "Field required",
               "tool_choice tool without name");
    expect_400(HEAD "\"tool_choice\":{\"type\":\"any\"}," USER("\"x\"") "}", "tool_choice", "at least one", "any without tools");
    expect_400(HEAD T1 "\"tool_choice\":{\"type\":\"required\"}," USER("\"x\"") "}", "tool_choice.type", "'auto', 'any'",
               "OpenAI's required");
    expect_400(HEAD T1 "\"tool_choice\":\"auto\"," USER("\"x\"") "}", "tool_choice", "object", "tool_choice a string");
    expect_400(HEAD T1 "\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":1}," USER("\"x\"") "}",
               "tool_choice.disable_parallel_tool_use", "boolean", "disable_parallel_tool_use a number");

    body = HEAD "\"output_format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}," USER("\"x\"") "}";
    is_int(parse(body, ANTH_MESSAGES, &q, &e), 0, "output_format accepted");
    is_int(q.eng.format, ENG_FORMAT_JSON_SCHEMA, "structured output");
    is_str(q.eng.format_schema, "{\"type\":\"object\"}", "schema text");
    anth_request_free(&q);
    body = HEAD "\"output_config\":{\"effort\":\"high\"}," USER("\"x\"") "}";
    is_int(parse(body, ANTH_MESSAGES, &q, &e), 0, "output_config without format accepted");
    is_int(q.eng.format, ENG_FORMAT_TEXT, "no format");
    anth_request_free(&q);
    expect_400(HEAD "\"output_format\":{\"type\":\"xml\"}," USER("\"x\"") "}", "output_format", "'xml'", "output format type");
    expect_400(HEAD "\"output_config\":{\"format\":{\"type\":\"json_schema\"}}," USER("\"x\"") "}",
               "output_config.format.schema", "Field required", "output_config format without schema");
}

/* ---- Sink ------------------------------------------------------------- */

static struct relay_config cfg = { .cors_origin = "*", .mount_prefix = "", .keepalive_s = 2 };
static struct relay_app app = { .cfg = &cfg };
static struct worker worker;

struct fixture {
    struct io io;
    struct io_mem mem;
    struct relay_req r;
    struct anth_sink s;
    struct eng_sink k;
};

static void fx_open(struct fixture *f, int stream)
{
    static const char *const vars[] = { "REQUEST_URI=/v1/messages", "REQUEST_METHOD=POST", NULL };
    io_mem_bind(&f->io, &f->mem, vars, NULL, 0);
    req_init(&f->r, &f->io, &cfg, &app, &worker);
    anth_sink_init(&f->s, &f->r, "claude-sonnet-4-5-20250929", 12, stream);
    f->k = anth_sink_ops(&f->s);
}

static void fx_close(struct fixture *f)
{
    anth_sink_free(&f->s);
    req_finish(&f->r);
    io_mem_free(&f->mem);
}

static const char *fx_body(struct fixture *f)
{
    const char *s = strstr(buf_str(&f->mem.out), "\r\n\r\n");
    return s ? s + 4 : "";
}

static struct eng_result result(enum eng_finish finish, const char *stop, long long pt, long long ct)
{
    struct eng_result r = { .finish = finish, .stop_sequence = stop };
    r.usage.prompt_tokens = pt;
    r.usage.completion_tokens = ct;
    return r;
}

static struct eng_tool_call tool_call(unsigned index, const char *id, const char *name, const char *args)
{
    struct eng_tool_call c = { .index = index, .id = id, .name = name, .arguments = args };
    c.arguments_len = strlen(args);
    return c;
}

static void test_sink_json(void)
{
    struct fixture f;
    fx_open(&f, 0);
    struct eng_result res = result(ENG_FINISH_STOP, NULL, 12, 3);
    ok(f.k.begin(f.k.ud, 0) == 0 && f.k.text(f.k.ud, 0, "Hello", 5) == 0 && f.k.text(f.k.ud, 0, " world \n", 8) == 0 &&
       f.k.end(f.k.ud, 0, &res) == 0, "json: callbacks succeed");
    ok(strstr(buf_str(&f.mem.out), "Status: 200") != NULL, "json: 200");
    ok(strstr(buf_str(&f.mem.out), "x-usage-source: estimated") != NULL, "json: usage source header");
    struct json_object *m = json_tokener_parse(fx_body(&f)), *v;
    ok(m != NULL, "json: body parses");
    ok(json_object_object_get_ex(m, "id", &v) && strncmp(json_object_get_string(v), "msg_", 4) == 0, "json: msg_ id");
    is_str(json_object_get_string(json_object_object_get(m, "type")), "message", "json: type");
    is_str(json_object_get_string(json_object_object_get(m, "role")), "assistant", "json: role");
    is_str(json_object_get_string(json_object_object_get(m, "model")), "claude-sonnet-4-5-20250929", "json: model");
    is_str(json_object_to_json_string_ext(json_object_object_get(m, "content"), JSON_C_TO_STRING_PLAIN),
           "[{\"type\":\"text\",\"text\":\"Hello world\"}]", "json: text block, trailing whitespace trimmed");
    is_str(json_object_get_string(json_object_object_get(m, "stop_reason")), "end_turn", "json: end_turn");
    ok(json_object_object_get_ex(m, "stop_sequence", &v) && v == NULL, "json: stop_sequence null");
    is_str(json_object_to_json_string_ext(json_object_object_get(m, "usage"), JSON_C_TO_STRING_PLAIN),
           "{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}",
           "json: usage");
    json_object_put(m);
    fx_close(&f);

    fx_open(&f, 0);
    res = result(ENG_FINISH_TOOL_CALLS, NULL, 20, 9);
    res.usage.from_upstream = 1;
    struct eng_tool_call c1 = tool_call(0, "call_abc", "get_weather", "{\"city\":\"Paris\"}");
    struct eng_tool_call c2 = tool_call(1, "call_def", "get_time", "{}");
    ok(f.k.begin(f.k.ud, 0) == 0 && f.k.text(f.k.ud, 0, " \n", 2) == 0 && f.k.tool_call(f.k.ud, 0, &c1) == 0 &&
       f.k.tool_call(f.k.ud, 0, &c2) == 0 && f.k.end(f.k.ud, 0, &res) == 0, "json tools: callbacks succeed");
    m = json_tokener_parse(fx_body(&f));
    is_str(json_object_to_json_string_ext(json_object_object_get(m, "content"), JSON_C_TO_STRING_PLAIN),
           "[{\"type\":\"tool_use\",\"id\":\"toolu_abc\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}},"
           "{\"type\":\"tool_use\",\"id\":\"toolu_def\",\"name\":\"get_time\",\"input\":{}}]",
           "json tools: whitespace-only text dropped, tool_use blocks with parsed input");
    is_str(json_object_get_string(json_object_object_get(m, "stop_reason")), "tool_use", "json tools: tool_use");
    ok(strstr(buf_str(&f.mem.out), "x-usage-source: upstream") != NULL, "json tools: usage from upstream");
    json_object_put(m);
    fx_close(&f);

    fx_open(&f, 0);
    res = result(ENG_FINISH_STOP_SEQUENCE, "END", 1, 1);
    f.k.text(f.k.ud, 0, "a", 1);
    f.k.end(f.k.ud, 0, &res);
    m = json_tokener_parse(fx_body(&f));
    is_str(json_object_get_string(json_object_object_get(m, "stop_reason")), "stop_sequence", "json: stop_sequence reason");
    is_str(json_object_get_string(json_object_object_get(m, "stop_sequence")), "END", "json: stop_sequence set");
    json_object_put(m);
    fx_close(&f);

    fx_open(&f, 0);
    res = result(ENG_FINISH_LENGTH, NULL, 1, 1);
    f.k.end(f.k.ud, 0, &res);
    m = json_tokener_parse(fx_body(&f));
    is_str(json_object_get_string(json_object_object_get(m, "stop_reason")), "max_tokens", "json: max_tokens");
    is_int(json_object_array_length(json_object_object_get(m, "content")), 0, "json: empty answer, no blocks");
    json_object_put(m);
    fx_close(&f);
    is_str(anth_stop_reason(ENG_FINISH_CONTENT_FILTER), "refusal", "content filter is a refusal");
}

/* The events of an SSE body as "type,type,...", checking that each data
 * object's type matches its event name; texts collects the text deltas. */
static void events(const char *body, struct buf *types, struct buf *texts, struct json_object **last_delta,
                   struct json_object **start)
{
    const char *p = body;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        if (!end)
            break;
        char name[64] = "";
        if (sscanf(p, "event: %63s", name) != 1)
            break;
        const char *data = strstr(p, "\ndata: ");
        if (!data || data > end)
            break;
        struct json_object *o = json_tokener_parse(data + 7);
        const char *type = o ? json_object_get_string(json_object_object_get(o, "type")) : "?";
        buf_printf(types, "%s%s", types->len ? "," : "", strcmp(type, name) == 0 ? name : "MISMATCH");
        struct json_object *d = json_object_object_get(o, "delta");
        if (strcmp(name, "content_block_delta") == 0) {
            const char *dt = json_object_get_string(json_object_object_get(d, "type"));
            buf_printf(texts, "%s%s=%s", texts->len ? "|" : "", dt,
                       json_object_get_string(json_object_object_get(d, strcmp(dt, "text_delta") ? "partial_json" : "text")));
        }
        if (strcmp(name, "message_delta") == 0 && last_delta) {
            json_object_put(*last_delta);
            *last_delta = json_object_get(o);
        }
        if (strcmp(name, "message_start") == 0 && start) {
            json_object_put(*start);
            *start = json_object_get(o);
        }
        json_object_put(o);
        p = end + 2;
    }
}

static void test_sink_stream(void)
{
    struct fixture f;
    struct buf types, texts;
    struct json_object *delta = NULL, *start = NULL;
    buf_init(&types, 1 << 16);
    buf_init(&texts, 1 << 16);

    fx_open(&f, 1);
    struct eng_result res = result(ENG_FINISH_STOP, NULL, 12, 4);
    ok(f.k.idle(f.k.ud, 1) == 0, "stream: idle before begin sends nothing");
    is_int(f.mem.out.len, 0, "stream: nothing written before begin");
    ok(f.k.begin(f.k.ud, 0) == 0 && f.k.text(f.k.ud, 0, "Hel", 3) == 0 && f.k.idle(f.k.ud, 1) == 0 &&
       f.k.idle(f.k.ud, 2) == 0 && f.k.idle(f.k.ud, 3) == 0 &&
       f.k.text(f.k.ud, 0, "lo ", 3) == 0 && f.k.text(f.k.ud, 0, "\n", 1) == 0 &&
       f.k.text(f.k.ud, 0, "world  ", 7) == 0 && f.k.end(f.k.ud, 0, &res) == 0, "stream: callbacks succeed");
    ok(strstr(buf_str(&f.mem.out), "Content-Type: text/event-stream") != NULL, "stream: event stream");
    events(fx_body(&f), &types, &texts, &delta, &start);
    is_str(buf_str(&types), "message_start,content_block_start,content_block_delta,ping,content_block_delta,"
           "content_block_delta,content_block_stop,message_delta,message_stop", "stream: event order");
    is_str(buf_str(&texts), "text_delta=Hel|text_delta=lo|text_delta= \nworld",
           "stream: text incremental, whitespace held until text follows, trailing whitespace dropped");
    is_str(json_object_to_json_string_ext(delta, JSON_C_TO_STRING_PLAIN),
           "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"
           "{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":4}}",
           "stream: message_delta");
    struct json_object *msg = json_object_object_get(start, "message");
    ok(strncmp(json_object_get_string(json_object_object_get(msg, "id")), "msg_", 4) == 0, "stream: message_start id");
    is_str(json_object_to_json_string_ext(json_object_object_get(msg, "content"), JSON_C_TO_STRING_PLAIN), "[]",
           "stream: message_start content empty");
    ok(json_object_object_get(msg, "stop_reason") == NULL, "stream: message_start stop_reason null");
    is_int(json_object_get_int(json_object_object_get(json_object_object_get(msg, "usage"), "input_tokens")), 12,
           "stream: message_start input tokens");
    ok(strstr(fx_body(&f), "[DONE]") == NULL, "stream: no [DONE]");
    fx_close(&f);

    buf_clear(&types);
    buf_clear(&texts);
    fx_open(&f, 1);
    res = result(ENG_FINISH_TOOL_CALLS, NULL, 12, 9);
    struct eng_tool_call c1 = tool_call(0, "call_x1", "get_weather", "{\"city\":\"Paris\"}");
    struct eng_tool_call c2 = tool_call(1, "call_x2", "get_time", "{}");
    ok(f.k.begin(f.k.ud, 0) == 0 && f.k.text(f.k.ud, 0, "Checking.\n", 10) == 0 &&
       f.k.tool_call(f.k.ud, 0, &c1) == 0 && f.k.tool_call(f.k.ud, 0, &c2) == 0 && f.k.end(f.k.ud, 0, &res) == 0,
       "stream tools: callbacks succeed");
    events(fx_body(&f), &types, &texts, &delta, NULL);
    is_str(buf_str(&types), "message_start,content_block_start,content_block_delta,content_block_stop,"
           "content_block_start,content_block_delta,content_block_stop,content_block_start,content_block_delta,"
           "content_block_stop,message_delta,message_stop", "stream tools: event order");
    is_str(buf_str(&texts), "text_delta=Checking.|input_json_delta={\"city\":\"Paris\"}|input_json_delta={}",
           "stream tools: deltas");
    ok(strstr(fx_body(&f), "\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_x1\",\"name\":"
              "\"get_weather\",\"input\":{}}") != NULL, "stream tools: tool_use block start");
    ok(strstr(fx_body(&f), "\"type\":\"content_block_stop\",\"index\":2") != NULL, "stream tools: block indices");
    is_str(json_object_get_string(json_object_object_get(json_object_object_get(delta, "delta"), "stop_reason")),
           "tool_use", "stream tools: stop_reason tool_use");
    fx_close(&f);

    buf_clear(&types);
    buf_clear(&texts);
    fx_open(&f, 1);
    res = result(ENG_FINISH_STOP_SEQUENCE, "\"END\"", 3, 2);
    ok(f.k.begin(f.k.ud, 0) == 0 && f.k.text(f.k.ud, 0, "  \n", 3) == 0 && f.k.end(f.k.ud, 0, &res) == 0,
       "stream, whitespace only: callbacks succeed");
    events(fx_body(&f), &types, &texts, &delta, NULL);
    is_str(buf_str(&types), "message_start,message_delta,message_stop", "stream, whitespace only: no text block");
    is_str(json_object_get_string(json_object_object_get(json_object_object_get(delta, "delta"), "stop_sequence")),
           "\"END\"", "stream: stop_sequence quoted");
    fx_close(&f);

    fx_open(&f, 1);
    f.mem.fail_after_writes = 2;
    int rc = f.k.begin(f.k.ud, 0);
    for (int i = 0; i < 5 && rc == 0; i++)
        rc = f.k.text(f.k.ud, 0, "more", 4);
    ok(rc != 0, "stream: a gone client stops the exchange");
    fx_close(&f);

    json_object_put(delta);
    json_object_put(start);
    buf_free(&types);
    buf_free(&texts);
}

static void test_headers(void)
{
    char t[40];
    is_int(anth_rfc3339(1796126400000LL, t, sizeof t), 20, "rfc3339 length");
    is_str(t, "2026-12-01T12:00:00Z", "rfc3339 of a whole second");
    anth_rfc3339(1796126400001LL, t, sizeof t);
    is_str(t, "2026-12-01T12:00:01Z", "rfc3339 rounds up");
    is_int(anth_rfc3339(0, t, 5), -1, "rfc3339 into a short buffer");

    struct fixture f;
    fx_open(&f, 0);
    struct rl_result res = { .outcome = RL_REFUSED, .retry_ms = 1500 };
    res.req.limit = 60;
    res.req.remaining = 0;
    res.req.reset_ms = 1500;
    res.tok.limit = 0;   /* no token limit: no token headers */
    anth_ratelimit_headers(&f.r, &res, 1796126400000LL);
    resp_begin(&f.r, 429, "application/json", 0);
    const char *out = buf_str(&f.mem.out);
    ok(strstr(out, "anthropic-ratelimit-requests-limit: 60\r\n") != NULL, "requests limit header");
    ok(strstr(out, "anthropic-ratelimit-requests-remaining: 0\r\n") != NULL, "requests remaining header");
    ok(strstr(out, "anthropic-ratelimit-requests-reset: 2026-12-01T12:00:02Z\r\n") != NULL, "requests reset header");
    ok(strstr(out, "\nanthropic-ratelimit-tokens") == NULL, "no token headers without a token limit");
    fx_close(&f);

    fx_open(&f, 0);
    struct rl_result adm = { .outcome = RL_ADMITTED };
    adm.tok.limit = 1000;
    adm.tok.remaining = 900;
    adm.tok.reset_ms = 0;
    anth_ratelimit_headers(&f.r, &adm, 1796126400000LL);
    resp_begin(&f.r, 200, "application/json", 0);
    out = buf_str(&f.mem.out);
    ok(strstr(out, "anthropic-ratelimit-tokens-remaining: 900\r\n") != NULL, "admitted: tokens remaining");
    ok(strstr(out, "anthropic-ratelimit-tokens-reset: 2026-12-01T12:00:00Z\r\n") != NULL, "admitted: tokens reset");
    fx_close(&f);
}

int main(void)
{
    test_basics();
    test_blocks();
    test_request_errors();
    test_tools();
    test_sink_json();
    test_sink_stream();
    test_headers();
    return tap_done();
}
