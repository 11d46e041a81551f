// libFuzzer target: the decoder of the judge's report (rewards/code/judge.h,
// ReadJudgeReport), on what a judge run might have printed. The first byte
// picks the options (budget, stop on first failure) and the run's outcome;
// the rest is the run's stdout, where the judge's lines are those after a
// newline that start with the token "harness-done-1-2 ". The tally must
// stay within what the options allow: never more tests than the budget.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rewards/code/judge.h"
#include "rewards/code/outcome.h"
#include "sandbox/sandbox.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t options = data[0];
  sandbox::v1::RunResult run;
  run.set_stdout(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  run.set_outcome(static_cast<sandbox::v1::RunResult::Outcome>(options >> 4 & 7));
  run.set_exit_code(options >> 7);

  reward::v1::Tests tests;
  tests.set_check("assert f(1) == 1\nassert f(2) == 4\n");
  tests.add_calls()->set_function("f");
  sandbox::v1::Limits limits;
  limits.set_wall_ms(1000);
  rewards::JudgeOptions o{&limits, /*budget=*/1 + (options & 7), /*left_ms=*/10000,
                          /*stop_on_first_failure=*/(options & 8) != 0, /*float_tolerance=*/1e-6};
  rewards::TestTally tally;
  int not_run = 0;
  std::optional<rewards::JudgeError> error =
      rewards::ReadJudgeReport(run, "harness-done-1-2", tests, o, &tally, &not_run);
  if (error.has_value()) return 0;
  if (tally.total() > o.budget || tally.passed() > tally.total() || not_run < 0) std::abort();
  return 0;
}
