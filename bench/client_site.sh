#!/usr/bin/env bash
# Copies ranked for the client's site (issue 18): what a search with client_site costs next to
# the same search without it. Target: at most 1.3x the latency of the plain search.
#
# Data: ITEMS items of bench/generate.py (default 20,000), annotated here the way the harvest
# annotates a merged ESGF item (bench/annotate_copies.py): each data file's own copy (HTTPS at
# its data node, esgf-west) gets a CEDA OPeNDAP alternate, a site-internal DKRZ /pool/data path
# and a DKRZ tape copy; 4 copies per asset, 1-5 assets per item. Loaded into its own database
# (stacfed_bench_client_site) with a federation file naming the sites.
#
# Measure: one keep-alive connection, requests alternating plain (A) and client_site=dkrz
# (B) one by one, PAIRS pairs per page size (limit 10, limit 1000), after WARMUP pairs; the
# median and p99 of each side and the ratio B/A of the medians and of the p99s. Sequential on
# purpose: the rewrite's cost is per request, and the two sides see the same noise.
#
#   bench/client_site.sh                  # ITEMS=20000 PAIRS_10=400 PAIRS_1000=60
#   ITEMS=100000 bench/client_site.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

ITEMS=${ITEMS:-20000}
PAIRS_10=${PAIRS_10:-400}
PAIRS_1000=${PAIRS_1000:-60}
WARMUP=${WARMUP:-20}
API_PORT=${API_PORT:-8093}
DB=stacfed_bench_client_site

[ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
bench_server_url
db_url=$(url_for "$DB")
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT

data=bench/data/client-site-$ITEMS.ndjson
if [ ! -s "$data" ]; then
  say "generating $ITEMS annotated items into $data"
  mkdir -p bench/data
  python3 bench/generate.py --items "$ITEMS" --collections 5 --seed 7 |
    python3 bench/annotate_copies.py --federation bench/data/client-site-federation.json >"$data.part"
  mv "$data.part" "$data"
fi
if ! psql_q -At "$db_url" -c "SELECT 1" >/dev/null 2>&1 ||
   [ "$(psql_q -At "$db_url" -c "SELECT count(*) FROM stacfed.items")" != "$ITEMS" ]; then
  say "loading $data into $DB"
  psql_q "$(url_for postgres)" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  DATABASE_URL=$db_url "$STACFED" migrate >/dev/null
  DATABASE_URL=$db_url "$STACFED" load "$data" >/dev/null
  DATABASE_URL=$db_url "$STACFED" federation apply bench/data/client-site-federation.json >/dev/null
  psql_q "$db_url" -c ANALYZE
fi
warn_if_busy
start_server "$db_url" "$API_PORT" "$tmp/serve.log"
curl -fs "$base/search?limit=1&client_site=dkrz" | grep -q '"access:rank"' ||
  die "client_site=dkrz did not rank: $(curl -s "$base/search?limit=1&client_site=dkrz" | head -c 300)"

report=$(python3 - "$base" "$PAIRS_10" "$PAIRS_1000" "$WARMUP" <<'PY'
import http.client, statistics, sys, time, urllib.parse
base, pairs10, pairs1000, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
host = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)

def fetch(target):
    t0 = time.perf_counter()
    conn.request("GET", target)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("%s -> %d %s" % (target, r.status, body[:200]))
    return (time.perf_counter() - t0) * 1000, len(body)

def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]

rows = []
for limit, pairs in ((10, pairs10), (1000, pairs1000)):
    plain = "/search?limit=%d" % limit
    ranked = plain + "&client_site=dkrz"
    for _ in range(warmup):
        fetch(plain); fetch(ranked)
    a, b = [], []
    for i in range(pairs):
        # Alternate which side goes first, so neither always follows the other.
        first, second = (plain, ranked) if i % 2 == 0 else (ranked, plain)
        t1, n1 = fetch(first)
        t2, n2 = fetch(second)
        (a if first == plain else b).append(t1)
        (b if first == plain else a).append(t2)
        size_a, size_b = (n1, n2) if first == plain else (n2, n1)
    ma, mb = statistics.median(a), statistics.median(b)
    rows.append("| %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d / %d |" % (
        limit, pairs, ma, p99(a), mb, p99(b), mb / ma, p99(b) / p99(a), size_a, size_b))
print("| limit | pairs | plain p50 ms | plain p99 ms | client_site p50 ms | client_site p99 ms | ratio p50 | ratio p99 | bytes plain / ranked |")
print("|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
PY
)
mkdir -p bench/results
out=bench/results/client-site-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  printf '# client_site ranking vs plain search\n'
  printf 'date: %s; machine: %s, load average at start %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(machine_line)" "$load_avg"
  printf 'commit: %s; database: %s, %s items (4 copies per data asset)\n\n' "$(commit_line)" "$DB" "$ITEMS"
  printf '%s\n' "$report"
} | tee "$out"
