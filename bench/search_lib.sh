# shellcheck shell=bash
# Search benchmarks over HTTP against the same SQL run by pgbench (bench/filter.sh,
# bench/sort.sh); sourced after bench/lib.sh, not run.
#
# bench_searches KIND TITLE QUERY...: each QUERY is "name|method|target" (a GET target such as
# /search?..., or a POST /search body). The page statement the server sends for each (and its
# parameters) is read from PostgreSQL's log of one request (log_min_duration_statement=0 for
# the benchmark database, only while it is captured; bench/capture_statement.py), so pgbench
# runs exactly the server's SQL; then RUNS rounds alternating
#   wrk -t2 -c$CONNECTIONS -d$DURATION --latency URL                   (the server)
#   pgbench -n -M prepared -c $CONNECTIONS -j 2 -T ... -f <statement>  (the ceiling)
# and the report of medians (wrk_pgbench_report) in bench/results/KIND-<time>.txt.
# Expects RUNS, DURATION, WARMUP, CONNECTIONS, API_PORT, BENCH_DB, STACFED_HOME, db_url, items,
# and sql() (a psql command on db_url).

# search_bench_setup SCRIPT: the settings and checks every search benchmark starts with
# (RUNS, DURATION, WARMUP, CONNECTIONS, API_PORT; the tools; the embedded cluster; db_url,
# sql() and items of the benchmark database).
search_bench_setup() {
  RUNS=${RUNS:-3}
  DURATION=${DURATION:-10s}
  WARMUP=${WARMUP:-3s}
  CONNECTIONS=${CONNECTIONS:-32}
  API_PORT=${API_PORT:-8090}
  [ -z "${DATABASE_URL:-}" ] ||
    die "$1 reads statements from the embedded cluster's log: unset DATABASE_URL"
  bench_db_setup wrk pgbench psql curl python3
}

# select_queries QUERY...: sets `selected` to those QUERIES (names, space-separated) names, or
# to all when it is empty.
select_queries() {
  local q
  selected=()
  for q in "$@"; do
    if [ -z "${QUERIES:-}" ] || [[ " $QUERIES " == *" ${q%%|*} "* ]]; then selected+=("$q"); fi
  done
  [ ${#selected[@]} -gt 0 ] || die "QUERIES='$QUERIES' names none of: $(printf '%s ' "${@%%|*}")"
}

search_request() {  # search_request METHOD TARGET [OUT]
  if [ "$1" = POST ]; then
    curl -fs -o "${3:-/dev/null}" -H 'Content-Type: application/json' -d "$2" "$base/search"
  else
    curl -fs -o "${3:-/dev/null}" "$base$2"
  fi
}

# capture_statements TMP QUERY...: TMP/NAME.sql and TMP/NAME.vars for each query.
capture_statements() {
  local tmp=$1 pg_log=$STACFED_HOME/postgres.log q name method target from
  shift
  sql "ALTER DATABASE $BENCH_DB SET log_min_duration_statement = 0" >/dev/null
  sql "ALTER DATABASE $BENCH_DB SET log_parameter_max_length = -1" >/dev/null
  start_server "$db_url" "$API_PORT" "$tmp/serve.log"
  for q in "$@"; do
    IFS='|' read -r name method target <<<"$q"
    search_request "$method" "$target" "$tmp/$name.json" ||
      die "$name: request failed: $(tail -3 "$tmp/serve.log")"
    from=$(stat -c %s "$pg_log")
    search_request "$method" "$target"  # counts and queryables now cached: the page statement alone
    sleep 0.3
    tail -c +"$((from + 1))" "$pg_log" >"$tmp/$name.log"
    python3 bench/capture_statement.py "$tmp/$name.log" "$tmp/$name.sql" "$tmp/$name.vars" "$name" ||
      die "$name: no statement captured"
    say "$name: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("features", d.get("collections", []))), "on the page, numberMatched", d.get("numberMatched"))' "$tmp/$name.json")"
  done
  stop_server
  sql "ALTER DATABASE $BENCH_DB RESET log_min_duration_statement" >/dev/null
  sql "ALTER DATABASE $BENCH_DB RESET log_parameter_max_length" >/dev/null
}

run_wrk() {  # run_wrk TMP NAME METHOD TARGET OUT DURATION
  if [ "$3" = POST ]; then
    wrk_post_script "$4" >"$1/$2.lua"
    wrk -t2 -c"$CONNECTIONS" -d"$6" --latency -s "$1/$2.lua" "$base/search" >"$5"
  else
    wrk -t2 -c"$CONNECTIONS" -d"$6" --latency "$base$4" >"$5"
  fi
}

# pgbench's sessions get the settings of the server's (kApiSessionSetup).
run_pgbench() {  # run_pgbench TMP NAME OUT
  local defs=() line
  while IFS= read -r line; do defs+=(-D "$line"); done <"$1/$2.vars"
  PGOPTIONS="-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0" \
    pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" \
    -f "$1/$2.sql" "${defs[@]}" "$db_url" >"$3" 2>&1
}

bench_searches() {
  local kind=$1 title=$2 q name method target run report
  shift 2
  bench_tmp=$(mktemp -d)
  trap 'stop_server; sql "ALTER DATABASE $BENCH_DB RESET log_min_duration_statement" >/dev/null 2>&1 || true; rm -rf "$bench_tmp"' EXIT
  capture_statements "$bench_tmp" "$@"
  start_server "$db_url" "$API_PORT" "$bench_tmp/serve.log"
  for q in "$@"; do
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
  report=bench/results/$kind-$(date -u +%Y%m%dT%H%M%SZ).txt
  wrk_pgbench_report "$title" \
    "wrk -t2 -c$CONNECTIONS -d$DURATION --latency; pgbench -n -M prepared -c $CONNECTIONS -j 2 -T ${DURATION%s} on the captured statement" \
    "$bench_tmp" "$RUNS" "$@" >"$report"
  cat "$report"
  say "report written to $report"
}
