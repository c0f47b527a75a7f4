#!/bin/sh
# Builds the benchmarks (Release, in build-bench/) and runs bench_ingest
# RUNS times (default 3), each after waiting for the machine to be quiet,
# then prints the RESULT lines and the median of the end-to-end rate.
#
#   bench/run-bench.sh [bench_ingest options] [-- collector options]
#   RUNS=5 bench/run-bench.sh --events 2000000
#   PERF=1 bench/run-bench.sh --no-lmdb    # + perf record -a -g per run
#
# Environment: RUNS, BUILD_DIR (default build-bench), QUIET_WAIT (seconds
# to wait for >= 90% idle cores before a run, default 120; 0 = don't),
# PERF (1: record each run with perf into $BUILD_DIR/perf-N.data).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
runs=${RUNS:-3}
quiet_wait=${QUIET_WAIT:-120}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DSL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_ingest >/dev/null

# Percent of all cores' time idle over one second (/proc/stat, proc(5)).
idle_pct() {
  a=$(head -n1 /proc/stat)
  sleep 1
  b=$(head -n1 /proc/stat)
  printf '%s\n%s\n' "$a" "$b" | awk '
    { t = 0; for (i = 2; i <= 9; i++) t += $i; tot[NR] = t; idl[NR] = $5 + $6 }
    END { d = tot[2] - tot[1]; print (d > 0 ? int(100 * (idl[2] - idl[1]) / d) : 100) }'
}

wait_quiet() {
  [ "$quiet_wait" -gt 0 ] || return 0
  waited=0
  while :; do
    pct=$(idle_pct)
    [ "$pct" -ge 90 ] && return 0
    waited=$((waited + 1))
    if [ "$waited" -ge "$quiet_wait" ]; then
      echo "run-bench: the machine is still busy (${pct}% idle); running anyway" >&2
      return 0
    fi
  done
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
i=1
while [ "$i" -le "$runs" ]; do
  wait_quiet
  echo "== run $i of $runs"
  if [ "${PERF:-0}" = 1 ]; then
    perf record -q -a -g -o "$build/perf-$i.data" -- \
      "$build/bench/bench_ingest" "$@" | tee -a "$out" || status=1
    echo "perf data: $build/perf-$i.data (perf report -i ... --sort comm,dso,sym)"
  else
    "$build/bench/bench_ingest" "$@" | tee -a "$out" || status=1
  fi
  i=$((i + 1))
done

echo "== summary"
grep '^RESULT' "$out" || true
grep '^RESULT' "$out" | sed 's/.* e2e_eps=\([0-9]*\).*/\1/' | sort -n | awk '
  { v[NR] = $1 }
  END { if (NR) printf "median end-to-end: %d events/s over %d run(s)\n", v[int((NR + 1) / 2)], NR }'
exit "$status"
