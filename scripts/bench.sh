#!/usr/bin/env bash
# Load benchmark of the SCIM API: the release build on loopback, driven by wrk (Debian's
# package) with the Lua scripts in scripts/bench/. Usage:
#   bash scripts/bench.sh [sqlite|postgres]
# Environment: BENCH_DURATION (default 15s), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
# BENCH_USERS (100000), BENCH_BIN (the binary to measure; default: the release build, built
# first) and BENCH_CYCLE_DURATION (120s, a cap): Entra's initial cycle runs first,
# on an empty tenant, and stops once it has created BENCH_USERS users (the time it took is
# printed), so the other workloads run with that many users present.
# Prints wrk's figures (requests/s, latency percentiles) and the server's peak RSS, also split
# into its own memory (anonymous) and file-backed pages (the binary and its libraries).
# BENCH_ATTACH=webhook measures with one outbound application attached: a webhook to a fast
# local receiver (the ceiling's POST /hooks), so every change also enqueues and delivers an event.
# BENCH_REPLICAS=2 (postgres only) runs two server processes on the one database and drives each
# with its own wrk (half the threads and connections each); the figures are summed.
# First it measures the machine's ceiling, a bare axum handler (scripts/bench/ceiling), with the
# same wrk settings: the goals were set where that ceiling is about 72,000 requests/s.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
duration=${BENCH_DURATION:-15s}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
target_users=${BENCH_USERS:-100000}
cycle_duration=${BENCH_CYCLE_DURATION:-120s}
port=${BENCH_PORT:-3400}
base="http://127.0.0.1:$port"
replicas=${BENCH_REPLICAS:-1}
if [ "$replicas" != 1 ] && { [ "$replicas" != 2 ] || [ "$backend" != postgres ]; }; then
  echo "BENCH_REPLICAS=2 needs the postgres backend" >&2
  exit 2
fi

# shellcheck source=scripts/bench/prepare.sh
. scripts/bench/prepare.sh
bench_prepare "$backend" scimhub_bench
bin=${BENCH_BIN:-target/release/scimhub}

cargo build --release --locked -p ceiling >/dev/null
target/release/ceiling "127.0.0.1:$port" &
ceiling=$!
for _ in $(seq 1 50); do curl -fs "$base/" >/dev/null && break; sleep 0.1; done
echo "== ceiling: a bare axum handler ($threads threads, $connections connections, $duration)"
wrk -t"$threads" -c"$connections" -d"$duration" --latency "$base/" | grep -E 'Requests/sec|  (50|99)%'
kill $ceiling 2>/dev/null || true
wait $ceiling 2>/dev/null || true
"$bin" tenant create bench --profile azure --public-url "$base" >/dev/null
if [ "${BENCH_ATTACH:-}" = webhook ]; then
  target/release/ceiling "127.0.0.1:$((port + 1))" &
  sink=$!
  "$bin" app add bench sink --webhook-url "http://127.0.0.1:$((port + 1))/hooks" >/dev/null
  echo "== with one application attached: a webhook receiving every change"
fi
export BENCH_TOKEN=$("$bin" secret rotate bench 2>/dev/null | tail -n 1)
export BENCH_BASE_PATH=/realms/bench/scim/v2
RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --public-url "$base" >"$work/server.log" 2>&1 &
server=$!
second=
if [ "$replicas" = 2 ]; then
  RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$((port + 2))" --public-url "$base" >"$work/server2.log" 2>&1 &
  second=$!
fi
trap 'kill $server $second ${sink:-} 2>/dev/null; wait $server $second 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
for _ in $(seq 1 50); do [ -z "$second" ] || curl -fs "http://127.0.0.1:$((port + 2))/healthz" >/dev/null && break; sleep 0.2; done

peak_rss=0 peak_anon=0 peak_file=0
count_users() {
  curl -fs -H "Authorization: Bearer $BENCH_TOKEN" "$base$BENCH_BASE_PATH/Users?count=0" | sed -E 's/.*"totalResults":([0-9]+).*/\1/'
}

