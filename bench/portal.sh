#!/usr/bin/env bash
# The portal's static files (issue 19): the largest script of the build sent gzip-compressed,
# A = from the build's precompressed FILE.gz (what stacfed does), B = the same build without
# the .gz files, so that the server compresses each response on the fly (STACFED_GZIP_LEVEL,
# default 1). Runs alternate A and B (ROUNDS, default 3) with
#   wrk -t2 -c8 -d${DURATION:-5}s --latency -H 'Accept-Encoding: gzip' URL
# and prints requests/s, median and p99 latency and the bytes of one response for each, and
# the ratios B/A. Needs portal/dist (portal/build.sh) and build/stacfed; the database is
# found as by bench/api.sh (DATABASE_URL, else bench/data/pg), any migrated one will do.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

[ -f portal/dist/index.html ] || die "no portal/dist: run portal/build.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
tmp=$(mktemp -d)
trap 'stop_server; kill "${pid_b:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
bench_server_url
db_url=$server_url
warn_if_busy 2>/dev/null || true

# B: a copy of the build without its .gz files.
cp -R portal/dist "$tmp/plain"
find "$tmp/plain" -name '*.gz' -delete
file=$(cd portal/dist && ls -S js/*.js | head -1)

STACFED_PORTAL_DIR=$PWD/portal/dist start_server "$db_url" 18701 "$tmp/a.log"
base_a=$base pid_a=$server_pid
server_pid=
STACFED_PORTAL_DIR=$tmp/plain start_server "$db_url" 18702 "$tmp/b.log"
base_b=$base pid_b=$server_pid
server_pid=$pid_a

bytes() { curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$1/browser/$file"; }
say "file: $file ($(stat -c %s "portal/dist/$file") bytes); gzip bytes: A $(bytes "$base_a"), B $(bytes "$base_b")"

run() {  # run NAME BASE ROUND
  wrk -t2 -c8 -d"${DURATION}s" --latency -H 'Accept-Encoding: gzip' "$2/browser/$file" \
    >"$tmp/$1.$3"
}
for round in $(seq "$ROUNDS"); do
  run A "$base_a" "$round"
  run B "$base_b" "$round"
done

summary() {  # summary NAME: median over rounds of req/s, p50 and p99 (ms)
  python3 - "$tmp" "$1" "$ROUNDS" <<'PY'
import re, statistics, sys
tmp, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps, p50, p99 = [], [], []
for r in range(1, rounds + 1):
    text = open(f"{tmp}/{name}.{r}").read()
    rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
    p50.append(ms(*re.search(r"50%\s+([\d.]+)(us|ms|s)", text).groups()))
    p99.append(ms(*re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()))
print(f"{statistics.median(rps):.0f} {statistics.median(p50):.2f} {statistics.median(p99):.2f}")
PY
}
read -r a_rps a_p50 a_p99 < <(summary A)
read -r b_rps b_p50 b_p99 < <(summary B)
printf '| %s | req/s | p50 ms | p99 ms |\n|---|---|---|---|\n' "$file"
printf '| A precompressed .gz | %s | %s | %s |\n' "$a_rps" "$a_p50" "$a_p99"
printf '| B gzip on the fly | %s | %s | %s |\n' "$b_rps" "$b_p50" "$b_p99"
python3 -c "print(f'| B/A | {$b_rps/$a_rps:.2f} | {$b_p50/$a_p50:.2f} | {$b_p99/$a_p99:.2f} |')"
say "$(machine_line); commit $(commit_line)"
