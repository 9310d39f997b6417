#!/usr/bin/env bash
# The portal in a real browser: builds the portal when stale (portal/build.sh), serves the demo
# catalog (deploy/demo) from a throwaway database and walks a user's path through /browser/
# in Debian's headless Chromium (portal.test.mjs), with a screenshot of each step under
# build/portal-test/. Exits non-zero when a step fails.
#
# The database: a fresh one in the test run's cluster when STACFED_TEST_PG_HOME and
# STACFED_TEST_PG_PORT are set (deploy/test.sh), else a cluster of its own, removed at the
# end. STACFED_PORTAL_TEST_URL=http://host:port tests a running server instead (it must
# serve the demo). STACFED_BIN: the binary (default build/stacfed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${STACFED_BIN:-$root/build/stacfed}
out=$root/build/portal-test
mkdir -p "$out"

"$root"/portal/build.sh
lock_hash=$(sha256sum "$here"/package.json "$here"/package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$here"/node_modules/.stacfed-lock 2>/dev/null)" != "$lock_hash" ]; then
  # playwright-core alone: it downloads no browser.
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_hash" > "$here"/node_modules/.stacfed-lock
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
own_home=""
db_name=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$db_name" ]; then
    psql -X -q "postgresql:///postgres?host=$pg_home&port=$pg_port&user=stacfed" \
      -c "DROP DATABASE IF EXISTS \"$db_name\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ -n "$own_home" ]; then
    STACFED_HOME="$own_home" STACFED_DB_PORT="$pg_port" "$bin" db stop >/dev/null 2>&1 || true
    rm -rf "$own_home"
  fi
}
trap cleanup EXIT

base=${STACFED_PORTAL_TEST_URL:-}
if [ -z "$base" ]; then
  pg_home=${STACFED_TEST_PG_HOME:-}
  pg_port=${STACFED_TEST_PG_PORT:-}
  if [ -z "$pg_home" ]; then
    own_home=$(mktemp -d /tmp/stacfed-portal-XXXXXX)
    chmod 755 "$own_home"
    pg_home=$own_home
    pg_port=$(free_port)
    STACFED_HOME="$pg_home" STACFED_DB_PORT="$pg_port" STACFED_DB_EPHEMERAL=1 \
      STACFED_DB_NAME=stacfed_template "$bin" db start >/dev/null
    DATABASE_URL="postgresql:///stacfed_template?host=$pg_home&port=$pg_port&user=stacfed" \
      "$bin" migrate >/dev/null
  fi
  db_name="portal_test_$$"
  for attempt in $(seq 50); do  # the template must have no other session while it is copied
    psql -X -q "postgresql:///postgres?host=$pg_home&port=$pg_port&user=stacfed" \
      -c "CREATE DATABASE \"$db_name\" TEMPLATE stacfed_template" >/dev/null 2>&1 && break
    [ "$attempt" = 50 ] && { echo "portal test: cannot create its database" >&2; exit 1; }
    sleep 0.2
  done
  export DATABASE_URL="postgresql:///$db_name?host=$pg_home&port=$pg_port&user=stacfed"
  # The demo as deploy/run.sh makes it: harvested, with its site-access annotations.
  /usr/bin/python3 "$root"/deploy/demo/load.py --stacfed "$bin" >"$out/load.log" 2>&1
  psql -X -q "$DATABASE_URL" -c ANALYZE >/dev/null
  port=$(free_port)
  base="http://127.0.0.1:$port"
  # Only what the server needs: no STACFED_* of the caller (a public URL would change links).
  env -u STACFED_PUBLIC_URL STACFED_SOURCE_DIR="$root" STACFED_COUNT_WAIT_MS=-1 \
    "$bin" serve --listen "127.0.0.1:$port" >"$out/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('$base/')" 2>/dev/null && break
    sleep 0.1
  done
fi

echo "portal test: $base/browser/ (screenshots in build/portal-test/)" >&2
STACFED_PORTAL_TEST_URL="$base" STACFED_PORTAL_TEST_OUT="$out" \
  node "$here"/portal.test.mjs
