#!/bin/sh
# Builds the wasm bench (its own workspace; target dir outside the repo) and runs it under Node:
#   benches/wasm/run.sh [NODES] [REPLICAS]
set -e
cd "$(dirname "$0")"
target="${CARGO_TARGET_DIR:-/tmp/kubeplay-wasm-bench-target}"
cp ../../Cargo.lock .
CARGO_TARGET_DIR="$target" cargo build --release --target wasm32-unknown-unknown
rm -f Cargo.lock
node run.mjs "$target/wasm32-unknown-unknown/release/kubeplay_wasm_bench.wasm" "$@"
