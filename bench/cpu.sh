#!/usr/bin/env bash
# CPU work per request (issues 13 and 14): what the server itself spends on each of the three
# cheapest requests of bench/api.sh, for two binaries side by side. Unlike req/s, this does
# not depend on what else the machine is doing, so it can be measured on a busy machine.
#
#   STACFED=build/stacfed DATABASE_URL=postgresql:///db_new?... \
#   REFERENCE=<other checkout>/build/stacfed REFERENCE_DATABASE_URL=postgresql:///db_old?... \
#   bench/cpu.sh
#
# Each database must hold the same items (`stacfed load`, e.g. bench/data/items-20000-*.ndjson),
# migrated by its own binary. Two measures, each alternating the binaries, RUNS rounds:
# - CPU time: `wrk -t2 -cCONNECTIONS -dDURATION` against the server, which runs normally; the
#   server process's user + system time (/proc/PID/stat, as perf's task-clock) over the run,
#   divided by the requests wrk completed: microseconds per request.
# - Instructions: the server under `valgrind --tool=callgrind`, its counters zeroed before
#   and dumped after CALLGRIND_REQUESTS requests sent by a fixed-count keep-alive client
#   with 4 connections; callgrind's instruction total divided by the count. Exact and
#   repeatable to a fraction of a percent; CALLGRIND_REQUESTS=0 skips it.
# Both report medians per query and binary, and the ratio now / reference.
#
# Environment: RUNS (default 3), DURATION (default 10s), CONNECTIONS (default 32),
# CALLGRIND_REQUESTS (default 2000), QUERIES (names, space-separated: collection_limit10
# item_by_id page100; default all), COLLECTION (default cmip6-cmip), API_PORT (default 8089;
# the reference uses API_PORT + 1).
# Needs: wrk, curl, python3, valgrind (for the instructions).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
CALLGRIND_REQUESTS=${CALLGRIND_REQUESTS:-2000}
COLLECTION=${COLLECTION:-cmip6-cmip}
API_PORT=${API_PORT:-8089}
QUERIES=${QUERIES:-collection_limit10 item_by_id page100}

[ -n "${DATABASE_URL:-}" ] || die "set DATABASE_URL (the database of STACFED)"
[ -n "${REFERENCE:-}" ] && [ -n "${REFERENCE_DATABASE_URL:-}" ] ||
  die "set REFERENCE (the other binary) and REFERENCE_DATABASE_URL (its database)"
[ -x "$STACFED" ] && [ -x "$REFERENCE" ] || die "$STACFED or $REFERENCE is not a program"
for tool in wrk curl python3 psql; do
  command -v $tool >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
done
[ "$CALLGRIND_REQUESTS" -gt 0 ] && { command -v valgrind >/dev/null || die "valgrind not found"; }
warn_if_busy

tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

sides=(now reference)
declare -A binary=([now]=$STACFED [reference]=$REFERENCE)
declare -A db=([now]=$DATABASE_URL [reference]=$REFERENCE_DATABASE_URL)
declare -A port=([now]=$API_PORT [reference]=$((API_PORT + 1)))
declare -A pid_of

# serve SIDE [PREFIX...]: starts SIDE's server (behind PREFIX, e.g. valgrind) and waits until it
# answers; sets pid_of[SIDE].
serve() {
  local side=$1
  shift
  DATABASE_URL=${db[$side]} "$@" "${binary[$side]}" serve --listen "127.0.0.1:${port[$side]}" \
    >"$tmp/$side.log" 2>&1 &
  pid_of[$side]=$!
  pids+=("$!")
  local _
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:${port[$side]}/" >/dev/null 2>&1 && return 0
    kill -0 "${pid_of[$side]}" 2>/dev/null || { cat "$tmp/$side.log" >&2; die "$side: serve exited"; }
    sleep 0.1
  done
  die "$side: the server does not answer"
}

stop() {
  kill "${pid_of[$1]}" 2>/dev/null || true
  wait "${pid_of[$1]}" 2>/dev/null || true
}

# targets SIDE: writes the three request targets of SIDE's server to $tmp/SIDE.NAME (the
# item id and the page-100 link as bench/api.sh finds them; a token is signed with the
# database's own key, so each side follows its own links).
targets() {
  local side=$1 base="http://127.0.0.1:${port[$1]}"
  local item_id
  item_id=$(psql_q -At "${db[$side]}" -c "SELECT id FROM stacfed.items WHERE collection = '$COLLECTION' ORDER BY id OFFSET 500 LIMIT 1")
  [ -n "$item_id" ] || die "$side: collection $COLLECTION has too few items"
  echo "/search?collections=$COLLECTION&limit=10" >"$tmp/$side.collection_limit10"
  echo "/collections/$COLLECTION/items/$item_id" >"$tmp/$side.item_by_id"
  page_target "/search?collections=$COLLECTION&limit=10" 100 "$base" >"$tmp/$side.page100" ||
    die "$side: cannot reach page 100"
}

