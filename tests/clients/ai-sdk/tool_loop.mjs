// The Vercel AI SDK (ai v5 + @ai-sdk/openai, the chat-completions provider
// openai.chat(model)) runs a tool loop through 1min-relay behind lighttpd,
// against the mock's contract-following model: generateText and streamText
// with a function tool and an execute(), two steps each.
// Driven by tests/integration/test_tools.py (RELAY_BASE_URL).
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { check, report } from '../report.mjs';

const openai = createOpenAI({ apiKey: 'sk-ai-sdk-key', baseURL: process.env.RELAY_BASE_URL });
const executed = [];
const tools = {
  get_weather: tool({
    description: 'Current weather of a city',
    inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
    execute: async ({ city }) => {
      executed.push(city);
      return `18C in ${city}`;
    },
  }),
};

function summary(steps) {
  return steps.map((s) => ({ finishReason: s.finishReason, text: s.text,
                             calls: s.toolCalls.map((c) => [c.toolName, c.input]) }));
}

await check('generateText', async () => {
  const r = await generateText({ model: openai.chat('gpt-4o'), tools, maxRetries: 0, stopWhen: stepCountIs(4), prompt: 'Paris' });
  const first = r.steps[0];
  report(first && first.finishReason === 'tool-calls' && first.toolCalls.length === 1
         && first.toolCalls[0].toolName === 'get_weather' && first.toolCalls[0].input.city === 'Paris',
         'generateText: the model calls get_weather with {city: "Paris"}', summary(r.steps));
  report(executed.includes('Paris'), 'generateText: the tool ran', executed);
  report(r.steps.length === 2 && r.finishReason === 'stop' && r.text.includes('18C in Paris'),
         'generateText: the final answer uses the result', summary(r.steps));
});

await check('streamText', async () => {
  const r = streamText({ model: openai.chat('gpt-4o'), tools, maxRetries: 0, stopWhen: stepCountIs(4), prompt: 'Oslo' });
  let deltas = 0;
  for await (const part of r.fullStream) {
    if (part.type === 'error') throw part.error;
    if (part.type === 'text-delta') deltas++;
  }
  const steps = await r.steps;
  report(steps[0] && steps[0].finishReason === 'tool-calls' && steps[0].toolCalls[0].input.city === 'Oslo',
         'streamText: the model calls get_weather with {city: "Oslo"}', summary(steps));
  report(steps.length === 2 && (await r.text).includes('18C in Oslo') && deltas > 1,
         'streamText: the final answer arrives in text deltas', [deltas, summary(steps)]);
});
