#!/bin/sh
# Builds the benchmarks (Release, in build-bench/) and runs one of them
# (BENCH: bench_ingest, the default, or bench_verdict) RUNS times (default
# 3), each after waiting for the machine to be quiet, then prints the
# RESULT lines and the medians of its main figures.
#
#   bench/run-bench.sh [bench_ingest options] [-- collector options]
#   RUNS=5 bench/run-bench.sh --events 2000000
#   PERF=1 bench/run-bench.sh --no-lmdb    # + perf record -a -g per run
#   BENCH=bench_verdict bench/run-bench.sh [bench_verdict options]
#
# Environment: BENCH, RUNS, BUILD_DIR (default build-bench), QUIET_WAIT
# (seconds to wait for >= 90% idle cores before a run, default 120; 0 =
# don't), PERF (1: record each run with perf into $BUILD_DIR/perf-N.data).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
runs=${RUNS:-3}
quiet_wait=${QUIET_WAIT:-120}
bench=${BENCH:-bench_ingest}
case "$bench" in
  bench_ingest | bench_verdict) ;;
  *) echo "run-bench: BENCH is bench_ingest or bench_verdict" >&2; exit 2 ;;
esac

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DSL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target "$bench" >/dev/null

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

# Runs the bench and says so when it fails: in "bench | tee" the
# pipeline's status is tee's (POSIX sh has no pipefail).
run_one() {
  "$@" || echo "run-bench: FAILED (exit status $?)"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
i=1
while [ "$i" -le "$runs" ]; do
  wait_quiet
  echo "== run $i of $runs"
  if [ "${PERF:-0}" = 1 ]; then
    run_one perf record -q -a -g -o "$build/perf-$i.data" -- \
      "$build/bench/$bench" "$@" | tee -a "$out" || status=1
    echo "perf data: $build/perf-$i.data (perf report -i ... --sort comm,dso,sym)"
  else
    run_one "$build/bench/$bench" "$@" | tee -a "$out" || status=1
  fi
  i=$((i + 1))
done

# The median of KEY=VALUE over the RESULT lines (the lower middle one).
median() {
  grep '^RESULT' "$out" | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR) print v[int((NR + 1) / 2)] }'
}

echo "== summary"
grep '^RESULT' "$out" || true
if grep -q '^run-bench: FAILED' "$out"; then
  status=1
  echo "run-bench: $(grep -c '^run-bench: FAILED' "$out") run(s) failed"
fi
n=$(grep -c '^RESULT' "$out" || true)
if [ "$n" -gt 0 ] && [ "$bench" = bench_ingest ]; then
  printf 'median end-to-end: %s events/s over %s run(s)\n' \
    "$(median e2e_eps)" "$n"
elif [ "$n" -gt 0 ]; then
  printf 'medians over %s run(s): verdict latency p50 %s ms, p99 %s ms, max %s ms; %s runs/s; echo p50 %s us (1 in flight); LMDB synced commit p50 %s ms\n' \
    "$n" "$(median p50_ms)" "$(median p99_ms)" "$(median max_ms)" \
    "$(median runs_per_s)" "$(median echo1_p50_us)" "$(median fsync_p50_ms)"
fi
exit "$status"
