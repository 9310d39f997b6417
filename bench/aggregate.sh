#!/usr/bin/env bash
# Aggregation benchmark: /aggregate over HTTP against the same SQL run by pgbench.
#
#   bench/load.sh        # first: leaves the 1,000,000-item database stacfed_bench
#   bench/aggregate.sh   # migrates it (sql/0016's facet counts, once), then measures
#
# Two aggregations (issue: aggregation): the term counts of 4 facets (cmip6:variable_id,
# cmip6:experiment_id, cmip6:source_id, cmip6:frequency) over all items, and the same within
# a filter matching about 10% of them (cmip6:table_id = the value whose share is closest to
# 10%, found in the data). For each: every statement the server runs for one request (its
# caches warm), with its parameters, is read from PostgreSQL's log
# (log_min_duration_statement=0 for the benchmark database, only while it is captured;
# bench/capture_aggregate.py), so pgbench runs exactly the server's SQL, each statement
# planned as the server plans it; then RUNS rounds alternating
#   wrk -t2 -c$CONNECTIONS -d$DURATION --latency URL                  (the server)
#   pgbench -n -M prepared -c $CONNECTIONS -j 2 -T ... -f <statements> (the ceiling)
# and the medians of req/s, p50, p99, TPS and their ratio. Target: the aggregation over all
# items at most 200 ms.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 4: an
# aggregation over 100,000 matches reads them all), QUERIES (names, space-separated; default
# all), WARMUP (default 3s), STACFED, API_PORT (default 8090), BENCH_DB_PORT / BENCH_DB as for
# bench/load.sh (the embedded cluster only: the statements are read from its log).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=bench/search_lib.sh
. bench/search_lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-4}
API_PORT=${API_PORT:-8090}

for tool in wrk pgbench psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
[ -z "${DATABASE_URL:-}" ] || die "bench/aggregate.sh reads statements from the embedded cluster's log: unset DATABASE_URL"

bench_server_url
db_url=$(url_for "$BENCH_DB")
sql() { psql_q -At "$db_url" -c "$1"; }
items=$(sql "SELECT count(*) FROM stacfed.items") || die "no benchmark database: run bench/load.sh first"
# sql/0014 and sql/0016 (item and facet counts per collection; the first migrate after them
# counts the items' facets once, about half a minute for 1,000,000 items).
DATABASE_URL=$db_url "$STACFED" migrate >&2
say "database $BENCH_DB: $items items"
warn_if_busy

# --- the aggregations --------------------------------------------------------------------------
IFS='|' read -r table_id table_count < <(sql "
  SELECT properties->>'cmip6:table_id', count(*) FROM stacfed.items
  WHERE properties ? 'cmip6:table_id' GROUP BY 1
  ORDER BY abs(count(*) - $items / 10), 1 LIMIT 1")
[ -n "$table_count" ] || die "no cmip6:table_id in the data"
say "filter: cmip6:table_id = '$table_id': $table_count of $items items"
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
facets=cmip6:variable_id_frequency,cmip6:experiment_id_frequency,cmip6:source_id_frequency,cmip6:frequency_frequency
# name | method | target
queries=(
  "facets4_all|GET|/aggregate?aggregations=$facets"
  "facets4_filter10|GET|/aggregate?aggregations=$facets&filter=$(enc "cmip6:table_id = '$table_id'")"
)
select_queries "${queries[@]}"

aggregate_request() {  # aggregate_request TARGET [OUT]
  curl -fs -o "${2:-/dev/null}" "$base$1"
}

capture_aggregates() {  # capture_aggregates TMP QUERY...
  local tmp=$1 pg_log=$STACFED_HOME/postgres.log q name method target from
  shift
  sql "ALTER DATABASE $BENCH_DB SET log_min_duration_statement = 0" >/dev/null
  sql "ALTER DATABASE $BENCH_DB SET log_parameter_max_length = -1" >/dev/null
  start_server "$db_url" "$API_PORT" "$tmp/serve.log"
  for q in "$@"; do
    IFS='|' read -r name method target <<<"$q"
    aggregate_request "$target" "$tmp/$name.json" ||
      die "$name: request failed: $(tail -3 "$tmp/serve.log")"
    from=$(stat -c %s "$pg_log")
    aggregate_request "$target"  # queryables now cached: the aggregation's statements alone
    sleep 0.3
    tail -c +"$((from + 1))" "$pg_log" >"$tmp/$name.log"
    python3 bench/capture_aggregate.py "$tmp/$name.log" "$tmp/$name.sql" "$tmp/$name.vars" "$name" ||
      die "$name: no statement captured"
    say "$name: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("; ".join("%s: %d buckets, %d items" % (a["name"], len(a["buckets"]), sum(b["frequency"] for b in a["buckets"]) + a["overflow"]) for a in d["aggregations"]))' "$tmp/$name.json")"
  done
  stop_server
  sql "ALTER DATABASE $BENCH_DB RESET log_min_duration_statement" >/dev/null
  sql "ALTER DATABASE $BENCH_DB RESET log_parameter_max_length" >/dev/null
}

bench_tmp=$(mktemp -d)
trap 'stop_server; sql "ALTER DATABASE $BENCH_DB RESET log_min_duration_statement" >/dev/null 2>&1 || true; rm -rf "$bench_tmp"' EXIT
capture_aggregates "$bench_tmp" "${selected[@]}"
start_server "$db_url" "$API_PORT" "$bench_tmp/serve.log"
for q in "${selected[@]}"; do
  IFS='|' read -r name method target <<<"$q"
  run_wrk "$bench_tmp" "$name" "$method" "$target" "$bench_tmp/$name.warm" "$WARMUP"
  for run in $(seq 1 "$RUNS"); do
    run_wrk "$bench_tmp" "$name" "$method" "$target" "$bench_tmp/$name.wrk.$run" "$DURATION"
    run_pgbench "$bench_tmp" "$name" "$bench_tmp/$name.pgbench.$run" ||
      { cat "$bench_tmp/$name.pgbench.$run" >&2; die "$name: pgbench failed"; }
    grep -q "Non-2xx" "$bench_tmp/$name.wrk.$run" &&
      die "$name: the server answered errors: $(grep Non-2xx "$bench_tmp/$name.wrk.$run")"
    say "$name run $run: $(grep -h 'Requests/sec' "$bench_tmp/$name.wrk.$run") | $(grep -h '^tps' "$bench_tmp/$name.pgbench.$run")"
  done
done
mkdir -p bench/results
report=bench/results/aggregate-$(date -u +%Y%m%dT%H%M%SZ).txt
wrk_pgbench_report "stacfed aggregation benchmark" \
  "wrk -t2 -c$CONNECTIONS -d$DURATION --latency; pgbench -n -M prepared -c $CONNECTIONS -j 2 -T ${DURATION%s} on the captured statements" \
  "$bench_tmp" "$RUNS" "${selected[@]}" >"$report"
cat "$report"
say "report written to $report"
