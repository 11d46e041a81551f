// `code`: does the completion's program pass the reference's unit tests?
// Python 3, and C++17 (compiled once per distinct source, io cases). Each io
// case runs in a fresh sandbox (io_tests.h); check asserts and calls run in
// one sandbox through the judge (judge.h), each counted as a test.
#include "rewards/code/code_verifier.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rewards/code/compile_cache.h"
#include "rewards/code/extract.h"
#include "rewards/code/io_tests.h"
#include "rewards/code/judge.h"
#include "rewards/code/outcome.h"
#include "rewards/json_check.h"
#include "rewards/utf8.h"
#include "rewards/verifier.h"
#include "sandbox/sandbox.h"

namespace rewards {
namespace {

class CodeVerifier : public Verifier {
 public:
  CodeVerifier(std::string extract, bool all_or_nothing, int time_ms, int memory_mb, int max_tests, bool stop_first,
               double float_tolerance, int compile_ms, CodeResources resources)
      : resources_(resources),
        extract_(std::move(extract)),
        all_or_nothing_(all_or_nothing),
        time_ms_(time_ms),
        memory_mb_(memory_mb),
        max_tests_(max_tests),
        stop_first_(stop_first),
        float_tolerance_(float_tolerance),
        compile_ms_(compile_ms) {}

  absl::Status CheckReference(const reward::v1::Reference& ref) const override {
    const auto& t = ref.tests();
    std::string lang = t.language().empty() ? "python" : t.language();
    if (lang != "python" && lang != "cpp") {
      return absl::InvalidArgumentError(
          absl::StrCat("tests.language: '", CleanUtf8(lang, 60), "' is not one of python, cpp"));
    }
    if (lang == "cpp" && (!t.check().empty() || t.calls_size() > 0)) {
      return absl::InvalidArgumentError("tests: check and calls are Python-only; give C++ io cases");
    }
    if (t.io_size() == 0 && t.check().empty() && t.calls_size() == 0) {
      return absl::InvalidArgumentError("tests has no io, check or calls");
    }
    for (int i = 0; i < t.calls_size(); ++i) {
      const auto& c = t.calls(i);
      const std::string where = absl::StrCat("tests.calls[", i, "]");
      if (c.function().empty() || !std::all_of(c.function().begin(), c.function().end(), [](char ch) {
            return absl::ascii_isalnum(static_cast<unsigned char>(ch)) || ch == '_';
          })) {
        return absl::InvalidArgumentError(absl::StrCat(where, ".function: '", CleanUtf8(c.function(), 60),
                                                       "' is not a Python identifier"));
      }
      // Checked, not built: one linear pass whatever the nesting (the judge
      // parses them with Python's json, which accepts all these texts).
      absl::StatusOr<JsonType> args = CheckJson(c.args());
      if (!args.ok() || *args != JsonType::kArray) {
        return absl::InvalidArgumentError(absl::StrCat(where, ".args: '", CleanUtf8(c.args(), 60),
                                                       "' is not a JSON array of arguments"));
      }
      if (!CheckJson(c.expected()).ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ".expected: '", CleanUtf8(c.expected(), 60),
                                                       "' is not JSON"));
      }
    }
    return absl::OkStatus();
  }

