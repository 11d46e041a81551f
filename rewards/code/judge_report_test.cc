// The decoder of the judge's report (ReadJudgeReport), without a sandbox.
#include <climits>
#include <string>

#include "gtest/gtest.h"
#include "rewards/code/judge.h"
#include "rewards/code/outcome.h"

namespace rewards {
namespace {

constexpr char kToken[] = "harness-done-7-9";

struct Report {
  TestTally tally;
  int not_run = 0;
  std::optional<JudgeError> error;
};

Report Read(const std::string& out, int budget, bool stop_on_first_failure = false) {
  sandbox::v1::RunResult run;
  run.set_outcome(sandbox::v1::RunResult::EXITED);
  run.set_stdout(out);
  reward::v1::Tests tests;
  tests.set_check("assert f(1) == 1\nassert f(2) == 4\n");
  sandbox::v1::Limits limits;
  limits.set_wall_ms(1000);
  JudgeOptions o{&limits, budget, 10000, stop_on_first_failure, 1e-6};
  Report r;
  r.error = ReadJudgeReport(run, kToken, tests, o, &r.tally, &r.not_run);
  return r;
}

std::string Line(const std::string& json) { return std::string("\n") + kToken + " " + json; }

TEST(JudgeReportTest, CountsReportedTests) {
  Report r = Read("noise" + Line(R"({"plan":2,"notRun":1})") + Line(R"({"test":{"name":"a","status":"PASSED"}})") +
                      Line(R"({"test":{"name":"b","status":"WRONG_ANSWER","detail":"got 3"}})") +
                      Line(R"({"done":true})") + "\n",
                  5);
  ASSERT_FALSE(r.error.has_value());
  EXPECT_EQ(r.tally.total(), 2);
  EXPECT_EQ(r.tally.passed(), 1);
  EXPECT_EQ(r.not_run, 1);
  EXPECT_EQ(r.tally.first_failure().detail, "b: got 3");
}

// Found by the judge_report fuzz target: a plan past the budget was taken at
// its word (INT_MAX planned tests recorded one by one as missing), and the
// count of tests not run could overflow.
TEST(JudgeReportTest, PlanIsCappedAtTheBudget) {
  Report r = Read(Line(R"({"plan":2147483647,"notRun":2147483647})") + Line(R"({"plan":5,"notRun":2147483647})") +
                      Line(R"({"test":{"name":"a","status":"PASSED"}})") + "\n",
                  3);
  ASSERT_FALSE(r.error.has_value());
  EXPECT_EQ(r.tally.total(), 3);
  EXPECT_EQ(r.tally.passed(), 1);
  EXPECT_EQ(r.not_run, INT_MAX);
}

TEST(JudgeReportTest, NegativeCountsAreZero) {
  Report r = Read(Line(R"({"plan":-4,"notRun":-9})") + Line(R"({"done":true})") + "\n", 3);
  ASSERT_FALSE(r.error.has_value());
  EXPECT_EQ(r.tally.total(), 0);
  EXPECT_EQ(r.not_run, 0);
}

TEST(JudgeReportTest, BadTestsAndCutLines) {
  Report bad = Read(Line(R"({"testError":"SyntaxError in check"})") + "\n", 3);
  ASSERT_TRUE(bad.error.has_value());
  EXPECT_EQ(bad.error->kind, JudgeError::Kind::kBadTests);
  // A run stopped mid-line: the planned tests not reported fail.
  Report cut = Read(Line(R"({"plan":2})") + Line(R"({"test":{"na)"), 3);
  ASSERT_FALSE(cut.error.has_value());
  EXPECT_EQ(cut.tally.total(), 2);
  EXPECT_EQ(cut.tally.passed(), 0);
}

}  // namespace
}  // namespace rewards
