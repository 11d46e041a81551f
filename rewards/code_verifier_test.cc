#include "rewards/code_verifier.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/verifier_testing.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;

class CodeVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetCodeSandboxRunner(std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
                         "/sandbox/sandbox-runner");
  }
};

// "Write a Python program that sorts a list and puts 42 first."
reward::v1::Reference SortTests() {
  reward::v1::Reference ref;
  auto st = google::protobuf::util::JsonStringToMessage(
      R"({"tests":{"language":"python",
          "io":[{"stdin":"3 42 1\n","stdout":"42 1 3\n"},{"stdin":"5 4\n","stdout":"4 5\n"}],
          "calls":[{"function":"sort42","args":"[[3, 42, 1]]","expected":"[42, 1, 3]"}],
          "check":"assert sort42([42, 42, 0]) == [42, 42, 0]"}})",
      &ref);
  EXPECT_TRUE(st.ok());
  return ref;
}

const char kSolution[] = R"(
def sort42(xs):
    return [x for x in xs if x == 42] + sorted(x for x in xs if x != 42)

if __name__ == "__main__":
    import sys
    print(*sort42([int(t) for t in sys.stdin.read().split()]))
)";

Verdict Score(const std::string& completion, const reward::v1::Reference& ref = SortTests(),
              const std::string& params = "{}") {
  auto v = BuildVerifier("code", params);
  EXPECT_TRUE(v.ok()) << v.status();
  return ScoreOne(**v, completion, ref);
}

std::string Fenced(const std::string& code) { return "Here it is:\n```python\n" + code + "\n```\n"; }

TEST_F(CodeVerifierTest, SeedsFourCompletions) {
  // Not code.
  Verdict none = Score("Sorting is easy: just put 42 first and sort the rest.");
  EXPECT_EQ(none.status, "NO_CODE");
  EXPECT_EQ(none.score, 0);
  // Code that does not solve it (plain sort).
  Verdict plain = Score(Fenced("def sort42(xs):\n    return sorted(xs)\nimport sys\nprint(*sort42([int(t) for t in sys.stdin.read().split()]))"));
  EXPECT_EQ(plain.status, "WRONG_ANSWER") << plain.reason;
  EXPECT_LT(plain.score, 0.5);
  EXPECT_THAT(plain.reason, HasSubstr("expected \"42 1 3"));
  // Code that fails one test (crashes on an empty 42 case is not exercised: it
  // mishandles duplicates of 42).
  Verdict partial = Score(Fenced(
      "def sort42(xs):\n    rest = sorted(x for x in xs if x != 42)\n    return ([42] if 42 in xs else []) + rest\n"
      "if __name__ == '__main__':\n    import sys\n    print(*sort42([int(t) for t in sys.stdin.read().split()]))"));
  EXPECT_GT(partial.score, 0.5);
  EXPECT_LT(partial.score, 1.0);
  EXPECT_EQ(partial.status, "WRONG_ANSWER") << partial.reason;
  // Correct code.
  Verdict right = Score(Fenced(kSolution));
  EXPECT_EQ(right.status, "PASSED") << right.reason;
  EXPECT_EQ(right.score, 1.0);
  EXPECT_EQ(right.reason, "3/3 tests passed");
}

TEST_F(CodeVerifierTest, ErrorsAndLimits) {
  EXPECT_EQ(Score(Fenced("def sort42(xs) return xs")).status, "SYNTAX_ERROR");
  Verdict crash = Score(Fenced("raise ValueError('boom')"));
  EXPECT_EQ(crash.status, "RUNTIME_ERROR");
  EXPECT_THAT(crash.reason, HasSubstr("ValueError: boom"));
  Verdict loop = Score(Fenced("while True:\n    pass"), SortTests(), R"({"time_limit_ms":300})");
  EXPECT_EQ(loop.status, "TIMEOUT");
  EXPECT_EQ(Score(Fenced("x = bytearray(1 << 31)"), SortTests(), R"({"memory_limit_mb":128})").status,
            "MEMORY_LIMIT");
  EXPECT_EQ(Score(Fenced("while True:\n    print('y' * 1000)"), SortTests(), R"({"time_limit_ms":5000})").status,
            "OUTPUT_LIMIT");
}

TEST_F(CodeVerifierTest, CannotFakeAPass) {
  const char* kHacks[] = {
      // Exit early with status 0 before the checks run.
      "import sys\nsys.exit(0)",
      "import os\nos._exit(0)",
      // Claim success.
      "print('all tests passed')\nimport sys\nsys.exit(0)",
      // An answer that equals everything.
      "class A:\n    def __eq__(self, o): return True\ndef sort42(xs):\n    return A()",
      // Kill the harness.
      "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
      // Make assert a no-op: not possible; shadow AssertionError instead.
      "AssertionError = Exception\ndef sort42(xs):\n    return xs",
  };
  reward::v1::Reference ref;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"check":"assert sort42([3, 42]) == [42, 3]",
                      "calls":[{"function":"sort42","args":"[[3, 42]]","expected":"[42, 3]"}]}})", &ref)
                  .ok());
  for (const char* hack : kHacks) {
    Verdict v = Score(Fenced(hack), ref);
    EXPECT_EQ(v.score, 0) << hack << " -> " << v.status << " " << v.reason;
  }
  EXPECT_EQ(Score(Fenced(kSolution), ref).score, 1.0);
}

