// The official openai npm SDK (v6) against 1min-relay behind lighttpd.
// Driven by tests/integration/test_sdk.py, which starts the stack and passes
// RELAY_BASE_URL (http://127.0.0.1:PORT/v1) and MOCK_URL (the mock 1min.ai).
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...};
// test_sdk.py turns them into TAP.
import OpenAI from 'openai';

const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;
const KEY = 'sk-sdk-test-key';

function report(ok, name, diag) {
  process.stdout.write(JSON.stringify({ ok: !!ok, name, diag: ok ? undefined : diag }) + '\n');
}

async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    report(false, name, `threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
  }
}

async function mock(path, method = 'GET') {
  const r = await fetch(mockURL + path, { method, headers: { 'content-type': 'application/json' },
                                          body: method === 'POST' ? '{}' : undefined });
  return r.json();
}

const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0, timeout: 30000 });

await check('models.list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  report(ids.includes('gpt-4o') && ids.includes('dall-e-3') && ids.includes('black-forest-labs/flux-dev'),
         'models.list() returns the catalogue (gpt-4o, dall-e-3, black-forest-labs/flux-dev)', ids);
  const one = await client.models.retrieve('gpt-4o');
  report(one.id === 'gpt-4o' && one.object === 'model', 'models.retrieve("gpt-4o")', one);
});

await check('chat.completions.create', async () => {
  const c = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello from the sdk [[mock:tokens=21,4]]' }],
  });
  report(c.object === 'chat.completion' && c.id.startsWith('chatcmpl-'), 'completion object and id', c);
  report(c.choices[0].message.role === 'assistant' && c.choices[0].message.content === 'Echo: hello from the sdk',
         'completion text', c.choices[0]);
  report(c.choices[0].finish_reason === 'stop', 'finish_reason stop', c.choices[0]);
  report(c.usage && c.usage.prompt_tokens === 21 && c.usage.completion_tokens === 4 && c.usage.total_tokens === 25,
         'completion with usage', c.usage);
});

await check('stream', async () => {
  await mock('/__mock/reset', 'POST');
  const stream = await client.chat.completions.create({
    model: 'gpt-4o', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'stream these words [[mock:hold]]' }],
  });
  const ids = new Set();
  const deltas = [];
  let firstRole = null;
  let heldAtFirst = null;
  let finish = null;
  let usage = null;
  let n = 0;
  for await (const chunk of stream) {
    ids.add(chunk.id);
    if (n++ === 0) firstRole = chunk.choices[0] && chunk.choices[0].delta.role;
    if (chunk.usage) usage = chunk.usage;
    const ch = chunk.choices[0];
    if (!ch) continue;
    if (ch.finish_reason) finish = ch.finish_reason;
    if (ch.delta.content) {
      deltas.push(ch.delta.content);
      if (deltas.length === 1) {
        // the mock still withholds the rest: the SDK got this chunk as it was sent
        const conns = (await mock('/__mock/connections')).connections.filter(c => c.path === '/api/chat-with-ai');
        heldAtFirst = conns.map(c => c.outcome);
        await mock('/__mock/release', 'POST');
      }
    }
  }
  report(firstRole === 'assistant', 'the first chunk carries role assistant', firstRole);
  report(ids.size === 1, 'one id for the whole stream', [...ids]);
  report(JSON.stringify(heldAtFirst) === JSON.stringify(['held']),
         'the first content chunk arrives while the upstream still withholds the rest', heldAtFirst);
  report(deltas.join('') === 'Echo: stream these words' && deltas.length === 4,
         'one chunk per upstream piece, text intact', deltas);
  report(finish === 'stop', 'finish_reason in the stream', finish);
  report(usage && usage.total_tokens > 0, 'usage chunk with include_usage', usage);
});

await check('stream helper', async () => {
  const runner = client.chat.completions.stream({
    model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'helper run' }],
  });
  const final = await runner.finalChatCompletion();
  report(final.choices[0].message.content === 'Echo: helper run' && final.choices[0].message.role === 'assistant',
         'chat.completions.stream() helper assembles the message', final.choices[0]);
});

await check('errors', async () => {
  const noKey = new OpenAI({ apiKey: 'unused', baseURL, maxRetries: 0, defaultHeaders: { Authorization: null } });
  try {
    await noKey.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    report(false, 'no key -> AuthenticationError', 'no error thrown');
  } catch (e) {
    report(e instanceof OpenAI.AuthenticationError && e.status === 401 && e.code === 'invalid_api_key',
           'no key -> AuthenticationError (401, invalid_api_key)', `${e.constructor.name} ${e.status} ${e.code} ${e.message}`);
  }
  try {
    await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
    report(false, 'unknown model -> NotFoundError', 'no error thrown');
  } catch (e) {
    report(e instanceof OpenAI.NotFoundError && e.code === 'model_not_found',
           'unknown model -> NotFoundError (model_not_found)', `${e.constructor.name} ${e.status} ${e.code} ${e.message}`);
  }
  try {
    await client.chat.completions.create({ model: 'gpt-4o', messages: [] });
    report(false, 'bad body -> BadRequestError', 'no error thrown');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.param === 'messages',
           'bad body (empty messages) -> BadRequestError with param messages', `${e.constructor.name} ${e.status} ${e.param} ${e.message}`);
  }
  try {
    await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x [[mock:status=429]][[mock:retry-after=1]]' }] });
    report(false, 'upstream 429 on a stream -> RateLimitError', 'no error thrown');
  } catch (e) {
    report(e instanceof OpenAI.RateLimitError, 'upstream 429 on a stream -> RateLimitError', `${e.constructor.name} ${e.status} ${e.message}`);
  }
  try {
    const s = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x [[mock:sse-error]]' }] });
    for await (const _ of s) { /* drain */ }
    report(false, 'error event mid-stream -> APIError', 'stream ended without an error');
  } catch (e) {
    report(e instanceof OpenAI.APIError && /not supported/.test(e.message), 'error event mid-stream -> APIError with the message',
           `${e.constructor.name} ${e.message}`);
  }
});
