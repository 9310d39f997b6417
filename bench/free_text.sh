#!/usr/bin/env bash
# Free-text benchmark (issue 15): q over 1,000,000 items over HTTP against the same SQL run by
# pgbench (bench/search_lib.sh: the statement the server sends, captured from PostgreSQL's log).
#
#   bench/load.sh         # first: leaves the 1,000,000-item database stacfed_bench
#   bench/free_text.sh
#
# Two-term searches ranked by relevance (no sortby): the basic form (two terms, either one) and
# the advanced one (both terms), their terms picked from the data so that the matches are a
# few hundred (a variable and an experiment). Targets: p99 <= 20 ms and req/s >= 0.7 of the
# ceiling.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32), QUERIES,
# WARMUP (default 3s), STACFED, API_PORT (default 8090), BENCH_DB_PORT / BENCH_DB as for
# bench/load.sh (the embedded cluster only).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=bench/search_lib.sh
. bench/search_lib.sh

search_bench_setup bench/free_text.sh

# A variable and an experiment that share 100-999 items, and a rare variable for the basic
# form's second term.
IFS='|' read -r variable experiment both < <(sql "
  SELECT properties->>'cmip6:variable_id', properties->>'cmip6:experiment_id', count(*)
  FROM stacfed.items WHERE collection LIKE 'cmip6-%'
  GROUP BY 1, 2 HAVING count(*) BETWEEN 100 AND 999 ORDER BY count(*) DESC, 1, 2 LIMIT 1")
[ -n "$both" ] || die "no variable and experiment sharing 100-999 items in the data"
say "terms: $variable and $experiment ($both items hold both)"

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
queries=(
  "q_both_terms|GET|/search?limit=10&q=$(enc "$variable AND $experiment")"
  "q_either_term_in_collection|GET|/search?limit=10&collections=cmip6-scenariomip&q=$(enc "$variable,$experiment")"
)
select_queries "${queries[@]}"
bench_searches free_text "stacfed free-text benchmark" "${selected[@]}"
