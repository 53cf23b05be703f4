// The official @anthropic-ai/sdk sends document blocks through 1min-relay
// behind lighttpd (issue 14): a base64 PDF is uploaded to 1min.ai and its
// uuid attached in attachments.files; a plain-text document is inlined in the
// prompt; a PDF to a model that reads no documents is a 400 in Anthropic's
// shape. Driven by tests/integration/test_anthropic_documents.py (RELAY_ORIGIN,
// MOCK_URL). Prints one JSON object per line: {"ok": bool, "name": "...", "diag": ...}.
import Anthropic from '@anthropic-ai/sdk';
import { check, report } from '../report.mjs';

const baseURL = process.env.RELAY_ORIGIN;
const mockURL = process.env.MOCK_URL;
const client = new Anthropic({ apiKey: 'sk-anthropic-docs-key', baseURL, maxRetries: 0, timeout: 30000 });
const PDF = Buffer.from('%PDF-1.6\n% an anthropic document\n%%EOF\n');

async function requests() {
  return (await (await fetch(mockURL + '/__mock/requests')).json()).requests;
}

await check('document block, base64 PDF', async () => {
  const m = await client.messages.create({ model: 'claude-3-5-sonnet-20240620', max_tokens: 100, messages: [{
    role: 'user', content: [
      { type: 'document', title: 'contract.pdf', source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') } },
      { type: 'text', text: 'Summarise the contract.' }] }] });
  const reqs = await requests();
  const up = reqs.filter((q) => q.event === 'asset-upload').pop() || {};
  const ev = reqs.filter((q) => q.event === 'chat-files').pop() || {};
  report(m.type === 'message' && up.content_type === 'application/pdf' && up.size === PDF.length &&
         ev.files && ev.files.length === 1 && ev.files[0] === up.uuid,
         'a base64 PDF document is uploaded and its uuid attached', { up, ev, content: m.content });
});

await check('document block, plain text', async () => {
  const m = await client.messages.create({ model: 'claude-3-5-sonnet-20240620', max_tokens: 100, messages: [{
    role: 'user', content: [
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The door code is 4711.' } },
      { type: 'text', text: 'What is the code?' }] }] });
  const chat = (await requests()).filter((q) => q.path === '/api/chat-with-ai').pop() || {};
  const po = (chat.body || {}).promptObject || {};
  report(m.type === 'message' && (po.prompt || '').includes('The door code is 4711.') && !po.attachments,
         'a text document is inlined in the prompt, nothing attached', po);
});

await check('document to a model without documents', async () => {
  try {
    await client.messages.create({ model: 'mistral-large-latest', max_tokens: 100, messages: [{
      role: 'user', content: [
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') } }] }] });
    report(false, 'refused', 'no error');
  } catch (e) {
    report(e instanceof Anthropic.BadRequestError && e.error && e.error.type === 'error' &&
           e.error.error && e.error.error.type === 'invalid_request_error' && /does not read documents/.test(e.error.error.message),
           'a PDF to a model that reads no documents -> 400 in Anthropic\'s shape', { status: e.status, body: e.error });
  }
});
