// Generate an image (saved from b64_json), synthesise speech to a file, and
// transcribe that file again. Files go to the directory in OUT_DIR (default .).
import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";

const client = new OpenAI();
const out = process.env.OUT_DIR || ".";

const image = await client.images.generate({
  model: process.env.IMAGE_MODEL || "dall-e-3",
  prompt: "a red fox in the snow, watercolour",
  size: "1024x1024",
  response_format: "b64_json",
});
const imageFile = path.join(out, "fox.png");
fs.writeFileSync(imageFile, Buffer.from(image.data[0].b64_json, "base64"));
console.log(`image: ${imageFile} (${fs.statSync(imageFile).size} bytes)`);

const speech = await client.audio.speech.create({
  model: "tts-1", voice: "alloy", input: "Hello from 1min-relay.", response_format: "mp3",
});
const speechFile = path.join(out, "hello.mp3");
fs.writeFileSync(speechFile, Buffer.from(await speech.arrayBuffer()));
console.log(`speech: ${speechFile} (${fs.statSync(speechFile).size} bytes)`);

const text = await client.audio.transcriptions.create({
  model: "whisper-1", file: fs.createReadStream(speechFile),
});
console.log(`transcription: ${text.text}`);
