#!/usr/bin/env bash
# make fuzz: builds each libFuzzer target with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs it for FUZZ_SECONDS (default 600)
# from its checked-in corpus; the inputs it finds that reach new code are
# merged (minimised) into that corpus, which `make test` replays with g++.
# A crash, a sanitizer report or an input slower than 10 s stops it with the
# input saved beside the binary (FUZZ_OUT, default /tmp/reward-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
out=${FUZZ_OUT:-/tmp/reward-fuzz}
mkdir -p "$out"

ABSL_STRINGS=(-labsl_strings -labsl_strings_internal -labsl_int128 -labsl_raw_logging_internal -labsl_throw_delegate)
build() {
  local name=$1
  shift
  clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. "$@" \
    -o "$out/$name"
}
build math_answer_fuzzer rewards/fuzz/math_answer_fuzzer.cc rewards/math_answer.cc rewards/utf8.cc "${ABSL_STRINGS[@]}"

for target in math_answer; do
  mkdir -p "$out/$target.new"
  (cd "$out" && "./${target}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 "$target.new" "$OLDPWD/rewards/fuzz/corpus/$target")
  "$out/${target}_fuzzer" -merge=1 "rewards/fuzz/corpus/$target" "$out/$target.new"
done
