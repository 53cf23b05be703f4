// The official openai npm SDK (v6) against 1min-relay's Responses API behind
// lighttpd. Driven by tests/integration/test_responses.py, which starts the
// stack and passes RELAY_BASE_URL (http://127.0.0.1:PORT/v1) and MOCK_URL.
// Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import OpenAI from 'openai';
import { MODEL, check, chatRequests, client, lastPrompt, other, report, thrown } from './responses_common.mjs';

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

await check('plain create', async () => {
  const r = await client.responses.create({
    model: MODEL, instructions: 'Be brief.', input: 'hello responses [[mock:tokens=12,3]]',
  });
  report(r.id.startsWith('resp_') && r.object === 'response' && r.status === 'completed',
         'responses.create: a completed response object with a resp_ id', r);
  report(r.output_text === 'Echo: hello responses', 'output_text (computed by the SDK) is the answer', r.output);
  const m = r.output[0];
  report(m.type === 'message' && m.role === 'assistant' && m.id.startsWith('msg_') &&
         m.content[0].type === 'output_text' && Array.isArray(m.content[0].annotations),
         'a message item with an output_text part and annotations []', m);
  report(r.usage && r.usage.input_tokens === 12 && r.usage.output_tokens === 3 && r.usage.total_tokens === 15 &&
         r.usage.input_tokens_details && r.usage.output_tokens_details,
         'usage from the upstream metadata, with the details objects', r.usage);
  report(r.instructions === 'Be brief.' && r.model === MODEL && r.store === true, 'settings echoed', r);
  const prompt = await lastPrompt();
  report(prompt.includes('Be brief.') && prompt.indexOf('Be brief.') < prompt.indexOf('hello responses'),
         'instructions go upstream as the system part, before the input', prompt);
});

await check('stream', async () => {
  const stream = await client.responses.create({
    model: MODEL, input: 'one two three four [[mock:slow=150]]', stream: true,
  });
  const events = [];
  const t0 = Date.now();
  for await (const ev of stream) events.push({ ev, t: Date.now() - t0 });
  const types = events.map((x) => x.ev.type);
  report(types[0] === 'response.created' && types[1] === 'response.in_progress' &&
         types[types.length - 1] === 'response.completed', 'created, in_progress first; completed last', types);
  report(events.every((x, i) => x.ev.sequence_number === i), 'sequence_number counts up from 0',
         events.map((x) => x.ev.sequence_number));
  const want = ['response.created', 'response.in_progress', 'response.output_item.added',
    'response.content_part.added', 'response.output_text.delta', 'response.output_text.done',
    'response.content_part.done', 'response.output_item.done', 'response.completed'];
  const squeezed = types.filter((t, i) => !(t === 'response.output_text.delta' && types[i - 1] === t));
  report(JSON.stringify(squeezed) === JSON.stringify(want), 'the documented event order', types);
  const deltas = events.filter((x) => x.ev.type === 'response.output_text.delta');
  report(deltas.length === 5 && deltas.map((x) => x.ev.delta).join('') === 'Echo: one two three four',
         'one output_text.delta per upstream piece', deltas.map((x) => x.ev.delta));
  report(deltas[deltas.length - 1].t - deltas[0].t >= 400, 'deltas arrive as the upstream sends them (incremental)',
         deltas.map((x) => x.t));
  const done = events.find((x) => x.ev.type === 'response.output_text.done');
  report(done && done.ev.text === 'Echo: one two three four', 'output_text.done holds the whole text', done);
  const completed = events[events.length - 1].ev.response;
  report(completed.status === 'completed' && completed.output[0].content[0].text === 'Echo: one two three four' &&
         completed.usage && completed.usage.total_tokens > 0, 'response.completed carries output and usage', completed);

  const helper = client.responses.stream({ model: MODEL, input: 'helper stream' });
  const final = await helper.finalResponse();
  report(final.output_text === 'Echo: helper stream', 'responses.stream() finalResponse().output_text', final);
});

