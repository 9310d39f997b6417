#!/usr/bin/env bash
# Harvest benchmark (issue 5): `stacfed harvest` of a local STAC API serving the generated
# items in pages of 100, into a fresh database, against a plain client walking the same pages.
#
#   bench/harvest.sh                      # 1,000,000 items in 20 collections, 3 runs
#   ITEMS=20000 RUNS=1 bench/harvest.sh   # quick check of the script
#
# bench/upstream.py serves the NDJSON of bench/generate.py (the same file as bench/load.sh)
# as a STAC API on 127.0.0.1 (pages of at most PAGE items, rel=next tokens). Per run:
#   - a fresh database (migrated, with one catalog `bench-upstream` applied from a federation
#     file) and `stacfed harvest --url http://127.0.0.1:PORT/ --type stac-api --into bench-upstream`,
#     timed (wall clock) with its peak RSS (/usr/bin/time -f %M); the database must then hold
#     every item;
#   - alternating with it, bench/walk.py: one sequential client reading every page through the
#     rel=next links without processing the items: how fast the upstream serves, the ceiling of
#     any harvester here.
# Targets: >= 5,000 items/s, crawler peak memory <= 200 MB whatever the item count.
#
# MERGE=1 (issue 17): two sources of the same items. A second bench/upstream.py serves the
# same file with every data file at another node (--replace), harvested into a second
# catalog after the first: every item of the second source is merged with the first's (both
# versions kept, the second's copies added as alternates). Timed: the first harvest, then the
# second (the merge), per run; the report gives both rates and their ratio.
#   MERGE=1 ITEMS=500000 RUNS=2 bench/harvest.sh
#
# Environment: ITEMS, COLLECTIONS, SEED (as bench/load.sh), RUNS (default 3), PAGE (default
# 100), STACFED, DATABASE_URL / BENCH_DB_PORT as for bench/load.sh, HARVEST_ARGS (extra
# arguments for stacfed harvest).

set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

