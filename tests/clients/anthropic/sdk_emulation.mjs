// The official @anthropic-ai/sdk against 1min-relay behind lighttpd: the emulated
// parts (tool use, stop_sequences, max_tokens; docs/tools.md).
// Driven by tests/integration/test_anthropic_sdk.py, which starts the stack and
// passes RELAY_ORIGIN (http://127.0.0.1:PORT, the SDK adds /v1) and MOCK_URL.
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import { check, report } from '../report.mjs';
import { MODEL, mock, client } from './common.mjs';

await check('tool use loop', async () => {
  // the mock model follows the emulation contract: offered tools, it calls the
  // first with every string argument set to the question; after a Tool:
  // result it answers "The tool said: <result>" (tests/mock/README.md)
  const tools = [{ name: 'get_weather', description: 'Weather for a city',
                   input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
  const q = { role: 'user', content: 'Paris' };
  const m = await client.messages.create({ model: MODEL, max_tokens: 200, tools, messages: [q] });
  const use = m.content.find((b) => b.type === 'tool_use');
  report(m.stop_reason === 'tool_use' && use && /^toolu_/.test(use.id) && use.name === 'get_weather' &&
         use.input && use.input.city === 'Paris', 'a tool_use block with a toolu_ id and parsed input', m);
  report(m.content[0].type === 'text' && m.content[0].text === 'I will call get_weather.' && m.content[1] === use,
         'the text before the call is a text block, then the tool_use block', m.content);
  const m2 = await client.messages.create({
    model: MODEL, max_tokens: 200, tools,
    messages: [q, { role: 'assistant', content: m.content },
               { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C and sunny' }] }],
  });
  report(m2.stop_reason === 'end_turn' && m2.content.length === 1 && m2.content[0].text === 'The tool said: 18C and sunny',
         'the tool result reaches the model', m2);
  const reqs = (await mock('/__mock/requests')).requests.filter((r) => r.path === '/api/chat-with-ai');
  const prompt = reqs.at(-1).body.promptObject.prompt;
  report(prompt.includes('Tool: get_weather (' + use.id + '): 18C and sunny'), 'the result is a Tool: block', prompt);

  // streamed: the tool_use block with input_json_delta
  const s = client.messages.stream({ model: MODEL, max_tokens: 200, tools, messages: [q] });
  const kinds = [];
  s.on('streamEvent', (e) => { if (e.type === 'content_block_start') kinds.push(e.content_block.type); });
  const f = await s.finalMessage();
  const su = f.content.find((b) => b.type === 'tool_use');
  report(kinds.join() === 'text,tool_use' && su && su.input.city === 'Paris' && f.stop_reason === 'tool_use',
         'streamed tool_use: finalMessage() has the parsed input', { kinds, f });
});

await check('stop_sequences', async () => {
  const m = await client.messages.create({
    model: MODEL, max_tokens: 100, stop_sequences: ['STOP'],
    messages: [{ role: 'user', content: 'one two STOP three four' }],
  });
  report(m.stop_reason === 'stop_sequence' && m.stop_sequence === 'STOP', 'stop_reason stop_sequence', m);
  report(m.content[0].text === 'Echo: one two', 'the answer is cut before the stop sequence', m.content);
});

await check('max_tokens', async () => {
  const m = await client.messages.create({
    model: MODEL, max_tokens: 3, messages: [{ role: 'user', content: 'a b c d e f g h i j k l [[mock:no-usage]]' }],
  });
  report(m.stop_reason === 'max_tokens' && m.usage.output_tokens <= 3 && m.usage.output_tokens > 0,
         'stop_reason max_tokens, at most max_tokens output tokens', m);
});

