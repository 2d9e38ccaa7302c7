#!/usr/bin/env bash
# EU DCC verification beside the `dgc` crate on the same official test vectors: builds the release `surge` and the
# peer (bench/dgc-peer, a project of its own so the product never compiles dgc), then runs `surge bench dcc` with
# the peer, three times. Usage: bench/dcc-vs-dgc.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-6}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/surge/target}"
cargo build --release -q -p surge-server
CARGO_TARGET_DIR="$HOME/.cache/surge/dgc-peer" cargo build --release -q --manifest-path bench/dgc-peer/Cargo.toml
for run in 1 2 3; do
  echo "run $run"
  "$CARGO_TARGET_DIR/release/surge" bench dcc --seconds "$SECONDS_RUN" --peer "$HOME/.cache/surge/dgc-peer/release/surge-dgc-peer"
done
