#!/usr/bin/env bash
# Installs the Debian 12 packages stacfed needs to build, run and test, and only those that
# are missing: quiet and quick when everything is there. Both README commands call it first
# (deploy/test.sh with --test: Chromium for the portal's browser test; --bench: the
# benchmarks' tools).
set -euo pipefail

packages=(
  # build
  g++ cmake make pkg-config
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libsimdjson-dev libabsl-dev libpq-dev libcurl4-openssl-dev zlib1g-dev catch2 libxxhash-dev
  libssl-dev
  # the portal (portal/build.sh patches stac-browser before building it)
  patch
  # the embedded database
  postgresql-15 postgresql-15-postgis-3
  # the crawler's TLS trust store, and the black-box conformance suite
  ca-certificates python3 python3-pytest python3-requests python3-jsonschema
)
case "${1:-}" in
  --bench) packages+=(wrk hyperfine time curl) ;;
  # The portal's browser test (tests/portal) drives Debian's Chromium, headless.
  --test) packages+=(chromium) ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
# The portal (portal/build.sh) is built with Node and npm: Debian's, unless a node and an npm
# are already there (NodeSource's nodejs package, which holds npm, conflicts with Debian's npm).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "stacfed: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "stacfed: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
