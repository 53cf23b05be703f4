// The official openai npm SDK (v6) against 1min-relay's Responses API behind
// lighttpd: what rests on the relay's emulation (docs/tools.md): a
// function-tool loop, structured output and max_output_tokens. Driven by
// tests/integration/test_responses_emulation.py (RELAY_BASE_URL, MOCK_URL).
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import { MODEL, check, client, lastPrompt, report } from './responses_common.mjs';

const TOOLS = [{
  type: 'function', name: 'get_weather', description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false,
}];
// The mock model calls the first offered tool with every string argument set
// to the last user text, then answers "The tool said: <result>".
const ASK = { role: 'user', content: 'Paris' };

await check('function tool loop', async () => {
  const t1 = await client.responses.create({ model: MODEL, input: [ASK], tools: TOOLS });
  const fc = t1.output.find((o) => o.type === 'function_call');
  report(fc && fc.name === 'get_weather' && JSON.parse(fc.arguments).city === 'Paris' &&
         fc.call_id.startsWith('call_') && fc.id.startsWith('fc_') && fc.status === 'completed',
         'the model\'s call comes back as a function_call item', t1.output);
  report(t1.output.length === 2 && t1.output[0].type === 'message' && t1.output_text === 'I will call get_weather.',
         'the text before the call is a message item before it', t1.output);
  const prompt1 = await lastPrompt();
  report(prompt1.includes('get_weather') && prompt1.includes('<tool_call>'), 'the tools went upstream in the prompt', prompt1);
  const t2 = await client.responses.create({
    model: MODEL, tools: TOOLS, store: false,
    input: [ASK, ...t1.output, { type: 'function_call_output', call_id: fc.call_id, output: '22C and sunny' }],
  });
  report(t2.output_text === 'The tool said: 22C and sunny', 'function_call_output goes back upstream (whole history)', t2.output);
  const t3 = await client.responses.create({
    model: MODEL, tools: TOOLS, previous_response_id: t1.id,
    input: [{ type: 'function_call_output', call_id: fc.call_id, output: '18C' }],
  });
  report(t3.output_text === 'The tool said: 18C', 'function_call_output after previous_response_id', t3.output);

  const stream = await client.responses.create({ model: MODEL, input: [ASK], tools: TOOLS, stream: true });
  const types = [];
  let added = null;
  let argsDone = null;
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === 'response.output_item.added' && ev.item.type === 'function_call') added = ev;
    if (ev.type === 'response.function_call_arguments.done') argsDone = ev;
  }
  report(added && added.item.name === 'get_weather' && argsDone && JSON.parse(argsDone.arguments).city === 'Paris' &&
         types.includes('response.function_call_arguments.delta') && types[types.length - 1] === 'response.completed',
         'a streamed call: output_item.added, arguments delta/done, completed last', types);
});

await check('structured output', async () => {
  // The mock model answers a JSON instruction with prose and a fenced {"answer": <user text>}.
  const r = await client.responses.create({
    model: MODEL, input: 'Paris',
    text: { format: { type: 'json_schema', name: 'city', strict: true, schema: {
      type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } } },
  });
  let parsed = null;
  try { parsed = JSON.parse(r.output_text); } catch { /* reported below */ }
  report(parsed && parsed.answer === 'Paris', 'json_schema: output_text is the bare JSON value', r.output_text);
  report(r.text && r.text.format && r.text.format.type === 'json_schema' && r.text.format.name === 'city',
         'text.format echoed', r.text);
  const prompt = await lastPrompt();
  report(prompt.includes('"answer"') && /JSON/.test(prompt), 'the schema went upstream', prompt);
});

await check('max_output_tokens', async () => {
  const r = await client.responses.create({ model: MODEL, input: 'count [[mock:long=40]]', max_output_tokens: 3 });
  report(r.status === 'incomplete' && r.incomplete_details && r.incomplete_details.reason === 'max_output_tokens' &&
         r.usage.output_tokens <= 3, 'cut at max_output_tokens: status incomplete', r);
  const stream = await client.responses.create({ model: MODEL, input: 'count [[mock:long=40]]', max_output_tokens: 3, stream: true });
  const types = [];
  for await (const ev of stream) types.push(ev.type);
  report(types[types.length - 1] === 'response.incomplete', 'a cut stream ends with response.incomplete', types);
});

