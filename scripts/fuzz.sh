#!/usr/bin/env bash
# Fuzzes the wire decoders and the coordinator runtime with libFuzzer for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]        (default 60)
#
# Builds the MagnusFuzz target with the Swift toolchain's -sanitize=fuzzer into its own
# build folder (.build/fuzz, so the normal build is untouched), starts from the crafted bad
# messages and valid seeds in Tests/Fixtures, keeps the growing corpus in out/fuzz/corpus and
# any crashing input in out/fuzz/crashes/. Exits 1 if a crash was found; replay one with
# `swift run MagnusFuzz out/fuzz/crashes/crash-…` (a normal build replays files).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

echo "fuzz: building MagnusFuzz with -sanitize=fuzzer…"
swift build --scratch-path .build/fuzz -c debug --product MagnusFuzz \
  -Xswiftc -sanitize=fuzzer -Xswiftc -DMAGNUS_FUZZ -Xswiftc -use-ld=lld 2>&1 |
  grep -E "error|warning: |Build complete" || true
binary=.build/fuzz/debug/MagnusFuzz
[ -x "$binary" ] || { echo "fuzz: build failed" >&2; exit 2; }

mkdir -p out/fuzz/corpus out/fuzz/crashes
log=out/fuzz/last-run.log
echo "fuzz: running for $seconds s (log: $log)…"
set +e
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -dict=scripts/fuzz.dict -artifact_prefix=out/fuzz/crashes/ -print_final_stats=1 \
  out/fuzz/corpus Tests/Fixtures/bad-messages Tests/Fixtures/fuzz-seeds >"$log" 2>&1
status=$?
set -e

runs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}')
speed=$(grep -E "^stat::average_exec_per_sec" "$log" | awk '{print $2}')
coverage=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | awk '{print $2}')
corpus=$(find out/fuzz/corpus -type f | wc -l)
crashes=$(grep -cE "^artifact_prefix|Test unit written to" "$log" || true)
echo "fuzz: ${runs:-?} inputs in $seconds s (${speed:-?}/s), coverage ${coverage:-?} edges, corpus $corpus files"
if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
  echo "fuzz: CRASH (libFuzzer exit $status); inputs in out/fuzz/crashes/:" >&2
  grep -E "Test unit written to|Fatal error|Precondition failed|ERROR:" "$log" | head -10 >&2
  exit 1
fi
echo "fuzz: no crash"
