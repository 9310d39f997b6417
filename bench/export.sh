#!/usr/bin/env bash
# Export benchmark (issue 18): the intake-esm CSV of every item of the benchmark database
# (1,000,000 items) over HTTP, against psql's \copy of the same rows as a raw ceiling.
#
#   bench/load.sh     # first: leaves the 1,000,000-item database stacfed_bench
#   bench/export.sh
#
# RUNS rounds, alternating:
#   export   a fresh `stacfed serve` (so that its peak resident memory, VmHWM, is this
#            export's), then `curl $base/export/intake-esm.csv` to a file: wall time, rows,
#            bytes, and the server's VmRSS before and VmHWM after
#   ceiling  psql -c "\copy (SELECT ...) TO file CSV HEADER": the same rows (one per data
#            asset, the facet columns of the export's header, the asset's href and type),
#            straight from PostgreSQL's heap, in no particular order, without parsing any item
#            in the client
# and the medians of rows/s and MB/s, the ratio export/ceiling, and the peak RSS.
#
# Environment: RUNS (default 3), STACFED, API_PORT (default 8091), BENCH_DB_PORT / BENCH_DB /
# DATABASE_URL as for bench/load.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
API_PORT=${API_PORT:-8091}

for tool in psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"

bench_server_url
db_url=$(url_for "$BENCH_DB")
items=$(psql_q -At "$db_url" -c "SELECT count(*) FROM stacfed.items") ||
  die "no benchmark database: run bench/load.sh first"
DATABASE_URL=$db_url "$STACFED" migrate >&2
say "database $BENCH_DB: $items items"
warn_if_busy

tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT

kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$server_pid/status"; }

run_export() {  # run_export N: sets rows, bytes, seconds, rss_before, rss_peak
  STACFED_EXPORT_MAX_ITEMS=$((items + 1)) start_server "$db_url" "$API_PORT" "$tmp/serve.log"
  curl -fs -o /dev/null "$base/search?limit=1"  # the pools open, the caches fill
  rss_before=$(kib VmRSS)
  local t0 t1
  t0=$(date +%s.%N)
  curl -fsS -o "$tmp/export.csv" "$base/export/intake-esm.csv" ||
    die "export failed: $(tail -3 "$tmp/serve.log")"
  t1=$(date +%s.%N)
  rss_peak=$(kib VmHWM)
  stop_server
  seconds=$(python3 -c "print($t1 - $t0)")
  rows=$(($(wc -l <"$tmp/export.csv") - 1))
  bytes=$(stat -c %s "$tmp/export.csv")
}

# The ceiling's SELECT: the facet columns of the export's header, read from the properties
# (cmip6:<name>, else <name>), then version, time range, href and type of each data asset.
ceiling_sql() {
  python3 - "$1" <<'PY'
import csv, sys
header = next(csv.reader(open(sys.argv[1], newline="")))
facets = header[2:header.index("version")]
cols = ["i.id", "i.collection"]
for name in facets:
    prop = name if ":" in name else "cmip6:" + name
    cols.append("coalesce(i.properties->>'%s', i.properties->>'%s')" % (prop, name))
cols += ["i.properties->>'version'",
         "(i.properties->>'start_datetime') || '/' || (i.properties->>'end_datetime')",
         "a.value->>'href'", "a.value->>'type'"]
print("SELECT " + ", ".join(cols) +
      " FROM stacfed.items i CROSS JOIN LATERAL json_each(i.content::json->'assets') a"
      " WHERE (a.value->'roles')::jsonb ? 'data'")
PY
}

run_ceiling() {  # sets rows, bytes, seconds
  local t0 t1
  t0=$(date +%s.%N)
  psql_q "$db_url" -c "\\copy ($select) TO '$tmp/ceiling.csv' WITH (FORMAT csv, HEADER)"
  t1=$(date +%s.%N)
  seconds=$(python3 -c "print($t1 - $t0)")
  rows=$(($(wc -l <"$tmp/ceiling.csv") - 1))
  bytes=$(stat -c %s "$tmp/ceiling.csv")
}

: >"$tmp/export.tsv"
: >"$tmp/ceiling.tsv"
for run in $(seq 1 "$RUNS"); do
  run_export
  say "export run $run: $rows rows, $bytes bytes in ${seconds}s; server RSS ${rss_before} kB before, peak ${rss_peak} kB"
  printf '%s\t%s\t%s\t%s\t%s\n' "$rows" "$bytes" "$seconds" "$rss_before" "$rss_peak" >>"$tmp/export.tsv"
  [ -n "${select:-}" ] || select=$(ceiling_sql "$tmp/export.csv")
  run_ceiling
  say "ceiling run $run: $rows rows, $bytes bytes in ${seconds}s"
  printf '%s\t%s\t%s\n' "$rows" "$bytes" "$seconds" >>"$tmp/ceiling.tsv"
done

mkdir -p bench/results
report=bench/results/export-$(date -u +%Y%m%dT%H%M%SZ).txt
python3 - "$tmp/export.tsv" "$tmp/ceiling.tsv" "$items" "$(machine_line)" "$(commit_line)" \
  "$load_avg" >"$report" <<'PY'
import statistics, sys
def read(path):
    return [[float(x) for x in line.split("\t")] for line in open(path) if line.strip()]
export, ceiling, items, machine, commit, load = read(sys.argv[1]), read(sys.argv[2]), *sys.argv[3:]
def med(rows, f):
    return statistics.median(f(r) for r in rows)
def span(rows, f):
    values = [f(r) for r in rows]
    return "%s-%s" % (fmt(min(values)), fmt(max(values)))
def fmt(x):
    return "{:,.0f}".format(x) if x >= 100 else "{:.2f}".format(x)
print("stacfed export benchmark: the intake-esm CSV of %s items" % "{:,}".format(int(items)))
print("machine: %s; commit %s; load average at start %s" % (machine, commit, load))
print("runs: %d each, alternating" % len(export))
print()
print("| side | rows | MB | s (median) | rows/s (median, min-max) | MB/s | server RSS before -> peak |")
print("|---|---|---|---|---|---|---|")
rps = lambda r: r[0] / r[2]
mbps = lambda r: r[1] / 1e6 / r[2]
print("| export (HTTP, streamed) | %s | %.0f | %.1f | %s (%s) | %.1f | %.0f -> %.0f MB |" % (
    "{:,}".format(int(export[0][0])), export[0][1] / 1e6, med(export, lambda r: r[2]),
    fmt(med(export, rps)), span(export, rps), med(export, mbps),
    med(export, lambda r: r[3]) / 1024, med(export, lambda r: r[4]) / 1024))
print("| ceiling (psql \\copy) | %s | %.0f | %.1f | %s (%s) | %.1f | |" % (
    "{:,}".format(int(ceiling[0][0])), ceiling[0][1] / 1e6, med(ceiling, lambda r: r[2]),
    fmt(med(ceiling, rps)), span(ceiling, rps), med(ceiling, mbps)))
print()
print("ratio export/ceiling (rows/s, medians): %.2f" % (med(export, rps) / med(ceiling, rps)))
PY
cat "$report"
say "report written to $report"
