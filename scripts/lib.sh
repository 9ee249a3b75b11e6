# Shared by scripts/serve and scripts/test: installs what a fresh machine lacks. Safe to re-run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132"
export PATH="$HOME/.cargo/bin:$TOOLS/bin:$TOOLS/node_modules/.bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q "trunk $TRUNK_VERSION"; then
    log "installing trunk $TRUNK_VERSION (about 12 minutes on 2 cores)"
    cargo install trunk --locked --version "$TRUNK_VERSION"
  fi
}

ensure_wasm_bindgen() {
  local v
  v="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "wasm-bindgen $v"; then
    log "installing wasm-bindgen-cli $v"
    # Without --locked: its own lock file pins crates this rustc cannot build.
    cargo install wasm-bindgen-cli --version "$v"
  fi
}

ensure_wasm_opt() {
  if ! "$TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
  fi
}

# Trunk.toml pins wasm_bindgen; keep it equal to Cargo.lock's so trunk never tries to download.
check_trunk_pin() {
  local v
  v="$(wasm_bindgen_version)"
  if ! grep -q "wasm_bindgen = \"$v\"" "$ROOT/Trunk.toml"; then
    echo "Trunk.toml [tools] wasm_bindgen must be \"$v\" (the version in Cargo.lock)" >&2
    exit 1
  fi
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing node and npm (Debian packages)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update && $sudo apt-get install -y nodejs npm
  fi
}

ensure_web_toolchain() {
  ensure_node
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen
  ensure_wasm_opt
  check_trunk_pin
}

# ---- Browser tests (scripts/test calls run_browser_tests after the release web build).
# Drives dist/ in Debian's headless Chromium via playwright-core.
ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium (Debian package)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update && $sudo apt-get install -y chromium
  fi
}

run_browser_tests() {
  ensure_chromium
  log "browser tests (headless chromium)"
  npm ci --prefix "$ROOT/tests/browser" --no-audit --no-fund --loglevel=error
  CHROMIUM="${CHROMIUM:-$(command -v chromium)}" node "$ROOT/tests/browser/run.mjs" --dist "$ROOT/dist"
}
