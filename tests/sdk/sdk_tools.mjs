// The official openai npm SDK (v6) runs a tool loop through 1min-relay behind
// lighttpd, against the mock's contract-following model (tests/mock/README.md):
// call -> result -> final answer, as one JSON answer each and as streams.
// Driven by tests/integration/test_tools.py (RELAY_BASE_URL, MOCK_URL).
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import OpenAI from 'openai';
import { check, report } from '../clients/report.mjs';

const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;

async function lastPrompt() {
  const r = await (await fetch(mockURL + '/__mock/requests')).json();
  const chats = r.requests.filter((q) => q.path === '/api/chat-with-ai');
  return chats.length ? chats[chats.length - 1].body.promptObject.prompt : '';
}

const client = new OpenAI({ apiKey: 'sk-sdk-tools-key', baseURL, maxRetries: 0, timeout: 30000 });
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];

await check('tool loop, JSON', async () => {
  const messages = [{ role: 'user', content: 'Paris' }];
  const c1 = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });
  const m1 = c1.choices[0].message;
  const call = (m1.tool_calls || [])[0];
  report(c1.choices[0].finish_reason === 'tool_calls', 'JSON: finish_reason tool_calls', c1.choices[0]);
  report(m1.tool_calls && m1.tool_calls.length === 1 && call.type === 'function' && call.function.name === 'get_weather'
         && /^call_[0-9a-zA-Z]+$/.test(call.id), 'JSON: one get_weather call with a call_ id', m1);
  report(call && JSON.parse(call.function.arguments).city === 'Paris', 'JSON: arguments are a JSON string', call);
  report(m1.content === 'I will call get_weather.', 'JSON: the text before the block is the content', m1.content);
  const p1 = await lastPrompt();
  report(p1.startsWith('System: # Tools\n\nYou can call these tools') && p1.includes('"name": "get_weather"')
         && p1.includes('<tool_call>{"name": "<tool name>", "arguments": {<arguments>}}</tool_call>'),
         'JSON: the prompt opens with the tool section', p1);

  messages.push(m1);
  messages.push({ role: 'tool', tool_call_id: call.id, content: '18C and sunny' });
  const c2 = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });
  const m2 = c2.choices[0].message;
  report(c2.choices[0].finish_reason === 'stop' && !m2.tool_calls, 'JSON: the final answer has no calls', c2.choices[0]);
  report(m2.content === 'The tool said: 18C and sunny', 'JSON: the final answer uses the result', m2.content);
  const p2 = await lastPrompt();
  report(p2.includes('Assistant: I will call get_weather.\n<tool_call>{"name": "get_weather", "arguments": {"city":"Paris"}}</tool_call>\n\n')
         && p2.endsWith(`Tool: get_weather (${call.id}): 18C and sunny\n\n`),
         'JSON: the call and the result go back into the prompt in the contract form', p2);
});

async function collect(stream) {
  let content = '';
  let finish = null;
  let role = null;
  const calls = [];
  const firsts = [];
  for await (const chunk of stream) {
    const ch = chunk.choices[0];
    if (!ch) continue;
    if (ch.delta.role) role = ch.delta.role;
    if (ch.delta.content) content += ch.delta.content;
    for (const tc of ch.delta.tool_calls || []) {
      if (typeof tc.index !== 'number') throw new Error('a tool_calls delta without index');
      if (!calls[tc.index]) {
        calls[tc.index] = { id: tc.id, type: tc.type, name: tc.function && tc.function.name, arguments: '' };
        firsts.push(tc);
      }
      if (tc.function && tc.function.arguments) calls[tc.index].arguments += tc.function.arguments;
    }
    if (ch.finish_reason) finish = ch.finish_reason;
  }
  return { content, finish, role, calls, firsts };
}

await check('tool loop, stream', async () => {
  const messages = [{ role: 'user', content: 'Oslo [[mock:tool-fence]]' }];
  const s1 = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, tools, stream: true }));
  report(s1.finish === 'tool_calls' && s1.calls.length === 1, 'stream: one call, finish_reason tool_calls', s1);
  report(s1.firsts.every((f) => f.id && f.id.startsWith('call_') && f.type === 'function' && f.function.name === 'get_weather'),
         'stream: the first fragment carries id, type and name', s1.firsts);
  report(s1.calls[0] && JSON.parse(s1.calls[0].arguments).city === 'Oslo', 'stream: the arguments (fenced in the answer)', s1.calls);
  report(s1.content === 'I will call get_weather.' && s1.role === 'assistant', 'stream: the text before the block', s1.content);

  messages.push({ role: 'assistant', content: s1.content,
                  tool_calls: s1.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) });
  messages.push({ role: 'tool', tool_call_id: s1.calls[0].id, content: 'snow' });
  const s2 = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, tools, stream: true }));
  report(s2.finish === 'stop' && s2.calls.length === 0 && s2.content === 'The tool said: snow',
         'stream: the final answer', s2);
});

await check('parallel calls and tool_choice', async () => {
  const c = await client.chat.completions.create({
    model: 'gpt-4o', tools, messages: [{ role: 'user', content: 'Rome [[mock:tool-calls=3]] [[mock:tool-prose]]' }],
  });
  const calls = c.choices[0].message.tool_calls || [];
  report(calls.length === 3 && new Set(calls.map((x) => x.id)).size === 3, 'three calls with distinct ids', calls);
  const one = await client.chat.completions.create({
    model: 'gpt-4o', tools, parallel_tool_calls: false,
    messages: [{ role: 'user', content: 'Rome [[mock:tool-calls=3]]' }],
  });
  report((one.choices[0].message.tool_calls || []).length === 1, 'parallel_tool_calls false: one call', one.choices[0]);
  const p = await lastPrompt();
  report(p.includes('Call at most one tool per answer'), 'parallel_tool_calls false: the instruction', p);
  const none = await client.chat.completions.create({
    model: 'gpt-4o', tools, tool_choice: 'none', messages: [{ role: 'user', content: 'Rome' }],
  });
  const pn = await lastPrompt();
  report(!pn.includes('# Tools') && none.choices[0].message.content === 'Echo: Rome' && !none.choices[0].message.tool_calls,
         'tool_choice none: no tool section upstream, a plain answer', [pn, none.choices[0]]);
  await client.chat.completions.create({
    model: 'gpt-4o', tools, tool_choice: { type: 'function', function: { name: 'get_weather' } },
    messages: [{ role: 'user', content: 'Rome' }],
  });
  report((await lastPrompt()).includes('You must call the tool "get_weather" in this answer.'), 'tool_choice named: the instruction');
});
