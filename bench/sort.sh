#!/usr/bin/env bash
# Sort benchmark (issue 15): sorted searches over HTTP against the same SQL run by pgbench.
#
#   bench/load.sh      # first: leaves the 1,000,000-item database stacfed_bench
#   bench/sort.sh
#
# sortby on an indexed property (datetime ascending: the order index walked backwards) over
# every collection, on page 1 and on page 100 (reached by following 99 next links, so its
# token holds the keyset of row 990); for reference the default order (datetime descending)
# on page 100. Each is measured as bench/search_lib.sh says: wrk against the server, pgbench on
# the statement the server sent, alternating, RUNS rounds. Targets: p99 <= 20 ms and req/s >=
# 0.7 of the ceiling.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32), QUERIES
# (names, space-separated; default all), WARMUP (default 3s), STACFED, API_PORT (default
# 8090), BENCH_DB_PORT / BENCH_DB as for bench/load.sh (the embedded cluster only: the
# statements are read from its log).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=bench/search_lib.sh
. bench/search_lib.sh

search_bench_setup bench/sort.sh

start_server "$db_url" "$API_PORT" "$(mktemp)"
ascending=/search?limit=10\&sortby=datetime
ascending_100=$(page_target "$ascending" 100)
default_100=$(page_target "/search?limit=10" 100)
stop_server

# name | method | path
queries=(
  "sortby_datetime_asc_page1|GET|$ascending"
  "sortby_datetime_asc_page100|GET|$ascending_100"
  "default_order_page100|GET|$default_100"
)
select_queries "${queries[@]}"
bench_searches sort "stacfed sort benchmark" "${selected[@]}"
