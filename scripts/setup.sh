#!/usr/bin/env bash
# One command from a fresh clone to a working stampede: checks Node, installs the Debian packages
# it and its tests use when they are missing (apt), installs the npm dependencies and builds.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 18)) {
    console.error(`stampede needs Node.js >= 20.18.1; this is ${process.version}`);
    process.exit(1);
  }'

as_root=()
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

# Debian packages the tests and benches use: nats-server (the bus), chromium (dashboard and HTML
# report tests, driven by playwright-core), libxml2-utils (xmllint validates the JUnit report),
# nginx-light and wrk (bench peers), openssl (TLS tests' certificates) and iproute2 (`ip` builds the
# hosts of the network-namespace tests, which also need root and skip without it).
packages=(nats-server chromium libxml2-utils nginx-light wrk openssl iproute2)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}" || {
    command -v nats-server >/dev/null 2>&1 || {
      echo "stampede needs nats-server (>= 2.9) on PATH (https://github.com/nats-io/nats-server/releases), or --nats URL of a running server" >&2
      exit 1
    }
    echo "without ${missing[*]} some tests skip" >&2
  }
  # The nats-server and nginx packages enable system-wide services; tests start their own.
  for unit in nats-server nginx; do
    "${as_root[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi
echo "nats-server: $(nats-server --version)"

npm ci --no-audit --no-fund
npm run build
echo "stampede is ready: npx coordinator run --quick"