ITEMS=${ITEMS:-1000000}
COLLECTIONS=${COLLECTIONS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
PAGE=${PAGE:-100}
HARVEST_DB=${BENCH_DB}_harvest
HARVEST_ARGS=${HARVEST_ARGS:-}
MERGE=${MERGE:-0}

[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
mkdir -p bench/data bench/results
data=bench/data/items-${ITEMS}-c${COLLECTIONS}-s${SEED}.ndjson
if [ ! -s "$data" ]; then
  say "generating $data"
  python3 bench/generate.py --items "$ITEMS" --collections "$COLLECTIONS" --seed "$SEED" --out "$data"
fi
cat "$data" >/dev/null  # page cache

federation=bench/data/harvest-federation.json
cat >"$federation" <<'EOF'
{
  "stacfed_federation": "1.0",
  "catalogs": [
    {"id": "bench-upstream", "title": "Harvest benchmark upstream",
     "description": "Items harvested from bench/upstream.py by bench/harvest.sh."},
    {"id": "bench-mirror", "title": "Harvest benchmark mirror",
     "description": "The same items at another data node (MERGE=1)."}
  ]
}
EOF

bench_server_url
admin_url=$(url_for postgres)
harvest_url=$(url_for "$HARVEST_DB")

tmp=$(mktemp -d)
upstream_pids=()
cleanup() {
  for pid in "${upstream_pids[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
# start_upstream NAME [ARGS...]: serves $data; sets $upstream to its URL.
start_upstream() {
  local name=$1 pid port=
  shift
  python3 bench/upstream.py "$data" --page-size "$PAGE" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pid=$!
  upstream_pids+=("$pid")
  for _ in $(seq 1 600); do  # indexing 1M lines takes some seconds
    port=$(awk '/^PORT/ {print $2}' "$tmp/$name.out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; die "bench/upstream.py exited"; }
    sleep 0.2
  done
  [ -n "$port" ] || die "bench/upstream.py did not start"
  upstream=http://127.0.0.1:$port/
}
start_upstream upstream
first_upstream=$upstream
if [ "$MERGE" = 1 ]; then
  # The mirror: every file of bench/generate.py's data nodes at one other node.
  start_upstream mirror --replace '/thredds/fileServer/=/thredds/fileServer/mirror/' \
    --replace '"alternate:name":"="alternate:name":"mirror.'
  mirror_upstream=$upstream
fi
upstream=$first_upstream
warn_if_busy

# timed_harvest NAME URL CATALOG: one `stacfed harvest`, its wall time in $tmp/NAME.secs and
# its peak RSS in $tmp/NAME.rss; then the database must hold $ITEMS items.
timed_harvest() {
  local name=$1 url=$2 catalog=$3 t0 count
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086  # HARVEST_ARGS is a list of words
  if ! DATABASE_URL=$harvest_url /usr/bin/time -f %M -o "$tmp/$name.rss" \
      "$STACFED" harvest --url "$url" --type stac-api --into "$catalog" $HARVEST_ARGS \
      >"$tmp/$name.out" 2>"$tmp/$name.log"; then
    tail -n 20 "$tmp/$name.log" >&2
    die "$name: stacfed harvest failed (log above)"
  fi
  python3 -c "print(f'{$(date +%s.%N) - $t0:.3f}')" >"$tmp/$name.secs"
  count=$(psql_q -At "$harvest_url" -c "SELECT count(*) FROM stacfed.items")
  [ "$count" = "$ITEMS" ] || die "$name: expected $ITEMS items after the harvest, found $count"
}

for run in $(seq 1 "$RUNS"); do
  psql_q "$admin_url" -c "DROP DATABASE IF EXISTS \"$HARVEST_DB\" WITH (FORCE)" -c "CREATE DATABASE \"$HARVEST_DB\""
  DATABASE_URL=$harvest_url "$STACFED" migrate >/dev/null
  DATABASE_URL=$harvest_url "$STACFED" federation apply "$federation" >/dev/null
  timed_harvest "harvest$run" "$upstream" bench-upstream
  python3 bench/walk.py "$upstream" >"$tmp/walk$run.out"
  say "run $run: harvest $(cat "$tmp/harvest$run.secs") s, peak RSS $(cat "$tmp/harvest$run.rss") KB; walk $(cut -d' ' -f3 "$tmp/walk$run.out") s"
  if [ "$MERGE" = 1 ]; then
    timed_harvest "merge$run" "$mirror_upstream" bench-mirror
    merged=$(psql_q -At "$harvest_url" -c "SELECT count(DISTINCT item_id) FROM stacfed.item_sources WHERE content IS NOT NULL")
    [ "$merged" = "$ITEMS" ] || die "run $run: expected $ITEMS items with two sources, found $merged"
    say "run $run: second source (merge) $(cat "$tmp/merge$run.secs") s, peak RSS $(cat "$tmp/merge$run.rss") KB"
  fi
done
psql_q "$admin_url" -c "DROP DATABASE IF EXISTS \"$HARVEST_DB\" WITH (FORCE)"

report=bench/results/harvest-$(date -u +%Y%m%dT%H%M%SZ).txt
python3 - "$tmp" "$RUNS" "$ITEMS" >"$report" <<EOF
import statistics, sys
tmp, runs, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
read = lambda name: open("%s/%s" % (tmp, name)).read().strip()
secs = [float(read("harvest%d.secs" % r)) for r in range(1, runs + 1)]
rss = [int(read("harvest%d.rss" % r).splitlines()[-1]) for r in range(1, runs + 1)]
walk = [float(read("walk%d.out" % r).split()[2]) for r in range(1, runs + 1)]
rate = lambda s: items / s
print("# stacfed harvest benchmark")
print("date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine_line), load average at start $load_avg")
print("commit: $(commit_line); upstream: bench/upstream.py, pages of $PAGE, %d items in $COLLECTIONS collections" % items)
print("command: stacfed harvest --url UPSTREAM --type stac-api --into bench-upstream ${HARVEST_ARGS:+$HARVEST_ARGS }into a fresh database")
print()
print("stacfed harvest, %d runs: %s s" % (runs, ", ".join("%.2f" % s for s in secs)))
print("  median %.0f items/s (min-max %.0f-%.0f); peak RSS median %.0f MB, max %.0f MB" % (
    rate(statistics.median(secs)), rate(max(secs)), rate(min(secs)),
    statistics.median(rss) / 1024, max(rss) / 1024))
print("plain sequential walk of the same pages (bench/walk.py), %d runs: median %.0f items/s (min-max %.0f-%.0f)" % (
    runs, rate(statistics.median(walk)), rate(max(walk)), rate(min(walk))))
print("  harvest / walk: %.2f" % (statistics.median(walk) / statistics.median(secs)))
if "$MERGE" == "1":
    merge = [float(read("merge%d.secs" % r)) for r in range(1, runs + 1)]
    merge_rss = [int(read("merge%d.rss" % r).splitlines()[-1]) for r in range(1, runs + 1)]
    print("second source of the same items (every item merged), %d runs: %s s" % (runs, ", ".join("%.2f" % s for s in merge)))
    print("  median %.0f items/s (min-max %.0f-%.0f); peak RSS median %.0f MB, max %.0f MB" % (
        rate(statistics.median(merge)), rate(max(merge)), rate(min(merge)),
        statistics.median(merge_rss) / 1024, max(merge_rss) / 1024))
    print("  merge / first harvest time, per run: %s" % ", ".join("%.2f" % (m / s) for m, s in zip(merge, secs)))
print("targets: >= 5,000 items/s: %s; peak RSS <= 200 MB: %s" % (
    "met" if rate(statistics.median(secs)) >= 5000 else "NOT met", "met" if max(rss) <= 200 * 1024 else "NOT met"))
EOF
cat "$report"
say "report written to $report"
