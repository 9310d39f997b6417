# shellcheck shell=bash disable=SC2034  # variables set here are read by the sourcing scripts
# Shared helpers of the benchmark scripts; sourced, not run. Expects to be sourced from the
# repository root with `set -euo pipefail` in effect.

say() { printf '%s\n' "$*" >&2; }
die() { say "$(basename "$0"): $*"; exit 1; }

# wrk, hyperfine, /usr/bin/time, curl, PostgreSQL client tools: installs what is missing, quiet
# when everything is there.
deploy/install-deps.sh --bench
command -v psql >/dev/null || PATH=$PATH:/usr/lib/postgresql/15/bin

STACFED=${STACFED:-build/stacfed}
BENCH_DB=${BENCH_DB:-stacfed_bench}

# bench_server_url: sets server_url to the PostgreSQL server the benchmarks use: DATABASE_URL
# when set (its user must be allowed to create databases), else a private embedded cluster
# under bench/data/pg on port BENCH_DB_PORT (default 5499), started if needed.
bench_server_url() {
  if [ -n "${DATABASE_URL:-}" ]; then
    server_url=$DATABASE_URL
    server_where="DATABASE_URL server"
  else
    export STACFED_HOME=$PWD/bench/data/pg
    export STACFED_DB_PORT=${BENCH_DB_PORT:-5499}
    server_url=$(STACFED_DB_NAME=postgres "$STACFED" db start)
    server_where="embedded cluster in bench/data/pg, port $STACFED_DB_PORT"
  fi
}

# url_for NAME: server_url with the database replaced by NAME.
url_for() {
  python3 - "$1" "$server_url" <<'EOF'
import sys, urllib.parse as u
name, url = sys.argv[1], sys.argv[2]
p = u.urlsplit(url)
# Built by hand: urlunsplit drops the "//" of socket URLs such as postgresql:///db?host=/dir.
print(p.scheme + "://" + p.netloc + "/" + name + ("?" + p.query if p.query else ""))
EOF
}

psql_q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# start_server DB_URL PORT LOGFILE: starts `stacfed serve` in the background, sets server_pid and
# base, and waits until the landing page answers.
start_server() {
  base=http://127.0.0.1:$2
  DATABASE_URL=$1 "$STACFED" serve --listen "127.0.0.1:$2" >"$3" 2>&1 &
  server_pid=$!
  local _
  for _ in $(seq 1 100); do
    curl -fs "$base/" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$3" >&2; die "stacfed serve exited"; }
    sleep 0.1
  done
  die "stacfed serve does not answer on $base"
}

stop_server() {
  if [ -n "${server_pid:-}" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

machine_line() {
  printf '%s cores (%s), %s RAM' "$(nproc)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
}

commit_line() {
  local dirty=
  [ -n "$(git status --porcelain 2>/dev/null | head -1)" ] && dirty=" (with uncommitted changes)"
  printf '%s%s' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$dirty"
}

# warn_if_busy: the figures are only worth something on a quiet machine.
warn_if_busy() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if ! python3 -c "import sys; sys.exit(0 if $load < 1.5 else 1)"; then
    say "warning: load average is $load: other work on this machine will skew the figures"
  fi
  load_avg=$load
}

# wrk_pgbench_report TITLE COMMAND_LINE TMP RUNS NAME...: the table of medians of RUNS runs of
# each NAME from TMP/NAME.wrk.N (wrk --latency) and TMP/NAME.pgbench.N, on stdout: req/s,
# p50, p99, TPS and the ratio req/s / TPS (bench/api.sh, bench/filter.sh). A NAME may carry
# "|..." after it (the scripts' query lines), which is cut off.
wrk_pgbench_report() {
  local title=$1 command=$2
  shift 2
  printf '# %s\n' "$title"
  printf 'date: %s; machine: %s, load average at start %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(machine_line)" "$load_avg"
  printf 'commit: %s; database: %s, %s items\n' "$(commit_line)" "$BENCH_DB" "$items"
  printf '%s; medians of %s runs\n\n' "$command" "$2"
  python3 - "$@" <<'EOF'
import re, statistics, sys
tmp, runs, queries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def wrk(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    return rps, lat["50"], lat["99"]
def tps(path):
    return float(re.search(r"^tps = ([\d.]+)", open(path).read(), re.M).group(1))
print("| query | stacfed req/s (min-max) | p50 ms | p99 ms | pgbench TPS (min-max) | ratio |")
print("|---|---|---|---|---|---|")
for q in queries:
    name = q.split("|")[0]
    w = [wrk("%s/%s.wrk.%d" % (tmp, name, r)) for r in range(1, runs + 1)]
    t = [tps("%s/%s.pgbench.%d" % (tmp, name, r)) for r in range(1, runs + 1)]
    rps = [x[0] for x in w]
    print("| %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.0f (%.0f-%.0f) | %.2f |" % (
        name, statistics.median(rps), min(rps), max(rps), statistics.median(x[1] for x in w),
        statistics.median(x[2] for x in w), statistics.median(t), min(t), max(t),
        statistics.median(rps) / statistics.median(t)))
EOF
}

# wrk_post_script BODY: a wrk Lua script (on stdout) that POSTs BODY as JSON.
wrk_post_script() {
  python3 - "$1" <<'EOF'
import json, sys
print('wrk.method = "POST"')
print('wrk.body = %s' % json.dumps(sys.argv[1]))
print('wrk.headers["Content-Type"] = "application/json"')
EOF
}

# bench_db_setup TOOL...: the checks and settings a benchmark of the loaded database
# starts with: the tools and the binary, the server URL (bench_server_url), db_url, sql() (a
# psql command on it) and items of the benchmark database (bench/load.sh leaves it), and a
# warning when the machine is busy.
bench_db_setup() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found (deploy/install-deps.sh --bench)"
  done
  [ -x "$STACFED" ] || die "$STACFED not found: build it (Release) first"
  bench_server_url
  db_url=$(url_for "$BENCH_DB")
  sql() { psql_q -At "$db_url" -c "$1"; }
  items=$(sql "SELECT count(*) FROM stacfed.items") ||
    die "no benchmark database: run bench/load.sh first"
  say "database $BENCH_DB: $items items"
  warn_if_busy
}

# page_target FIRST_TARGET N [BASE]: the target (path and query) of page N of a search,
# following N - 1 next links from FIRST_TARGET as a client does, on the server at BASE
# (default $base). Fails when a page has no next link.
page_target() {
  python3 - "${3:-$base}" "$1" "$2" <<'PY'
import json, sys, urllib.request
base, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = base + target
for page in range(1, n):
    with urllib.request.urlopen(url) as r:
        doc = json.load(r)
    nxt = [l["href"] for l in doc.get("links", []) if l.get("rel") == "next"]
    if not nxt:
        sys.exit("no next link on page %d" % page)
    url = nxt[0]
print(url[len(base):])
PY
}
