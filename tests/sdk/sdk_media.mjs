// The official openai npm SDK (v6) against 1min-relay's media routes behind
// lighttpd: images.generate (url and b64_json), audio.transcriptions.create
// with a real file upload, audio.translations.create, audio.speech.create
// returning bytes, and a chat with an image. Driven by
// tests/integration/test_sdk_media.py, which passes RELAY_BASE_URL, MOCK_URL
// and WORK_DIR (a scratch directory). Prints one JSON object per line:
// {"ok": bool, "name": "...", "diag": ...}.
import fs from 'node:fs';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';

const baseURL = process.env.RELAY_BASE_URL;
const mockURL = process.env.MOCK_URL;
const workDir = process.env.WORK_DIR;
const client = new OpenAI({ apiKey: 'sk-sdk-media-key', baseURL, maxRetries: 0, timeout: 60000 });

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
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

async function mockRequests() {
  const r = await fetch(mockURL + '/__mock/requests');
  return (await r.json()).requests;
}

await check('images.generate url', async () => {
  const res = await client.images.generate({ model: 'dall-e-3', prompt: 'a red fox in snow', size: '1024x1024' });
  const url = res.data[0].url;
  report(typeof res.created === 'number' && url && url.startsWith(mockURL + '/cdn/images/'),
         'images.generate(dall-e-3) returns an absolute URL', res);
  const img = Buffer.from(await (await fetch(url)).arrayBuffer());
  report(isPng(img), 'the URL serves a PNG', img.subarray(0, 16).toString('hex'));
});

await check('images.generate b64_json', async () => {
  const res = await client.images.generate({ model: 'dall-e-2', prompt: 'a fox', n: 2, response_format: 'b64_json' });
  const imgs = res.data.map((d) => Buffer.from(d.b64_json || '', 'base64'));
  report(imgs.length === 2 && imgs.every(isPng), 'images.generate(b64_json, n=2) returns two base64 PNGs', res.data.length);
  const gpt = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', quality: 'low' });
  report(isPng(Buffer.from(gpt.data[0].b64_json || '', 'base64')),
         'images.generate(gpt-image-1) answers data[0].b64_json without asking', Object.keys(gpt.data[0]));
});

await check('images.generate error', async () => {
  try {
    await client.images.generate({ model: 'dall-e-3', prompt: 'two foxes', n: 2 });
    report(false, 'dall-e-3 with n=2 is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'n',
           'dall-e-3 with n=2 -> BadRequestError, param n', { status: e.status, param: e.param, message: e.message });
  }
});

const mp3 = Buffer.concat(Array(40).fill(Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)])));
const mp3Path = path.join(workDir, 'meeting.mp3');
fs.writeFileSync(mp3Path, mp3);

await check('audio.transcriptions.create', async () => {
  const t = await client.audio.transcriptions.create({ file: fs.createReadStream(mp3Path), model: 'whisper-1', language: 'en' });
  report(typeof t.text === 'string' && t.text.startsWith('Transcript of ') && t.text.includes('[language=en]'),
         'audio.transcriptions.create(file stream) returns the text', t);
  const reqs = await mockRequests();
  const up = reqs.filter((q) => q.event === 'asset-upload').pop() || {};
  report(up.field === 'asset' && up.size === mp3.length && up.content_type === 'audio/mpeg',
         'the file reached the asset endpoint whole, as audio/mpeg', up);
  const text = await client.audio.transcriptions.create({
    file: await toFile(mp3, 'clip.mp3'), model: 'whisper-1', response_format: 'text' });
  report(typeof text === 'string' && text.startsWith('Transcript of '), 'response_format text gives a string', text);
  const verbose = await client.audio.transcriptions.create({
    file: await toFile(mp3, 'clip.mp3'), model: 'whisper-1', response_format: 'verbose_json' });
  report(verbose.duration === 0 && Array.isArray(verbose.segments) && verbose.segments.length === 0,
         'verbose_json: duration 0, segments []', verbose);
});

await check('audio.translations.create', async () => {
  const t = await client.audio.translations.create({ file: await toFile(mp3, 'rede.mp3'), model: 'whisper-1' });
  report(typeof t.text === 'string' && t.text.startsWith('Translation of '), 'audio.translations.create returns English text', t);
});

await check('audio.speech.create', async () => {
  const res = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello from the SDK' });
  const bytes = Buffer.from(await res.arrayBuffer());
  report(res.headers.get('content-type') === 'audio/mpeg' && bytes.length === 60 * 417 && bytes[0] === 0xff && bytes[1] === 0xfb,
         'audio.speech.create returns the MP3 bytes as audio/mpeg', { type: res.headers.get('content-type'), n: bytes.length });
  const wav = await client.audio.speech.create({ model: 'tts-1-hd', voice: 'nova', input: 'Hi', response_format: 'wav' });
  const w = Buffer.from(await wav.arrayBuffer());
  report(w.subarray(0, 4).toString() === 'RIFF' && wav.headers.get('content-type') === 'audio/wav',
         'audio.speech.create(wav) returns WAV bytes', wav.headers.get('content-type'));
});

await check('chat with an image', async () => {
  const c = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,' + PNG_1x1.toString('base64') } }] }],
  });
  report(c.choices[0].message.content.startsWith('Echo: '), 'chat with an image part answers', c.choices[0]);
  const reqs = await mockRequests();
  const chat = reqs.filter((q) => q.path === '/api/chat-with-ai').pop() || {};
  const images = (((chat.body || {}).promptObject || {}).attachments || {}).images || [];
  report(images.length === 1 && images[0].startsWith('images/'), 'the image went upstream as an uploaded asset path', images);
  try {
    await client.chat.completions.create({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,' + PNG_1x1.toString('base64') } }] }],
    });
    report(false, 'an image for a model without vision is refused', 'no error');
  } catch (e) {
    report(e instanceof OpenAI.BadRequestError && /deepseek-chat/.test(e.message),
           'an image for a model without vision -> BadRequestError naming the model', e.message);
  }
});
