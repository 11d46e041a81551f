#!/usr/bin/env bash
# make fuzz: builds each libFuzzer target with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer; bazel --config=fuzz, in an output base of its
# own) and runs it for FUZZ_SECONDS (default 600) from its checked-in corpus;
# the inputs it finds that reach new code are merged (minimised) into that
# corpus, which `make test` replays with g++. A crash, a sanitizer report or
# an input slower than 10 s stops it with the input saved in FUZZ_OUT
# (default /tmp/reward-fuzz), where each run's log is kept too.
#   FUZZ_TARGETS="language judge_report" tools/fuzz.sh   (some of them)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
out=${FUZZ_OUT:-/tmp/reward-fuzz}
base=${FUZZ_BAZEL_BASE:-$out/bazel}
mkdir -p "$out"

# name -> package
declare -A package=(
  [math_answer]=rewards/fuzz [format_verifier]=rewards/fuzz [language]=rewards/fuzz
  [judge_report]=rewards/fuzz [score_request]=server/fuzz [cli_jsonl]=server/fuzz
  [sandbox_framing]=sandbox/fuzz
)
targets=${FUZZ_TARGETS:-math_answer format_verifier language judge_report score_request cli_jsonl sandbox_framing}

labels=()
for t in $targets; do labels+=("//${package[$t]}:${t}_fuzzer"); done
bazel --output_base="$base" --max_idle_secs=300 build --config=fuzz "${labels[@]}"
bin=$(bazel --output_base="$base" --max_idle_secs=300 info --config=fuzz bazel-bin)

for t in $targets; do
  corpus="${package[$t]}/corpus/$t"
  cp "$bin/${package[$t]}/${t}_fuzzer" "$out/"
  rm -rf "$out/$t.new" && mkdir -p "$out/$t.new"
  echo "== $t: ${seconds}s, log $out/$t.log"
  (cd "$out" && "./${t}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 "$t.new" "$OLDPWD/$corpus") >"$out/$t.log" 2>&1 || { tail -40 "$out/$t.log"; exit 1; }
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|#[0-9]+ *DONE" "$out/$t.log" || true
  "$out/${t}_fuzzer" -merge=1 "$corpus" "$out/$t.new" >>"$out/$t.log" 2>&1
done
