#!/usr/bin/env bash
# Benchmark of outbound provisioning (docs/benchmarks.md, "Outbound provisioning"): the release
# build on loopback, SQLite. Measures, beside the machine's ceiling:
#   1. the initial push of BENCH_OUTBOUND_USERS users (default 100,000) to a fast local SCIM
#      application — a second scimhub — with `app sync`: users delivered per second;
#   2. the same users as webhook events to a fast local receiver (the ceiling's POST /hooks);
#   3. commit-to-target lag at BENCH_OUTBOUND_RATE changes/s (default 100) for
#      BENCH_OUTBOUND_SECONDS (20): a paced load of user creations, a webhook receiver that
#      compares each message's event time with its arrival; p50/p99.
# Usage: bash scripts/bench/outbound.sh   (BENCH_BIN: the binary; default target/release/scimhub)
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${BENCH_OUTBOUND_USERS:-100000}
rate=${BENCH_OUTBOUND_RATE:-100}
seconds=${BENCH_OUTBOUND_SECONDS:-20}
bin=${BENCH_BIN:-target/release/scimhub}
hub_port=3410 target_port=3411 sink_port=3412 lag_port=3413
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p ceiling >/dev/null
target/release/ceiling "127.0.0.1:$sink_port" & pids+=($!)
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$sink_port/" >/dev/null && break; sleep 0.1; done
echo "== ceiling: a bare axum handler (2 threads, 16 connections, 10s)"
wrk -t2 -c16 -d10s --latency "http://127.0.0.1:$sink_port/" | grep -E 'Requests/sec|  (50|99)%'

serve() { # db port log
  DATABASE_URL="sqlite://$work/$1.db" RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$2" \
    --public-url "http://127.0.0.1:$2" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.1; done
}
cli() { local db=$1; shift; DATABASE_URL="sqlite://$work/$db.db" "$bin" "$@"; }
backlog() { cli hub app status "$1" "$2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["backlog"])'; }
drain() { # tenant app → seconds until its backlog is 0
  local start; start=$(date +%s.%N)
  while [ "$(backlog "$1" "$2")" != 0 ]; do sleep 0.2; done
  python3 -c "print(round($(date +%s.%N) - $start, 1))"
}

# The downstream scimhub and the hub with its users (seeded: no events until `app sync`).
cli target tenant create down --public-url "http://127.0.0.1:$target_port" >/dev/null
token=$(cli target secret rotate down 2>/dev/null | tail -n 1)
serve target "$target_port"
cli hub seed bench --users "$users" --log-rows 0 >/dev/null
serve hub "$hub_port"

echo "== initial push of $users users to a second scimhub (SCIM: POST /Users each)"
printf '%s\n' "$token" | cli hub app add bench crm --scim-url "http://127.0.0.1:$target_port/realms/down/scim/v2" --bearer-stdin >/dev/null
cli hub app sync bench crm >/dev/null
took=$(drain bench crm)
there=$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$target_port/realms/down/scim/v2/Users?count=0" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["totalResults"])')
# The seed makes every tenth user inactive: those are never created there.
echo "pushed $there users (the active ones of $users) in $took s: $(python3 -c "print(round($there / max($took, 0.1)))") users/s"
cli hub app pause bench crm >/dev/null

echo "== the same $users users as webhook events to a fast receiver"
cli hub app add bench sink --webhook-url "http://127.0.0.1:$sink_port/hooks" >/dev/null
cli hub app sync bench sink >/dev/null
took=$(drain bench sink)
echo "delivered $users events in $took s: $(python3 -c "print(round($users / max($took, 0.1)))") events/s"
cli hub app remove bench sink >/dev/null

echo "== commit-to-target lag at $rate changes/s for $seconds s (webhook)"
python3 - "$lag_port" >"$work/lag.txt" <<'PY' &
import http.server, json, sys, time, datetime
lags = []
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body.get("type") == "user.created":
            at = datetime.datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).timestamp()
            lags.append(time.time() - at)
        self.send_response(204); self.end_headers()
    def do_GET(self):
        lags.sort()
        pick = lambda q: round(1000 * lags[min(len(lags) - 1, int(q * len(lags)))], 1) if lags else None
        out = json.dumps({"n": len(lags), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": pick(1.0)}).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(out)
    def log_message(self, *a): pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # the default (5) refuses scimhub's concurrent deliveries
Server(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
pids+=($!)
sleep 0.5
cli hub app add bench lag --webhook-url "http://127.0.0.1:$lag_port/hooks" --event user.created >/dev/null
bench_token=$(cli hub secret rotate bench 2>/dev/null | tail -n 1)
python3 - "http://127.0.0.1:$hub_port/realms/bench/scim/v2/Users" "$bench_token" "$rate" "$seconds" <<'PY'
import json, sys, threading, time, urllib.request
url, token, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def create(n):
    body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"lag-{n}@bench.example"}).encode()
    req = urllib.request.Request(url, body, {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    urllib.request.urlopen(req).read()
start = time.time()
threads = []
for n in range(rate * seconds):
    time.sleep(max(0, start + n / rate - time.time()))
    t = threading.Thread(target=create, args=(n,)); t.start(); threads.append(t)
for t in threads: t.join()
PY
drain bench lag >/dev/null
echo "lag: $(curl -fs "http://127.0.0.1:$lag_port/")"
