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
bash scripts/build-release.sh
export SCIMHUB_BIN=target/release/scimhub

step "third-party SCIM compliance suite (scim2-tester)"
bash scripts/scim-compliance.sh

step "end-to-end tests in headless Chromium (SQLite, then PostgreSQL)"
(cd end2end && npm ci --no-audit --no-fund --loglevel=error)
(cd end2end && npx playwright test)
psql "$PG_ADMIN_URL" -qc "drop database if exists scimhub_e2e" >/dev/null
psql "$PG_ADMIN_URL" -qc "create database scimhub_e2e" >/dev/null
(cd end2end && SCIMHUB_E2E_DATABASE_URL="${PG_ADMIN_URL%/*}/scimhub_e2e" npx playwright test)

step "smoke test of the release binary alone in an empty directory"
bash scripts/smoke.sh "$SCIMHUB_BIN"

step "all tests passed"
