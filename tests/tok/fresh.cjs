#!/usr/bin/env node
// Compares `count-tokens` with the reference (npm tiktoken) on texts made up
// at this run, which the committed corpus cannot contain. Prints TAP.
//   node tests/tok/fresh.cjs [--n N] [--seed S] [--cmd "PROG count-tokens"]
// PROG defaults to $RELAY_BIN. Needs `npm ci --prefix tests/tok`, no network.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { rng, gens, asString } = require("./textgen.cjs");

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const n = Number(arg("--n", "400"));
const seed = Number(arg("--seed", String(Date.now() % 1e9)));
const cmd = (arg("--cmd", process.env.RELAY_BIN ? `${process.env.RELAY_BIN} count-tokens` : "")).split(" ").filter(Boolean);
if (!cmd.length) { console.log("1..0 # SKIP no --cmd and no RELAY_BIN"); process.exit(0); }

let tiktoken;
try { tiktoken = require("tiktoken"); } catch (e) {
  const msg = "reference not installed: run npm ci --prefix tests/tok";
  if (process.env.TOK_ORACLE_REQUIRED) { console.log(`not ok 1 - ${msg}\n1..1`); process.exit(1); }
  console.log(`1..0 # SKIP ${msg}`);
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tok-fresh-"));
let test = 0, failed = 0;
const ok = (cond, name, diag) => {
  test++;
  console.log(`${cond ? "" : "not "}ok ${test} - ${name}`);
  if (!cond) { failed++; for (const l of diag || []) console.log(`#   ${l}`); }
};
try {
  console.log(`# seed ${seed}, ${n} texts`);
  const r = rng(seed);
  const names = Object.keys(gens);
  const texts = [], files = [];
  for (let i = 0; i < n; i++) {
    const kind = names[i % names.length];
    const buf = gens[kind](r);
    const file = path.join(dir, `${String(i).padStart(5, "0")}-${kind}.txt`);
    fs.writeFileSync(file, buf);
    texts.push({ kind, buf, file });
    files.push(file);
  }
  for (const encName of ["o200k_base", "cl100k_base"]) {
    const enc = tiktoken.get_encoding(encName);
    const want = texts.map((t) => Array.from(enc.encode_ordinary(asString(t.buf))));
    enc.free();
    // Counts, all files in one run ("COUNT FILE" lines, then "COUNT total").
    const out = execFileSync(cmd[0], [...cmd.slice(1), "--encoding", encName, ...files],
      { encoding: "utf8", maxBuffer: 1 << 28 });
    const got = new Map();
    for (const line of out.trim().split("\n")) {
      const sp = line.indexOf(" ");
      got.set(line.slice(sp + 1), Number(line.slice(0, sp)));
    }
    const bad = texts.filter((t, i) => got.get(t.file) !== want[i].length);
    ok(bad.length === 0, `${encName}: counts of ${n} fresh texts agree with tiktoken`,
      bad.slice(0, 5).map((t) => `${t.kind} got ${got.get(t.file)} want ${want[texts.indexOf(t)].length}: ${JSON.stringify(asString(t.buf).slice(0, 200))}`));
    // Ids, all files in one run ("FILE: ID ID ..." lines).
    const idsOut = execFileSync(cmd[0], [...cmd.slice(1), "--encoding", encName, "--ids", ...files],
      { encoding: "utf8", maxBuffer: 1 << 28 });
    const gotIds = new Map();
    for (const line of idsOut.split("\n")) {
      const colon = line.indexOf(": ");
      if (colon > 0) gotIds.set(line.slice(0, colon), line.slice(colon + 2));
      else if (line.endsWith(":")) gotIds.set(line.slice(0, -1), "");
    }
    const badIds = texts.filter((t, i) => gotIds.get(t.file) !== want[i].join(" "))
      .map((t) => `${t.kind}: ${JSON.stringify(asString(t.buf).slice(0, 120))}`);
    ok(badIds.length === 0, `${encName}: ids of ${n} fresh texts agree with tiktoken`, badIds.slice(0, 5));
    const total = Number(out.trim().split("\n").pop().split(" ")[0]);
    ok(total === want.reduce((s, w) => s + w.length, 0), `${encName}: total line is the sum`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`1..${test}`);
process.exit(failed ? 1 : 0);
