#!/usr/bin/env bash
# Filter benchmark (issue 14): CQL2 searches over HTTP against the same SQL run by pgbench.
#
#   bench/load.sh      # first: leaves the 1,000,000-item database stacfed_bench
#   bench/filter.sh    # adds a Sentinel-2-like collection of EO_ITEMS items once, then measures
#
# Four searches (issue 14): two CMIP6 facets across every collection, a rare filter, a cloud
# cover filter on a Sentinel-2-like collection, and S_INTERSECTS with a 50-vertex polygon
# (POST cql2-json). For each: the statement the server sends (and its parameters) is read from
# PostgreSQL's log of one request (log_min_duration_statement=0 for the benchmark database,
# only while it is captured), so pgbench runs exactly the server's SQL; then RUNS rounds
# alternating
#   wrk -t2 -c32 -d10s --latency URL                                 (the server)
#   pgbench -n -M prepared -c 32 -j 2 -T 10 -f <captured statement>  (the ceiling)
# and the medians of req/s, p50, p99, TPS and their ratio. Targets: p99 <= 20 ms and
# req/s >= 0.7 of the ceiling.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32), EO_ITEMS
# (default 200000), QUERIES (names, space-separated; default all), WARMUP (default 3s),
# STACFED, API_PORT (default 8090), BENCH_DB_PORT / BENCH_DB as for bench/load.sh (the embedded
# cluster only: the statements are read from its log).
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
EO_ITEMS=${EO_ITEMS:-200000}
EO_COLLECTION=sentinel-2-l2a-bench

for tool in wrk pgbench psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
[ -z "${DATABASE_URL:-}" ] || die "bench/filter.sh reads statements from the embedded cluster's log: unset DATABASE_URL"

bench_server_url
db_url=$(url_for "$BENCH_DB")
sql() { psql_q -At "$db_url" -c "$1"; }
items=$(sql "SELECT count(*) FROM stacfed.items") || die "no benchmark database: run bench/load.sh first"

# --- the EO collection, once -------------------------------------------------------------------
if [ "$(sql "SELECT count(*) FROM stacfed.collections WHERE id = '$EO_COLLECTION'")" = 0 ]; then
  eo_data=bench/data/eo-$EO_ITEMS.ndjson
  [ -s "$eo_data" ] || python3 bench/generate.py --eo-items "$EO_ITEMS" --out "$eo_data"
  say "loading $eo_data"
  DATABASE_URL=$db_url "$STACFED" load "$eo_data" >&2
  sql "VACUUM ANALYZE stacfed.items" >/dev/null
  items=$(sql "SELECT count(*) FROM stacfed.items")
fi
say "database $BENCH_DB: $items items"
warn_if_busy

# --- the searches ------------------------------------------------------------------------------
# The four of issue 14: two CMIP6 facets (hundreds of matches in a million), a rare filter
# (a combination with 10-99 matches, found in the data), eo:cloud_cover < 10 on the EO
# collection (a tenth of it, no index: the walk finds matches at once), and S_INTERSECTS with a
# 50-vertex polygon (a circle of radius 8 degrees around 10E 50N) over every collection.
IFS='|' read -r rare_source rare_variable rare_member rare_count < <(sql "
  SELECT properties->>'cmip6:source_id', properties->>'cmip6:variable_id',
         properties->>'cmip6:member_id', count(*)
  FROM stacfed.items WHERE collection LIKE 'cmip6-%'
  GROUP BY 1, 2, 3 HAVING count(*) BETWEEN 10 AND 99 ORDER BY count(*) DESC, 1, 2, 3 LIMIT 1")
[ -n "$rare_count" ] || die "no rare combination of source, variable and member in the data"
say "rare filter: $rare_source, $rare_variable, $rare_member: $rare_count items"
polygon_body=$(python3 <<'EOF'
import json, math
ring = [[round(10 + 8 * math.cos(2 * math.pi * k / 49), 4), round(50 + 8 * math.sin(2 * math.pi * k / 49), 4)]
        for k in range(49)]
ring.append(ring[0])  # 50 positions, closed
print(json.dumps({"limit": 10, "filter-lang": "cql2-json", "filter": {
    "op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [ring]}]}},
    separators=(",", ":")))
EOF
)
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# name | method | path or body
queries=(
  "facets_tas_ssp585|GET|/search?limit=10&filter=$(enc "cmip6:variable_id = 'tas' AND cmip6:experiment_id = 'ssp585'")"
  "rare_filter|GET|/search?limit=10&filter=$(enc "cmip6:source_id = '$rare_source' AND cmip6:variable_id = '$rare_variable' AND cmip6:member_id = '$rare_member'")"
  "eo_cloud_cover|GET|/collections/$EO_COLLECTION/items?limit=10&filter=$(enc "eo:cloud_cover < 10")"
  "s_intersects_polygon50|POST|$polygon_body"
)
select_queries "${queries[@]}"
bench_searches filter "stacfed filter benchmark" "${selected[@]}"
