// Random test texts for the tokenizer, shared by gen-corpus.cjs (the
// committed corpus) and fresh.cjs (new texts at every run). Each generator
// returns a Buffer (raw bytes: some are deliberately invalid UTF-8).
"use strict";

function rng(seed) {            // mulberry32: small, seedable, good enough
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (a) => a[int(a.length)];
  return { next, int, pick };
}

const cp = (c) => String.fromCodePoint(c);
const utf8 = (s) => Buffer.from(s, "utf8");

const WORDS = ("the quick brown fox jumps over lazy dog tokenizer relay counts every piece of text " +
  "exactly while models answer questions about physics history cooking and code").split(" ");
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Re", "'rE",
  "'VE", "'vE", "'M", "'LL", "'lL", "'D", "'ſ", "’s", "'x", "'", "''s"];
const SCRIPTS = {
  cjk: "我们今天讨论分词器的准确性和速度。東京都は日本の首都です。ひらがなカタカナ한국어 텍스트도 포함됩니다",
  arabic: "مرحبا بكم في عالم الترميز، هذه جملة عربية مع تشكيل: السَّلَامُ عَلَيْكُمْ ٠١٢٣٤٥٦٧٨٩",
  hebrew: "שלום עולם, זהו משפט בעברית עם ניקוד: בְּרֵאשִׁית בָּרָא",
  devanagari: "नमस्ते दुनिया, यह हिन्दी में एक वाक्य है। क्षत्रिय ०१२३४५६७८९",
  thai: "สวัสดีชาวโลก นี่คือประโยคภาษาไทยที่ไม่มีช่องว่างระหว่างคำ ๑๒๓",
  greek: "Καλημέρα κόσμε ΑΒΓΔ αβγδ ΣΊΣΥΦΟΣ ς",
  cyrillic: "Привет мир ПРИВЕТ МИР ЁжиК",
  mixedcase: "ǅemal ǈubljana ǋ ʰʲ ꭜ İstanbul ß ẞ Ω K Å ﬁ ǲ",
};
const EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵🇺🇸", "1️⃣", "❤️", "🧑🏿‍💻", "👩🏻‍❤️‍💋‍👨🏼", "🫠", "☺"];
const SPACES = ["\ufeff", " ", "  ", "\t", "\n", "\r\n", "\r", "\n\n", " \n", "\u00a0", "\u2003", "\u3000", "\u0085",
  "\u1680", "\u2028", "\u2029", "\u202f", "\u205f", "\u000b", "\u000c", "\u200b", "\ufeff", "\u180e"];
const PUNCT = [".", ",", "!", "?", ";", ":", "-", "--", "...", "(", ")", "[", "]", "{", "}", "\"", "'",
  "/", "//", "\\", "#", "@", "$", "%", "^", "&", "*", "+", "=", "<", ">", "|", "~", "`", "…", "—", "«", "»", "¿"];
const MARKS = ["\u0301", "\u0300", "\u0308", "\u0327", "\u0489", "\u093f", "\u0e31", "\u05b0", "\u064e", "\u20dd", "\ufe0f", "\u200d"];
const SPECIAL = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"];
const DIGITS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "ⅠⅡⅢⅣ", "²³¹¼½", "١٢", "৩৪", "𝟘𝟙𝟚"];
// Blocks to draw random code points from (start, end), assigned or not.
const BLOCKS = [[0x20, 0x7e], [0xa0, 0x24f], [0x250, 0x36f], [0x370, 0x52f], [0x530, 0x8ff], [0x900, 0xdff],
  [0xe00, 0xfff], [0x1000, 0x1fff], [0x2000, 0x2bff], [0x2c00, 0x2fff], [0x3000, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xabff], [0xac00, 0xd7ff], [0xe000, 0xf8ff], [0xf900, 0xfffd], [0x10000, 0x1ffff],
  [0x1e000, 0x1efff], [0x1f000, 0x1faff], [0x20000, 0x3347f], [0xe0000, 0xe01ef], [0xf0000, 0x10fffd],
  [0x1acf, 0x1aeb], [0xa7ce, 0xa7f1], [0x10940, 0x10959], [0x11b60, 0x11de9], [0x16ea0, 0x16ed3], [0x1e6c0, 0x1e6ff]];

function randomCodePoint(r) {
  const [a, b] = r.pick(BLOCKS);
  let c = a + r.int(b - a + 1);
  if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
  return cp(c);
}

function word(r) {
  let w = r.pick(WORDS);
  const k = r.int(6);
  if (k === 0) w = w.toUpperCase();
  else if (k === 1) w = w[0].toUpperCase() + w.slice(1);
  else if (k === 2) w = w.split("").map((ch) => (r.int(2) ? ch.toUpperCase() : ch)).join("");
  return w;
}

