// The client of the judge (code_harness.py): check asserts and function calls
// run in one sandbox run, where the judge runs the program in a process of
// its own and compares what it hands back; each assert and call is a test.
#ifndef REWARDS_CODE_JUDGE_H_
#define REWARDS_CODE_JUDGE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "reward/v1/reward.pb.h"
#include "rewards/code/outcome.h"
#include "sandbox/sandbox.h"

namespace rewards {

struct JudgeOptions {
  const sandbox::v1::Limits* test_limits;  // each test's
  int budget;                              // tests it may run
  int64_t left_ms;                         // the call's time left
  bool stop_on_first_failure;
  double float_tolerance;
};

// No verdict on the program from the judge.
struct JudgeError {
  enum class Kind { kSandbox, kBadTests };  // SANDBOX_ERROR, BAD_TESTS
  Kind kind;
  std::string message;
};

// Runs the judge over `tests`' check and calls for the program `code`; each
// test's outcome goes to `tally`, tests past the budget to `not_run`.
std::optional<JudgeError> RunJudge(sandbox::Sandbox& box, const reward::v1::Tests& tests, const std::string& code,
                                   const JudgeOptions& options, TestTally* tally, int* not_run);

// Reads the judge's report in `run`'s output (a line `<token> <JSON>` per
// event, each after a newline), as RunJudge does once the run is over:
// tests the judge planned but did not report count as failed, with the
// run's outcome as the reason. Whatever the program printed is ignored;
// lines cut short or malformed are skipped.
std::optional<JudgeError> ReadJudgeReport(const sandbox::v1::RunResult& run, const std::string& token,
                                          const reward::v1::Tests& tests, const JudgeOptions& options,
                                          TestTally* tally, int* not_run);

// The tests of check code and calls, as the judge would count them (it
// counts exactly; this is for tests it does not get to count).
int JudgeTests(const reward::v1::Tests& tests);

}  // namespace rewards

#endif  // REWARDS_CODE_JUDGE_H_
