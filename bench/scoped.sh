#!/usr/bin/env bash
# Scoped-search benchmark (issues 4 and 16): searches scoped to catalogs at several depths, and
# to a catalog that holds a shared collection through its non-primary link, each against the
# same search naming that scope's collections explicitly.
#
#   bench/load.sh      # first: leaves the 1,000,000-item database stacfed_bench
#   bench/scoped.sh
#
# Applies the federation file of bench/generate.py --federation (bench -> bench-g0, bench-g1 ->
# four leaves of 5 collections; the first collection of bench-g0-s0 is also a child of
# bench-g1-s0, which comes later in the file and so links it as `related`). For each scope of
# SCOPES it takes the collections of the catalog's subtree from that file (every link, primary
# or not), checks that both requests return the same items (ids and collections: a scoped page
# carries the catalog's URLs and a `canonical` link per item, so the links differ), then for
# RUNS rounds runs `wrk -t2 -cCONNECTIONS -dDURATION --latency` on
#   A: /catalogs/<scope>/search?<filters>
#   B: /search?collections=<the scope's collections>&<filters>
# back to back (A first in odd rounds, B first in even ones), for two filter sets (limit 10
# alone; bbox + datetime + limit 10), and reports per scope the median req/s (min-max), p50,
# p99, the page size of each side and the ratio A/B (target: A within 10% of B).
#
# Environment: SCOPES (default "bench bench-g0 bench-g0-s0 bench-g1-s0"), RUNS (default 3),
# DURATION (default 10s), CONNECTIONS (default 32), STACFED, API_PORT (default 8089),
# DATABASE_URL / BENCH_DB_PORT / BENCH_DB as for bench/load.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
API_PORT=${API_PORT:-8089}
SCOPES=${SCOPES:-bench bench-g0 bench-g0-s0 bench-g1-s0}
# A search naming more collections than this takes the expensive plan (kCheapMaxCollections in
# server/search/service.hpp): a scope larger than that is reported, not compared blindly.
CHEAP_MAX_COLLECTIONS=32

for tool in wrk psql curl python3; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"

bench_server_url
db_url=$(url_for "$BENCH_DB")
collections=$(psql_q -At "$db_url" -c "SELECT count(*) FROM stacfed.collections") \
  || die "no benchmark database: run bench/load.sh first"
items=$(psql_q -At "$db_url" -c "SELECT count(*) FROM stacfed.items")
mkdir -p bench/data bench/results
python3 bench/generate.py --items 0 --collections "$collections" --federation bench/data/federation.json >/dev/null
DATABASE_URL=$db_url "$STACFED" federation apply bench/data/federation.json >&2

tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT

# One line per scope: id, depth (bench = 1), its collections (comma-separated), and the ones it
# holds only through a link that is not the collection's tree link (its first parent in the file).
# shellcheck disable=SC2086  # SCOPES is a list of words
python3 - $SCOPES >"$tmp/scopes" <<'EOF'
import json, sys
fed = json.load(open("bench/data/federation.json"))
cats = {c["id"]: c for c in fed["catalogs"]}
first_parent = {}
for c in fed["catalogs"]:
    for ch in c.get("children", []):
        first_parent.setdefault(("catalog", ch["catalog"]) if "catalog" in ch else ("collection", ch["collection"]), c["id"])
def depth(cid):
    p = first_parent.get(("catalog", cid))
    return 1 if p is None else depth(p) + 1
def walk(cid, tree_only):
    out = []
    for ch in cats[cid].get("children", []):
        if "catalog" in ch:
            if not tree_only or first_parent[("catalog", ch["catalog"])] == cid:
                out += walk(ch["catalog"], tree_only)
        elif not tree_only or first_parent[("collection", ch["collection"])] == cid:
            out.append(ch["collection"])
    return out
for sid in sys.argv[1:]:
    if sid not in cats:
        sys.exit("scope %s is not a catalog of bench/data/federation.json" % sid)
    every = list(dict.fromkeys(walk(sid, False)))
    tree = set(walk(sid, True))
    shared = [c for c in every if c not in tree]
    print("%s %d %s %s" % (sid, depth(sid), ",".join(every), ",".join(shared) or "-"))
EOF
while read -r sid depth scope shared; do
  n=$(tr ',' '\n' <<<"$scope" | wc -l)
  if [ "$n" -gt "$CHEAP_MAX_COLLECTIONS" ]; then
    say "warning: scope $sid holds $n collections, more than $CHEAP_MAX_COLLECTIONS: both sides take the expensive plan"
  fi
  note=
  [ "$shared" = - ] || note=", through a non-primary link: $shared"
  say "scope $sid: depth $depth, $n collections$note"
done <"$tmp/scopes"

warn_if_busy
start_server "$db_url" "$API_PORT" "$tmp/serve.log"

filters=("limit=10" "bbox=5,45,15,55&datetime=2000-01-01T00:00:00Z/2010-12-31T23:59:59Z&limit=10")
names=("limit10" "bbox_datetime_limit10")

