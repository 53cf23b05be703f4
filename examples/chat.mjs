// List the models, ask once with usage, then stream an answer as it arrives.
import OpenAI from "openai";

const client = new OpenAI();   // OPENAI_BASE_URL = the relay's /v1, OPENAI_API_KEY = your 1min.ai key
const model = process.env.MODEL || "gpt-4o-mini";

const models = await client.models.list();
console.log(`models: ${models.data.length}, e.g. ${models.data.slice(0, 3).map((m) => m.id).join(", ")}`);

const answer = await client.chat.completions.create({
  model,
  messages: [
    { role: "system", content: "Answer in one sentence." },
    { role: "user", content: "What is FastCGI?" },
  ],
});
console.log(`answer: ${answer.choices[0].message.content}`);
console.log(`usage: ${JSON.stringify(answer.usage)}`);

const stream = await client.chat.completions.create({
  model,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: "Count from one to five." }],
});
process.stdout.write("stream: ");
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
  if (chunk.usage) process.stdout.write(`\nstream usage: ${JSON.stringify(chunk.usage)}`);
}
process.stdout.write("\n");
