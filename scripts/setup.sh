#!/usr/bin/env bash
# One command from a fresh clone to a working stampede: checks Node, installs nats-server when it
# is missing (Debian/Ubuntu apt), installs the npm dependencies and builds.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 18)) {
    console.error(`stampede needs Node.js >= 20.18.1; this is ${process.version}`);
    process.exit(1);
  }'

if ! command -v nats-server >/dev/null 2>&1; then
  echo "nats-server is missing: installing the Debian package"
  if [ "$(id -u)" -eq 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "cannot install nats-server without root: run 'apt-get install -y nats-server' as root, or put a nats-server (>= 2.9) binary on PATH" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get here: install nats-server (>= 2.9) from your package manager or https://github.com/nats-io/nats-server/releases, then rerun" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get install -y -qq nats-server >/dev/null 2>&1 || {
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq nats-server
  }
  # The package enables a system-wide service; the embedded cluster starts its own servers.
fi
echo "nats-server: $(nats-server --version)"

npm ci --no-audit --no-fund
npm run build
echo "stampede is ready: npx coordinator run --quick"
