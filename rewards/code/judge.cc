#include "rewards/code/judge.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/code/judge.pb.h"

namespace rewards {
namespace {

// The judge's script, compiled in as `kCodeHarness`.
#include "rewards/code/code_harness.inc"

// The token that marks the judge's report lines: the program cannot know it.
std::string Nonce() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat("harness-done-", rng(), "-", rng());
}

// Lines of Python check code that start with `assert` (top-level asserts:
// each is a test), or with `anywhere`, that mention it at all (at least as
// many as the tests: `x = f(); assert x`, asserts in loops).
int AssertLines(absl::string_view check, bool anywhere) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(check, '\n')) {
    n += anywhere ? absl::StrContains(line, "assert") : absl::StartsWith(line, "assert");
  }
  return n;
}

// The spec the judge reads, as JSON.
bool SpecJson(const reward::v1::Tests& t, const JudgeOptions& o, std::string* json) {
  code::v1::JudgeSpec spec;
  spec.set_check(t.check());
  for (const auto& c : t.calls()) {
    auto* call = spec.add_calls();
    call->set_function(c.function());
    call->set_args(c.args());
    call->set_expected(c.expected());
  }
  spec.set_time_limit_ms(o.test_limits->wall_ms());
  spec.set_max_tests(o.budget);
  spec.set_stop_on_first_failure(o.stop_on_first_failure);
  spec.set_float_tolerance(o.float_tolerance);
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  return google::protobuf::util::MessageToJsonString(spec, json, print).ok();
}

}  // namespace

int JudgeTests(const reward::v1::Tests& t) { return t.calls_size() + std::max(1, AssertLines(t.check(), false)); }

std::optional<JudgeError> RunJudge(sandbox::Sandbox& box, const reward::v1::Tests& t, const std::string& code,
                                   const JudgeOptions& o, TestTally* tally, int* not_run) {
  std::string spec_json;
  if (!SpecJson(t, o, &spec_json)) return JudgeError{JudgeError::Kind::kSandbox, "cannot encode the tests"};
  const std::string token = Nonce();
  sandbox::v1::RunRequest req;
  req.add_argv("/usr/bin/python3");
  req.add_argv("-S");
  req.add_argv("_judge.py");
  (*req.mutable_files())["_judge.py"] = kCodeHarness;
  req.set_trusted_script(true);  // the judge is ours: the zygote compiles it once
  (*req.mutable_files())["solution.py"] = code;
  req.set_stdin(token + "\n" + spec_json);
  *req.mutable_limits() = *o.test_limits;
  // The judge enforces each test's limit; the run as a whole gets one per
  // test, plus one to load the program, plus a second of slack, and never
  // past the call's own time budget (`left_ms`).
  const int tests = std::min(o.budget, t.calls_size() + std::max(1, AssertLines(t.check(), true)));
  const int64_t wall = std::max<int64_t>(
      1, std::min({int64_t{110000}, int64_t{o.test_limits->wall_ms()} * (tests + 1) + 1000, o.left_ms}));
  req.mutable_limits()->set_wall_ms(static_cast<uint32_t>(wall));
  req.mutable_limits()->set_cpu_ms(static_cast<uint32_t>(wall));
  // The judge's report: a line of well under 128 bytes per test (only the
  // first failures carry their detail), so it fits whatever max_tests is.
  req.mutable_limits()->set_max_output_bytes((1u << 20) + 128u * static_cast<uint32_t>(tests));
  auto r = box.Run(req);
  if (!r.ok()) return JudgeError{JudgeError::Kind::kSandbox, std::string(r.status().message())};
  if (r->outcome() == sandbox::v1::RunResult::SETUP_FAILED) return JudgeError{JudgeError::Kind::kSandbox, r->error()};

  return ReadJudgeReport(*r, token, t, o, tally, not_run);
}

std::optional<JudgeError> ReadJudgeReport(const sandbox::v1::RunResult& run, const std::string& token,
                                          const reward::v1::Tests& t, const JudgeOptions& o, TestTally* tally,
                                          int* not_run) {
  const std::string mark = "\n" + token + " ";
  const absl::string_view out = run.stdout();
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  int planned = -1, reported = 0, failed = 0;
  bool done = false;
  for (size_t at = out.find(mark); at != absl::string_view::npos; at = out.find(mark, at + 1)) {
    size_t begin = at + mark.size();
    size_t end = out.find('\n', begin);
    code::v1::JudgeLine line;
    if (!google::protobuf::util::JsonStringToMessage(
             std::string(out.substr(begin, end == absl::string_view::npos ? absl::string_view::npos : end - begin)),
             &line, parse)
             .ok()) {
      continue;  // cut short by the end of the run
    }
    if (line.has_test_error()) return JudgeError{JudgeError::Kind::kBadTests, line.test_error()};
    if (line.has_plan()) {
      // The judge plans at most max_tests (the budget); a plan past it, or a
      // negative count, is not taken at its word: it would record billions
      // of tests, or overflow the count of those not run.
      planned = std::clamp(line.plan(), 0, o.budget);
      *not_run = static_cast<int>(std::min<int64_t>(
          int64_t{*not_run} + std::max(0, line.not_run()), std::numeric_limits<int>::max()));
    }
    if (line.done()) done = true;
    if (line.has_test() && planned >= 0 && reported < planned) {
      const TestStatus status = TestStatusFromName(line.test().status());
      tally->Record({status, status == TestStatus::kPassed ? ""
                                                            : absl::StrCat(line.test().name(), ": ", line.test().detail())});
      ++reported;
      failed += status != TestStatus::kPassed;
    }
  }
  // Tests the judge planned but did not report count as failed: the run was
  // stopped (time, output, memory: the run's outcome says which), or a line
  // could not be read.
  int missing = planned < 0 ? std::min(o.budget, JudgeTests(t)) : planned - reported;
  if (o.stop_on_first_failure) missing = failed > 0 ? 0 : std::min(missing, 1);
  if (missing > 0) {
    TestOutcome outcome =
        done ? TestOutcome{TestStatus::kRuntimeError, "the judge's report of a test was unreadable"} : Classify(run);
    outcome.detail = absl::StrCat("checks: ", outcome.detail);
    for (int i = 0; i < missing; ++i) tally->Record(outcome);
  }
  return std::nullopt;
}

}  // namespace rewards
