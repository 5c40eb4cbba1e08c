#!/usr/bin/env bash
# Builds the release binary, target/release/scimhub, with the dashboard inside it (feature
# `embed-site`): cargo-leptos builds the site first (hashed names, precompressed, split by route),
# then the server, which embeds that site. The binary runs from any directory on its own.
# Extra arguments go to cargo-leptos.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo-leptos adds its own `--cfg erase_components` to RUSTFLAGS; passing ours too would double
# the flag and rebuild the whole tree.
unset RUSTFLAGS
exec cargo leptos build --release --precompress --split --bin-features embed-site "$@"
