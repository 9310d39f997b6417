#!/usr/bin/env bash
# API benchmark (issue 3): stacfed over HTTP against the same SQL run by pgbench.
#
#   bench/load.sh     # first: leaves the 1,000,000-item database stacfed_bench
#   bench/api.sh
#
# For each query: one untimed request to warm the cache, then RUNS rounds alternating
#   wrk -t2 -c32 -d10s --latency URL               (the server; POST through a Lua script)
#   pgbench -n -M prepared -c 32 -j 2 -T 10 -f bench/sql/<query>.sql -D ...   (the ceiling)
# and reports the medians: req/s, p50, p99, TPS and the ratio req/s / TPS.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32),
# QUERIES (names of the queries to run, space-separated; default all), WARMUP (untimed wrk
# load before each query's runs, default 3s),
# STACFED (default build/stacfed), API_PORT (default 8089), DATABASE_URL / BENCH_DB_PORT /
# BENCH_DB as for bench/load.sh, COLLECTION (default cmip6-cmip).
# Needs: wrk, pgbench, psql, curl, python3 (deploy/install-deps.sh --bench).
#
# The SQL files are copies of the server's statements (server/search/query.cpp, statements.hpp);
# the script warns when the statements the server really sends differ from them.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
API_PORT=${API_PORT:-8089}
COLLECTION=${COLLECTION:-cmip6-cmip}

for tool in wrk pgbench psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"

bench_server_url
db_url=$(url_for "$BENCH_DB")
sql() { psql_q -At "$db_url" -c "$1"; }
items=$(sql "SELECT count(*) FROM stacfed.items") || die "no benchmark database: run bench/load.sh first"
say "database $BENCH_DB: $items items"
warn_if_busy

