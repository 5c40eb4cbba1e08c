#!/usr/bin/env bash
# Runs every test of scimhub (the README's test command; CI runs it too). On a fresh machine it
# first installs what the tests need: the wasm target, cargo-leptos, wasm-bindgen, nextest,
# Chromium, node packages and a running PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step prints the seconds since the start, so a slow CI run shows where its time went.
step() { printf '\n\033[1m== %s\033[0m (at %d s)\n' "$*" "$SECONDS"; }

step "tools"
bash scripts/install-tools.sh all
# shellcheck source=scripts/leptos-env.sh
. scripts/leptos-env.sh

PG_ADMIN_URL=${SCIMHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export SCIMHUB_TEST_POSTGRES_URL=$PG_ADMIN_URL

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit and integration tests on SQLite"
SCIMHUB_TEST_BACKEND=sqlite cargo nextest run --workspace --locked --no-fail-fast

step "integration tests on PostgreSQL"
# Databases left by an interrupted earlier run are dropped first.
psql "$PG_ADMIN_URL" -Atc "select datname from pg_database where datname like 'scimhub_it_%'" |
  while read -r db; do psql "$PG_ADMIN_URL" -qc "drop database if exists $db" >/dev/null; done
# `--workspace` with a filter, not `--test it`: the same feature set as the step before, so the
# test binary it built is reused instead of rebuilt.
SCIMHUB_TEST_BACKEND=postgres cargo nextest run --workspace --locked --no-fail-fast -E 'binary_id(scimhub::it)'

# The compliance suite, the browser tests and the smoke test all run the release build, the one
# the README's run command starts: one `cargo leptos` build instead of a debug and a release one.
step "release build: server and hydrated dashboard (cargo leptos)"
npm ci --no-audit --no-fund --loglevel=error
# cargo-leptos adds its own `--cfg erase_components` to RUSTFLAGS; passing ours too would double
# the flag and rebuild the whole tree.
(unset RUSTFLAGS; cargo leptos build --release --precompress --split)
export SCIMHUB_BIN=target/release/scimhub

step "third-party SCIM compliance suite (scim2-tester)"
bash scripts/scim-compliance.sh

step "end-to-end tests in headless Chromium (SQLite, then PostgreSQL)"
(cd end2end && npm ci --no-audit --no-fund --loglevel=error)
(cd end2end && npx playwright test)
psql "$PG_ADMIN_URL" -qc "drop database if exists scimhub_e2e" >/dev/null
psql "$PG_ADMIN_URL" -qc "create database scimhub_e2e" >/dev/null
(cd end2end && SCIMHUB_E2E_DATABASE_URL="${PG_ADMIN_URL%/*}/scimhub_e2e" npx playwright test)

step "smoke test of the release build (what the README's run command starts)"
smoke=$(mktemp -d)
DATABASE_URL="sqlite://$smoke/smoke.db" LEPTOS_SITE_ROOT=target/site \
  "$SCIMHUB_BIN" serve --listen 127.0.0.1:3299 --public-url http://127.0.0.1:3299 >"$smoke/log" 2>&1 &
smoke_pid=$!
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:3299/healthz >/dev/null && break; sleep 0.2; done
curl -fs http://127.0.0.1:3299/login | grep -q "Sign in to scimhub" || { cat "$smoke/log"; kill $smoke_pid; exit 1; }
# The page names its content-hashed WASM; it goes out brotli-compressed and cached as immutable.
wasm=$(curl -fs http://127.0.0.1:3299/login | grep -o '/pkg/scimhub\.[A-Za-z0-9_-]*\.wasm' | head -n1)
headers=$(curl -fs -o /dev/null -D - -H 'Accept-Encoding: br' "http://127.0.0.1:3299${wasm:-/pkg/none.wasm}" | tr -d '\r')
grep -qi '^content-encoding: br$' <<<"$headers" && grep -qi '^cache-control: .*immutable' <<<"$headers" ||
  { echo "release wasm '$wasm' not served precompressed and immutable: $headers"; kill $smoke_pid; exit 1; }
kill $smoke_pid; wait $smoke_pid 2>/dev/null || true; rm -rf "$smoke"
echo "smoke: 1 passed, 0 failed"

step "all tests passed"
