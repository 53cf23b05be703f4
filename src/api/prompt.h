/* prompt: flattening an OpenAI messages array into 1min.ai's single prompt.
 *
 * The convention (the seed relay's): one block per message, labelled
 *   system, developer -> "System: "     user -> "Human: "
 *   assistant         -> "Assistant: "  tool, function -> "Tool: "
 * each block followed by a blank line ("Human: hi\n\n"). Array content has
 * its text parts (and replayed "refusal" parts) joined with "\n"; image_url
 * parts add no text (they travel as attachments); input_audio and file parts
 * cannot be relayed and are rejected. An assistant message's tool_calls (and
 * legacy function_call) follow its text, one "[tool call NAME: ARGS]" line
 * each; its content may then be null or missing. Empty string content is
 * allowed; a function-role message may have null content.
 *
 * Validation errors name the offending field in param, for a 400. */
#ifndef RELAY_API_PROMPT_H
#define RELAY_API_PROMPT_H

#include <stddef.h>

#include "core/buf.h"

struct json_object;

struct prompt_error {
    char message[256];
    char param[64];       /* e.g. "messages", "messages[2].content" */
};

/* Append the prompt for messages (borrowed) to out. Returns 0, or -1 with err
 * filled: messages missing/not an array/empty, a message that is not an
 * object, an unknown or missing role, unusable content, or out full.
 * *image_parts counts image_url parts seen (may be NULL). */
int prompt_build(struct json_object *messages, struct buf *out, size_t *image_parts,
                 struct prompt_error *err);

#endif
