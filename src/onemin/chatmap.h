/* chatmap: the small mappings between 1min.ai results and OpenAI chat fields.
 *
 * Pure; returned strings are static or borrowed from the record. Thread rule:
 * any thread. */
#ifndef RELAY_ONEMIN_CHATMAP_H
#define RELAY_ONEMIN_CHATMAP_H

struct json_object;

/* OpenAI finish_reason for an upstream finishReason (any case, trimmed):
 * length/max_tokens/max_output_tokens/truncated -> "length";
 * content_filter/safety/recitation/prohibited_content -> "content_filter";
 * tool_calls/tool_use/function_call -> "tool_calls"; else (or NULL) "stop".
 * Returns a static string. */
const char *chatmap_finish_reason(const char *upstream);

/* Token usage from aiRecord.metadata (borrowed rec): inputToken, outputToken,
 * totalToken (or their sum). Returns 1 and fills the counts when at least one
 * of inputToken/outputToken is a number and they are not both 0; else 0. */
int chatmap_usage(struct json_object *rec, long long *prompt, long long *completion, long long *total);

/* aiRecord.metadata.finishReason, or NULL. Borrowed. */
const char *chatmap_upstream_finish(struct json_object *rec);

#endif
