#!/usr/bin/env bash
# Starts scimhub on its embedded default (a SQLite file under ./data, no other service) and
# prints a one-time sign-in link. Builds first, installing the build tools if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh rust
npm ci --no-audit --no-fund --loglevel=error
bash scripts/build-release.sh
export DATABASE_URL=${DATABASE_URL:-sqlite://data/scimhub.db}
export SCIMHUB_LISTEN=${SCIMHUB_LISTEN:-127.0.0.1:3000}
export SCIMHUB_PUBLIC_URL=${SCIMHUB_PUBLIC_URL:-http://$SCIMHUB_LISTEN}
./target/release/scimhub admin login-link
exec ./target/release/scimhub serve
