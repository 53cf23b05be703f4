// The OpenAI Agents SDK (@openai/agents, with its chat-completions model
// OpenAIChatCompletionsModel) runs an agent with a function tool through
// 1min-relay behind lighttpd, against the mock's contract-following model:
// the agent calls the tool, gets the result back and answers; run() and a
// streamed run. Driven by tests/integration/test_tools.py (RELAY_BASE_URL).
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { check, report } from '../report.mjs';

setTracingDisabled(true);
const client = new OpenAI({ apiKey: 'sk-agents-key', baseURL: process.env.RELAY_BASE_URL, maxRetries: 0 });
const executed = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    executed.push(city);
    return `18C in ${city}`;
  },
});
const agent = new Agent({
  name: 'Weather agent',
  instructions: 'Answer questions about the weather with the get_weather tool.',
  model: new OpenAIChatCompletionsModel(client, 'gpt-4o'),
  tools: [getWeather],
});

await check('run', async () => {
  const result = await run(agent, 'Paris');
  report(executed.includes('Paris'), 'run: the agent called get_weather with {city: "Paris"}', executed);
  report(typeof result.finalOutput === 'string' && result.finalOutput.includes('18C in Paris'),
         'run: the final output uses the result', result.finalOutput);
});

await check('streamed run', async () => {
  const result = await run(agent, 'Oslo', { stream: true });
  let events = 0;
  for await (const ev of result) {
    if (ev) events++;
  }
  await result.completed;
  report(executed.includes('Oslo'), 'streamed run: the agent called get_weather with {city: "Oslo"}', executed);
  report(typeof result.finalOutput === 'string' && result.finalOutput.includes('18C in Oslo') && events > 0,
         'streamed run: the final output uses the result', [events, result.finalOutput]);
});
