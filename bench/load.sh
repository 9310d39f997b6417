#!/usr/bin/env bash
# Load benchmark (issue 2): `stacfed load` end-to-end from NDJSON into a fresh database.
#
#   bench/load.sh                     # 1,000,000 items in 20 collections, 3 runs
#   ITEMS=20000 RUNS=3 bench/load.sh  # a quick smoke run
#
# Each run drops and recreates the benchmark database, migrates it and times
# `stacfed load FILE` (wall clock, from the first byte read to the last commit). Alternating with
# it, the same file goes through one plain `COPY` into an unindexed text column: what moving
# these bytes into the server's heap costs, with no parsing, validation or index (one stream,
# TOAST compression as configured), a reference measured in the same run. The last run's
# database is kept, VACUUM ANALYZEd, for the API benchmarks (bench/api.sh).
#
# The data comes from bench/generate.py (deterministic) and is cached under bench/data/.
# Figures go to stdout and to bench/results/load-<time>.txt; copy them into bench/README.md.
#
# Environment:
#   ITEMS, COLLECTIONS, SEED   dataset (default 1000000, 20, 1)
#   RUNS                       timed runs of each side (default 3, at least 3 for the report)
#   CEILING=0                  skip the raw COPY reference run
#   STACFED                    the stacfed binary (default build/stacfed, built in Release if missing)
#   LOAD_ARGS                  extra arguments for `stacfed load` (e.g. "--writers 2")
#   DATABASE_URL               use this PostgreSQL server (its user must be allowed to create
#                              databases); otherwise a private embedded cluster is started under
#                              bench/data/pg on port $BENCH_DB_PORT (default 5499).
#   BENCH_DB                   name of the benchmark database (default stacfed_bench)
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
. bench/lib.sh

ITEMS=${ITEMS:-1000000}
COLLECTIONS=${COLLECTIONS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
CEILING=${CEILING:-1}
RAW_DB=${BENCH_DB}_raw
LOAD_ARGS=${LOAD_ARGS:-}

command -v psql >/dev/null || die "psql not found (Debian package postgresql-client-15)"
[ "$RUNS" -ge 1 ] || die "RUNS must be at least 1"

# --- binary ------------------------------------------------------------------------------------
if [ ! -x "$STACFED" ]; then
  [ "$STACFED" = build/stacfed ] || die "$STACFED is not an executable"
  say "building build/stacfed (Release)"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  make -C build -j"$(nproc)" stacfed >/dev/null
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$STACFED")/CMakeCache.txt" 2>/dev/null || true)
[ "$build_type" = Release ] || say "warning: $STACFED is not a Release build (CMAKE_BUILD_TYPE='$build_type')"

# --- data --------------------------------------------------------------------------------------
mkdir -p bench/data bench/results
data=bench/data/items-${ITEMS}-c${COLLECTIONS}-s${SEED}.ndjson
if [ ! -s "$data" ]; then
  say "generating $data"
  t0=$(date +%s.%N)
  python3 bench/generate.py --items "$ITEMS" --collections "$COLLECTIONS" --seed "$SEED" --out "$data"
  say "generated in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
fi
data_bytes=$(stat -c %s "$data")
cat "$data" >/dev/null  # warm the page cache: every run reads the file from memory

# --- database ----------------------------------------------------------------------------------
bench_server_url
where=$server_where
admin_url=$(url_for postgres)
bench_url=$(url_for "$BENCH_DB")
raw_url=$(url_for "$RAW_DB")

fresh_db() {  # fresh_db NAME
  psql_q "$admin_url" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}

# timed OUT_PREFIX CMD...: runs CMD, writes wall seconds to OUT_PREFIX.secs and peak RSS (KB) to
# OUT_PREFIX.rss; CMD's stderr goes to OUT_PREFIX.log.
timed() {
  local out=$1; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$out.rss" "$@" >"$out.stdout" 2>"$out.log" || rc=$?
  else
    "$@" >"$out.stdout" 2>"$out.log" || rc=$?
    echo 0 >"$out.rss"
  fi
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.3f}')" >"$out.secs"
  return $rc
}

warn_if_busy

stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
report=bench/results/load-$stamp.txt

