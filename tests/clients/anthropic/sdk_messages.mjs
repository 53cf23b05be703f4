// The official @anthropic-ai/sdk against 1min-relay behind lighttpd.
// Driven by tests/integration/test_anthropic_sdk.py, which starts the stack and
// passes RELAY_ORIGIN (http://127.0.0.1:PORT, the SDK adds /v1) and MOCK_URL.
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import Anthropic from '@anthropic-ai/sdk';
import { check, report } from '../report.mjs';
import { baseURL, MODEL, RESOLVED, PNG, mock, resetMock, client } from './common.mjs';

await check('messages.create', async () => {
  const m = await client.messages.create({
    model: MODEL, max_tokens: 100, system: 'Be brief.',
    messages: [{ role: 'user', content: 'hello from the sdk [[mock:tokens=21,4]]' }],
  });
  report(m.type === 'message' && m.role === 'assistant' && /^msg_/.test(m.id), 'message object and msg_ id', m);
  report(m.model === RESOLVED, 'the alias resolved to the dated model, reported as model', m.model);
  report(m.content.length === 1 && m.content[0].type === 'text' && m.content[0].text === 'Echo: hello from the sdk',
         'text content', m.content);
  report(m.stop_reason === 'end_turn' && m.stop_sequence === null, 'stop_reason end_turn', m);
  report(m.usage.input_tokens === 21 && m.usage.output_tokens === 4, 'usage from 1min.ai', m.usage);
  const raw = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
    .withResponse();
  report(/^req_/.test(raw.response.headers.get('request-id') || ''), 'request-id header', [...raw.response.headers]);
  report(raw.data._request_id === raw.response.headers.get('request-id'), 'the SDK reads request-id', raw.data._request_id);
});

await check('messages.stream', async () => {
  await resetMock();
  const events = [];
  const texts = [];
  const stream = client.messages.stream({
    model: MODEL, max_tokens: 100,
    messages: [{ role: 'user', content: 'stream these words [[mock:hold]]' }],
  });
  stream.on('streamEvent', (e) => events.push(e.type));
  let released = false;
  stream.on('text', async (t) => {
    texts.push(t);
    if (!released) {   // the first word came while the mock held the rest back
      released = true;
      await mock('/__mock/release', 'POST');
    }
  });
  const final = await stream.finalMessage();
  const order = events.filter((t) => t !== 'ping');
  report(order[0] === 'message_start' && order[1] === 'content_block_start' && order.at(-1) === 'message_stop' &&
         order.at(-2) === 'message_delta' && order.at(-3) === 'content_block_stop' &&
         order.slice(2, -3).every((t) => t === 'content_block_delta'), 'event order', events);
  report(texts.length >= 3 && texts[0] === 'Echo:', 'text arrives incrementally (the first word before the rest)', texts);
  report(final.content.length === 1 && final.content[0].text === 'Echo: stream these words', 'finalMessage() text', final);
  report(final.stop_reason === 'end_turn' && final.usage.output_tokens > 0, 'finalMessage() stop_reason and usage', final);
});

await check('images', async () => {
  await resetMock();
  const m = await client.messages.create({
    model: 'claude-3-5-sonnet-latest', max_tokens: 100,   // the catalogue's vision model
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
                                          { type: 'text', text: 'what is this?' }] }],
  });
  report(m.content[0].text === 'Echo: what is this?', 'an image message is answered', m);
  const reqs = (await mock('/__mock/requests')).requests;
  const chat = reqs.filter((r) => r.path === '/api/chat-with-ai').at(-1);
  const images = chat && chat.body.promptObject.attachments && chat.body.promptObject.attachments.images;
  report(Array.isArray(images) && images.length === 1, 'the image is uploaded and attached', { images, paths: reqs.map((r) => r.path) });
});

await check('countTokens', async () => {
  const params = { model: MODEL, system: 'Be brief.', messages: [{ role: 'user', content: 'count me [[mock:no-usage]]' }] };
  const c = await client.messages.countTokens(params);
  report(Number.isInteger(c.input_tokens) && c.input_tokens > 0, 'countTokens returns input_tokens', c);
  const m = await client.messages.create({ ...params, max_tokens: 50 });
  report(m.usage.input_tokens === c.input_tokens, 'the count is the prompt the relay sends', { c, usage: m.usage });
});

await check('models.list', async () => {
  const ids = [];
  let first;
  for await (const m of client.models.list()) {
    first = first || m;
    ids.push(m.id);
  }
  report(ids.includes(RESOLVED) && first.type === 'model' && typeof first.display_name === 'string' &&
         typeof first.created_at === 'string', 'models.list() in Anthropic shape', first);
});

async function expectError(name, Cls, status, type, fn) {
  try {
    await fn();
    report(false, name, 'no error');
  } catch (e) {
    report(e instanceof Cls && e.status === status && e.error && e.error.type === 'error' &&
           e.error.error && e.error.error.type === type && typeof e.error.error.message === 'string',
           name, { cls: e.constructor.name, status: e.status, error: e.error });
    report(/^req_/.test(e.requestID || ''), name + ': request id', e.requestID);
  }
}

await expectError('AuthenticationError', Anthropic.AuthenticationError, 401, 'authentication_error', () =>
  new Anthropic({ apiKey: 'bad-key', baseURL, maxRetries: 0 }).messages.create({
    model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
await expectError('NotFoundError', Anthropic.NotFoundError, 404, 'not_found_error', () =>
  client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
await expectError('BadRequestError', Anthropic.BadRequestError, 400, 'invalid_request_error', () =>
  client.messages.create({ model: MODEL, max_tokens: 10,
                           messages: [{ role: 'user', content: [{ type: 'container_upload', file_id: 'f' }] }] }));
await expectError('BadRequestError without max_tokens', Anthropic.BadRequestError, 400, 'invalid_request_error', () =>
  client.messages.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
