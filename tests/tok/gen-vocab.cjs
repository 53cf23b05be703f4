#!/usr/bin/env node
// Writes src/tokenizer/data/{o200k_base,cl100k_base}.tiktoken from the npm
// package `tiktoken` (MIT), in OpenAI's own .tiktoken format: one
// "base64(token bytes) rank" line per token. The output is committed; the
// build turns it into compiled-in tables (src/tokenizer/tok_gen.c).
//   npm ci --prefix tests/tok && node tests/tok/gen-vocab.cjs
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const outDir = path.join(__dirname, "..", "..", "src", "tokenizer", "data");
for (const name of ["o200k_base", "cl100k_base"]) {
  const spec = require(`tiktoken/encoders/${name}.json`);
  // The package's compact form: lines of "! <first rank> <b64> <b64> ...".
  const lines = [];
  for (const row of spec.bpe_ranks.split("\n")) {
    if (!row) continue;
    const [, first, ...tokens] = row.split(" ");
    tokens.forEach((b64, i) => lines.push([Number(first) + i, b64]));
  }
  lines.sort((a, b) => a[0] - b[0]);
  const text = lines.map(([rank, b64]) => `${b64} ${rank}\n`).join("");
  const file = path.join(outDir, `${name}.tiktoken`);
  fs.writeFileSync(file, text);
  const sha = crypto.createHash("sha256").update(text).digest("hex");
  console.log(`${file}: ${lines.length} tokens, sha256 ${sha}`);
}
