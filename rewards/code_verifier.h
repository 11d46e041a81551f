// `code`: the share of the reference's unit tests that the completion's
// program passes, in the sandbox (sandbox/).
//
// Tests (reference.tests): stdin/stdout cases (compared token-wise, numbers
// within `float_tolerance`), each in a fresh sandbox; then, in one sandbox
// through the judge of code_harness.py, each top-level assert of the `check`
// code (HumanEval's check(candidate) is one, MBPP's asserts one each) and
// each function call (name, JSON args, expected JSON). The judge runs the
// checks and comparisons outside the program's process, which can only hand
// back plain data: exiting early, printing "all tests passed", objects that
// equal everything, patching modules or killing the judge fail.
// Status: PASSED, WRONG_ANSWER, RUNTIME_ERROR, SYNTAX_ERROR, COMPILE_ERROR,
// TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, NO_CODE; the reason shows the first
// failure. No verdict (the sample sits out): SANDBOX_ERROR, BAD_TESTS.
#ifndef REWARDS_CODE_VERIFIER_H_
#define REWARDS_CODE_VERIFIER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace rewards {

// The program in `completion`: the last fenced block of `language` (or with
// no language), searched in the whole completion (extract="fenced") or in
// its <answer> region (extract="answer", all of the region without a block).
std::string ExtractCode(absl::string_view completion, const std::string& language, const std::string& extract);

// Token-wise comparison after whitespace normalisation; tokens that are both
// numbers may differ by `float_tolerance` (relative, at least absolute).
bool OutputsMatch(absl::string_view got, absl::string_view want, double float_tolerance);

// Where the sandbox runner is: SetCodeSandboxRunner's path, else
// $REWARD_SANDBOX_RUNNER, else sandbox-runner beside the executable.
void SetCodeSandboxRunner(const std::string& path);
std::string CodeSandboxRunner();

}  // namespace rewards

#endif  // REWARDS_CODE_VERIFIER_H_
