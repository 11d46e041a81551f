// A program against the io cases of its tests (stdin in, stdout compared),
// each case in a fresh sandbox run.
#ifndef REWARDS_CODE_IO_TESTS_H_
#define REWARDS_CODE_IO_TESTS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "reward/v1/reward.pb.h"
#include "rewards/code/compile_cache.h"
#include "rewards/code/outcome.h"
#include "sandbox/sandbox.h"

namespace rewards {

struct IoProgram {
  bool cpp = false;
  const std::string* source = nullptr;  // Python: the program's text
  const CompileResult* binary = nullptr;  // C++: the compiled program
};

struct IoOptions {
  const sandbox::v1::Limits* limits;  // each case's
  int budget;                         // at most this many tests in all (tally included)
  bool stop_on_first_failure;
  double float_tolerance;
  // Whether a test of `ms` still fits the call's time budget.
  std::function<bool(int64_t ms)> fits;
  // Whether the call was cancelled (then the cases just stop).
  std::function<bool()> cancelled;
};

struct IoProgress {
  int done = 0;              // cases run
  bool out_of_time = false;  // a case did not fit the call's budget
  double max_setup_ms = 0;   // the longest sandbox setup of a case so far
};

// Runs the cases in order until the budget, a failure (with
// stop_on_first_failure), the time or a cancellation stops them; each
// outcome goes to `tally`. An error means the sandbox could not run a case
// (no verdict on the program).
absl::Status RunIoTests(sandbox::Sandbox& box, const reward::v1::Tests& tests, const IoProgram& program,
                        const IoOptions& options, TestTally* tally, IoProgress* progress);

}  // namespace rewards

#endif  // REWARDS_CODE_IO_TESTS_H_