run() {
  local name=$1 script=$2 duration=${3:-$duration}
  echo "== $name ($backend, $threads threads, $connections connections, $duration)"
  # Each workload starts from a checkpoint: the WAL of the one before (its checkpoint and the
  # full-page images after it) would otherwise land on this one's commits.
  if [ "$backend" = postgres ]; then psql "$DATABASE_URL" -qc checkpoint; fi
  # VmRSS, RssAnon, RssFile in KiB, one sample a line.
  ( while kill -0 "$server" 2>/dev/null; do
      awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s ", $2 } END { print "" }' "/proc/$server/status"; sleep 0.5
    done ) >"$work/rss-$name" &
  local sampler=$!
  if [ "$replicas" = 1 ]; then
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "scripts/bench/$script" "$base" | tee "$work/$name.txt"
  else
    # One wrk per replica, side by side; then their requests per second summed.
    BENCH_PREFIX=a wrk -t$((threads / 2)) -c$((connections / 2)) -d"$duration" --latency -s "scripts/bench/$script" "$base" >"$work/$name-a.txt" &
    local first=$!
    BENCH_PREFIX=b wrk -t$((threads / 2)) -c$((connections / 2)) -d"$duration" --latency -s "scripts/bench/$script" "http://127.0.0.1:$((port + 2))" >"$work/$name-b.txt" || true
    wait $first || true
    cat "$work/$name-a.txt" "$work/$name-b.txt" | tee "$work/$name.txt"
    awk '/Requests\/sec/ { sum += $2 } END { printf "Requests/sec, both replicas: %.2f\n", sum }' "$work/$name.txt"
  fi
  kill $sampler 2>/dev/null || true
  local r a f
  r=$(awk '{ print $1 }' "$work/rss-$name" | sort -n | tail -n 1)
  a=$(awk '{ print $2 }' "$work/rss-$name" | sort -n | tail -n 1)
  f=$(awk '{ print $3 }' "$work/rss-$name" | sort -n | tail -n 1)
  if [ "${r:-0}" -gt "$peak_rss" ]; then peak_rss=$r; fi
  if [ "${a:-0}" -gt "$peak_anon" ]; then peak_anon=$a; fi
  if [ "${f:-0}" -gt "$peak_file" ]; then peak_file=$f; fi
}

# Entra's initial cycle (lookup, then create, per user) on the empty tenant; a watcher notes when
# the tenant reaches BENCH_USERS users.
( start=$(date +%s.%N)
  while kill -0 "$server" 2>/dev/null; do
    n=$(count_users || echo 0)
    if [ "${n:-0}" -ge "$target_users" ]; then
      echo "initial cycle: $target_users users after $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s" >"$work/cycle-time"
      # Its threads have stopped creating; SIGINT makes wrk report now, over the cycle's time.
      pkill -INT -x wrk || true
      break
    fi
    sleep 0.5
  done ) &
watcher=$!
BENCH_CYCLE_SHARE=$(( (target_users + threads - 1) / threads )) run cycle initial-cycle.lua "$cycle_duration"
kill $watcher 2>/dev/null || true
users=$(count_users)
cat "$work/cycle-time" 2>/dev/null || echo "initial cycle: only $users of $target_users users in $cycle_duration (raise BENCH_CYCLE_DURATION)"
echo "users in the tenant: $users"

run create create-users.lua
users=$(count_users)
echo "users in the tenant: $users"
curl -fs -H "Authorization: Bearer $BENCH_TOKEN" "$base$BENCH_BASE_PATH/Users?count=1000&attributes=userName" >"$work/page.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(r["userName"] for r in d["Resources"]))' "$work/page.json" >"$work/names"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(r["id"] for r in d["Resources"]))' "$work/page.json" >"$work/ids"
export BENCH_NAMES_FILE="$work/names" BENCH_IDS_FILE="$work/ids"
run lookup lookup-users.lua
run patch patch-users.lua


# One group PATCH adding 10,000 members (Entra sends them in chunks; one request is the worst case).
group=$(curl -fs -X POST -H "Authorization: Bearer $BENCH_TOKEN" -H "Content-Type: application/scim+json" \
  -d '{"displayName":"Bench group"}' "$base$BENCH_BASE_PATH/Groups" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 - "$base$BENCH_BASE_PATH/Users" "$BENCH_TOKEN" >"$work/members-patch.json" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
ids = []
while len(ids) < 10000:
    page = f"{url}?attributes=id&count=1000&startIndex={len(ids) + 1}"
    req = urllib.request.Request(page, headers={"Authorization": f"Bearer {token}"})
    found = [r["id"] for r in json.load(urllib.request.urlopen(req))["Resources"]]
    if not found:
        break
    ids += found
ops = [{"op": "add", "path": "members", "value": [{"value": i} for i in ids[:10000]]}]
print(json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
PY
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["Operations"][0]["value"]))' "$work/members-patch.json")
echo "== group PATCH adding $count members (one request)"
curl -fs -o /dev/null -w "status %{http_code}, %{time_total} s\n" -X PATCH -H "Authorization: Bearer $BENCH_TOKEN" \
  -H "Content-Type: application/scim+json" --data-binary "@$work/members-patch.json" "$base$BENCH_BASE_PATH/Groups/$group"
echo "== peak RSS of the server: $((peak_rss / 1024)) MiB (anonymous $((peak_anon / 1024)) MiB, file-backed $((peak_file / 1024)) MiB)"
