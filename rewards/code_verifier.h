// `code`: the share of the reference's unit tests that the completion's
// program passes, each test run in a fresh sandbox (sandbox/).
//
// Tests (reference.tests): stdin/stdout cases (compared token-wise, numbers
// within 1e-6), assert-style `check` code run after the program (HumanEval's
// check(candidate), MBPP asserts), and function calls (name, JSON args,
// expected JSON, compared as canonical JSON). The check code and calls run in
// one harness, which prints a fresh random marker only after every check
// completed: exiting early with status 0, printing "all tests passed" or
// killing the harness scores as a failure.
// Status: PASSED, WRONG_ANSWER, RUNTIME_ERROR, SYNTAX_ERROR, TIMEOUT,
// MEMORY_LIMIT, OUTPUT_LIMIT, NO_CODE; the reason shows the first failure.
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