await check('previous_response_id and the store', async () => {
  const c1 = await client.responses.create({ model: MODEL, input: 'My name is Ann' });
  const c2 = await client.responses.create({ model: MODEL, previous_response_id: c1.id, input: 'What is my name?' });
  const prompt = await lastPrompt();
  report(prompt.includes('My name is Ann') && prompt.includes('Echo: My name is Ann') &&
         prompt.indexOf('My name is Ann') < prompt.indexOf('What is my name?'),
         'previous_response_id sends the earlier turns upstream, in order', prompt);
  report(c2.previous_response_id === c1.id && c2.output_text === 'Echo: What is my name?', 'the chained response', c2);
  const got = await client.responses.retrieve(c1.id);
  report(got.id === c1.id && got.output[0].content[0].text === 'Echo: My name is Ann' && got.status === 'completed',
         'responses.retrieve returns the stored response', got);
  const items = await client.responses.inputItems.list(c2.id);
  report(items.data.length === 1 && items.data[0].type === 'message' && items.data[0].content[0].text === 'What is my name?',
         'inputItems.list lists the response\'s own input', items.data);
  const e1 = await thrown(() => other.responses.retrieve(c1.id));
  report(e1 instanceof OpenAI.NotFoundError, 'another key\'s response is a 404 (NotFoundError)', e1 && e1.message);
  const e2 = await thrown(() => other.responses.create({ model: MODEL, previous_response_id: c1.id, input: 'x' }));
  report(e2 instanceof OpenAI.NotFoundError && e2.param === 'previous_response_id',
         'previous_response_id of another key: 404 naming previous_response_id', e2 && [e2.status, e2.param, e2.message]);
  const e3 = await thrown(() => client.responses.create({ model: MODEL, previous_response_id: 'resp_nope', input: 'x' }));
  report(e3 instanceof OpenAI.NotFoundError && e3.param === 'previous_response_id', 'an unknown id: 404',
         e3 && [e3.status, e3.param]);
  const del = await client.responses.delete(c1.id);
  const e4 = await thrown(() => client.responses.retrieve(c1.id));
  report(e4 instanceof OpenAI.NotFoundError, 'responses.delete removes it', [del, e4 && e4.message]);
  const s = await client.responses.create({ model: MODEL, input: 'not kept', store: false });
  const e5 = await thrown(() => client.responses.retrieve(s.id));
  report(s.store === false && e5 instanceof OpenAI.NotFoundError, 'store: false keeps nothing', e5 && e5.message);
});

await check('images', async () => {
  const before = (await chatRequests()).length;
  const r = await client.responses.create({
    model: MODEL,
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'what is this' },
      { type: 'input_image', image_url: PNG }] }],
  });
  const reqs = await chatRequests();
  const body = reqs[reqs.length - 1].body;
  const images = body.promptObject.attachments && body.promptObject.attachments.images;
  report(reqs.length === before + 1 && Array.isArray(images) && images.length === 1 && r.output_text === 'Echo: what is this',
         'an input_image is uploaded and attached upstream', body.promptObject);
});

await check('errors', async () => {
  const e1 = await thrown(() => client.responses.create({ model: MODEL, input: [{ role: 'user', content: [
    { type: 'input_file', file_id: 'file-1' }] }] }));
  report(e1 instanceof OpenAI.BadRequestError && e1.param === 'input[0].content[0]' && e1.code === 'file_not_found',
         'input_file with an unknown file_id: 400 file_not_found naming it', e1 && [e1.status, e1.param, e1.code, e1.message]);
  const e2 = await thrown(() => client.responses.create({ model: MODEL, input: 'x', tools: [{ type: 'file_search', vector_store_ids: [] }] }));
  report(e2 instanceof OpenAI.BadRequestError && e2.param === 'tools[0].type' && /file_search/.test(e2.message),
         'file_search tool: 400 naming it', e2 && [e2.status, e2.param, e2.message]);
  const e3 = await thrown(() => client.responses.create({ model: 'no-such-model', input: 'x' }));
  report(e3 && e3.status >= 400 && e3.status < 500 && e3.error && e3.error.message, 'an unknown model: a 4xx OpenAI error',
         e3 && [e3.status, e3.message]);
  const e4 = await thrown(async () => {
    const s = await client.responses.create({ model: MODEL, input: 'boom [[mock:status=500]]', stream: true });
    for await (const ev of s) void ev;
  });
  report(e4 instanceof OpenAI.APIError && e4.status >= 500, 'an upstream failure before the stream: an HTTP error',
         e4 && [e4.status, e4.message]);
  const s = await client.responses.create({ model: MODEL, input: 'late failure [[mock:sse-error]]', stream: true });
  const evs = [];
  for await (const ev of s) evs.push(ev);
  const last = evs[evs.length - 1];
  report(evs[0].type === 'response.created' && last.type === 'response.failed' && last.response.status === 'failed' &&
         last.response.error && /not supported/.test(last.response.error.message),
         'an upstream failure after the stream began: response.failed last', evs.map((e) => e.type));
});
