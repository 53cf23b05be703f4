// The official openai npm SDK (v6) against 1min-relay's issue-14 routes behind
// lighttpd: images.createVariation and images.edit (with and without a mask)
// as URLs and as base64. Driven by tests/integration/test_sdk_files.py, which
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
