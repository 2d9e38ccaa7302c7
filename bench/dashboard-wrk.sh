#!/usr/bin/env bash
# Load test of the public situation dashboard: imports OWID's sample into a scratch lake, starts `surge serve`
# (release build), waits for the dashboard to be published, then drives GET /situation/AFG with wrk (Debian's
# package) on 127.0.0.1, and GET /healthz the same way in the same run as the baseline: the most this server can
# answer at all. Usage: bench/dashboard-wrk.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-15}"
CONNECTIONS="${2:-128}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/surge/target}"
command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }
cargo build --release -q -p surge-server
SURGE="$CARGO_TARGET_DIR/release/surge"
DATA="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
printf '[lake]\nrefresh_seconds = 1\n' > "$DATA/surge.toml"
"$SURGE" lake import owid crates/surge-lake/tests/data/owid_owid-covid-data__2020-05_stored-version_head.csv \
  --data-dir "$DATA" > /dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
RUST_LOG=warn "$SURGE" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" > "$DATA/serve.out" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$BASE/situation/AFG" > /dev/null 2>&1 && break; sleep 0.2; done
BYTES=$(curl -sf -H 'Accept-Language: en' "$BASE/situation/AFG" | wc -c)
[ "$BYTES" -gt 1000 ] || { echo "the dashboard page was not published" >&2; exit 1; }
cat > "$DATA/report.lua" <<'LUA'
wrk.headers["Accept-Language"] = "en-GB,en;q=0.9"
done = function(summary, latency, requests)
  io.write(string.format("WRK_JSON {\"requests_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"errors\":%d,\"non_2xx\":%d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$DATA/report.lua" "$BASE/situation/AFG" | tee "$DATA/page.out"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$DATA/report.lua" "$BASE/healthz" | tee "$DATA/healthz.out"
PAGE=$(sed -n 's/^WRK_JSON //p' "$DATA/page.out")
HEALTH=$(sed -n 's/^WRK_JSON //p' "$DATA/healthz.out")
python3 - "$PAGE" "$HEALTH" "$CONNECTIONS" "$BYTES" <<'PY'
import json, sys
page, health, conns, size = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(json.dumps({"bench": "dashboard_http", "connections": conns, "page_bytes": size, **page,
                  "healthz_requests_per_s": health["requests_per_s"], "healthz_p99_ms": health["p99_ms"]}))
PY