# --- request values, shared by the HTTP and the SQL side ------------------------------------
mapfile -t ids < <(sql "SELECT id FROM stacfed.items WHERE collection = '$COLLECTION' ORDER BY id OFFSET 500 LIMIT 3")
[ ${#ids[@]} -eq 3 ] || die "collection $COLLECTION has too few items"
item_id=${ids[0]}
bbox="5,45,15,55"
bbox_geojson='{"type":"Polygon","coordinates":[[[5,45],[15,45],[15,55],[5,55],[5,45]]]}'
dt_start="2000-01-01T00:00:00Z"
dt_end="2010-12-31T23:59:59Z"
ids_csv=$(IFS=,; echo "${ids[*]}")
ids_array=$(python3 -c 'import sys; print("{" + ",".join("\"%s\"" % a for a in sys.argv[1:]) + "}")' "${ids[@]}")
# The boundary row of page 99 (the token of page 100), in the server's order.
IFS='|' read -r tok_dt tok_coll tok_id < <(sql "SELECT to_char(datetime AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), collection, id FROM stacfed.items WHERE collection = '$COLLECTION' ORDER BY datetime DESC, collection, id OFFSET 989 LIMIT 1")
# Whether row 991 has another datetime than row 990: then the server's page 100 is the one
# range past the token's datetime (PageToken::past_ties), else the two ranges of its tie group.
next_page_sql=search_next_page.sql
[ "$(sql "SELECT count(DISTINCT datetime) FROM (SELECT datetime FROM stacfed.items WHERE collection = '$COLLECTION' ORDER BY datetime DESC, collection, id OFFSET 989 LIMIT 2) b")" = 2 ] &&
  next_page_sql=search_next_page_past_ties.sql

# --- server ----------------------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT

# The SQL files as pgbench runs them: @partition@ becomes the table of $COLLECTION's partition
# (a search of one collection reads it directly; a table name cannot be a pgbench variable of
# a prepared statement).
partition=$(sql "SELECT partition_name FROM stacfed.collections WHERE id = '$COLLECTION'")
[ -n "$partition" ] || die "collection $COLLECTION has no partition"
mkdir -p "$tmp/sql"
for file in bench/sql/*.sql; do
  sed "s/@partition@/stacfed.$partition/g" "$file" >"$tmp/sql/${file##*/}"
done
start_server "$db_url" "$API_PORT" "$tmp/serve.log"

# Page 100 by following next links from page 1, as a client does.
page100=$(page_target "/search?collections=$COLLECTION&limit=10" 100) || die "cannot reach page 100"

# --- the queries -------------------------------------------------------------------------------
# name | method | path or body | sql file | pgbench -D variables (space-separated NAME=VALUE)
#   [| connections, default $CONNECTIONS: the limit-1000 page is also measured alone, one
#   client, for its latency]
# The collections whose items can overlap the interval: the server searches only those
# (server/search/service.cpp, CollectionsInTime), bound one parameter each, padded to 16 (query.cpp).
mapfile -t in_time < <(sql "SELECT id FROM stacfed.collections WHERE items_max_end_datetime >= '$dt_start' AND items_min_datetime <= '$dt_end'")
[ ${#in_time[@]} -gt 8 ] && [ ${#in_time[@]} -le 16 ] ||
  die "${#in_time[@]} collections overlap $dt_start/$dt_end; search_bbox_datetime.sql binds 9-16"
in_time_vars=
for i in $(seq 1 16); do
  in_time_vars+=" c$i=${in_time[$(( i <= ${#in_time[@]} ? i - 1 : ${#in_time[@]} - 1 ))]}"
done
post_body=$(printf '{"bbox":[%s],"datetime":"%s/%s","limit":10}' "$bbox" "$dt_start" "$dt_end")
queries=(
  "collection_limit10|GET|/search?collections=$COLLECTION&limit=10|search_collection.sql|collection=$COLLECTION limit_plus_one=11"
  "bbox_datetime_limit10|POST|$post_body|search_bbox_datetime.sql|geometry=$bbox_geojson start=$dt_start end=$dt_end limit_plus_one=11$in_time_vars"
  "ids|GET|/search?ids=$ids_csv|search_ids.sql|ids=$ids_array limit_plus_one=11"
  "item_by_id|GET|/collections/$COLLECTION/items/$item_id|item_by_id.sql|collection=$COLLECTION item_id=$item_id"
  "collection_limit1000|GET|/search?collections=$COLLECTION&limit=1000|search_collection.sql|collection=$COLLECTION limit_plus_one=1001"
  "collection_limit1000_1client|GET|/search?collections=$COLLECTION&limit=1000|search_collection.sql|collection=$COLLECTION limit_plus_one=1001|1"
  "page100|GET|$page100|$next_page_sql|collection=$COLLECTION token_datetime=$tok_dt token_collection=$tok_coll token_id=$tok_id limit_plus_one=11"
)

run_wrk() {  # run_wrk NAME METHOD TARGET OUT CONNECTIONS [DURATION]
  local lua=() c=$5 t=2 d=${6:-$DURATION}
  [ "$c" -lt 2 ] && t=1
  if [ "$2" = POST ]; then
    wrk_post_script "$3" >"$tmp/$1.lua"
    lua=(-s "$tmp/$1.lua")
    wrk -t"$t" -c"$c" -d"$d" --latency "${lua[@]}" "$base/search" >"$4"
  else
    wrk -t"$t" -c"$c" -d"$d" --latency "$base$3" >"$4"
  fi
}

# pgbench's sessions get the settings of the server's (server/http/server.cpp,
# kApiSessionSetup): generic plans, no parallel workers.
server_session="-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0"

run_pgbench() {  # run_pgbench SQLFILE VARS OUT CONNECTIONS
  local defs=() kv c=$4 j=2
  [ "$c" -lt 2 ] && j=1
  # VARS is split on spaces; values themselves contain none.
  for kv in $2; do defs+=(-D "$kv"); done
  PGOPTIONS="$server_session" pgbench -n -M prepared -c "$c" -j "$j" -T "${DURATION%s}" -f "$tmp/sql/$1" "${defs[@]}" "$db_url" >"$3" 2>&1
}

# check_sql NAME SQLFILE: compares the statements the server's connections ran last
# (pg_stat_activity) with bench/sql/SQLFILE (its partition written in), parameters aside, and warns when none is the same:
# the SQL files are copies of server/api/ statements and must follow them.
check_sql() {
  sql "SELECT DISTINCT regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND query <> ''" >"$tmp/live.sql"
  python3 - "$tmp/sql/$2" "$tmp/live.sql" "$1" <<'EOF' || true
import re, sys
path, live_path, name = sys.argv[1:]
text = " ".join(l for l in open(path).read().splitlines() if not l.lstrip().startswith("--"))
# A file may hold several statements (the server's pre-query, then the page): the last one is
# the page statement, which some connection ran last.
text = [t for t in text.split(";") if t.strip()][-1]
norm = lambda s: re.sub(r"\s+", " ", s).strip().rstrip(";").strip()
mine = norm(re.sub(r"(?<!:):[A-Za-z_]\w*", "?", text))
live = [l for l in open(live_path).read().splitlines() if l.strip()]
theirs = [norm(re.sub(r"\$\d+", "?", l)) for l in live]
# pg_stat_activity keeps the first track_activity_query_size (1024) bytes of a statement: a
# long one is compared on that prefix (less a possibly cut last token).
truncated = [t[:-16] for l, t in zip(live, theirs) if len(l.encode()) >= 1000]
if mine not in theirs and not any(mine.startswith(t) for t in truncated):
    print("warning: %s: bench/sql file matches none of the server's statements:\n  file:   %s\n%s"
          % (name, mine, "\n".join("  server: " + t for t in theirs)), file=sys.stderr)
    sys.exit(1)
EOF
}

selected=()
for q in "${queries[@]}"; do
  if [ -z "${QUERIES:-}" ] || [[ " $QUERIES " == *" ${q%%|*} "* ]]; then selected+=("$q"); fi
done
[ ${#selected[@]} -gt 0 ] || die "QUERIES='$QUERIES' names none of: $(printf '%s ' "${queries[@]%%|*}")"

for q in "${selected[@]}"; do
  IFS='|' read -r name method target sqlfile vars conns <<<"$q"
  conns=${conns:-$CONNECTIONS}
  # Warm-up and a sanity check of the request. Counts are cached per I/O thread: after a few
  # requests the last statement of some connection is the page statement, which check_sql
  # compares with the file.
  for _ in 1 2 3 4; do
    if [ "$method" = POST ]; then
      curl -fs -o /dev/null -H 'Content-Type: application/json' -d "$target" "$base/search" || die "$name: POST failed"
    else
      curl -fs -o /dev/null "$base$target" || die "$name: GET $target failed"
    fi
  done
  check_sql "$name" "$sqlfile"
  # Then a short untimed load, so that every server connection has prepared the statement and
  # its backend's caches hold the partitions: the first seconds after a new statement shape
  # are not the steady state the figures describe.
  run_wrk "$name" "$method" "$target" "$tmp/$name.warm" "$conns" "$WARMUP"
  for run in $(seq 1 "$RUNS"); do
    run_wrk "$name" "$method" "$target" "$tmp/$name.wrk.$run" "$conns"
    run_pgbench "$sqlfile" "$vars" "$tmp/$name.pgbench.$run" "$conns" || { cat "$tmp/$name.pgbench.$run" >&2; die "$name: pgbench failed"; }
    say "$name run $run: $(grep -h 'Requests/sec' "$tmp/$name.wrk.$run") | $(grep -h '^tps' "$tmp/$name.pgbench.$run")"
  done
done

mkdir -p bench/results
report=bench/results/api-$(date -u +%Y%m%dT%H%M%SZ).txt
wrk_pgbench_report "stacfed API benchmark" \
  "wrk -t2 -c$CONNECTIONS -d$DURATION --latency; pgbench -n -M prepared -c $CONNECTIONS -j 2 -T ${DURATION%s}" \
  "$tmp" "$RUNS" "${selected[@]}" >"$report"
cat "$report"
say "report written to $report"