# same_items URL_A URL_B OUT: both first pages list the same items (collection and id) in the same
# order, are not empty and, when both say, match as many items; writes "bytes_A bytes_B matched" to OUT.
same_items() {
  python3 - "$1" "$2" "$3" <<'EOF'
import json, sys, time, urllib.error, urllib.request
def page(url):
    for attempt in range(10):
        try:
            with urllib.request.urlopen(url) as r:
                body = r.read()
            break
        except urllib.error.HTTPError as e:
            # 503: the thread's connections stayed busy (with the counts of earlier first pages,
            # which run on in the background on a busy machine): ask again, as its Retry-After says.
            if e.code != 503 or attempt == 9:
                sys.exit("GET %s: %s" % (url, e))
            print("GET %s: 503, asking again in 2 s" % url, file=sys.stderr)
            time.sleep(2)
        except Exception as e:  # a short reason, not a traceback
            sys.exit("GET %s: %s" % (url, e))
    doc = json.loads(body)
    return [(f["collection"], f["id"]) for f in doc["features"]], len(body), doc.get("numberMatched")
a, la, na = page(sys.argv[1])
b, lb, nb = page(sys.argv[2])
if not a or a != b or (na is not None and nb is not None and na != nb):
    sys.exit("scoped %d items (numberMatched %s), explicit %d (numberMatched %s)%s" % (
        len(a), na, len(b), nb, "" if a != b else ", same items"))
open(sys.argv[3], "w").write("%d %d %s\n" % (la, lb, na))
EOF
}

# The shared collection is searchable through the non-primary link, with the same items.
while read -r sid depth scope shared; do
  [ "$shared" = - ] && continue
  for c in ${shared//,/ }; do
    same_items "$base/catalogs/$sid/search?collections=$c&limit=10" "$base/search?collections=$c&limit=10" "$tmp/shared.$sid.$c" \
      || die "scope $sid: its shared collection $c is not searched as /search?collections=$c"
  done
done <"$tmp/scopes"

while read -r sid depth scope shared; do
  for i in "${!filters[@]}"; do
    same_items "$base/catalogs/$sid/search?${filters[$i]}" "$base/search?collections=$scope&${filters[$i]}" \
      "$tmp/$sid.${names[$i]}.bytes" || die "$sid ${names[$i]}: the scoped and the explicit search differ (or are empty)"
  done
done <"$tmp/scopes"

: >"$tmp/loadavg"
for run in $(seq 1 "$RUNS"); do
  while read -r sid depth scope shared; do
    for i in "${!filters[@]}"; do
      a="$base/catalogs/$sid/search?${filters[$i]}"
      b="$base/search?collections=$scope&${filters[$i]}"
      out=$tmp/$sid.${names[$i]}
      cut -d' ' -f1 /proc/loadavg >>"$tmp/loadavg"
      if [ $((run % 2)) = 1 ]; then
        wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$a" </dev/null >"$out.scoped.$run"
        wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$b" </dev/null >"$out.explicit.$run"
      else
        wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$b" </dev/null >"$out.explicit.$run"
        wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$a" </dev/null >"$out.scoped.$run"
      fi
      say "$sid ${names[$i]} run $run: scoped $(grep -h 'Requests/sec' "$out.scoped.$run"), explicit $(grep -h 'Requests/sec' "$out.explicit.$run")"
    done
  done <"$tmp/scopes"
done
load_end=$(cut -d' ' -f1 /proc/loadavg)

report=bench/results/scoped-$(date -u +%Y%m%dT%H%M%SZ).txt
python3 - "$tmp" "$RUNS" "${names[@]}" >"$report" <<EOF
import re, statistics, sys
tmp, runs, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def wrk(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    return rps, lat["50"], lat["99"], int(errors.group(1)) if errors else 0, requests
scopes = [line.split() for line in open(tmp + "/scopes")]
loads = [float(x) for x in open(tmp + "/loadavg").read().split()]
print("# stacfed scoped-search benchmark")
print("date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine_line)")
print("load average (1 min) at start $load_avg, before each pair %.2f-%.2f (median %.2f), at end $load_end" % (
    min(loads), max(loads), statistics.median(loads)))
print("commit: $(commit_line); binary: $STACFED; database: $BENCH_DB, $items items in $collections collections")
print("wrk -t2 -c$CONNECTIONS -d$DURATION --latency, scoped and explicit back to back (order swapped every round), medians of %d rounds" % runs)
print()
for sid, depth, scope, shared in scopes:
    print("scope %s: depth %s, %d collections%s" % (sid, depth, len(scope.split(",")),
          "" if shared == "-" else ", through a non-primary link: " + shared))
print()
print("| scope | query | scoped req/s (min-max) | p50 ms | p99 ms | explicit req/s (min-max) | p50 ms | p99 ms | page bytes scoped / explicit | scoped/explicit |")
print("|---|---|---|---|---|---|---|---|---|---|")
failed = []
for sid, depth, scope, shared in scopes:
    for name in names:
        s = [wrk("%s/%s.%s.scoped.%d" % (tmp, sid, name, r)) for r in range(1, runs + 1)]
        e = [wrk("%s/%s.%s.explicit.%d" % (tmp, sid, name, r)) for r in range(1, runs + 1)]
        la, lb, _ = open("%s/%s.%s.bytes" % (tmp, sid, name)).read().split()
        med = lambda rows, k: statistics.median(x[k] for x in rows)
        print("| %s (depth %s%s) | %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.0f (%.0f-%.0f) | %.2f | %.2f | %s / %s | %.2f |" % (
            sid, depth, ", shared" if shared != "-" else "", name,
            med(s, 0), min(x[0] for x in s), max(x[0] for x in s), med(s, 1), med(s, 2),
            med(e, 0), min(x[0] for x in e), max(x[0] for x in e), med(e, 1), med(e, 2),
            la, lb, med(s, 0) / med(e, 0)))
        for side, rows in (("scoped", s), ("explicit", e)):
            if sum(x[3] for x in rows):
                failed.append("%s %s %s: %d of %d responses were not 2xx (rounds: %s)" % (
                    sid, name, side, sum(x[3] for x in rows), sum(x[4] for x in rows),
                    ", ".join(str(x[3]) for x in rows)))
for line in failed:
    print("warning:", line)
EOF
cat "$report"
say "report written to $report"
