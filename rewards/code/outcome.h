// One test's outcome, how a sandbox run maps onto one, and the tally of a
// sample's tests.
//
//   TestTally tally;
//   tally.Record({TestStatus::kPassed, ""});
//   tally.Record(Classify(run_result));   // a run that did not exit cleanly
//   tally.passed(), tally.total(), tally.first_failure()
#ifndef REWARDS_CODE_OUTCOME_H_
#define REWARDS_CODE_OUTCOME_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "sandbox/sandbox.pb.h"

namespace rewards {

enum class TestStatus {
  kPassed,
  kWrongAnswer,
  kRuntimeError,
  kSyntaxError,
  kTimeout,
  kMemoryLimit,
  kOutputLimit,
  kSandboxError,  // no verdict on the program: the sample sits out
};

// "PASSED", "WRONG_ANSWER", ...: the status as verdicts and reasons spell it.
const char* TestStatusName(TestStatus status);
// The status named `name` (as the judge reports it); kRuntimeError for a
// name it does not know.
TestStatus TestStatusFromName(absl::string_view name);

struct TestOutcome {
  TestStatus status = TestStatus::kPassed;
  std::string detail;  // why it failed; "" when it passed
};

// The outcome of a run that did not exit with status 0: a limit, a setup
// failure, a memory error, a syntax error, a signal or an exit status.
TestOutcome Classify(const sandbox::v1::RunResult& r);

// The tests of one sample: how many ran, passed, and the first failure.
class TestTally {
 public:
  void Record(const TestOutcome& o);
  int total() const { return total_; }
  int passed() const { return passed_; }
  bool failed() const { return failure_.has_value(); }
  // The first failure; only when failed().
  const TestOutcome& first_failure() const { return *failure_; }

 private:
  int total_ = 0, passed_ = 0;
  std::optional<TestOutcome> failure_;
};

// The last line of `text` (trailing blanks dropped), clean UTF-8, at most
// 160 bytes.
std::string LastLine(absl::string_view text);
// `s` cut to `n` bytes of clean UTF-8, on one line.
std::string Clip(absl::string_view s, size_t n = 60);

}  // namespace rewards

#endif  // REWARDS_CODE_OUTCOME_H_
