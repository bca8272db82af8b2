#!/usr/bin/env bash
# fuzz.sh [seconds] [target...]: builds the libFuzzer targets (make fuzz,
# clang) and runs each for seconds (8 by default) on a fresh copy of its
# seed corpus (worker/tests/fuzz/seeds/<target>/) in build/fuzz/<target>/,
# one after the other; a finding fails the run and stays in
# build/fuzz/<target>/artifacts/.  scripts/test.sh runs all for 8 s; a
# deeper run: scripts/fuzz.sh 600 amount near_rpc (then merge what it
# found: build/tests/fuzz_amount -merge=1 worker/tests/fuzz/seeds/amount
# build/fuzz/amount/corpus).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

secs=${1:-8}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mm_json update answer_data llm_output base58 borsh amount
                                     near_rpc tg)

make -s fuzz
for t in "${targets[@]}"; do
  dir=build/fuzz/$t
  seeds=worker/tests/fuzz/seeds/$t
  [ "$t" = mm_json ] && seeds=worker/tests/fuzz/seeds/update     # update bodies
  rm -rf "$dir/corpus"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$seeds"/* "$dir/corpus/"
  if ! "build/tests/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "$dir/corpus" \
        >"$dir/log" 2>&1; then
    echo "fuzz_$t: a finding, see $dir/log and $dir/artifacts/" >&2
    tail -n 40 "$dir/log" >&2
    exit 1
  fi
  printf 'fuzz_%-12s %10s runs  cov %5s  ft %6s  corpus %s\n' "$t" \
    "$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")" \
    "$(grep -o 'cov: [0-9]*' "$dir/log" | tail -n 1 | cut -d' ' -f2)" \
    "$(grep -o 'ft: [0-9]*' "$dir/log" | tail -n 1 | cut -d' ' -f2)" \
    "$(ls "$dir/corpus" | wc -l)"
done
