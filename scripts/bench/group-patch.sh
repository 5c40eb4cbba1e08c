#!/usr/bin/env bash
# Times one PATCH adding 10,000 members to a new group, six times, on a fresh SQLite database
# with 20,000 seeded users: `bash scripts/bench/group-patch.sh [BIN] [PORT]` (default: the release
# build on port 3499). Prints the six times in seconds (docs/benchmarks.md).
set -euo pipefail
bin=${1:-target/release/scimhub}; port=${2:-3499}; d=$(mktemp -d); base=http://127.0.0.1:$port
export DATABASE_URL="sqlite://$d/db.sqlite"
$bin seed gp --users 20000 >/dev/null 2>&1
tok=$($bin secret rotate gp 2>/dev/null | tail -n1)
RUST_LOG=warn $bin serve --listen 127.0.0.1:$port --public-url $base >$d/log 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs $base/healthz >/dev/null && break; sleep 0.2; done
p=/realms/gp/scim/v2
python3 - "$base$p" "$tok" "$d" <<'PY'
import json,sys,urllib.request,time
base,tok,d=sys.argv[1:]
def req(m,u,b=None):
    r=urllib.request.Request(base+u,data=b,method=m,headers={"Authorization":"Bearer "+tok,"Content-Type":"application/scim+json"})
    with urllib.request.urlopen(r) as x: return x.status, x.read()
ids=[]
for i in range(10):
    s,b=req("GET",f"/Users?count=1000&startIndex={i*1000+1}&attributes=id")
    ids+= [u["id"] for u in json.loads(b)["Resources"]]
body=json.dumps({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":i} for i in ids]}]}).encode()
ts=[]
for k in range(6):
    s,b=req("POST","/Groups",json.dumps({"displayName":f"g{k}"}).encode()); g=json.loads(b)["id"]
    t=time.time(); s,_=req("PATCH",f"/Groups/{g}",body); ts.append(time.time()-t); assert s==204
print(" ".join(f"{t:.3f}" for t in ts))
PY
kill $pid; wait $pid 2>/dev/null || true; rm -rf $d
