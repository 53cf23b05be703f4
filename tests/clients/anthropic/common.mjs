// What the Anthropic SDK scripts share: the relay and mock addresses, the key
// and model they use, a tiny PNG, the mock's control calls, and the client.
import Anthropic from '@anthropic-ai/sdk';

export const baseURL = process.env.RELAY_ORIGIN;
export const mockURL = process.env.MOCK_URL;
export const KEY = 'sk-anthropic-sdk-key';
export const MODEL = 'claude-sonnet-4-5';               // an alias: the catalogue has a dated id
export const RESOLVED = 'claude-sonnet-4-5-20250929';
// A 1x1 PNG
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export async function mock(path, method = 'GET', body = undefined) {
  const r = await fetch(mockURL + path, { method, headers: { 'content-type': 'application/json' },
                                          body: method === 'POST' ? JSON.stringify(body || {}) : undefined });
  return r.json();
}

// reset clears the mock's config too: serve the Claude models again
export async function resetMock() {
  await mock('/__mock/reset', 'POST');
  await mock('/__mock/config', 'POST', { extra_chat_models: JSON.parse(process.env.CLAUDE_MODELS) });
}

export const client = new Anthropic({ apiKey: KEY, baseURL, maxRetries: 0, timeout: 30000 });
