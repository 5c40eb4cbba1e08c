#!/usr/bin/env bash
# Runs the third-party SCIM compliance suite scim2-tester (PyPI, through scim2-cli) against a
# freshly started scimhub (`SCIMHUB_BIN`, the debug build unless set, on a temporary SQLite
# database). Exits non-zero on any failed check. scripts/test.sh runs it on the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${SCIMHUB_BIN:-target/debug/scimhub}
PORT=${SCIM_COMPLIANCE_PORT:-3210}
VENV=target/scim2-venv
BASE="http://127.0.0.1:$PORT"

if [ ! -x "$VENV/bin/scim2" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check scim2-cli==0.6.0 scim2-tester==0.5.2
fi

work=$(mktemp -d)
export DATABASE_URL="sqlite://$work/compliance.db"
"$BIN" tenant create compliance --public-url "$BASE" >/dev/null
token=$("$BIN" secret rotate compliance 2>/dev/null | tail -n 1)

LEPTOS_SITE_ROOT=target/site "$BIN" serve --listen "127.0.0.1:$PORT" --public-url "$BASE" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done

set +e
SCIM_CLI_HEADERS="Authorization: Bearer $token" \
  "$VENV/bin/scim2" --url "$BASE/realms/compliance/scim/v2" test ${SCIM_COMPLIANCE_VERBOSE:+--verbose} >"$work/report.txt" 2>&1
status=$?
set -e
cat "$work/report.txt"
passed=$(grep -c '^SUCCESS' "$work/report.txt" || true)
failed=$(grep -Ec '^(ERROR|CRITICAL|FAILURE|FAILED)' "$work/report.txt" || true)
echo "scim2-tester: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  echo "--- server log (last 40 lines)"; tail -n 40 "$work/server.log"
  exit 1
fi
