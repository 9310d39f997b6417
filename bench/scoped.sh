#!/usr/bin/env bash
# Scoped-search benchmark (issue 4): a search scoped to a catalog three levels deep against
# the same search naming that catalog's collections explicitly.
#
#   bench/load.sh      # first: leaves the 1,000,000-item database stacfed_bench
#   bench/scoped.sh
#
# Applies the federation file of bench/generate.py --federation (catalog bench-g0-s0 at depth 3
# holds 5 of the 20 collections), checks that both requests return the same items, then
# alternates `wrk -t2 -c32 -d10s --latency` on
#   A: /catalogs/bench-g0-s0/search?<filters>
#   B: /search?collections=<its 5 collections>&<filters>
# for RUNS rounds, for two filter sets (limit 10 alone; bbox + datetime + limit 10), and
# reports median req/s, p50, p99 and the ratio A/B (target: A within 10% of B).
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32),
# STACFED, API_PORT (default 8089), DATABASE_URL / BENCH_DB_PORT / BENCH_DB as for bench/load.sh.
#
# Status: written before the /catalogs endpoints existed; it stops with the 404 until they do.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
API_PORT=${API_PORT:-8089}
CATALOG=bench-g0-s0

for tool in wrk psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"

bench_server_url
db_url=$(url_for "$BENCH_DB")
collections=$(psql_q -At "$db_url" -c "SELECT count(*) FROM stacfed.collections") \
  || die "no benchmark database: run bench/load.sh first"
mkdir -p bench/data bench/results
python3 bench/generate.py --items 0 --collections "$collections" --federation bench/data/federation.json >/dev/null
DATABASE_URL=$db_url "$STACFED" federation apply bench/data/federation.json >&2
scope=$(python3 - "$CATALOG" <<'EOF'
import json, sys
fed = json.load(open("bench/data/federation.json"))
cat = next(c for c in fed["catalogs"] if c["id"] == sys.argv[1])
print(",".join(ch["collection"] for ch in cat["children"]))
EOF
)
warn_if_busy

tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
start_server "$db_url" "$API_PORT" "$tmp/serve.log"

filters=("limit=10" "bbox=5,45,15,55&datetime=2000-01-01T00:00:00Z/2010-12-31T23:59:59Z&limit=10")
names=("limit10" "bbox_datetime_limit10")

same_items() {  # same_items URL_A URL_B: both first pages list the same ids in the same order
  python3 - "$1" "$2" <<'EOF'
import json, sys, urllib.request
def ids(url):
    try:
        with urllib.request.urlopen(url) as r:
            return [f["id"] for f in json.load(r)["features"]]
    except Exception as e:  # a short reason, not a traceback
        sys.exit("GET %s: %s" % (url, e))
a, b = ids(sys.argv[1]), ids(sys.argv[2])
sys.exit(0 if a == b and a else 1)
EOF
}

for i in "${!filters[@]}"; do
  a="$base/catalogs/$CATALOG/search?${filters[$i]}"
  b="$base/search?collections=$scope&${filters[$i]}"
  same_items "$a" "$b" || die "${names[$i]}: the scoped and the explicit search differ (or are empty)"
  for run in $(seq 1 "$RUNS"); do
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$a" >"$tmp/${names[$i]}.scoped.$run"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$b" >"$tmp/${names[$i]}.explicit.$run"
    say "${names[$i]} run $run: scoped $(grep -h 'Requests/sec' "$tmp/${names[$i]}.scoped.$run"), explicit $(grep -h 'Requests/sec' "$tmp/${names[$i]}.explicit.$run")"
  done
done

report=bench/results/scoped-$(date -u +%Y%m%dT%H%M%SZ).txt
python3 - "$tmp" "$RUNS" "${names[@]}" >"$report" <<EOF
import re, statistics, sys
tmp, runs, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def wrk(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    return rps, lat["50"], lat["99"]
print("# stacfed scoped-search benchmark")
print("date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine_line), load average at start $load_avg")
print("commit: $(commit_line); catalog $CATALOG (depth 3) = collections $scope")
print("wrk -t2 -c$CONNECTIONS -d$DURATION --latency, alternating, medians of %d runs" % runs)
print()
print("| query | scoped req/s | p50 ms | p99 ms | explicit req/s | p50 ms | p99 ms | scoped/explicit |")
print("|---|---|---|---|---|---|---|---|")
for name in names:
    s = [wrk("%s/%s.scoped.%d" % (tmp, name, r)) for r in range(1, runs + 1)]
    e = [wrk("%s/%s.explicit.%d" % (tmp, name, r)) for r in range(1, runs + 1)]
    med = lambda rows, k: statistics.median(x[k] for x in rows)
    print("| %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f |" % (
        name, med(s, 0), med(s, 1), med(s, 2), med(e, 0), med(e, 1), med(e, 2), med(s, 0) / med(e, 0)))
EOF
cat "$report"
say "report written to $report"