TEST_F(CodeVerifierTest, MaxTestsAndStopOnFirstFailure) {
  Verdict one = Score(Fenced(kSolution), SortTests(), R"({"max_tests":1})");
  EXPECT_EQ(one.reason, "1/1 tests passed");
  const std::string wrong = Fenced("def sort42(xs):\n    return xs\nimport sys\nprint(sys.stdin.read())");
  Verdict all = Score(wrong, SortTests());
  EXPECT_THAT(all.reason, HasSubstr("0/3 passed"));
  Verdict stop = Score(wrong, SortTests(), R"({"stop_on_first_failure":true})");
  EXPECT_THAT(stop.reason, HasSubstr("0/1 passed"));
  EXPECT_EQ(Score(Fenced(kSolution), SortTests(), R"({"mode":"all_or_nothing"})").score, 1.0);
  Verdict partial = Score(Fenced(
      "def sort42(xs):\n    rest = sorted(x for x in xs if x != 42)\n    return ([42] if 42 in xs else []) + rest\n"
      "if __name__ == '__main__':\n    import sys\n    print(*sort42([int(t) for t in sys.stdin.read().split()]))"),
      SortTests(), R"({"mode":"all_or_nothing"})");
  EXPECT_EQ(partial.score, 0.0);
}

TEST_F(CodeVerifierTest, Cpp) {
  reward::v1::Reference ref;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"cpp","io":[{"stdin":"3 42 1\n","stdout":"42 1 3\n"},
                      {"stdin":"42 5 42 4\n","stdout":"42 42 4 5\n"}]}})", &ref)
                  .ok());
  const std::string right = R"(```cpp
#include <algorithm>
#include <iostream>
#include <vector>
int main() {
  std::vector<int> v, fours;
  for (int x; std::cin >> x;) (x == 42 ? fours : v).push_back(x);
  std::sort(v.begin(), v.end());
  fours.insert(fours.end(), v.begin(), v.end());
  for (size_t i = 0; i < fours.size(); ++i) std::cout << (i ? " " : "") << fours[i];
  std::cout << "\n";
}
```)";
  Verdict ok = Score(right, ref);
  EXPECT_EQ(ok.status, "PASSED") << ok.reason;
  EXPECT_EQ(ok.score, 1.0);
  Verdict again = Score(right, ref);  // compiled once: the cache answers
  EXPECT_EQ(again.status, "PASSED");
  Verdict broken = Score("```cpp\nint main() { return undefined_name; }\n```", ref);
  EXPECT_EQ(broken.status, "COMPILE_ERROR");
  EXPECT_THAT(broken.reason, HasSubstr("undefined_name"));
  Verdict wrong = Score("```c++\n#include <iostream>\nint main() { std::cout << \"1 2 3\\n\"; }\n```", ref);
  EXPECT_EQ(wrong.status, "WRONG_ANSWER") << wrong.reason;
  Verdict crash = Score("```cpp\n#include <cstdlib>\nint main() { std::abort(); }\n```", ref);
  EXPECT_EQ(crash.status, "RUNTIME_ERROR") << crash.reason;
  auto v = BuildVerifier("code", "{}");
  reward::v1::Reference bad;
  bad.mutable_tests()->set_language("cpp");
  bad.mutable_tests()->set_check("assert(1)");
  EXPECT_THAT(std::string((*v)->CheckReference(bad).message()), HasSubstr("Python-only"));
  bad.mutable_tests()->set_language("rust");
  EXPECT_THAT(std::string((*v)->CheckReference(bad).message()), HasSubstr("not one of python, cpp"));
}

TEST_F(CodeVerifierTest, Extraction) {
  EXPECT_EQ(ExtractCode("```python\na = 1\n```\ntext\n```py\nb = 2\n```", "python", "fenced"), "b = 2\n");
  EXPECT_EQ(ExtractCode("```js\nx\n```", "python", "fenced"), "");
  EXPECT_EQ(ExtractCode("<think>```python\na\n```</think><answer>print(1)</answer>", "python", "answer"),
            "print(1)");
  EXPECT_TRUE(OutputsMatch("1  2\n3", "1 2 3\n", 0));
  EXPECT_FALSE(OutputsMatch("1 2", "1 2 3", 0));
  EXPECT_TRUE(OutputsMatch("0.3333333", "0.33333333", 1e-6));
}

}  // namespace
}  // namespace rewards
