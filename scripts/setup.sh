#!/usr/bin/env bash
# One command from a fresh clone to a working stampede: checks Node, installs nats-server when it
# is missing (Debian/Ubuntu apt) with the tools some tests need (openssl, iproute2), installs the
# npm dependencies and builds.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 18)) {
    console.error(`stampede needs Node.js >= 20.18.1; this is ${process.version}`);
    process.exit(1);
  }'

# Installs Debian packages with apt (as root, or through sudo).
apt_install() {
  if [ "$(id -u)" -eq 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "cannot install $* without root: run 'apt-get install -y $*' as root" >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get here: install $* from your package manager, then rerun" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1 || {
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq "$@"
  }
}

if ! command -v nats-server >/dev/null 2>&1; then
  echo "nats-server is missing: installing the Debian package"
  apt_install nats-server || {
    echo "or put a nats-server (>= 2.9) binary on PATH (https://github.com/nats-io/nats-server/releases), or pass --nats URL of a running server" >&2
    exit 1
  }
  # The package enables a system-wide service; the embedded cluster starts its own servers.
fi
# Test tools: openssl makes the TLS tests' certificates, iproute2's `ip` builds the hosts of the
# network-namespace tests (which also need root, and skip without it).
for pair in openssl:openssl ip:iproute2; do
  if ! command -v "${pair%%:*}" >/dev/null 2>&1; then
    echo "${pair%%:*} is missing: installing ${pair##*:} (for the tests)"
    apt_install "${pair##*:}" || echo "without ${pair##*:} some tests skip" >&2
  fi
done
echo "nats-server: $(nats-server --version)"

npm ci --no-audit --no-fund
npm run build
echo "stampede is ready: npx coordinator run --quick"
