#!/usr/bin/env bash
# Many partitions: item searches in the database of bench/collections.sh (5,000 collections,
# each with its items partition, as every collection has), over HTTP, for STACFED and, when
# set, REFERENCE (another build) alternated. A generic plan over the partitioned items table
# locks every partition and index on each execution; at 5,000 partitions that took 0.4 s and
# ran out of PostgreSQL's lock space ("out of shared memory", a 500). docs/search.md says what
# the server does instead.
#
#   bench/collections.sh                                   # first: the 5,000 collections
#   REFERENCE=<other checkout>/build/stacfed bench/partitions.sh
#
# Queries (wrk -t2 -cCONNECTIONS -dDURATION --latency):
# - collection_items: /collections/{id}/items?limit=10, each request another of 2,000
#   collections (a wrk Lua script);
# - two_collections: /search?collections=A,B&limit=10;
# - every_collection: /search?limit=10.
# Reports req/s, p50, p99 and the answers that were not 2xx, per binary and round.
#
# Environment: RUNS (default 3), DURATION (default 8s), CONNECTIONS (default 32), STACFED,
# REFERENCE, API_PORT (default 8090), BENCH_DB_PORT / BENCH_DB as for bench/load.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
API_PORT=${API_PORT:-8090}
for tool in wrk psql curl; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
bench_server_url
db_url=$(url_for "${BENCH_DB}_collections")
sql() { psql_q -At "$db_url" -c "$1"; }
collections=$(sql "SELECT count(*) FROM stacfed.collections") ||
  die "no collections database: run bench/collections.sh first"
say "database ${BENCH_DB}_collections: $collections collections"
warn_if_busy

tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
mapfile -t ids < <(sql "SELECT id FROM stacfed.collections ORDER BY md5(id) LIMIT 2000")
{
  printf 'ids = {'
  printf '"%s",' "${ids[@]}"
  printf '}\nn = 0\n'
  # A stride prime to the list's length visits every collection before it repeats.
  printf 'request = function()\n  n = n + 1\n'
  printf '  return wrk.format("GET", "/collections/" .. ids[(n * 7919) %% #ids + 1] .. "/items?limit=10")\nend\n'
} >"$tmp/collection_items.lua"

queries=(
  "collection_items|/|$tmp/collection_items.lua"
  "two_collections|/search?collections=${ids[0]},${ids[1]}&limit=10|"
  "every_collection|/search?limit=10|"
)
binaries=("$STACFED")
[ -n "${REFERENCE:-}" ] && binaries+=("$REFERENCE")

results=$tmp/results
for q in "${queries[@]}"; do
  IFS='|' read -r name target lua <<<"$q"
  for run in $(seq 1 "$RUNS"); do
    for binary in "${binaries[@]}"; do
      STACFED=$binary start_server "$db_url" "$API_PORT" "$tmp/serve.log"
      script=()
      [ -n "$lua" ] && script=(-s "$lua")
      wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "${script[@]}" "$base$target" >"$tmp/wrk"
      stop_server
      rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
      p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk")
      p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk")
      bad=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk")
      line="$name run $run $binary: $rps req/s, p50 $p50, p99 $p99, not 2xx: ${bad:-0}"
      say "$line"
      echo "$line" >>"$results"
    done
  done
done

mkdir -p bench/results
report=bench/results/partitions-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  echo "# stacfed with many partitions"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine_line)"
  echo "commit: $(commit_line)"
  echo "database ${BENCH_DB}_collections: $collections collections; wrk -t2 -c$CONNECTIONS -d$DURATION --latency"
  cat "$results"
} >"$report"
cat "$report"
say "report written to $report"
