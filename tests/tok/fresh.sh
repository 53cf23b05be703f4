#!/bin/sh
# make check: count-tokens against npm tiktoken on texts made up at this run
# (tests/tok/fresh.cjs). Needs node and `npm ci --prefix tests/tok` (no
# network at test time); without them it reports SKIP, or fails when
# TOK_ORACLE_REQUIRED is set (CI). TOK_FRESH_N sets the number of texts.
if ! command -v node >/dev/null 2>&1; then
    if [ -n "$TOK_ORACLE_REQUIRED" ]; then
        echo "not ok 1 - node is not installed"; echo "1..1"; exit 1
    fi
    echo "1..0 # SKIP node is not installed"; exit 0
fi
exec node "$TOP_SRCDIR/tests/tok/fresh.cjs" --n "${TOK_FRESH_N:-500}" --cmd "$RELAY_BIN count-tokens"