  Verdict Score(const SampleInput& in) const override {
    sandbox::Sandbox* shared = resources_.sandbox;
    if (shared == nullptr) {
      std::string runner = CodeSandboxRunner();
      if (runner.empty()) return Verdict::Error("SANDBOX_UNAVAILABLE", "no sandbox-runner found");
      shared = &sandbox::SharedSandbox(runner);
    }
    sandbox::Sandbox& box = *shared;
    CompileCache& cache = resources_.compile_cache ? *resources_.compile_cache : CompileCache::Shared();
    const auto& t = in.reference->tests();
    const bool cpp = t.language() == "cpp";
    std::string code = ExtractCode(in.completion, cpp ? "cpp" : "python", extract_);
    if (absl::StripAsciiWhitespace(code).empty()) {
      return Verdict::Outcome(0, "NO_CODE", absl::StrCat("no ", cpp ? "C++" : "python", " code block"));
    }
    CompileResult compiled;
    if (cpp) {
      const int64_t left_ms = absl::ToInt64Milliseconds(in.deadline - absl::Now()) - 1000;
      compiled = cache.Compile(box, code, std::min<int64_t>(compile_ms_, left_ms));
      if (compiled.error == CompileResult::Error::kCompile) {
        return Verdict::Outcome(0, "COMPILE_ERROR", compiled.message);
      }
      if (compiled.error == CompileResult::Error::kSandbox) return Verdict::Error("SANDBOX_ERROR", compiled.message);
    }

    const sandbox::v1::Limits limits = TestLimits(t);
    TestTally tally;
    const int budget = max_tests_;
    int not_run = std::max(0, t.io_size() - budget);  // io cases past max_tests; the judge adds its own
    // The call's time budget (the scheduler's deadline): a test starts only
    // if its whole time limit fits, so the verifier answers before the
    // scheduler would abandon it. A program cannot buy itself out of a low
    // score by being slow: see out_of_time below.
    // The room a test needs is its limit, the sandbox's setup (seconds on a
    // loaded machine: twice the longest seen in this call) and a second.
    IoProgress io;
    auto fits = [&](int64_t ms) {
      const int64_t setup = static_cast<int64_t>(2 * io.max_setup_ms);
      return absl::Now() + absl::Milliseconds(ms + setup + 1000) < in.deadline;
    };
    // A cancelled call (the client went away) just stops; a deadline reached
    // is out_of_time, whose tests fail.
    auto cancelled = [&] { return in.cancelled != nullptr && in.cancelled->load(std::memory_order_relaxed); };
    absl::Status ran = RunIoTests(box, t, IoProgram{cpp, &code, &compiled},
                                  IoOptions{&limits, budget, stop_first_, float_tolerance_, fits, cancelled}, &tally,
                                  &io);
    if (!ran.ok()) return Verdict::Error("SANDBOX_ERROR", std::string(ran.message()));
    bool out_of_time = io.out_of_time;
    const bool judged = !t.check().empty() || t.calls_size() > 0;
    const int judge_tests = JudgeTests(t);
    const bool stopped = stop_first_ && tally.failed();
    if (judged && tally.total() < budget && !stopped && !cancelled()) {
      if (out_of_time || !fits(limits.wall_ms())) {
        out_of_time = true;
      } else {
        const int64_t left_ms = absl::ToInt64Milliseconds(in.deadline - absl::Now()) - 1000;
        std::optional<JudgeError> error =
            RunJudge(box, t, code, JudgeOptions{&limits, budget - tally.total(), left_ms, stop_first_, float_tolerance_},
                     &tally, &not_run);
        if (error) {
          return Verdict::Error(error->kind == JudgeError::Kind::kBadTests ? "BAD_TESTS" : "SANDBOX_ERROR",
                                error->message);
        }
      }
    } else if (judged && tally.total() >= budget) {
      not_run += judge_tests;  // max_tests left none for them
    }
    if (stop_first_ && tally.failed()) {
      // Stopping at the first failure saves time, not score: the tests it
      // skipped fail, so the fraction is over every test as without the
      // option (else a program right on the first test only would score 1/2).
      const int all = std::min(budget, t.io_size() + (judged ? judge_tests : 0));
      const TestOutcome skipped{tally.first_failure().status, "not run: stopped at the first failure"};
      while (tally.total() < all) tally.Record(skipped);
    }
    if (out_of_time) {
      // Tests the budget left no time for fail: being slow must not turn a
      // low score into no score (a sample without a score sits out, which a
      // program could prefer to failing the tests it cannot solve).
      int unrun = std::min(budget - tally.total(),
                           (t.io_size() - io.done) + (judged && tally.total() < budget ? judge_tests : 0));
      for (int i = 0; i < unrun; ++i) tally.Record({TestStatus::kTimeout, "not run: the sample's time budget ran out"});
    }
    return Conclude(tally, not_run);
  }

 private:
  CodeResources resources_;
  // Each test's limits: the reference's, else the verifier's.
  sandbox::v1::Limits TestLimits(const reward::v1::Tests& t) const {
    sandbox::v1::Limits limits;
    limits.set_wall_ms(t.time_limit_ms() ? t.time_limit_ms() : time_ms_);
    limits.set_cpu_ms(limits.wall_ms());
    limits.set_memory_mb(t.memory_limit_mb() ? t.memory_limit_mb() : memory_mb_);
    limits.set_max_output_bytes(1 << 20);
    return limits;
  }

  // The verdict on a sample's tests (`not_run`: past max_tests).
  Verdict Conclude(const TestTally& tally, int not_run) const {
    if (tally.total() == 0) return Verdict::Error("NO_TESTS", "no test could run");
    // The sandbox failing is no verdict on the program: the sample sits out.
    if (tally.failed() && tally.first_failure().status == TestStatus::kSandboxError) {
      return Verdict::Error("SANDBOX_ERROR", tally.first_failure().detail);
    }
    const int passed = tally.passed(), total = tally.total();
    double score = all_or_nothing_ ? (passed == total ? 1.0 : 0.0) : static_cast<double>(passed) / total;
    const std::string skipped =
        not_run > 0 ? absl::StrCat(" (", not_run, " more not run: max_tests ", max_tests_, ")") : "";
    if (passed == total) {
      return Verdict::Outcome(score, "PASSED", absl::StrCat(passed, "/", total, " tests passed", skipped));
    }
    return Verdict::Outcome(score, TestStatusName(tally.first_failure().status),
                            absl::StrCat(passed, "/", total, " passed", skipped, "; ", tally.first_failure().detail));
  }

