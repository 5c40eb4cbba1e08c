#!/usr/bin/env bash
# Smoke test of the release binary on its own: copied alone into an empty directory and started
# there with nothing of the build's environment, it serves the dashboard from the files it
# carries — the sign-in page, its content-named WASM precompressed and immutable, the stylesheet
# and the route chunks the page names — and removes its unpacked copy when it stops.
# Usage: scripts/smoke.sh [BINARY] (default target/release/scimhub, built by build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/scimhub}")
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/empty" "$work/tmp"
cp "$bin" "$work/empty/scimhub"
port=3299 base=http://127.0.0.1:3299
fail() { echo "smoke: $*"; cat "$work/log"; exit 1; }

(cd "$work/empty" && exec env -i PATH=/usr/bin:/bin TMPDIR="$work/tmp" DATABASE_URL="sqlite://$work/smoke.db" \
  ./scimhub serve --listen "127.0.0.1:$port" --public-url "$base") >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done
[ "$(ls "$work/empty")" = scimhub ] || fail "the binary wrote into its working directory: $(ls "$work/empty")"

page=$(curl -fs "$base/login") || fail "no sign-in page"
grep -q "Sign in to scimhub" <<<"$page" || fail "the sign-in page does not say 'Sign in to scimhub'"
# Every file the page names under /pkg (WASM, JS glue, stylesheet, split loader) is served from
# the binary: precompressed for a browser that accepts brotli, cached as immutable.
names=$(grep -o '/pkg/[A-Za-z0-9_.-]*\.\(wasm\|js\|css\)' <<<"$page" | sort -u)
grep -q '\.wasm$' <<<"$names" && grep -q '\.css$' <<<"$names" || fail "the page names no hashed WASM and stylesheet: $names"
for name in $names; do
  headers=$(curl -fs -o "$work/body" -D - -H 'Accept-Encoding: br' "$base$name" | tr -d '\r') || fail "$name not served"
  grep -qi '^content-encoding: br$' <<<"$headers" || fail "$name not served brotli-compressed: $headers"
  grep -qi '^cache-control: .*immutable' <<<"$headers" || fail "$name not cached as immutable: $headers"
  [ -s "$work/body" ] || fail "$name is empty"
done
curl -fs -o /dev/null "$base/favicon.ico" || fail "no favicon"
[ -n "$(ls "$work/tmp")" ] || fail "no unpacked site under TMPDIR"

kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
[ -z "$(ls "$work/tmp")" ] || fail "the unpacked site was left behind: $(ls "$work/tmp")"
echo "smoke: 1 passed, 0 failed ($(wc -w <<<"$names") files from the binary)"
