/* prompt: flattening an OpenAI messages array into 1min.ai's single prompt.
 *
 * The convention (the seed relay's): one block per message, labelled
 *   system, developer -> "System: "     user -> "Human: "
 *   assistant         -> "Assistant: "  tool, function -> "Tool: "
 * each block followed by a blank line ("Human: hi\n\n"). Array content has
 * its text parts joined with "\n"; image parts add no text (they travel as
 * attachments). An assistant message with null content and tool_calls is
 * written as its calls, one "[tool call NAME: ARGS]" line each.
 *
 * Validation errors name the offending field in param, for a 400. */
#ifndef RELAY_TRANSLATE_PROMPT_H
#define RELAY_TRANSLATE_PROMPT_H

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
