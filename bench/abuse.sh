#!/usr/bin/env bash
# Cheap requests while clients keep expensive ones running (issue 13): the latency of a cheap
# search alone, and with ATTACKERS clients sending expensive searches back to back, for the
# binary under test and, alternating with it, a reference binary (the one before the heavy
# lane, for instance).
#
#   bench/load.sh                                         # first: the 1,000,000-item database
#   REFERENCE=/path/to/old/stacfed bench/abuse.sh
#   RUNS=1 DURATION=5s bench/abuse.sh                     # quick look, this binary only
#
# Per binary and run: `wrk -t1 -c4 -d$DURATION --latency` on the cheap search, first alone,
# then while `wrk -t1 -c$ATTACKERS` sends the expensive search for the same duration
# (through a Lua script: POST). Reports medians of p50 and p99 of the cheap search, its
# req/s, and the expensive searches' req/s.
#
# Environment: RUNS (3), DURATION (10s), ATTACKERS (4), REFERENCE (unset: only STACFED),
# STACFED (build/stacfed), API_PORT (8089), BENCH_DB and the cluster as for bench/load.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
ATTACKERS=${ATTACKERS:-4}
API_PORT=${API_PORT:-8089}
REFERENCE=${REFERENCE:-}

command -v wrk >/dev/null || die "wrk not found (deploy/install-deps.sh --bench)"
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
[ -z "$REFERENCE" ] || [ -x "$REFERENCE" ] || die "REFERENCE=$REFERENCE is not executable"

bench_server_url
db_url=$(url_for "$BENCH_DB")
items=$(psql_q -At "$db_url" -c "SELECT count(*) FROM stacfed.items") ||
  die "no benchmark database: run bench/load.sh first"
say "database $BENCH_DB: $items items"
warn_if_busy

cheap="/search?collections=cmip6-cmip&limit=10"
# A search for 5,000 ids (none of which exists, so no count follows): a primary-key probe per
# id in each of the 20 partitions, about 0.2 s of the database. The ids are drawn anew for
# every request (the Lua script below).
expensive_description="POST /search with 5,000 random ids"

tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
cat >"$tmp/expensive.lua" <<'EOF'
math.randomseed(os.time())
request = function()
  local ids = {}
  for i = 1, 5000 do ids[i] = string.format('"CMIP6.none.%d"', math.random(1, 1000000000)) end
  local body = '{"ids":[' .. table.concat(ids, ",") .. '],"limit":10}'
  return wrk.format("POST", "/search", {["Content-Type"] = "application/json"}, body)
end
EOF

sides=("$STACFED")
[ -n "$REFERENCE" ] && sides+=("$REFERENCE")

for run in $(seq 1 "$RUNS"); do
  for side in "${!sides[@]}"; do
    binary=${sides[$side]}
    STACFED=$binary start_server "$db_url" "$API_PORT" "$tmp/serve-$side-$run.log"
    for _ in 1 2 3; do curl -fs -o /dev/null "$base$cheap"; done
    wrk -t1 -c4 -d"$DURATION" --latency "$base$cheap" >"$tmp/alone-$side-$run.txt"
    wrk -t1 -c"$ATTACKERS" -d"$DURATION" -s "$tmp/expensive.lua" "$base/search" \
      >"$tmp/attack-$side-$run.txt" &
    attack=$!
    sleep 1  # the attackers hold every heavy connection before the cheap load starts
    wrk -t1 -c4 -d"$DURATION" --latency "$base$cheap" >"$tmp/loaded-$side-$run.txt"
    wait "$attack" || true
    stop_server
    say "run $run, $(basename "$binary") [$side]: $(grep -h 'Requests/sec' "$tmp/loaded-$side-$run.txt")"
  done
done

mkdir -p bench/results
report=bench/results/abuse-$(date -u +%Y%m%dT%H%M%SZ).txt
python3 - "$tmp" "$RUNS" "$expensive_description" "${sides[@]}" >"$report" <<EOF
import re, statistics, sys
tmp, runs, expensive, sides = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def wrk(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    return rps, lat.get("50"), lat.get("99")
print("# cheap searches while clients keep expensive ones running")
print("date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine_line), load average at start $load_avg")
print("commit: $(commit_line); database: $BENCH_DB, $items items")
print("cheap: GET $cheap, wrk -t1 -c4 -d$DURATION; expensive: %s, wrk -t1 -c$ATTACKERS" % expensive)
print("medians of %d runs, sides alternating" % runs)
print()
print("| binary | cheap alone p50 / p99 ms | cheap under attack p50 / p99 ms | cheap req/s under attack | expensive req/s |")
print("|---|---|---|---|---|")
for side, binary in enumerate(sides):
    alone = [wrk("%s/alone-%d-%d.txt" % (tmp, side, r)) for r in range(1, runs + 1)]
    loaded = [wrk("%s/loaded-%d-%d.txt" % (tmp, side, r)) for r in range(1, runs + 1)]
    attack = [wrk("%s/attack-%d-%d.txt" % (tmp, side, r))[0] for r in range(1, runs + 1)]
    med = lambda xs: statistics.median(x for x in xs if x is not None)
    print("| %s | %.2f / %.2f | %.2f / %.2f | %.0f | %.1f |" % (
        binary, med(a[1] for a in alone), med(a[2] for a in alone), med(l[1] for l in loaded),
        med(l[2] for l in loaded), med(l[0] for l in loaded), med(attack)))
EOF
cat "$report"
say "report written to $report"
