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
