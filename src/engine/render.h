/* render: the one prompt string 1min.ai gets for a request's transcript.
 *
 * The convention (docs/tools.md §1, the emulation contract): one block per
 * turn, labelled System / Human / Assistant / Tool, each followed by a blank
 * line ("Human: hi\n\n"). A turn's text parts are joined with "\n"; image
 * parts add no text (they travel as attachments).
 *   - An assistant turn's earlier tool calls follow its text, one line each:
 *       <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>
 *   - A tool result is a block of its own:
 *       Tool: <tool name> (<call id>): <result text>
 *       Tool: <tool name> (<call id>) error: <text>      (is_error)
 *     the name is the one of the call with that id in the transcript, or
 *     "unknown".
 *   - When tools are offered and tool_choice is not none, the tool section
 *     (the tools as JSON, the call instruction, tool_choice and
 *     parallel_tool_calls) goes into the System block that opens the prompt:
 *     after the text of a first system turn, or as a new first block. The
 *     structured-output instruction (json_object, json_schema with its
 *     schema) goes there too.
 *
 * Ownership: req is borrowed. Stateless and thread-safe. */
#ifndef RELAY_ENGINE_RENDER_H
#define RELAY_ENGINE_RENDER_H

#include "core/buf.h"
#include "engine/engine.h"

/* Append the prompt for req to out. Returns 0, or -1 when out is full (the
 * caller answers that the conversation is too long). */
int render_prompt(const struct eng_request *req, struct buf *out);

/* 1 when req gets a tool section (tools offered, tool_choice not none). */
int render_has_tools(const struct eng_request *req);

#endif
