#!/usr/bin/env python3
"""check_doc_refs: every document a comment in src/ or tests/ points at exists in docs/.

A reference is "docs/<file>.md", optionally followed by sections: "docs/upstream-api.md §2.3",
"docs/platform.md §1.1, §1.7", also when they continue on the next comment line. The file must exist and, for each section N or N.M, hold a
Markdown heading that starts with that number ("## 2. Unified chat", "### 2.3 Streaming").
Citations of documents outside the repository (the old shared notes, issue threads) fail too:
a maintainer who clones the repository cannot follow them.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "lib"))
from relaytest.tap import ok  # noqa: E402
from relaytest.procs import TOP_SRCDIR, run  # noqa: E402

SCAN = ["src", "tests"]
EXTS = (".c", ".h", ".py", ".md", ".mjs", ".cjs", ".sh")
SKIP_DIRS = {"node_modules", "lint"}     # lint: this checker names the foreign documents itself
# a reference may continue on the next comment line: "docs/upstream-api.md\n * §4.1, §4.5"
SEP = r"(?:[ \t,]|and |\n[ \t]*(?:\*|#|//)?[ \t]*)*"
REF_RE = re.compile(r"(?<![\w./-])docs/([A-Za-z0-9_.-]+)((?:" + SEP + r"§\s*[0-9]+(?:\.[0-9]+)*)*)")
SECTION_RE = re.compile(r"§\s*([0-9]+(?:\.[0-9]+)*)")
# documents that are not in the repository, and citations of issue sections
FOREIGN_RE = re.compile(r"platform-notes|openai-contract|upstream-1min-api|tools-and-dialects|"
                        r"style-anchors|docs/upstream\b(?!-)|\bissue \d+ *§|/shared/")


def headings(path):
    nums = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#{1,6}\s+([0-9]+(?:\.[0-9]+)*)\.?\s", line)
            if m:
                nums.add(m.group(1))
    return nums


def sources():
    for top in SCAN:
        for d, dirs, files in os.walk(os.path.join(TOP_SRCDIR, top)):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
            for name in sorted(files):
                if name.endswith(EXTS):
                    yield os.path.join(d, name)


def main():
    docs = os.path.join(TOP_SRCDIR, "docs")
    cache = {}
    refs = bad = foreign = 0
    for path in sources():
        rel = os.path.relpath(path, TOP_SRCDIR)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in FOREIGN_RE.finditer(line):
                foreign += 1
                ok(False, "%s:%d cites a document outside the repository" % (rel, lineno), line.strip())
        for m in REF_RE.finditer(text):
            lineno = text.count("\n", 0, m.start()) + 1
            cited = " ".join(m.group(0).split())
            name = m.group(1).rstrip(".,;:)")
            refs += 1
            target = os.path.join(docs, name)
            if not os.path.isfile(target):
                bad += 1
                ok(False, "%s:%d: docs/%s exists" % (rel, lineno, name), cited)
                continue
            if target not in cache:
                cache[target] = headings(target)
            for sec in SECTION_RE.findall(m.group(2) or ""):
                refs += 1
                if sec not in cache[target]:
                    bad += 1
                    ok(False, "%s:%d: docs/%s has a section %s" % (rel, lineno, name, sec), cited)
    ok(refs > 0, "the sources cite docs/ at all (%d references and sections checked)" % refs)
    ok(bad == 0 and foreign == 0, "every docs/ reference resolves to a file and a section heading "
       "(%d unresolved, %d foreign)" % (bad, foreign))


run(main, timeout=60)
