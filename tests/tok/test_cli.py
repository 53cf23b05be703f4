#!/usr/bin/env python3
"""`1min-relay count-tokens`: what an operator sees. Prints TAP.

Counts and ids are checked against values from the committed corpus (made by
npm tiktoken), so node is not needed here."""
import base64
import json
import os
import subprocess
import sys
import tempfile

RELAY = os.environ.get("RELAY_BIN", "./1min-relay")
TOP = os.environ.get("TOP_SRCDIR", ".")
n_test = 0
failed = 0


def ok(cond, name, diag=""):
    global n_test, failed
    n_test += 1
    print(("ok" if cond else "not ok"), n_test, "-", name)
    if not cond:
        failed += 1
        for line in str(diag).splitlines():
            print("#  ", line)


def run(args, data=b""):
    p = subprocess.run([RELAY, "count-tokens", *args], input=data, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def corpus():
    rows = {}
    with open(os.path.join(TOP, "tests/data/tok/corpus.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            rows[row["name"]] = row
    return rows


def main():
    rows = corpus()
    prose = rows["contractions-mixed"]
    text = base64.b64decode(prose["b64"])
    with tempfile.TemporaryDirectory() as tmp:
        a = os.path.join(tmp, "a.txt")
        b = os.path.join(tmp, "b b.txt")
        with open(a, "wb") as f:
            f.write(text)
        cjk = base64.b64decode(rows["cjk"]["b64"])
        with open(b, "wb") as f:
            f.write(cjk)

        rc, out, err = run([], text)
        ok(rc == 0 and out == f"{prose['o200k_base']}\n", "stdin, default o200k_base: the count alone", out + err)
        rc, out, err = run(["--encoding", "cl100k_base"], text)
        ok(rc == 0 and out == f"{prose['cl100k_base']}\n", "--encoding cl100k_base", out + err)
        rc, out, err = run(["--encoding=cl100k_base", "-"], text)
        ok(rc == 0 and out == f"{prose['cl100k_base']}\n", "--encoding=E and - for stdin", out + err)
        rc, out, err = run(["--model", "gpt-4", a])
        ok(rc == 0 and out == f"{prose['cl100k_base']}\n", "--model gpt-4 uses cl100k_base", out + err)
        rc, out, err = run(["--model", "gpt-4o", a])
        ok(rc == 0 and out == f"{prose['o200k_base']}\n", "--model gpt-4o uses o200k_base", out + err)
        rc, out, err = run(["--model", "claude-3-opus", a])
        ok(rc == 0 and out == f"{prose['o200k_base']}\n", "other vendors' models use o200k_base", out + err)

        ids_row = next(r for r in rows.values() if "ids" in r and r["name"].startswith("prose"))
        rc, out, err = run(["--ids"], base64.b64decode(ids_row["b64"]))
        want = " ".join(map(str, ids_row["ids"]["o200k_base"]))
        ok(rc == 0 and out == want + "\n", "--ids prints the ids on one line", out[:200] + err)

        rc, out, err = run([a, b])
        want = (f"{prose['o200k_base']} {a}\n{rows['cjk']['o200k_base']} {b}\n"
                f"{prose['o200k_base'] + rows['cjk']['o200k_base']} total\n")
        ok(rc == 0 and out == want, "several files: COUNT FILE lines and a total", out + err)
        rc, out, err = run(["--ids", "--encoding", "cl100k_base", a, b])
        lines = out.splitlines()
        ok(rc == 0 and len(lines) == 2 and lines[0].startswith(a + ": ")
           and len(lines[0].split(": ", 1)[1].split()) == prose["cl100k_base"]
           and lines[1].startswith(b + ": "), "several files with --ids: FILE: IDS lines", out[:300] + err)

        rc, out, err = run([], b"")
        ok(rc == 0 and out == "0\n", "empty input counts 0", out + err)

        missing = os.path.join(tmp, "missing.txt")
        rc, out, err = run([missing, a])
        ok(rc == 1 and "missing.txt" in err and "No such file" in err
           and f"{prose['o200k_base']} {a}" in out, "unreadable file: error, the others still counted, exit 1", out + err)
        rc, out, err = run(["--encoding", "p50k_base"], text)
        ok(rc == 2 and "unknown encoding" in err and "p50k_base" in err and out == "",
           "unknown encoding: exit 2 with a message", out + err)
        rc, out, err = run(["--model", "gpt-4", "--encoding", "o200k_base"], text)
        ok(rc == 2 and "not both" in err, "--model with --encoding: exit 2", out + err)
        rc, out, err = run(["--bogus"], text)
        ok(rc == 2 and "unknown option" in err and "usage" in err, "unknown option: exit 2 with usage", out + err)
        rc, out, err = run(["--model"], text)
        ok(rc == 2 and "needs a value" in err, "--model without a value: exit 2", out + err)
        rc, out, err = run(["--help"])
        ok(rc == 0 and "count-tokens" in out and "--encoding" in out, "--help prints usage", out + err)

        # 275001: npm tiktoken's count for this text (11 per sentence, and the final space)
        big = ("All work and no play makes Jack a dull boy. " * 25000).encode()
        rc, out, err = run([], big)
        ok(rc == 0 and out == "275001\n", "a 1 MB text through stdin", out + err)

    print(f"1..{n_test}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
