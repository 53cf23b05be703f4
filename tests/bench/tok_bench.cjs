#!/usr/bin/env node
// Tokenizer benchmark (not a test): `make bench-tok`.
//   node tests/bench/tok_bench.cjs --bin ./1min-relay [--rss tests/bench/tok-rss] [--mb 4]
// Times `1min-relay count-tokens` (a whole process: start, read, count) on a
// few MB of mixed text, and the npm packages gpt-tokenizer and tiktoken
// (in-process, after a warm-up) on the same text; prints MB/s and ratios.
// Then the pathological 1 MB inputs against 1 MB of prose, and the memory
// both encodings add. Needs `npm ci --prefix tests/tok`.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { createRequire } = require("module");
const { execFileSync } = require("child_process");

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const bin = path.resolve(arg("--bin", process.env.RELAY_BIN || "./1min-relay"));
const rssBin = arg("--rss", "");
const mb = Number(arg("--mb", "4"));
const reps = Number(arg("--reps", "5"));
const tokDir = path.join(__dirname, "..", "tok");
const req = createRequire(path.join(tokDir, "package.json"));
let tiktoken, gpt;
try {
  tiktoken = req("tiktoken");
  gpt = { o200k_base: req("gpt-tokenizer/cjs/encoding/o200k_base"), cl100k_base: req("gpt-tokenizer/cjs/encoding/cl100k_base") };
} catch (e) {
  console.error("bench-tok: the reference packages are missing: npm ci --prefix tests/tok");
  process.exit(1);
}
const { rng, gens } = require(path.join(tokDir, "textgen.cjs"));

const best = (fn) => {
  let t = Infinity, out;
  for (let i = 0; i < reps; i++) {
    const s = process.hrtime.bigint();
    out = fn();
    const d = Number(process.hrtime.bigint() - s) / 1e9;
    if (d < t) t = d;
  }
  return [t, out];
};
const relay = (enc, file) => Number(execFileSync(bin, ["count-tokens", "--encoding", enc, file], { encoding: "utf8" }));

// Mixed text: prose-heavy, with code, other scripts, emoji, digits, white
// space and marks. No invalid UTF-8 or special-token strings, which the JS
// packages would read differently or refuse.
const r = rng(7);
const kinds = ["prose", "prose", "prose", "prose", "code", "code", "script", "emoji", "digits", "spaces", "marks", "soup"];
const parts = [];
let size = 0;
while (size < mb * 1e6) {
  const b = gens[r.pick(kinds)](r);
  if (b.toString("utf8").includes("<|")) continue;
  parts.push(b, Buffer.from("\n"));
  size += b.length + 1;
}
const mixed = Buffer.concat(parts);
const text = mixed.toString("utf8");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tok-bench-"));
try {
  const mixedFile = path.join(dir, "mixed.txt");
  fs.writeFileSync(mixedFile, mixed);
  const MB = mixed.length / 1e6;
  console.log(`tokenizer benchmark: ${MB.toFixed(2)} MB of mixed text, best of ${reps}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  for (const enc of ["o200k_base", "cl100k_base"]) {
    const [tRelay, nRelay] = best(() => relay(enc, mixedFile));
    const g = gpt[enc];
    g.countTokens(text.slice(0, 10000));
    const [tGpt, nGpt] = best(() => g.countTokens(text));
    const t = tiktoken.get_encoding(enc);
    t.encode_ordinary(text.slice(0, 10000));
    const [tTik, nTik] = best(() => t.encode_ordinary(text).length);
    t.free();
    // gpt-tokenizer uses JS regular expressions: its \s includes U+FEFF and it
    // knows node's newer Unicode letters, so it can differ from tiktoken.
    const agree = nRelay === nTik ? "count-tokens = tiktoken" : `COUNT-TOKENS DISAGREES WITH TIKTOKEN: ${nRelay}`;
    const gptNote = nGpt === nTik ? "" : `; gpt-tokenizer counts ${nGpt}`;
    console.log(`  ${enc}: ${nTik} tokens (${agree}${gptNote})`);
    console.log(`    count-tokens   ${(MB / tRelay).toFixed(1).padStart(6)} MB/s  (${(tRelay * 1000).toFixed(0)} ms, whole process)`);
    console.log(`    gpt-tokenizer  ${(MB / tGpt).toFixed(1).padStart(6)} MB/s  -> count-tokens is ${(tGpt / tRelay).toFixed(1)}x`);
    console.log(`    tiktoken (npm) ${(MB / tTik).toFixed(1).padStart(6)} MB/s  -> count-tokens is ${(tTik / tRelay).toFixed(1)}x`);
  }

  // Pathological inputs: 1 MB with no break at all, against 1 MB of prose.
  const one = 1 << 20;
  let prose = "";
  while (prose.length < one) prose += gens.prose(r).toString("utf8") + "\n";
  let letters = "";
  while (letters.length < one) letters += String.fromCharCode(97 + r.int(26));
  const cases = { prose: prose.slice(0, one), "one letter repeated": "a".repeat(one), "letters, no spaces": letters,
    "one digit repeated": "7".repeat(one), "spaces only": " ".repeat(one) };
  console.log("  1 MB pathological inputs vs 1 MB of prose (count-tokens, whole process):");
  for (const enc of ["o200k_base", "cl100k_base"]) {
    let base = 0;
    for (const [name, s] of Object.entries(cases)) {
      const f = path.join(dir, "p.txt");
      fs.writeFileSync(f, s);
      const [t] = best(() => relay(enc, f));
      if (!base) base = t;
      console.log(`    ${enc} ${name.padEnd(20)} ${(t * 1000).toFixed(0).padStart(5)} ms  ${(t / base).toFixed(1)}x prose`);
    }
  }

  if (rssBin) {
    const [before, used, all, tables] = execFileSync(rssBin, { encoding: "utf8" }).trim().split(" ").map(Number);
    console.log("  memory (resident set, both encodings):");
    console.log(`    before counting ${before} kB; after counting a request with both: +${used - before} kB;` +
      ` every table page touched: +${all - before} kB (tables: ${(tables / 1048576).toFixed(1)} MB, read-only, shared)`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
