#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer (-DSTACFED_SANITIZE=ON)
# into build-asan, then runs the Catch2 tests (ctest) and the conformance suite under them
# against one throwaway PostgreSQL cluster, the way deploy/test.sh does. Exits non-zero on
# any test failure and on any sanitizer report, including one that a `stacfed serve` of the
# conformance suite wrote to its log (a report there need not fail a test by itself).
#
#   deploy/sanitize.sh
#
# See fuzz/README.md, "The sanitizer build".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$SECONDS

deploy/install-deps.sh

jobs=${STACFED_BUILD_JOBS:-$(nproc)}
# -O1: a third faster to build than the -O3 of Release and quick enough to run; -g1: line
# numbers in reports. NDEBUG as in Release, so the code under test is the code shipped.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DSTACFED_SANITIZE=ON \
  -DSTACFED_BUILD_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs"
built=$SECONDS

# A report ends the process with an error (abort_on_error: also a leak found at exit), so the
# test it happens in fails.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One throwaway cluster for the run, as in deploy/test.sh; the logs of the conformance
# suite's servers are kept in $work/conformance and read at the end.
work=$(mktemp -d /tmp/stacfed-asan-XXXXXX)
chmod 755 "$work"
pg_home="$work/pg"
mkdir -m 755 "$pg_home" "$work/conformance"
export STACFED_TEST_PG_HOME="$pg_home"
export STACFED_TEST_PG_PORT=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  STACFED_HOME="$pg_home" STACFED_DB_PORT="$STACFED_TEST_PG_PORT" build-asan/stacfed db stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
STACFED_HOME="$pg_home" STACFED_DB_PORT="$STACFED_TEST_PG_PORT" STACFED_DB_EPHEMERAL=1 \
  STACFED_DB_NAME=stacfed_template build-asan/stacfed db start >/dev/null
DATABASE_URL="postgresql:///stacfed_template?host=$pg_home&port=$STACFED_TEST_PG_PORT&user=stacfed" \
  build-asan/stacfed migrate >/dev/null

# Both suites run even when the first fails: one run shows every report.
status=0
echo "== unit and integration tests under ASan and UBSan (ctest)"
(cd build-asan && ctest --output-on-failure -j"$jobs") || status=$?
tested=$SECONDS

echo "== conformance suite under ASan and UBSan (pytest)"
TMPDIR="$work/conformance" STACFED_CONFORMANCE_KEEP=1 STACFED_BIN="$root/build-asan/stacfed" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider conformance || status=$?
reports=$(grep -r -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
  "$work/conformance" 2>/dev/null || true)
if [ -n "$reports" ]; then
  for log in $reports; do
    echo "-- sanitizer report in $(basename "$log"):" >&2
    grep -E -A 40 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" | head -n 80 >&2
  done
  echo "sanitize: a server of the conformance suite reported the errors above" >&2
  status=1
fi
echo "sanitize: build $((built - started)) s, ctest $((tested - built)) s," \
  "conformance $((SECONDS - tested)) s, total $((SECONDS - started)) s"
exit "$status"
