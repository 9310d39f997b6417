#!/usr/bin/env bash
# From a fresh clone to a running catalog: installs what is missing, builds (Release), starts
# the embedded PostgreSQL (unless DATABASE_URL is set), migrates, loads the demo catalog,
# applies the demo federation, builds the portal (stac-browser, portal/build.sh) when it is
# missing or stale, and serves it all on http://127.0.0.1:8080 (STACFED_LISTEN); the portal is
# at /browser/.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh

jobs=${STACFED_BUILD_JOBS:-$(nproc)}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTACFED_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$jobs" --target stacfed

# The portal: rebuilt only when its lock or configuration changed. Without it the API is
# served all the same, and /browser/ says how to build it.
portal/build.sh || echo "stacfed: the portal could not be built; the API is served without it" >&2

if [ -z "${DATABASE_URL:-}" ]; then
  echo "stacfed: embedded database at $(build/stacfed db start)" >&2
fi
build/stacfed migrate
build/stacfed load deploy/demo/*.ndjson
build/stacfed federation apply deploy/demo/federation.json

listen=${STACFED_LISTEN:-127.0.0.1:8080}
echo "stacfed: serving the demo catalog on http://$listen/ (Ctrl-C stops)" >&2
echo "stacfed: the portal: http://$listen/browser/" >&2
exec build/stacfed serve --listen "$listen"