  std::string extract_;
  bool all_or_nothing_;
  int time_ms_, memory_mb_, max_tests_;
  bool stop_first_;
  double float_tolerance_;
  int compile_ms_;
};

class CodeVerifierFactory : public VerifierFactory {
 public:
  std::string Name() const override { return "code"; }
  std::string Description() const override {
    return "Unit tests in a sandbox (namespaces, seccomp, limits): stdin/stdout cases, assert-style checks "
           "and function calls from reference.tests, each a test; checks and calls judged outside the "
           "program's process. Python 3 (warm zygote), and C++17 (io cases) compiled with g++.";
  }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>{
        ParamSpec::Enum("extract", {"fenced", "answer"}, "fenced",
                        "fenced: the last fenced block of the language; answer: the <answer> region (a "
                        "fenced block inside it, else all of it)."),
        ParamSpec::Enum("mode", {"fraction", "all_or_nothing"}, "fraction",
                        "fraction: the share of tests passed; all_or_nothing: 1 only if all pass."),
        ParamSpec::Number("time_limit_ms", 2000, 10, 60000,
                          "Per-test wall-clock and CPU limit, unless tests.timeLimitMs is set."),
        ParamSpec::Number("memory_limit_mb", 256, 16, 4096, "Per-test address-space limit, unless tests.memoryLimitMb."),
        ParamSpec::Number("max_tests", 1000, 1, 10000,
                          "At most this many tests run (io cases, then check asserts, then calls); the reason "
                          "says how many more were not run."),
        ParamSpec::Bool("stop_on_first_failure", false,
                        "Stop at the first failing test (saves time; the tests skipped count as failed)."),
        ParamSpec::Number("float_tolerance", 1e-6, 0, 1,
                          "io cases and calls: numbers may differ by this much (relative, and absolute below 1; "
                          "in calls only where a float is involved); 0 compares exactly."),
        ParamSpec::Number("compile_time_limit_ms", 30000, 500, 110000,
                          "C++: the compiler's wall-clock and CPU limit (also cut to the call's budget). A "
                          "compile stopped by it is COMPILE_ERROR and is not cached."),
    };
    return *specs;
  }
  absl::Duration DefaultTimeout() const override { return absl::Seconds(120); }

  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p) const override {
    return Create(p, VerifierContext::Empty());
  }
  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p,
                                                   const VerifierContext& context) const override {
    const CodeResources* shared = context.Get<CodeResources>();
    return std::make_unique<CodeVerifier>(p.GetString("extract"), p.GetString("mode") == "all_or_nothing",
                                          static_cast<int>(p.GetNumber("time_limit_ms")),
                                          static_cast<int>(p.GetNumber("memory_limit_mb")),
                                          static_cast<int>(p.GetNumber("max_tests")),
                                          p.GetBool("stop_on_first_failure"), p.GetNumber("float_tolerance"),
                                          static_cast<int>(p.GetNumber("compile_time_limit_ms")),
                                          shared ? *shared : CodeResources());
  }
};

REGISTER_VERIFIER(CodeVerifierFactory);

}  // namespace

namespace {
std::string& RunnerOverride() {
  static auto* path = new std::string();
  return *path;
}
}  // namespace

void SetCodeSandboxRunner(const std::string& path) { RunnerOverride() = path; }

void AddCodeResources(VerifierContext* context) {
  auto code = std::make_shared<CodeResources>();
  const std::string runner = CodeSandboxRunner();
  if (!runner.empty()) code->sandbox = &sandbox::SharedSandbox(runner);
  code->compile_cache = &CompileCache::Shared();
  context->Set(std::move(code));
}

CodeStats GetCodeStats(const VerifierContext& context) {
  CodeStats stats;
  if (const CodeResources* code = context.Get<CodeResources>(); code != nullptr) {
    if (code->sandbox != nullptr) stats.sandbox = code->sandbox->GetStats();
    if (code->compile_cache != nullptr) {
      stats.compile_hits = code->compile_cache->hits();
      stats.compile_misses = code->compile_cache->misses();
    }
  }
  return stats;
}

std::string CodeSandboxRunner() {
  if (!RunnerOverride().empty()) return RunnerOverride();
  if (const char* env = std::getenv("REWARD_SANDBOX_RUNNER"); env != nullptr && *env) return env;
  return sandbox::RunnerBesideExecutable();
}

}  // namespace rewards
