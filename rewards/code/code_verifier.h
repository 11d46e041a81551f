// `code`: the share of the reference's unit tests that the completion's
// program passes, in the sandbox (sandbox/).
//
// Tests (reference.tests): stdin/stdout cases (compared token-wise, numbers
// within `float_tolerance`), each in a fresh sandbox; then, in one sandbox
// through the judge (judge.h, code_harness.py), each top-level assert of the `check`
// code (HumanEval's check(candidate) is one, MBPP's asserts one each) and
// each function call (name, JSON args, expected JSON). The judge runs the
// checks and comparisons outside the program's process, which can only hand
// back plain data: exiting early, printing "all tests passed", objects that
// equal everything, patching modules or killing the judge fail.
// Status: PASSED, WRONG_ANSWER, RUNTIME_ERROR, SYNTAX_ERROR, COMPILE_ERROR,
// TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, NO_CODE; the reason shows the first
// failure. No verdict (the sample sits out): SANDBOX_ERROR, BAD_TESTS.
#ifndef REWARDS_CODE_CODE_VERIFIER_H_
#define REWARDS_CODE_CODE_VERIFIER_H_

#include <string>

#include "rewards/code/compile_cache.h"
#include "rewards/verifier.h"
#include "sandbox/sandbox.h"

namespace rewards {

// The code verifier's shared resources, taken from the VerifierContext it is
// built with (verifier.h); a null one is the process-wide default.
struct CodeResources {
  sandbox::Sandbox* sandbox = nullptr;      // default: the one for CodeSandboxRunner()
  CompileCache* compile_cache = nullptr;    // default: CompileCache::Shared()
};

// Puts the code verifier's resources in a server's context: the sandbox
// client of CodeSandboxRunner() (when there is a runner) and the
// process-wide compile cache.
void AddCodeResources(VerifierContext* context);

// What the code verifier's resources in `context` have done, for
// monitoring (zeros when it has none).
struct CodeStats {
  sandbox::Sandbox::Stats sandbox;
  uint64_t compile_hits = 0;
  uint64_t compile_misses = 0;
};
CodeStats GetCodeStats(const VerifierContext& context);

// Where the sandbox runner is: SetCodeSandboxRunner's path, else
// $REWARD_SANDBOX_RUNNER, else sandbox-runner beside the executable.
void SetCodeSandboxRunner(const std::string& path);
std::string CodeSandboxRunner();

}  // namespace rewards

#endif  // REWARDS_CODE_CODE_VERIFIER_H_
