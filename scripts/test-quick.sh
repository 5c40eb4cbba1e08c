#!/usr/bin/env bash
# The quick test tier for development: formatting, lints, the unit tests of every crate and the
# integration tests on SQLite — the first steps of scripts/test.sh, run the same way so they
# share its build. No PostgreSQL, no release build, no browser, no scim2-tester, and nothing is
# installed. Arguments go to nextest, e.g. `bash scripts/test-quick.sh -E 'test(tenant)'`.
# Before merging, run the whole suite: bash scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m (at %d s)\n' "$*" "$SECONDS"; }

missing() {
  printf 'test-quick: %s is missing; %s\n' "$1" "$2" >&2
  exit 1
}
command -v cargo >/dev/null || missing "cargo" "install a Rust toolchain (rustup) first"
cargo fmt --version >/dev/null 2>&1 || missing "rustfmt" "run: rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || missing "clippy" "run: rustup component add clippy"
cargo nextest --version >/dev/null 2>&1 ||
  missing "cargo-nextest" "run: bash scripts/install-tools.sh rust (or bash scripts/test.sh, which installs everything)"

# The same environment as scripts/test.sh and cargo-leptos's debug build, so nothing rebuilds.
# shellcheck source=scripts/leptos-env.sh
. scripts/leptos-env.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit and integration tests on SQLite"
SCIMHUB_TEST_BACKEND=sqlite cargo nextest run --workspace --locked --no-fail-fast "$@"

step "quick tier passed (the full suite: bash scripts/test.sh)"
