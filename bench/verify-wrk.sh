#!/usr/bin/env bash
# Load test of online verification: starts `surge serve` (release build) on a scratch data directory, issues one
# pass, then drives POST /api/v1/verify with wrk (Debian's package) on 127.0.0.1, then GET /livez (touches nothing:
# the most this server can answer) the same way as the baseline, and measures the in-process verify rate in the same
# run (`surge bench pass`). Usage: bench/verify-wrk.sh [seconds] [connections] [wrk timeout]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-15}"
CONNECTIONS="${2:-256}"
TIMEOUT="${3:-2s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/surge/target}"
command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }
cargo build --release -q -p surge-server
SURGE="$CARGO_TARGET_DIR/release/surge"
DATA="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
RUST_LOG=warn "$SURGE" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" > "$DATA/serve.out" 2>&1 &
SERVER=$!
for _ in $(seq 100); do grep -q "^listening on" "$DATA/serve.out" 2>/dev/null && break; sleep 0.1; done
ADMIN=$(sed -n 's/^admin API key (shown once, keep it safe): //p' "$DATA/serve.out")
json() { curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -X "$2" "$BASE$3" ${4:+-d "$4"}; }
CHECKPOINT=$(json "$ADMIN" POST /api/api-keys '{"role":"checkpoint","label":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
# Registered by the admin, so its contact counts as confirmed and the bulk approval takes it.
ORG=$(curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"legal_name":"Bench Foods","registry_number":"220-81-62517","category":"food-supply","address":"1 Bench-ro","zone":"KR-26","contact_phone":"010-1234-5678","contact_email":"b@example.org","requested_quota":10}' "$BASE/api/organisations")
ORG_ID=$(echo "$ORG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ORG_KEY=$(echo "$ORG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
json "$ADMIN" POST /api/organisations/bulk-approve '{}' > /dev/null
TODAY=$(date -u +%F); NEXT=$(date -u -d '+6 days' +%F)
printf 'name,phone,id_last4,zones,valid_from,valid_to\nBench Person,010-5555-0001,1234,KR-26,%s,%s\n' "$TODAY" "$NEXT" \
  | curl -sf -H "Authorization: Bearer $ORG_KEY" -H 'Content-Type: text/csv' --data-binary @- "$BASE/api/organisations/$ORG_ID/employees" > /dev/null
for _ in $(seq 100); do [ -s "$DATA/sms.log" ] && break; sleep 0.1; done
sqlite3_token() { python3 - "$DATA/surge.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT token FROM passes LIMIT 1").fetchone()[0])
PY
}
TOKEN=$(sqlite3_token)
CHECK=$(json "$CHECKPOINT" POST /api/v1/verify "{\"text\":\"$TOKEN\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["valid"])')
[ "$CHECK" = "True" ] || { echo "the pass did not verify before the load test" >&2; exit 1; }
cat > "$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"text":"$TOKEN"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $CHECKPOINT"
done = function(summary, latency, requests)
  io.write(string.format("WRK_JSON {\"requests_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"errors\":%d,\"non_2xx\":%d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout "$TIMEOUT" --latency -s "$DATA/post.lua" "$BASE/api/v1/verify" | tee "$DATA/wrk.out"
LOAD=$(sed -n 's/^WRK_JSON //p' "$DATA/wrk.out")
sed -e 's/^wrk.method = .*/wrk.method = "GET"/' -e '/^wrk.body/d' -e '/^wrk.headers/d' "$DATA/post.lua" > "$DATA/get.lua"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout "$TIMEOUT" --latency -s "$DATA/get.lua" "$BASE/livez" | tee "$DATA/livez.out"
LIVE=$(sed -n 's/^WRK_JSON //p' "$DATA/livez.out")
RAW=$("$SURGE" bench pass --seconds 2 | tail -1)
python3 - "$LOAD" "$LIVE" "$RAW" "$CONNECTIONS" <<'PY'
import json, sys
load, live, raw, conns = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
ratio = load["requests_per_s"] / live["requests_per_s"] if live["requests_per_s"] else 0.0
print(f"verify {load['requests_per_s']:.0f} req/s beside /livez {live['requests_per_s']:.0f} req/s: ratio {ratio:.2f}")
print(json.dumps({"bench": "verify_http", "connections": conns, **load,
                  "livez_req_per_s": live["requests_per_s"], "livez_p99_ms": live["p99_ms"], "ratio_to_livez": ratio,
                  "in_process_verify_per_s": raw["verify_per_s"], "raw_verify_per_s": raw["raw_verify_per_s"]}))
PY
