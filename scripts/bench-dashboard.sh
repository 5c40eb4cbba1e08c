#!/usr/bin/env bash
# Dashboard benchmark: one tenant with 100,000 users and 1,000,000 provisioning-log rows
# (`scimhub seed`), then the pages an administrator opens, each requested by one client in a row
# (wrk -t1 -c1) against the release build on loopback: the time is the server's whole answer,
# server-side rendering with its queries included. Usage:
#   bash scripts/bench-dashboard.sh [sqlite|postgres]
# Environment: BENCH_DURATION (default 10s), BENCH_USERS (100000), BENCH_LOG_ROWS (1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
duration=${BENCH_DURATION:-10s}
users=${BENCH_USERS:-100000}
log_rows=${BENCH_LOG_ROWS:-1000000}
port=${BENCH_PORT:-3401}
base="http://127.0.0.1:$port"

# shellcheck source=scripts/bench/prepare.sh
. scripts/bench/prepare.sh
bench_prepare "$backend" scimhub_bench_dashboard
bin=target/release/scimhub
start=$(date +%s)
"$bin" seed bench --users "$users" --log-rows "$log_rows" | grep -v "secret"
echo "seeded in $(( $(date +%s) - start )) s"

RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --public-url "$base" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

# Sign in with a one-time link (break-glass) and keep the session cookie.
link=$("$bin" admin login-link --public-url "$base" | tail -n 1)
curl -fs -o /dev/null -c "$work/jar" -b "$work/jar" -L "$link"
cookie=$(awk 'NF >= 7 && $6 ~ /session/ { printf "%s=%s", $6, $7 }' "$work/jar")
[ -n "$cookie" ] || { echo "sign-in failed" >&2; exit 1; }

page() {
  local name=$1 path=$2
  curl -fs -o "$work/page.html" -H "Cookie: $cookie" "$base$path" || { echo "$path failed" >&2; exit 1; }
  echo "== $name: $path"
  wrk -t1 -c1 -d"$duration" --latency -H "Cookie: $cookie" "$base$path" |
    grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx"
}

page "log, first page" "/tenants/bench/log"
page "log, by userName" "/tenants/bench/log?resource=user004242%40bench.test"
page "log, client errors" "/tenants/bench/log?outcome=client"
page "log, server errors" "/tenants/bench/log?outcome=server"
page "users, first page" "/tenants/bench/users"
page "users, search" "/tenants/bench/users?q=user0042"
page "user detail" "/tenants/bench/users/00000000-0000-4000-8000-000000004242"
echo "peak RSS: $(ps -o rss= -p $server | awk '{ printf "%.0f MiB", $1 / 1024 }') (at the end)"
