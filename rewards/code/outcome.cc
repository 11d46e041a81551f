#include "rewards/code/outcome.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rewards/utf8.h"

namespace rewards {
namespace {

struct Named {
  TestStatus status;
  const char* name;
};
constexpr Named kNames[] = {
    {TestStatus::kPassed, "PASSED"},           {TestStatus::kWrongAnswer, "WRONG_ANSWER"},
    {TestStatus::kRuntimeError, "RUNTIME_ERROR"}, {TestStatus::kSyntaxError, "SYNTAX_ERROR"},
    {TestStatus::kTimeout, "TIMEOUT"},         {TestStatus::kMemoryLimit, "MEMORY_LIMIT"},
    {TestStatus::kOutputLimit, "OUTPUT_LIMIT"}, {TestStatus::kSandboxError, "SANDBOX_ERROR"},
};

}  // namespace

const char* TestStatusName(TestStatus status) {
  for (const Named& n : kNames) {
    if (n.status == status) return n.name;
  }
  return "RUNTIME_ERROR";
}

TestStatus TestStatusFromName(absl::string_view name) {
  for (const Named& n : kNames) {
    if (name == n.name) return n.status;
  }
  return TestStatus::kRuntimeError;
}

std::string LastLine(absl::string_view text) {
  std::string t(absl::StripTrailingAsciiWhitespace(text));
  size_t nl = t.rfind('\n');
  return CleanUtf8(nl == std::string::npos ? t : absl::string_view(t).substr(nl + 1), 160);
}

std::string Clip(absl::string_view s, size_t n) {
  std::string t = CleanUtf8(s, n);
  for (char& c : t) {
    if (c == '\n') c = ' ';
  }
  return t;
}

TestOutcome Classify(const sandbox::v1::RunResult& r) {
  using sandbox::v1::RunResult;
  switch (r.outcome()) {
    case RunResult::WALL_TIMEOUT:
    case RunResult::CPU_TIMEOUT:
      return {TestStatus::kTimeout, absl::StrCat("time limit (", static_cast<int>(r.wall_ms()), " ms)")};
    case RunResult::OUTPUT_LIMIT:
      return {TestStatus::kOutputLimit, "output limit"};
    case RunResult::MEMORY_LIMIT:
      return {TestStatus::kMemoryLimit, "memory limit (cgroup)"};
    case RunResult::SETUP_FAILED:
      return {TestStatus::kSandboxError, r.error()};
    default:
      break;
  }
  if (absl::StrContains(r.stderr(), "MemoryError")) return {TestStatus::kMemoryLimit, "MemoryError"};
  if (absl::StrContains(r.stderr(), "std::bad_alloc")) return {TestStatus::kMemoryLimit, "std::bad_alloc"};
  if (absl::StrContains(r.stderr(), "SyntaxError") || absl::StrContains(r.stderr(), "IndentationError")) {
    return {TestStatus::kSyntaxError, LastLine(r.stderr())};
  }
  if (r.outcome() == RunResult::SIGNALED) {
    return {TestStatus::kRuntimeError, absl::StrCat("killed by signal ", r.signal())};
  }
  std::string last = LastLine(r.stderr());
  return {TestStatus::kRuntimeError, last.empty() ? absl::StrCat("exit status ", r.exit_code()) : last};
}

void TestTally::Record(const TestOutcome& o) {
  ++total_;
  if (o.status == TestStatus::kPassed) {
    ++passed_;
  } else if (!failure_) {
    failure_ = o;
  }
}

}  // namespace rewards
