#!/usr/bin/env bash
# One workload of scripts/bench.sh against a database that already holds the tenant `bench`
# (e.g. the one `bench.sh postgres` leaves, or `scimhub seed bench --users 20000` on SQLite),
# for before/after comparisons of two builds without a full run:
#   DATABASE_URL=… bash scripts/bench/workload.sh BIN lookup-users.lua [DURATION] [PORT]
# Rotates the tenant's secret, starts BIN, takes 1,000 users' names and ids, checkpoints
# PostgreSQL (so one run's WAL does not land on the next), and prints wrk's requests/s and p99.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$1 script=$2 duration=${3:-15s} port=${4:-3400}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
export BENCH_TOKEN=$("$bin" secret rotate bench 2>/dev/null | tail -n 1) BENCH_BASE_PATH=/realms/bench/scim/v2
RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --public-url "$base" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
for attr in userName id; do
  curl -fs -H "Authorization: Bearer $BENCH_TOKEN" "$base$BENCH_BASE_PATH/Users?count=1000&attributes=$attr" |
    python3 -c 'import json,sys; a=sys.argv[1]; print("\n".join(r[a] for r in json.load(sys.stdin)["Resources"]))' "$attr" >"$work/$attr"
done
export BENCH_NAMES_FILE="$work/userName" BENCH_IDS_FILE="$work/id"
case "$DATABASE_URL" in postgres*) psql "$DATABASE_URL" -qc checkpoint ;; esac
wrk -t2 -c16 -d"$duration" --latency -s "scripts/bench/$script" "$base" | grep -E 'Requests/sec|  99%' | tr -s ' \n' ' '
echo
