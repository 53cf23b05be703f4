// The OpenAI Agents SDK (@openai/agents) against 1min-relay: an agent with a
// function tool through the SDK's default model (the Responses API) runs to
// its final answer. Driven by tests/integration/test_clients_responses.py
// (RELAY_BASE_URL, MOCK_URL). Prints one JSON result per line.
import OpenAI from 'openai';
import { Agent, run, tool, setDefaultOpenAIClient, setTracingDisabled } from '@openai/agents';
import { z } from 'zod';
import { report } from '../report.mjs';

const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;

async function chatPrompts() {
  const r = await fetch(mockURL + '/__mock/requests');
  return (await r.json()).requests.filter((q) => q.path === '/api/chat-with-ai').map((q) => q.body.promptObject.prompt);
}

setTracingDisabled(true);
const paths = [];
setDefaultOpenAIClient(new OpenAI({
  apiKey: 'sk-agents-key', baseURL, maxRetries: 0,
  fetch: (url, init) => { paths.push(new URL(url).pathname); return fetch(url, init); },
}));

const calls = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => { calls.push(city); return `22C and sunny in ${city}`; },
});

try {
  const agent = new Agent({
    name: 'Weather agent', instructions: 'Answer weather questions with the get_weather tool.',
    model: 'gpt-4o', tools: [getWeather],
  });
  // The mock model calls the offered tool with the user's text as the city,
  // then answers "The tool said: <result>".
  const result = await run(agent, 'Paris');
  report(calls.length === 1 && calls[0] === 'Paris', 'the agent called the function tool with its arguments', calls);
  report(result.finalOutput === 'The tool said: 22C and sunny in Paris', 'the run reaches the final answer', result.finalOutput);
  report(paths.length === 2 && paths.every((p) => p === '/v1/responses'), 'two turns, both on /v1/responses', paths);
  const prompts = await chatPrompts();
  const last = prompts[prompts.length - 1] || '';
  report(last.includes('Tool: get_weather') && last.includes('22C and sunny in Paris'),
         'the tool result went back upstream as a Tool: block', last);
} catch (e) {
  report(false, 'agent run', `threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
}