say "data: $data ($ITEMS items, $COLLECTIONS collections, $data_bytes bytes)"
say "database: $where"
for run in $(seq 1 "$RUNS"); do
  fresh_db "$BENCH_DB"
  DATABASE_URL=$bench_url "$STACFED" migrate >/dev/null
  # Each side starts without the other's dirty pages and WAL pending: a checkpoint first.
  psql_q "$admin_url" -c "CHECKPOINT"
  # shellcheck disable=SC2086  # LOAD_ARGS is a list of words
  if ! DATABASE_URL=$bench_url timed "$tmp/load$run" "$STACFED" load $LOAD_ARGS "$data"; then
    tail -n 20 "$tmp/load$run.log" >&2
    die "run $run: stacfed load failed (log above)"
  fi
  counts=$(psql_q -At "$bench_url" -c \
    "SELECT (SELECT count(*) FROM stacfed.items) || ' ' || (SELECT count(*) FROM stacfed.collections)")
  [ "$counts" = "$ITEMS $COLLECTIONS" ] || die "run $run: expected $ITEMS items and $COLLECTIONS collections, found $counts"
  say "run $run: stacfed load $(cat "$tmp/load$run.secs") s, peak RSS $(cat "$tmp/load$run.rss") KB"

  if [ "$CEILING" = 1 ]; then
    fresh_db "$RAW_DB"
    psql_q "$raw_url" -c "CREATE TABLE raw (doc text NOT NULL)"
    psql_q "$admin_url" -c "CHECKPOINT"
    # CSV with quote and delimiter bytes that never occur in the JSON: each line is one value.
    timed "$tmp/raw$run" psql -X -q -v ON_ERROR_STOP=1 "$raw_url" \
      -c "\\copy raw (doc) FROM '$data' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" \
      || { cat "$tmp/raw$run.log" >&2; die "run $run: raw COPY failed"; }
    say "run $run: raw COPY $(cat "$tmp/raw$run.secs") s"
    psql_q "$admin_url" -c "DROP DATABASE IF EXISTS \"$RAW_DB\" WITH (FORCE)"
  fi
done

say "VACUUM ANALYZE of $BENCH_DB (kept for bench/api.sh)"
vacuum_t0=$(date +%s.%N)
psql_q "$bench_url" -c "VACUUM ANALYZE"
vacuum_secs=$(python3 -c "print(f'{$(date +%s.%N) - $vacuum_t0:.1f}')")
db_size=$(psql_q -At "$bench_url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
pg_version=$(psql_q -At "$bench_url" -c "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || postgis_lib_version()")
pg_settings=$(psql_q -At "$bench_url" -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers','wal_buffers','fsync','synchronous_commit','max_wal_size','wal_level','full_page_writes')")

python3 - "$tmp" "$RUNS" "$ITEMS" "$COLLECTIONS" "$SEED" "$data_bytes" "$CEILING" >"$report" <<EOF
import os, statistics, sys
tmp, runs, items, colls, seed, nbytes, ceiling = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7] == "1"
def read(name):
    with open(os.path.join(tmp, name)) as f:
        return f.read().strip()
load = [float(read("load%d.secs" % r)) for r in range(1, runs + 1)]
rss = [int(read("load%d.rss" % r) or 0) for r in range(1, runs + 1)]
rate = lambda s: items / s
print("# stacfed load benchmark")
print("date: $(date -u +%Y-%m-%dT%H:%M:%SZ)")
print("machine: $(machine_line), load average at start $load_avg")
print("commit: $(commit_line)")
print("database: $pg_version; $where; $pg_settings")
print("data: bench/generate.py --items %d --collections %d --seed %d: %d bytes (%.0f bytes/item)" % (items, colls, seed, nbytes, nbytes / max(items, 1)))
print("command: stacfed load ${LOAD_ARGS:+$LOAD_ARGS }FILE, into a freshly created and migrated database, page cache warm")
print()
print("stacfed load, %d runs: %s s" % (runs, ", ".join("%.2f" % s for s in load)))
print("  median %.0f items/s (min-max %.0f-%.0f), %.1f MB/s; peak RSS median %.0f MB" % (
    rate(statistics.median(load)), rate(max(load)), rate(min(load)),
    nbytes / statistics.median(load) / 1e6, statistics.median(rss) / 1024))
if ceiling:
    raw = [float(read("raw%d.secs" % r)) for r in range(1, runs + 1)]
    print("raw COPY into one unindexed text column (same file, same server), %d runs: %s s" % (
        runs, ", ".join("%.2f" % s for s in raw)))
    print("  median %.0f items/s (min-max %.0f-%.0f)" % (
        rate(statistics.median(raw)), rate(max(raw)), rate(min(raw))))
    print("  stacfed load / raw COPY: %.2f" % (statistics.median(raw) / statistics.median(load)))
med = rate(statistics.median(load))
print("reference: pgSTAC 0.9.11 pypgstac-style COPY ~33,000 items/s DB-side (ratio %.2f); "
      "staging-trigger path 120 items/s (ratio %.0f) (pgstac-peers.md section 2, not re-measured here)" % (
          med / 33000, med / 120))
print("target: >= 50,000 items/s: %s" % ("met" if med >= 50000 else "NOT met"))
print("after the last run: VACUUM ANALYZE $vacuum_secs s; database size $db_size")
EOF
cat "$report"
say "report written to $report"