const gens = {
  prose(r) {
    const parts = [];
    const n = 5 + r.int(60);
    for (let i = 0; i < n; i++) {
      parts.push(word(r));
      if (r.int(4) === 0) parts[parts.length - 1] += r.pick(CONTRACTIONS);
      if (r.int(8) === 0) parts[parts.length - 1] += r.pick([".", ",", "!", "?", ":", ";"]);
      parts.push(r.int(12) === 0 ? r.pick(["  ", "\n", " \n", "\n\n"]) : " ");
    }
    if (r.int(3) === 0) parts.push(r.pick(SPACES));
    return utf8(parts.join(""));
  },
  code(r) {
    const eol = r.pick(["\n", "\r\n"]);
    const ind = r.pick(["\t", "    ", "  ", "\t\t"]);
    const lines = [];
    const n = 3 + r.int(25);
    for (let i = 0; i < n; i++) {
      const depth = r.int(4);
      const body = r.pick([
        `if (x${i} != NULL && y[${i}] >= 0x${(i * 7919).toString(16)}) {`, `return foo_bar(a, "str'ing", 'c');`,
        `for (size_t i = 0; i < n; i++) total += v[i] * 3.14159;`, `}`, `// TODO: it's broken, DON'T ship`,
        `const re = /[a-z]+\\d{2,}/gi; // regex`, `def f(self, *args, **kw): return {"k": [1, 2, 3]}`,
        `    SELECT id, name FROM users WHERE id = 42;`, `#include <stdio.h>`, `x = y->next; /* comment */`,
        `printf("%s\\n", s);`, `https://example.com/path/to/file?q=1&r=2#frag`, ``, `\t\t`,
      ]);
      lines.push(ind.repeat(depth) + body + (r.int(5) === 0 ? " " : ""));
    }
    return utf8(lines.join(eol) + (r.int(2) ? eol : ""));
  },
  script(r) {
    const name = r.pick(Object.keys(SCRIPTS));
    const s = SCRIPTS[name];
    const a = r.int(s.length);
    return utf8(s.slice(a) + r.pick(SPACES) + s.slice(0, 1 + r.int(s.length)));
  },
  marks(r) {
    let s = "";
    const n = 5 + r.int(40);
    for (let i = 0; i < n; i++) {
      const k = r.int(5);
      if (k === 0) s += r.pick(MARKS).repeat(1 + r.int(4));
      else if (k === 1) s += r.pick(SPACES);
      else if (k === 2) s += r.pick(PUNCT);
      else s += word(r).slice(0, 1 + r.int(5)) + r.pick(MARKS);
    }
    return utf8(s);
  },
  emoji(r) {
    let s = "";
    const n = 3 + r.int(30);
    for (let i = 0; i < n; i++) s += r.pick(EMOJI) + (r.int(3) ? "" : r.pick([" ", "\n", "a", "1", "!", "'s"]));
    return utf8(s);
  },
  digits(r) {
    let s = "";
    const n = 2 + r.int(20);
    for (let i = 0; i < n; i++) {
      const d = r.pick(DIGITS);
      let run = "";
      const len = 1 + r.int(12);
      const chars = Array.from(d);
      for (let k = 0; k < len; k++) run += r.pick(chars);
      s += run + r.pick(["", " ", ".", ",", "-", "x", "\n", "  ", "$", "%"]);
    }
    return utf8(s);
  },
  spaces(r) {
    let s = "";
    const n = 3 + r.int(30);
    for (let i = 0; i < n; i++) {
      s += r.pick(SPACES).repeat(1 + r.int(5));
      if (r.int(2)) s += r.pick([word(r), r.pick(PUNCT), "1", "'s", r.pick(EMOJI), r.pick(MARKS)]);
    }
    return utf8(s);
  },
  random(r) {
    let s = "";
    const n = 1 + r.int(50);
    for (let i = 0; i < n; i++) s += r.int(5) ? randomCodePoint(r) : r.pick([" ", "\n", "'s", "a", "1", "'"]);
    return utf8(s);
  },
  repeat(r) {
    const unit = r.pick(["a", "ab", " ", "\n", "\t", "1", "😀", ".", "Aa", "A", "的", "'s", "- ", "=", "\r\n",
      " a", "é", "\u0301", "ab1", "<|endoftext|>"]);
    return utf8(unit.repeat(100 + r.int(3000)));
  },
  invalid(r) {
    const pieces = [];
    const n = 2 + r.int(20);
    const bad = [[0x80], [0xbf], [0xc0, 0xaf], [0xc1], [0xe0, 0x80, 0x80], [0xe0, 0xa0], [0xed, 0xa0, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff], [0xfe], [0xe2, 0x82], [0xf0, 0x9f, 0x98],
      [0xc3], [0xe1, 0x80, 0x41]];
    for (let i = 0; i < n; i++) {
      const k = r.int(3);
      if (k === 0) pieces.push(Buffer.from(r.pick(bad)));
      else if (k === 1) pieces.push(Buffer.from([r.int(256)]));
      else pieces.push(utf8(r.pick([word(r), " ", "'s", "é", "😀", "1", "\n"])));
    }
    return Buffer.concat(pieces);
  },
  special(r) {
    let s = "";
    const n = 1 + r.int(8);
    for (let i = 0; i < n; i++) s += r.pick(SPECIAL) + r.pick(["", " ", "\n", word(r), "<|", "|>"]);
    return utf8(s);
  },
  long(r) {   // past the 4 KB at which the tokenizer starts caching pieces
    const names = ["prose", "prose", "code", "script", "emoji", "digits", "spaces", "soup"];
    const parts = [];
    let size = 0;
    const target = 6000 + r.int(14000);
    while (size < target) {
      const b = gens[r.pick(names)](r);
      parts.push(b, Buffer.from(r.pick([" ", "\n", "\n\n", ""])));
      size += b.length + 1;
    }
    return Buffer.concat(parts);
  },
  soup(r) {
    const names = ["prose", "code", "script", "marks", "emoji", "digits", "spaces", "random", "special"];
    const parts = [];
    const n = 2 + r.int(6);
    for (let i = 0; i < n; i++) {
      const b = gens[r.pick(names)](r);
      const s = b.toString("utf8");
      const a = r.int(s.length);
      parts.push(utf8(s.slice(a, a + 1 + r.int(80))));
      if (r.int(2)) parts.push(utf8(r.pick([...SPACES, ...PUNCT, ...CONTRACTIONS, ...MARKS])));
    }
    return Buffer.concat(parts);
  },
};

// The oracle's view of bytes: a string, decoded as the WHATWG decoder does
// (each maximal ill-formed subsequence becomes U+FFFD), keeping a leading BOM.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const asString = (buf) => decoder.decode(buf);

module.exports = { rng, gens, asString };
