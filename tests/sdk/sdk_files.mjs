// The official openai npm SDK (v6) against 1min-relay's issue-14 routes behind
// lighttpd: images.createVariation and images.edit (with and without a mask)
// as URLs and as base64; the files API (create, retrieve, list with purpose,
// order, limit, after and the SDK's auto-pagination, delete); documents in
// chat and Responses. Driven by tests/integration/test_sdk_files.py, which
// passes RELAY_BASE_URL and MOCK_URL. Prints one JSON object per line:
// {"ok": bool, "name": "...", "diag": ...}.
import OpenAI, { toFile } from 'openai';

const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;
const client = new OpenAI({ apiKey: 'sk-sdk-files-key-A', baseURL, maxRetries: 0, timeout: 60000 });

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const MASK = Buffer.concat([PNG_1x1, Buffer.from('mask')]);   // other bytes: another upload
const isPng = (b) => b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

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

async function mockEvents(event) {
  const r = await fetch(mockURL + '/__mock/requests');
  return (await r.json()).requests.filter((q) => q.event === event);
}

const lastFeature = async () => (await mockEvents('feature')).pop() || {};
const uploadedPaths = async () => new Set((await mockEvents('asset-upload')).map((u) => u.path));

await check('images.createVariation url', async () => {
  const res = await client.images.createVariation({
    image: await toFile(PNG_1x1, 'fox.png', { type: 'image/png' }), model: 'dall-e-2', n: 2, size: '512x512' });
  report(res.data.length === 2 && res.data.every((d) => d.url && d.url.startsWith(mockURL + '/cdn/images/')),
         'createVariation(n=2) returns two absolute URLs', res);
  const f = await lastFeature();
  const po = f.promptObject || {};
  report(f.type === 'IMAGE_VARIATOR' && f.model === 'dall-e-2' && po.n === 2 && po.size === '512x512' &&
         !('prompt' in po) && (await uploadedPaths()).has(po.imageUrl),
         'the upstream got IMAGE_VARIATOR with the uploaded image path, n and size, no prompt', f);
});

await check('images.createVariation b64_json', async () => {
  const res = await client.images.createVariation({
    image: await toFile(PNG_1x1, 'fox.png', { type: 'image/png' }), response_format: 'b64_json' });
  report(res.data.length === 1 && isPng(Buffer.from(res.data[0].b64_json || '', 'base64')) && !res.data[0].url,
         'createVariation(b64_json) returns a base64 PNG', res.data);
  const ups = await mockEvents('asset-upload');
  report(ups.filter((u) => u.size === PNG_1x1.length).length === 1,
         'the same image was uploaded once (the upload cache)', ups.length);
});

await check('images.edit b64 (no mask)', async () => {
  const res = await client.images.edit({
    image: await toFile(PNG_1x1, 'room.png', { type: 'image/png' }), prompt: 'add a cat', model: 'gpt-image-1' });
  report(isPng(Buffer.from(res.data[0].b64_json || '', 'base64')),
         'images.edit(gpt-image-1) answers data[0].b64_json', Object.keys(res.data[0] || {}));
  const f = await lastFeature();
  const po = f.promptObject || {};
  report(f.type === 'IMAGE_EDITOR' && po.prompt === 'add a cat' && po.quality === 'low' && !po.maskUrl &&
         (await uploadedPaths()).has(po.imageUrl),
         'the upstream got IMAGE_EDITOR with prompt, quality and the image path', f);
});

await check('images.edit url with mask', async () => {
  const res = await client.images.edit({
    image: await toFile(PNG_1x1, 'room.png', { type: 'image/png' }), mask: await toFile(MASK, 'mask.png'),
    prompt: 'a window', model: 'dall-e-2', response_format: 'url', n: 1, size: '256x256' });
  report(res.data.length === 1 && res.data[0].url && res.data[0].url.startsWith(mockURL + '/cdn/images/'),
         'images.edit(mask, url) returns a URL', res);
  const f = await lastFeature();
  const po = f.promptObject || {};
  const paths = await uploadedPaths();
  report(f.type === 'IMAGE_INPAINTER' && paths.has(po.imageUrl) && paths.has(po.maskUrl) && po.imageUrl !== po.maskUrl,
         'a mask makes it IMAGE_INPAINTER with imageUrl and maskUrl', f);
});