# cpu_ticks PID: user + system time of a process (all its threads) in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cpu_run SIDE NAME RUN: one wrk run; writes "microseconds_per_request requests" to a file.
cpu_run() {
  local side=$1 name=$2 run=$3 target before after
  target=$(cat "$tmp/$side.$name")
  before=$(cpu_ticks "${pid_of[$side]}")
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:${port[$side]}$target" >"$tmp/wrk.out"
  after=$(cpu_ticks "${pid_of[$side]}")
  python3 - "$before" "$after" "$(getconf CLK_TCK)" "$tmp/wrk.out" >"$tmp/$side.$name.cpu.$run" <<'EOF'
import re, sys
before, after, hz, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
text = open(path).read()
requests = int(re.search(r"(\d+) requests in", text).group(1))
if "Non-2xx" in text or "Socket errors" in text:
    sys.exit("wrk saw errors:\n" + text)
print("%.2f %d" % ((after - before) * 1e6 / hz / requests, requests))
EOF
}

# fixed_requests URL COUNT: COUNT GET requests over 4 keep-alive connections; fails on any
# status but 200.
fixed_requests() {
  python3 - "$1" "$2" <<'EOF'
import http.client, sys, threading, urllib.parse
url, count = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2])
target = url.path + ("?" + url.query if url.query else "")
failures = []
def client(n):
    conn = http.client.HTTPConnection(url.hostname, url.port)
    for _ in range(n):
        conn.request("GET", target)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            failures.append(r.status)
    conn.close()
threads = [threading.Thread(target=client, args=(count // 4 + (i < count % 4),)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
if failures:
    sys.exit("statuses %s" % sorted(set(failures)))
EOF
}

# callgrind_run SIDE NAME RUN: counts the instructions of CALLGRIND_REQUESTS requests; writes the
# instructions per request.
callgrind_run() {
  local side=$1 name=$2 run=$3 target pid=${pid_of[$1]}
  target=$(cat "$tmp/$side.$name")
  fixed_requests "http://127.0.0.1:${port[$side]}$target" 40  # warm: statements prepared
  rm -f "$tmp/cg.$side".*
  callgrind_control --zero "$pid" >/dev/null 2>&1
  fixed_requests "http://127.0.0.1:${port[$side]}$target" "$CALLGRIND_REQUESTS"
  callgrind_control --dump="$name.$run" "$pid" >/dev/null 2>&1
  local dump
  for _ in $(seq 1 50); do
    dump=$(ls "$tmp/cg.$side".* 2>/dev/null | head -1 || true)
    [ -n "$dump" ] && grep -q '^totals:' "$dump" && break
    sleep 0.2
  done
  awk -v n="$CALLGRIND_REQUESTS" '/^totals:/ {printf "%.0f\n", $2 / n}' "$dump" \
    >"$tmp/$side.$name.ir.$run"
}

# report KIND UNIT: medians per query and side, and the ratio now / reference.
report() {
  python3 - "$tmp" "$1" "$2" "$RUNS" $QUERIES <<'EOF'
import statistics, sys
tmp, kind, unit, runs, queries = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
def values(side, name):
    return [float(open("%s/%s.%s.%s.%d" % (tmp, side, name, kind, r)).read().split()[0])
            for r in range(1, runs + 1)]
print("| query | reference: %s (min-max) | now: %s (min-max) | now / reference |" % (unit, unit))
print("|---|---|---|---|")
for name in queries:
    ref, now = values("reference", name), values("now", name)
    fmt = "%.1f" if kind == "cpu" else "%.0f"
    cell = lambda v: (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(v), min(v), max(v))
    print("| %s | %s | %s | **%.3f** |" % (name, cell(ref), cell(now),
                                          statistics.median(now) / statistics.median(ref)))
EOF
}

for side in "${sides[@]}"; do
  serve "$side"
  targets "$side"
done
say "CPU time: wrk -t2 -c$CONNECTIONS -d$DURATION, $RUNS alternating runs"
for name in $QUERIES; do
  for side in "${sides[@]}"; do  # warm-up: statements prepared on every connection
    wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:${port[$side]}$(cat "$tmp/$side.$name")" >/dev/null
  done
  for run in $(seq 1 "$RUNS"); do
    for side in "${sides[@]}"; do
      cpu_run "$side" "$name" "$run"
      say "$name run $run $side: $(cat "$tmp/$side.$name.cpu.$run") (us/request, requests)"
    done
  done
done
for side in "${sides[@]}"; do stop "$side"; done

if [ "$CALLGRIND_REQUESTS" -gt 0 ]; then
  say "instructions: callgrind, $CALLGRIND_REQUESTS requests, $RUNS alternating runs"
  for side in "${sides[@]}"; do
    serve "$side" valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$side.%p"
  done
  for name in $QUERIES; do
    for run in $(seq 1 "$RUNS"); do
      for side in "${sides[@]}"; do
        callgrind_run "$side" "$name" "$run"
        say "$name run $run $side: $(cat "$tmp/$side.$name.ir.$run") instructions/request"
      done
    done
  done
  for side in "${sides[@]}"; do stop "$side"; done
fi

mkdir -p bench/results
out=bench/results/cpu-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  printf '# stacfed CPU per request\n'
  printf 'date: %s; machine: %s, load average at start %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(machine_line)" "$load_avg"
  printf 'commit: %s; reference: %s; medians of %s runs\n\n' "$(commit_line)" "$REFERENCE" "$RUNS"
  printf 'CPU time of the server per request (wrk -t2 -c%s -d%s):\n\n' "$CONNECTIONS" "$DURATION"
  report cpu "us/request"
  if [ "$CALLGRIND_REQUESTS" -gt 0 ]; then
    printf '\nInstructions of the server per request (callgrind, %s requests, 4 connections):\n\n' "$CALLGRIND_REQUESTS"
    report ir "instructions/request"
  fi
} >"$out"
cat "$out"
say "report written to $out"
