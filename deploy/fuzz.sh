#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-14 (AddressSanitizer and
# UndefinedBehaviorSanitizer in the targets and every library they link) into build-fuzz,
# runs each target's regression inputs (fuzz/regressions/<target>/), then fuzzes each target
# for SECONDS (default 600; 0 only replays the regressions and the seed corpus) from its seed
# corpus and dictionary. Exits non-zero on any crash, leak, timeout or sanitizer report.
#
#   nice -n 10 deploy/fuzz.sh [SECONDS] [TARGET...]
#
# New interesting inputs go to a working corpus outside the repository,
# $STACFED_FUZZ_WORK/corpus/<target> (default ~/.cache/stacfed-fuzz), which later runs start
# from as well; crashing inputs and each run's log go to $STACFED_FUZZ_WORK/artifacts and
# /logs. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_search_query fuzz_search_body fuzz_item fuzz_cql2_text fuzz_cql2_json)
case "$seconds" in
  '' | *[!0-9]*) echo "usage: deploy/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

# The project's build dependencies, then clang with libFuzzer and llvm-symbolizer (for
# readable stack traces), the same way deploy/install-deps.sh installs: only what is missing.
deploy/install-deps.sh
missing=()
for p in clang-14 libclang-rt-14-dev llvm-14; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "stacfed: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "stacfed: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=${STACFED_BUILD_JOBS:-$(nproc)}
# -O1 -g, as libFuzzer's documentation advises: fast enough, and reports name lines.
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSTACFED_FUZZ=ON -DSTACFED_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}"

work=${STACFED_FUZZ_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/stacfed-fuzz}
mkdir -p "$work/logs"
export PATH="/usr/lib/llvm-14/bin:$PATH"  # llvm-symbolizer
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

max_len() {
  case "$1" in
    fuzz_search_query) echo 8192 ;;  # the server takes 8 KiB of request head (server_options.hpp)
    *) echo 65536 ;;
  esac
}

# A report may be printed without the run failing (a sanitizer in recover mode, a check
# that logs): the log is read as well as the exit status.
reported() {
  grep -E -q 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|SUMMARY: |FUZZ_CHECK failed|Test unit written to' "$1"
}

failed=()
for target in "${targets[@]}"; do
  bin="build-fuzz/fuzz/$target"
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  options=(-max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10
           -dict="fuzz/$target.dict" -artifact_prefix="$artifacts/" -print_final_stats=1)

  regressions=()
  if [ -d "fuzz/regressions/$target" ]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done \
      < <(find "fuzz/regressions/$target" -type f ! -name '.*' -print0 | sort -z)
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    echo "== $target: ${#regressions[@]} regression inputs"
    if ! "$bin" "${options[@]}" "${regressions[@]}" >"$log.regressions" 2>&1 ||
        reported "$log.regressions"; then
      tail -n 60 "$log.regressions" >&2
      failed+=("$target (regressions)")
      continue
    fi
  fi

  if [ "$seconds" -eq 0 ]; then
    echo "== $target: the seed and working corpora once"
    run=(-runs=0)
  else
    echo "== $target: fuzzing for $seconds s"
    run=(-max_total_time="$seconds")
  fi
  # The working corpus first: libFuzzer writes the new inputs it finds into it.
  status=0
  "$bin" "${options[@]}" "${run[@]}" "$corpus" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" | tail -n 1 || true
  grep -E '^stat::' "$log" || true
  if [ "$status" -ne 0 ] || reported "$log"; then
    tail -n 60 "$log" >&2
    echo "$target: FAILED (exit $status); log $log, inputs in $artifacts" >&2
    failed+=("$target")
  else
    echo "$target: clean; corpus $(find "$corpus" -type f | wc -l) files in $corpus"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all clean"
