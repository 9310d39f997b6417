#!/usr/bin/env bash
# From a fresh clone to a running catalog: installs what is missing, builds (Release), starts
# the embedded PostgreSQL (unless DATABASE_URL is set), migrates, harvests the demo catalog
# (deploy/demo/load.py: applies the demo federation and harvests the demo's documents from
# static catalogs on 127.0.0.1, annotated as any harvest annotates), builds the portal
# (stac-browser, portal/build.sh) when it is missing or stale, and serves it all on
# http://127.0.0.1:8080 (STACFED_LISTEN); the portal is at /browser/.
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
  # Assigned first: a database that does not start (its port taken) stops the script here.
  database=$(build/stacfed db start)
  echo "stacfed: embedded database at $database" >&2
fi
build/stacfed migrate

listen=${STACFED_LISTEN:-127.0.0.1:8080}
# The demo is harvested, not loaded: deploy/demo/load.py serves its documents as static
# catalogs on 127.0.0.1, applies the demo federation and runs `stacfed harvest` over them, so
# the items carry the site-access annotations a harvest writes. Those name the extension's
# schema under the server's public URL: the address served below unless it is set.
export STACFED_PUBLIC_URL=${STACFED_PUBLIC_URL:-http://$listen}
python3 deploy/demo/load.py --stacfed build/stacfed

echo "stacfed: serving the demo catalog on http://$listen/ (Ctrl-C stops)" >&2
echo "stacfed: the portal: http://$listen/browser/" >&2
exec build/stacfed serve --listen "$listen"
