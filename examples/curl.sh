#!/bin/sh
# The relay's API with plain curl. BASE is the relay's /v1, KEY your 1min.ai key.
set -eu
BASE=${OPENAI_BASE_URL:-http://127.0.0.1:8080/v1}
KEY=${OPENAI_API_KEY:?set OPENAI_API_KEY to your 1min.ai key}

echo "== models"
curl -sS --fail-with-body "$BASE/models"
echo
echo "== chat"
curl -sS --fail-with-body "$BASE/chat/completions" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'
echo
echo "== streamed chat (-N: print each event as it arrives)"
curl -sS -N --fail-with-body "$BASE/chat/completions" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Count to three"}]}'
echo "== image"
curl -sS --fail-with-body "$BASE/images/generations" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model":"dall-e-3","prompt":"a lighthouse at dawn","size":"1024x1024"}'
echo
