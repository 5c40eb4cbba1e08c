#!/usr/bin/env bash
# Installs, when missing, every tool that building and testing scimhub needs on a fresh machine:
# the wasm target, cargo-leptos, wasm-bindgen-cli, cargo-nextest, Debian's Chromium, and a
# running PostgreSQL, curl and jq. Idempotent: each step checks first, so a warm machine spends seconds here.
set -euo pipefail

log() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

WASM_BINDGEN_VERSION=0.2.130
CARGO_LEPTOS_VERSION=0.3.11

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

# cargo-leptos 0.3.11's lockfile pins cargo-util-schemas 0.14.2, which needs a newer rustc than
# this machine's; installing from a copy of its source with that one crate downgraded works.
ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores)"
  local src
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-$CARGO_LEPTOS_VERSION 2>/dev/null | head -n1 || true)
  if [ -z "$src" ]; then
    # Fetching through a throw-away manifest puts the crate's source into the registry cache.
    local fetch_dir
    fetch_dir=$(mktemp -d)
    mkdir -p "$fetch_dir/src" && touch "$fetch_dir/src/lib.rs"
    printf '[package]\nname = "fetch-cargo-leptos"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\ncargo-leptos = "=%s"\n' \
      "$CARGO_LEPTOS_VERSION" >"$fetch_dir/Cargo.toml"
    (cd "$fetch_dir" && cargo fetch -q) || true
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-$CARGO_LEPTOS_VERSION | head -n1)
  fi
  local copy
  copy=$(mktemp -d)/cargo-leptos
  cp -r "$src" "$copy"
  (cd "$copy" && cargo update -q -p cargo-util-schemas --precise 0.14.1)
  cargo install --locked --path "$copy"
}

ensure_wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then return; fi
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
}

ensure_nextest() {
  if cargo nextest --version >/dev/null 2>&1; then return; fi
  log "installing cargo-nextest"
  cargo install --locked cargo-nextest
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "installing Debian's chromium"
  apt_install chromium
}

ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then return; fi
  log "installing node and npm"
  apt_install nodejs npm
}

# curl and jq: the administration API's onboarding script (docs/api.md), which the tests run.
ensure_http_tools() {
  if command -v curl >/dev/null && command -v jq >/dev/null; then return; fi
  log "installing curl and jq"
  apt_install curl jq
}

ensure_postgres() {
  # pg_dump and pg_restore: `scimhub backup` and `restore` on PostgreSQL, and their tests.
  if ! command -v pg_dump >/dev/null; then
    log "installing PostgreSQL's client tools"
    apt_install postgresql-client
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
  exit 1
}

what=${1:-all}
case "$what" in
  rust) ensure_wasm_target; ensure_nextest; ensure_wasm_bindgen; ensure_cargo_leptos ;;
  browser) ensure_node; ensure_chromium ;;
  postgres) ensure_postgres ;;
  all) ensure_wasm_target; ensure_nextest; ensure_wasm_bindgen; ensure_cargo_leptos
       ensure_node; ensure_chromium; ensure_postgres; ensure_http_tools ;;
  *) echo "usage: $0 [rust|browser|postgres|all]" >&2; exit 2 ;;
esac
