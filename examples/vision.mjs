// Ask a vision model about a picture: a file given as the argument, or a
// built-in 1x1 PNG. The relay uploads it to 1min.ai and attaches it.
import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";

const client = new OpenAI();
const file = process.argv[2];
const types = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif" };
const bytes = file
  ? fs.readFileSync(file)
  : Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
const type = file ? types[path.extname(file).toLowerCase()] || "image/png" : "image/png";

const answer = await client.chat.completions.create({
  model: process.env.MODEL || "gpt-4o",
  messages: [{
    role: "user",
    content: [
      { type: "text", text: "What is in this picture?" },
      { type: "image_url", image_url: { url: `data:${type};base64,${bytes.toString("base64")}` } },
    ],
  }],
});
console.log(`answer: ${answer.choices[0].message.content}`);
