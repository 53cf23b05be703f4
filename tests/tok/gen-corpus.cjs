#!/usr/bin/env node
// Writes tests/data/tok/corpus.jsonl: texts with their token counts under
// o200k_base and cl100k_base from the reference (npm tiktoken's
// encode_ordinary), and the ids for every fourth text and the long ones. One JSON object a line:
//   {"name": "...", "b64": "<text bytes>", "o200k_base": N, "cl100k_base": N,
//    "ids": {"o200k_base": [...], "cl100k_base": [...]}}   ("ids" is optional)
// Invalid UTF-8 texts are given to the reference as the WHATWG decoder reads
// them (U+FFFD per maximal ill-formed subsequence).
//   npm ci --prefix tests/tok && node tests/tok/gen-corpus.cjs
"use strict";
const fs = require("fs");
const path = require("path");
const { get_encoding } = require("tiktoken");
const { rng, gens, asString } = require("./textgen.cjs");

const u = (s) => Buffer.from(s, "utf8");
// Hand-picked edge cases first: each names what it pins down.
const fixed = [
  ["empty", u("")],
  ["contractions-lower", u("it's don't we're they've I'm you'll he'd")],
  ["contractions-upper", u("IT'S DON'T WE'RE THEY'VE I'M YOU'LL HE'D")],
  ["contractions-mixed", u("It'S dOn'T wE'rE tHeY'vE i'M yOu'Ll He'D 'S 's 'Re 'rE 'lL 'Ll")],
  ["contraction-long-s", u("the cat'ſ hat 'ſ ſ'ſ")],
  ["contraction-curly", u("it’s don’t ‘quoted’ 'quoted'")],
  ["contraction-alone", u("'s'S'''t 'x 'LL'")],
  ["space-before-newline", u("hello \nworld  \n\n  next\t\nend")],
  ["trailing-spaces", u("the end   ")],
  ["trailing-newline-spaces", u("the end\n  ")],
  ["only-spaces", u("     ")],
  ["only-newlines", u("\n\n\n")],
  ["crlf", u("line one\r\nline two\r\n\r\n")],
  ["digits-long", u("1234567890123 42 7 0000 3.14159 1,000,000")],
  ["digits-unicode", u("٠١٢٣٤ ０１２３ ⅠⅡⅢ ²³ १२३")],
  ["nbsp", u("a\u00a0b \u00a0c\u00a0\u00a0d\u202f%")],
  ["unicode-spaces", u("x\u2003y\u3000z\u0085w\u1680v\u2028u\u2029t")],
  ["special-tokens", u("<|endoftext|> hello <|fim_prefix|><|fim_middle|><|fim_suffix|><|endofprompt|>")],
  ["slashes", u("path/to//file ///\n a/b/ //")],
  ["marks-leading", u("\u0301abc \u0301\u0301 x\u0301y \u0301")],
  ["title-case", u("ǅemal ǈubljana ǋj ǲ")],
  ["upper-then-lower", u("HELLOworld HTTPServer XMLHttpRequest iPhone")],
  ["cjk", u("我们今天讨论分词器。東京都は日本の首都です。한국어 텍스트")],
  ["arabic", u("السَّلَامُ عَلَيْكُمْ مرحبا")],
  ["hebrew", u("בְּרֵאשִׁית בָּרָא שלום")],
  ["devanagari", u("नमस्ते दुनिया क्षत्रिय")],
  ["thai", u("สวัสดีชาวโลกนี่คือประโยคภาษาไทย")],
  ["emoji-zwj", u("👨‍👩‍👧‍👦 🧑🏿‍💻 🏳️‍🌈 👍🏽👍🏻")],
  ["flags", u("🇫🇷🇯🇵🇺🇸 🇩🇪")],
  ["bom", u("\ufeffstarts with a BOM")],
  ["nul-and-controls", Buffer.from([0x61, 0x00, 0x62, 0x01, 0x1b, 0x5b, 0x30, 0x6d, 0x7f])],
  ["invalid-lone-bytes", Buffer.from([0x80, 0x61, 0xff, 0x62, 0xc0, 0xaf])],
  ["invalid-truncated", Buffer.concat([u("ok "), Buffer.from([0xe2, 0x82]), u(" then "), Buffer.from([0xf0, 0x9f, 0x98])])],
  ["invalid-surrogate", Buffer.from([0xed, 0xa0, 0x80, 0x20, 0xed, 0xbf, 0xbf])],
  ["invalid-overlong", Buffer.from([0xe0, 0x80, 0x80, 0xf0, 0x8f, 0xbf, 0xbf, 0xf4, 0x90, 0x80, 0x80])],
  ["repeat-a-20k", u("a".repeat(20000))],
  ["repeat-space-10k", u(" ".repeat(10000))],
  ["repeat-newline-5k", u("\n".repeat(5000))],
  ["repeat-digit-10k", u("7".repeat(10000))],
  ["repeat-emoji-2k", u("😀".repeat(2000))],
  ["repeat-cjk-5k", u("的".repeat(5000))],
  ["repeat-ab-8k", u("ab".repeat(8000))],
  ["nospace-letters-16k", u(Array.from({ length: 16000 }, (_, i) => "etaoinshrdlucmfw"[(i * 7 + (i >> 3)) % 16]).join(""))],
];

const r = rng(20240531);
// Long mixed texts, with ids: pieces repeat in them, as in real text.
for (let i = 0; i < 3; i++) {
  const parts = [];
  while (parts.reduce((n, b) => n + b.length, 0) < 40000) parts.push(gens.long(r));
  fixed.push([`long-mixed-${i}`, Buffer.concat(parts)]);
}
const texts = fixed.slice();
const perKind = { prose: 70, code: 50, script: 50, marks: 40, emoji: 40, digits: 40, spaces: 50,
  random: 80, repeat: 20, invalid: 40, special: 15, soup: 90, long: 10 };
for (const [kind, count] of Object.entries(perKind))
  for (let i = 0; i < count; i++) texts.push([`${kind}-${String(i).padStart(3, "0")}`, gens[kind](r)]);

const encs = { o200k_base: get_encoding("o200k_base"), cl100k_base: get_encoding("cl100k_base") };
const lines = texts.map(([name, buf], i) => {
  const s = asString(buf);
  const row = { name, b64: buf.toString("base64") };
  const ids = {};
  for (const [e, enc] of Object.entries(encs)) {
    const got = Array.from(enc.encode_ordinary(s));
    row[e] = got.length;
    ids[e] = got;
  }
  if (i % 4 === 0 || name.startsWith("long-")) row.ids = ids;
  return JSON.stringify(row);
});
for (const enc of Object.values(encs)) enc.free();
const file = path.join(__dirname, "..", "data", "tok", "corpus.jsonl");
fs.writeFileSync(file, lines.join("\n") + "\n");
console.log(`${file}: ${lines.length} texts`);