await check('images errors', async () => {
  try {
    await client.images.createVariation({ image: await toFile(Buffer.from('not an image'), 'a.txt') });
    report(false, 'a variation of a text file is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.param === 'image',
           'a variation of a text file -> BadRequestError, param image', { status: e.status, param: e.param, message: e.message });
  }
  try {
    await client.images.edit({ image: await toFile(PNG_1x1, 'a.png', { type: 'image/png' }), prompt: '' });
    report(false, 'an edit without a prompt is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.param === 'prompt',
           'an edit without a prompt -> BadRequestError, param prompt', { status: e.status, param: e.param, message: e.message });
  }
});

// ---- the files API -------------------------------------------------------
const other = new OpenAI({ apiKey: 'sk-sdk-files-key-B', baseURL, maxRetries: 0, timeout: 60000 });
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
let pdfId = null;

await check('files.create', async () => {
  const f = await client.files.create({ file: await toFile(PDF, 'report.pdf', { type: 'application/pdf' }), purpose: 'user_data' });
  pdfId = f.id;
  report(/^file-[0-9a-f]{24}$/.test(f.id) && f.object === 'file' && f.bytes === PDF.length && f.filename === 'report.pdf' &&
         f.purpose === 'user_data' && f.status === 'processed' && typeof f.created_at === 'number',
         'files.create(pdf) returns an OpenAI file object', f);
  const up = (await mockEvents('asset-upload')).pop() || {};
  report(up.content_type === 'application/pdf' && up.size === PDF.length && /\.pdf$/.test(up.filename || ''),
         'the PDF reached 1min.ai\'s asset API whole, as application/pdf', up);
  const g = await client.files.retrieve(f.id);
  report(g.id === f.id && g.filename === 'report.pdf', 'files.retrieve gives it back', g);
});

await check('files list per key', async () => {
  const t = await client.files.create({ file: await toFile(Buffer.from('a,b\n1,2\n'), 'data.csv', { type: 'text/csv' }), purpose: 'assistants' });
  const mine = [];
  for await (const f of client.files.list()) mine.push(f.id);
  report(mine.length === 2 && mine[0] === t.id && mine[1] === pdfId, 'the list shows the key\'s two files, newest first', mine);
  const theirs = [];
  for await (const f of other.files.list()) theirs.push(f.id);
  report(theirs.length === 0, 'another key\'s list is empty', theirs);
  try {
    await other.files.retrieve(pdfId);
    report(false, 'another key cannot retrieve the file', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.NotFoundError, 'another key gets NotFoundError for the file', { status: e.status, message: e.message });
  }
});

await check('files.list parameters', async () => {
  // a key of its own: five files, purposes alternating, stored in this order
  const third = new OpenAI({ apiKey: 'sk-sdk-files-key-C', baseURL, maxRetries: 0, timeout: 60000 });
  const ids = [];
  for (let i = 1; i <= 5; i++) {
    const f = await third.files.create({ file: await toFile(Buffer.from(`note ${i}\n`), `n${i}.txt`, { type: 'text/plain' }),
                                         purpose: i % 2 ? 'assistants' : 'user_data' });
    ids.push(f.id);
  }
  const [f1, f2, f3, f4, f5] = ids;
  const all = async (params) => { const got = []; for await (const f of third.files.list(params)) got.push(f.id); return got; };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  const p1 = await third.files.list({ limit: 2 });
  report(same(p1.data.map((f) => f.id), [f5, f4]) && p1.has_more === true && p1.body.first_id === f5 &&
         p1.body.last_id === f4 && p1.body.object === 'list',
         'list({limit: 2}): the two newest, has_more, first_id and last_id', p1.body);
  const p2 = await p1.getNextPage();
  const p3 = await p2.getNextPage();
  report(same(p2.data.map((f) => f.id), [f3, f2]) && p2.has_more === true &&
         same(p3.data.map((f) => f.id), [f1]) && p3.has_more === false && !p3.hasNextPage(),
         'getNextPage() follows after= to the last page, which has has_more false', [p2.body, p3.body]);
  const pages = [];
  for await (const page of (await third.files.list({ limit: 2 })).iterPages()) pages.push(page.data.map((f) => f.id));
  report(same(pages, [[f5, f4], [f3, f2], [f1]]), 'auto-pagination with limit 2: three pages, newest first', pages);
  const asc = await all({ order: 'asc', limit: 2 });
  report(same(asc, ids), 'order: asc, auto-paginated by 2: oldest first, every file once', asc);
  const assistants = await all({ purpose: 'assistants' });
  const assistantsAsc = await all({ purpose: 'assistants', order: 'asc', limit: 1 });
  report(same(assistants, [f5, f3, f1]) && same(assistantsAsc, [f1, f3, f5]),
         'purpose filters (also paged one by one, ascending)', { assistants, assistantsAsc });
  const batch = await third.files.list({ purpose: 'batch' });
  report(batch.data.length === 0 && batch.has_more === false && batch.body.first_id === null,
         'a purpose without files: an empty list', batch.body);
  const after3 = await all({ after: f3 });
  const after3asc = await all({ after: f3, order: 'asc' });
  report(same(after3, [f2, f1]) && same(after3asc, [f4, f5]), 'after: the page starts after that file, in either order',
         { after3, after3asc });
  await third.files.delete(f4);
  const afterGone = await all({ after: f4 });
  const left = await all({});
  report(same(afterGone, [f3, f2, f1]) && same(left, [f5, f3, f2, f1]),
         'a deleted file is no longer listed, and still works as a cursor', { afterGone, left });
  try {
    await third.files.list({ limit: 0 });
    report(false, 'limit 0 is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.param === 'limit', 'list({limit: 0}) -> BadRequestError, param limit',
           { status: e.status, param: e.param, message: e.message });
  }
  try {
    await third.files.list({ after: pdfId });
    report(false, 'another key\'s file is no cursor', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.param === 'after', 'after= another key\'s file -> BadRequestError, param after',
           { status: e.status, param: e.param, message: e.message });
  }
});

