#!/usr/bin/env bash
# numberMatched of a search with about 500,000 matches: what the count adds to its first page.
#
#   bench/load.sh     # first: leaves the 1,000,000-item database stacfed_bench
#   bench/count.sh    # RUNS rounds (default 3)
#
# Two searches, each matching about half of the items (found in the data):
#   collections  the collections whose item counts sum closest to half of the items
#                (numberMatched from the counts the write path keeps, sql/0014)
#   filter       a CQL2 filter on the cmip6:frequency value closest to half of the items
#                (its matches counted by a statement, up to STACFED_COUNT_LIMIT)
# For each, the first page (which needs the count) against the second page of the same search
# (reached through its next link: a page that carries the count in its token and runs no
# count), sent alternately by one client, the count cache switched off
# (STACFED_COUNT_CACHE_SECONDS=0) so that every first page asks for its count. Reported per
# side: median and p99 latency, and how many first pages had numberMatched. The difference of
# the medians is what the count adds. Target (issue: sort, fields, ... and counts): a count
# never adds more than 10 ms to its page (STACFED_COUNT_WAIT_MS, default 10). Beside it, an
# exact count of the filter's matches in SQL (psql) says how long counting them takes.
#
# Environment: RUNS (default 3), REQUESTS (per side and run, default 100), STACFED, API_PORT
# (default 8092), BENCH_DB_PORT / BENCH_DB as for bench/load.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
REQUESTS=${REQUESTS:-100}
API_PORT=${API_PORT:-8092}
bench_db_setup psql curl python3

# Collections in item-count order, taken while their sum stays at or below half.
collections=$(sql "
  SELECT string_agg(id, ',') FROM (
    SELECT id, sum(item_count) OVER (ORDER BY item_count DESC, id) AS running
    FROM stacfed.collections) c
  WHERE running <= $items / 2")
[ -n "$collections" ] || die "no collections to search"
IFS='|' read -r frequency frequency_count < <(sql "
  SELECT properties->>'cmip6:frequency', count(*) FROM stacfed.items
  WHERE properties ? 'cmip6:frequency' GROUP BY 1
  ORDER BY abs(count(*) - $items / 2), 1 LIMIT 1")
[ -n "${frequency_count:-}" ] || die "no cmip6:frequency in the data"
filter=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
  "cmip6:frequency = '$frequency'")

bench_tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$bench_tmp"' EXIT
STACFED_COUNT_CACHE_SECONDS=0 start_server "$db_url" "$API_PORT" "$bench_tmp/serve.log"

mkdir -p bench/results
report=bench/results/count-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  printf 'stacfed count benchmark, %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf 'commit: %s; machine: %s; database: %s, %s items\n' "$(commit_line)" "$(machine_line)" \
    "$BENCH_DB" "$items"
  printf 'one client, first page (counts) and second page (no count) alternately, %s each per run, count cache off\n\n' \
    "$REQUESTS"
} >"$report"
python3 - "$base" "$RUNS" "$REQUESTS" \
  "collections|/search?collections=$collections&limit=10" \
  "filter|/search?filter=$filter&limit=10" >>"$report" <<'EOF'
import json, statistics, sys, time, urllib.request

base, runs, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def get(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        doc = json.load(r)
    return (time.perf_counter() - started) * 1000, doc

def p99(values):
    return sorted(values)[max(0, int(round(0.99 * len(values))) - 1)]

print("| search | matches | first page p50 / p99 ms | second page p50 / p99 ms | "
      "added by the count (p50) ms | first pages with numberMatched |")
print("|---|---|---|---|---|---|")
for spec in sys.argv[4:]:
    name, target = spec.split("|", 1)
    _, first = get(base + target)
    second_url = next(l["href"] for l in first["links"] if l["rel"] == "next")
    _, second = get(second_url)
    matches = second.get("numberMatched")
    medians, firsts, seconds, counted = [], [], [], 0
    for run in range(runs):
        a, b = [], []
        for _ in range(requests):
            ms, doc = get(base + target)
            a.append(ms)
            counted += "numberMatched" in doc
            b.append(get(second_url)[0])
        firsts += a
        seconds += b
        medians.append(statistics.median(a) - statistics.median(b))
        print(f"<!-- {name} run {run + 1}: first {statistics.median(a):.2f} ms, "
              f"second {statistics.median(b):.2f} ms -->", file=sys.stderr)
    print(f"| {name} | {matches if matches is not None else 'not counted'} | "
          f"{statistics.median(firsts):.2f} / {p99(firsts):.2f} | "
          f"{statistics.median(seconds):.2f} / {p99(seconds):.2f} | "
          f"{statistics.median(medians):.2f} (runs: {', '.join(f'{m:.2f}' for m in medians)}) | "
          f"{counted} of {runs * requests} |")
EOF
# An exact count of the filter's matches in SQL, for scale.
count_ms=$(psql_q -At "$db_url" <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n | sed -n 2p
\\timing on
SELECT count(*) FROM (SELECT 1 FROM stacfed.items WHERE properties->>'cmip6:frequency' = '$frequency' LIMIT 1000001) c;
SELECT count(*) FROM (SELECT 1 FROM stacfed.items WHERE properties->>'cmip6:frequency' = '$frequency' LIMIT 1000001) c;
SELECT count(*) FROM (SELECT 1 FROM stacfed.items WHERE properties->>'cmip6:frequency' = '$frequency' LIMIT 1000001) c;
SQL
)
printf '\nan exact count of the filter matches in SQL (psql, median of 3): %s ms for %s matches\n' "$count_ms" \
  "$frequency_count" >>"$report"
cat "$report"
say "report written to $report"
