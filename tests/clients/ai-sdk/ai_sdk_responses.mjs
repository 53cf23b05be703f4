// The Vercel AI SDK's default OpenAI provider (`openai("gpt-4o")`, which
// speaks the Responses API) against 1min-relay, as a new user would set it
// up. Driven by tests/integration/test_clients_responses.py (RELAY_BASE_URL,
// MOCK_URL). Prints one JSON result per line: {"ok", "name", "diag"}.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { check, report } from '../report.mjs';

const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;
const paths = [];

async function lastPrompt() {
  const r = await fetch(mockURL + '/__mock/requests');
  const reqs = (await r.json()).requests.filter((q) => q.path === '/api/chat-with-ai');
  return reqs.length ? reqs[reqs.length - 1].body.promptObject.prompt : '';
}

const openai = createOpenAI({
  baseURL, apiKey: 'sk-ai-sdk-key',
  fetch: (url, init) => { paths.push(new URL(url).pathname); return fetch(url, init); },
});

await check('generateText', async () => {
  const r = await generateText({ model: openai('gpt-4o'), prompt: 'hello from the ai sdk', maxRetries: 0 });
  report(r.text === 'Echo: hello from the ai sdk', 'generateText with openai("gpt-4o")', r.text);
  report(paths.length === 1 && paths[0] === '/v1/responses', 'the default provider used /v1/responses', paths);
  report(r.usage && r.usage.inputTokens > 0 && r.usage.outputTokens > 0, 'usage reported', r.usage);

  // A second turn: the AI SDK refers to the stored answer by item_reference.
  const r2 = await generateText({
    model: openai('gpt-4o'), maxRetries: 0,
    messages: [{ role: 'user', content: 'hello from the ai sdk' }, ...r.response.messages,
      { role: 'user', content: 'and again' }],
  });
  const prompt = await lastPrompt();
  report(r2.text === 'Echo: and again' && prompt.includes('Echo: hello from the ai sdk'),
         'a second turn: the earlier answer (an item_reference) goes upstream', prompt);
});

await check('streamText', async () => {
  const s = streamText({ model: openai('gpt-4o'), prompt: 'one two three four [[mock:slow=300]]', maxRetries: 0 });
  const parts = [];
  const t0 = Date.now();
  for await (const t of s.textStream) parts.push({ t, at: Date.now() - t0 });
  const text = parts.map((p) => p.t).join('');
  report(text === 'Echo: one two three four', 'streamText text', parts);
  report(parts.length >= 4 && parts[parts.length - 1].at - parts[0].at >= 500, 'the text streams incrementally', parts);
  report((await s.finishReason) === 'stop', 'finish reason stop', await s.finishReason);
});