await check('files.content', async () => {
  try {
    await client.files.content(pdfId);
    report(false, 'files.content is refused with 501', 'no error');
  } catch (e) {
    report(e.status === 501 && /private/.test(e.message), 'files.content -> 501 saying why', { status: e.status, message: e.message });
  }
});

await check('files errors', async () => {
  try {
    await client.files.create({ file: await toFile(Buffer.from([0, 1, 2, 3, 255, 254]), 'blob.bin'), purpose: 'user_data' });
    report(false, 'an unknown file type is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.param === 'file' && e.code === 'unsupported_file',
           'an unknown file type -> 400 unsupported_file, param file', { status: e.status, param: e.param, code: e.code });
  }
  try {
    await client.files.create({ file: await toFile(Buffer.alloc(70 * 1024, 'a'), 'big.txt', { type: 'text/plain' }), purpose: 'user_data' });
    report(false, 'a file above RELAY_FILES_MAX_BYTES is refused', 'no error');
  } catch (e) {
    report(e.status === 413 && e.param === 'file' && e.code === 'file_too_large',
           'a file above RELAY_FILES_MAX_BYTES -> 413 file_too_large', { status: e.status, param: e.param, code: e.code });
  }
});

await check('files.delete', async () => {
  try {
    await other.files.delete(pdfId);
    report(false, 'another key cannot delete the file', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.NotFoundError, 'another key gets NotFoundError on delete', { status: e.status });
  }
  const d = await client.files.delete(pdfId);
  report(d.id === pdfId && d.deleted === true && d.object === 'file', 'files.delete answers deleted: true', d);
  const left = [];
  for await (const f of client.files.list()) left.push(f.id);
  report(left.length === 1 && !left.includes(pdfId), 'the deleted file is gone from the list', left);
});

// ---- documents in chat ---------------------------------------------------
const lastChatBody = async () => {
  const r = await fetch(mockURL + '/__mock/requests');
  const chats = (await r.json()).requests.filter((q) => q.path === '/api/chat-with-ai');
  return (chats.pop() || {}).body || {};
};
const BRIEF = Buffer.from('%PDF-1.7\n% a brief\n1 0 obj <<>> endobj\n%%EOF\n');

await check('chat with a PDF file part', async () => {
  const ups0 = (await mockEvents('asset-upload')).length;
  const ask = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [
    { type: 'text', text: 'Summarise the brief.' },
    { type: 'file', file: { filename: 'brief.pdf', file_data: 'data:application/pdf;base64,' + BRIEF.toString('base64') } }] }] });
  const res = await ask();
  const body = await lastChatBody();
  const files = ((body.promptObject || {}).attachments || {}).files || [];
  const ev = (await mockEvents('chat-files')).pop() || {};
  const ups = await mockEvents('asset-upload');
  const up = ups[ups.length - 1] || {};
  report(res.choices[0].message.content && files.length === 1 && ev.files && ev.files[0] === files[0] &&
         up.uuid === files[0] && up.content_type === 'application/pdf' && up.size === BRIEF.length,
         'the PDF is uploaded and its uuid reaches attachments.files', { files, ev, up });
  await ask();
  report((await mockEvents('asset-upload')).length === ups0 + 1 && ((await mockEvents('chat-files')).pop() || {}).files[0] === files[0],
         'asking again uploads nothing (the upload cache) and attaches the same uuid', (await mockEvents('asset-upload')).length - ups0);
});

