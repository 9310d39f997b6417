#!/usr/bin/env bash
# Collection search benchmark (issue: collection search over 5,000 collections): searches of
# GET /collections over HTTP against the same SQL run by pgbench.
#
#   bench/collections.sh   # creates ${BENCH_DB}_collections with COLLECTIONS collections once
#
# The database holds COLLECTIONS (default 5000) generated CMIP6-like collections (no items:
# bench/generate.py --items 0) in a three-level catalog tree (--federation), in a database of
# its own so that the item benchmarks keep their 20 collections. Searches: the plain listing
# of the root and of one catalog (what a portal asks first), free text (a word
# every collection holds, so every match is ranked; and a rare one), bbox with datetime, a CQL2
# filter on a summary (each collection's summary read value by value), sortby title on page 1
# and on page 10 (reached by following 9 next links, its token holding the keyset of row 90),
# and the search of one catalog's collections. Each is measured as bench/search_lib.sh says:
# wrk against the server, pgbench on the page statement the server sent, alternating, RUNS
# rounds. Targets: p99 <= 20 ms and req/s >= 0.7 of the ceiling.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32), COLLECTIONS
# (default 5000), QUERIES (names, space-separated; default all), WARMUP (default 3s), STACFED,
# API_PORT (default 8090), BENCH_DB_PORT / BENCH_DB as for bench/load.sh (the embedded cluster
# only: the statements are read from its log).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=bench/search_lib.sh
. bench/search_lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
API_PORT=${API_PORT:-8090}
COLLECTIONS=${COLLECTIONS:-5000}

for tool in wrk pgbench psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
[ -z "${DATABASE_URL:-}" ] || die "bench/collections.sh reads statements from the embedded cluster's log: unset DATABASE_URL"

bench_server_url
BENCH_DB=${BENCH_DB}_collections
db_url=$(url_for "$BENCH_DB")
admin_url=$(url_for postgres)
sql() { psql_q -At "$db_url" -c "$1"; }

# --- the collections, once --------------------------------------------------------------------
have=$(sql "SELECT count(*) FROM stacfed.collections" 2>/dev/null || echo none)
if [ "$have" != "$COLLECTIONS" ]; then
  data=bench/data/collections-$COLLECTIONS.ndjson
  tree=bench/data/collections-$COLLECTIONS.federation.json
  [ -s "$data" ] && [ -s "$tree" ] ||
    python3 bench/generate.py --items 0 --collections "$COLLECTIONS" --out "$data" --federation "$tree"
  say "creating $BENCH_DB with $COLLECTIONS collections"
  psql_q "$admin_url" -c "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" \
    -c "CREATE DATABASE \"$BENCH_DB\"" >/dev/null
  DATABASE_URL=$db_url "$STACFED" migrate >/dev/null
  DATABASE_URL=$db_url "$STACFED" load "$data" >&2
  DATABASE_URL=$db_url "$STACFED" federation apply "$tree" >&2
  sql "VACUUM ANALYZE" >/dev/null
fi
DATABASE_URL=$db_url "$STACFED" migrate >/dev/null  # a database of an older binary
items=$(sql "SELECT count(*) FROM stacfed.collections")
say "database $BENCH_DB: $items collections"
warn_if_busy

catalog=$(sql "SELECT catalog_id FROM stacfed.catalog_collections GROUP BY catalog_id
               ORDER BY count(*), catalog_id LIMIT 1")
start_server "$db_url" "$API_PORT" "$(mktemp)"
by_title=/collections?limit=10\&sortby=title
by_title_10=$(page_target "$by_title" 10)
stop_server

# name | method | path (values percent-encoded as a client sends them)
queries=(
  "listing|GET|/collections?limit=10"
  "catalog_listing|GET|/catalogs/$catalog/collections?limit=10"
  "q_every|GET|/collections?limit=10&q=cmip6"
  "q_rare|GET|/collections?limit=10&q=scenariomip,highresmip"
  "bbox_datetime|GET|/collections?limit=10&bbox=-10,40,10,50&datetime=2020-01-01T00:00:00Z/.."
  "filter_summary|GET|/collections?limit=10&filter=cmip6%3Avariable_id%20%3D%20%27tas%27"
  "sortby_title_page1|GET|$by_title"
  "sortby_title_page10|GET|$by_title_10"
  "catalog_q|GET|/catalogs/$catalog/collections?limit=10&q=cmip6"
)
select_queries "${queries[@]}"
bench_searches collections "stacfed collection search benchmark ($items collections)" "${selected[@]}"
