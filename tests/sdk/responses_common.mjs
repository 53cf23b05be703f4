// What the Responses API scripts (sdk_responses.mjs, sdk_responses_emulation.mjs)
// share: the result protocol ({"ok", "name", "diag"} per line, turned into TAP
// by relaytest.sdk), two clients with different keys, and the mock's log.
import OpenAI from 'openai';

export const MODEL = 'gpt-4o';
const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;

export const client = new OpenAI({ apiKey: 'sk-responses-key-one', baseURL, maxRetries: 0, timeout: 30000 });
export const other = new OpenAI({ apiKey: 'sk-responses-key-two', baseURL, maxRetries: 0, timeout: 30000 });

export function report(ok, name, diag) {
  process.stdout.write(JSON.stringify({ ok: !!ok, name, diag: ok ? undefined : diag }) + '\n');
}

// Run fn; a throw is one failed result named name.
export async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    report(false, name, `threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
  }
}

// The error an awaited call throws, or null.
export async function thrown(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return null;
}

// The chat requests the mock 1min.ai received, oldest first.
export async function chatRequests() {
  const r = await fetch(mockURL + '/__mock/requests');
  return (await r.json()).requests.filter((q) => q.path === '/api/chat-with-ai');
}

// The prompt of the last chat request the mock received.
export async function lastPrompt() {
  const reqs = await chatRequests();
  const last = reqs[reqs.length - 1];
  return last && last.body && last.body.promptObject ? last.body.promptObject.prompt : '';
}
