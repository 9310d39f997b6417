#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, starts one throwaway PostgreSQL cluster
# for the whole run (removed at the end), then the Catch2 tests (ctest) and the black-box
# conformance suite against a real server, and the portal in headless Chromium
# (tests/portal). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

deploy/install-deps.sh --test

jobs=${STACFED_BUILD_JOBS:-$(nproc)}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTACFED_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$jobs"

# One throwaway cluster for the run; every test clones a fresh database from its template.
pg_home=$(mktemp -d /tmp/stacfed-test-XXXXXX)
chmod 755 "$pg_home"
export STACFED_TEST_PG_HOME="$pg_home"
export STACFED_TEST_PG_PORT=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  STACFED_HOME="$pg_home" STACFED_DB_PORT="$STACFED_TEST_PG_PORT" build/stacfed db stop >/dev/null 2>&1 || true
  rm -rf "$pg_home"
}
trap cleanup EXIT
STACFED_HOME="$pg_home" STACFED_DB_PORT="$STACFED_TEST_PG_PORT" STACFED_DB_EPHEMERAL=1 \
  STACFED_DB_NAME=stacfed_template build/stacfed db start >/dev/null
DATABASE_URL="postgresql:///stacfed_template?host=$pg_home&port=$STACFED_TEST_PG_PORT&user=stacfed" \
  build/stacfed migrate >/dev/null

echo "== unit and integration tests (ctest)"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== federation file schema (pytest)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/federation/test_schema.py

if [ -d conformance ] && ls conformance/test_*.py >/dev/null 2>&1; then
  echo "== conformance suite (pytest)"
  # Debian's interpreter, which has python3-pytest: a python3 earlier on PATH (pyenv, venv)
  # may not.
  STACFED_BIN="$root/build/stacfed" /usr/bin/python3 -m pytest -q -p no:cacheprovider conformance
fi

echo "== the portal in a browser (tests/portal)"
STACFED_BIN="$root/build/stacfed" tests/portal/run.sh