await check('chat with a file_id', async () => {
  const f = await client.files.create({ file: await toFile(BRIEF, 'brief2.pdf', { type: 'application/pdf' }), purpose: 'user_data' });
  const up = (await mockEvents('asset-upload')).pop() || {};
  await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [
    { type: 'file', file: { file_id: f.id } }, { type: 'text', text: 'What is it?' }] }] });
  const ev = (await mockEvents('chat-files')).pop() || {};
  report(ev.files && ev.files.length === 1 && ev.files[0] === up.uuid,
         'a file_id from files.create reaches attachments.files as its 1min.ai uuid', { ev, up });
  try {
    await other.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [
      { type: 'file', file: { file_id: f.id } }] }] });
    report(false, 'another key cannot use the file_id', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.code === 'file_not_found' && e.param === 'messages[0].content[0].file',
           'another key\'s file_id -> 400 file_not_found', { status: e.status, code: e.code, param: e.param });
  }
});

await check('chat with a text document', async () => {
  const before = (await mockEvents('asset-upload')).length;
  await client.chat.completions.create({ model: 'mistral-large-latest', messages: [{ role: 'user', content: [
    { type: 'file', file: { filename: 'notes.md', file_data: 'data:text/markdown;base64,' + Buffer.from('# Notes\nThe key is blue.\n').toString('base64') } },
    { type: 'text', text: 'What colour is the key?' }] }] });
  const body = await lastChatBody();
  const po = body.promptObject || {};
  report(po.prompt && po.prompt.includes('Document notes.md:\n# Notes\nThe key is blue.') && !po.attachments &&
         (await mockEvents('asset-upload')).length === before,
         'a Markdown document is inlined into the prompt, nothing uploaded, any model', po);
});

await check('chat document errors', async () => {
  try {
    await client.chat.completions.create({ model: 'mistral-large-latest', messages: [{ role: 'user', content: [
      { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,' + BRIEF.toString('base64') } }] }] });
    report(false, 'a model that cannot read documents is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.code === 'model_not_documents',
           'a PDF to a model without documents -> 400 model_not_documents', { status: e.status, code: e.code, message: e.message });
  }
  try {
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [
      { type: 'file', file: { filename: 'x.exe', file_data: 'data:application/octet-stream;base64,TVqQAAMAAAAEAAAA' } }] }] });
    report(false, 'an executable is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.code === 'unsupported_file' && e.param === 'messages[0].content[0].file',
           'a file that is no document -> 400 unsupported_file naming the part', { status: e.status, code: e.code, param: e.param });
  }
});

await check('responses input_file', async () => {
  const f = await client.files.create({ file: await toFile(Buffer.from('%PDF-1.5\n% for responses\n%%EOF\n'), 'r.pdf', { type: 'application/pdf' }), purpose: 'user_data' });
  const upId = ((await mockEvents('asset-upload')).pop() || {}).uuid;
  const r1 = await client.responses.create({ model: 'gpt-4o', input: [{ role: 'user', content: [
    { type: 'input_text', text: 'What is in it?' }, { type: 'input_file', file_id: f.id }] }] });
  const ev1 = (await mockEvents('chat-files')).pop() || {};
  report(r1.status === 'completed' && ev1.files && ev1.files[0] === upId,
         'Responses input_file by file_id reaches attachments.files', { status: r1.status, ev1, upId });
  const r2 = await client.responses.create({ model: 'gpt-4o', input: [{ role: 'user', content: [
    { type: 'input_file', filename: 'inline.pdf', file_data: 'data:application/pdf;base64,' + BRIEF.toString('base64') }] }] });
  const ev2 = (await mockEvents('chat-files')).pop() || {};
  const up = (await mockEvents('asset-upload')).find((u) => u.uuid === (ev2.files || [])[0]) || {};
  report(r2.status === 'completed' && ev2.files && ev2.files.length === 1 && up.content_type === 'application/pdf',
         'Responses input_file with file_data is uploaded and attached', { ev2, up });
});
