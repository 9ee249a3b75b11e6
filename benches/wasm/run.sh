#!/bin/sh
# Builds the wasm bench (own target dir, release profile of this package) and runs it under Node.
set -e
cd "$(dirname "$0")"
cp ../../Cargo.lock . 2>/dev/null || true
cargo build --release --target wasm32-unknown-unknown
node run.mjs target/wasm32-unknown-unknown/release/kubeplay_wasm_bench.wasm "$@"
