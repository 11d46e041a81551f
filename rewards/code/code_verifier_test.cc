#include "rewards/code/code_verifier.h"
#include "rewards/code/extract.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/verifier_testing.h"

namespace rewards {
namespace {

// Every case runs under make test-asan and make test-tsan too: the sandbox
// runner is built without the sanitizers there (tools/unsanitized.bzl).


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
  EXPECT_EQ(right.reason, "4/4 tests passed");  // 2 io cases, 1 check assert, 1 call
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
  EXPECT_EQ(Score(Fenced("while True:\n    print('y' * 1000)"), SortTests(), R"({"time_limit_ms":60000})").status,
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

reward::v1::Reference PythonTests(const std::string& json) {
  reward::v1::Reference ref;
  auto st = google::protobuf::util::JsonStringToMessage(R"({"tests":)" + json + "}", &ref);
  EXPECT_TRUE(st.ok()) << st << json;
  return ref;
}

// Hacks against the check/call judge (rewards/code/code_harness.py): the program runs in
// a process of its own and can only hand back data.
TEST_F(CodeVerifierTest, CannotFakeAPassThroughTheJudge) {
  const reward::v1::Reference check_only = PythonTests(R"({"check":"assert sort42([3, 42]) == [42, 3]"})");
  const reward::v1::Reference calls_only =
      PythonTests(R"({"calls":[{"function":"sort42","args":"[[3, 42]]","expected":"[42, 3]"}]})");
  const char* kHacks[] = {
      // Objects that equal everything, or are always true.
      "class A:\n    def __eq__(self, o): return True\n    def __bool__(self): return True\n"
      "def sort42(xs):\n    return A()",
      "class L(list):\n    def __eq__(self, o): return True\ndef sort42(xs):\n    return L()",
      "class I(int):\n    def __eq__(self, o): return True\ndef sort42(xs):\n    return I(0)",
      // Tamper with what the comparison would use.
      "import json, builtins, operator\njson.dumps = lambda *a, **k: ''\nbuiltins.AssertionError = Exception\n"
      "operator.eq = lambda a, b: True\ndef sort42(xs):\n    return xs",
      // Find a secret in memory and forge the judge's report.
      "import gc, os, sys\n"
      "def sort42(xs):\n"
      "    toks = [o for o in gc.get_objects() if isinstance(o, str) and o.startswith('harness-done-')]\n"
      "    f = sys._getframe()\n"
      "    while f:\n"
      "        toks += [v for v in f.f_locals.values() if isinstance(v, str) and 'harness-done' in v]\n"
      "        f = f.f_back\n"
      "    for t in toks + ['x']:\n"
      "        line = '\\n%s {\"tests\":[{\"name\":\"c\",\"status\":\"PASSED\"}]}\\n' % t\n"
      "        for path in ('/proc/1/fd/1', '/proc/self/fd/1'):\n"
      "            try:\n"
      "                open(path, 'w').write(line)\n"
      "            except OSError:\n"
      "                pass\n"
      "        os.write(1, line.encode())\n"
      "    os._exit(0)",
      // Read the judge's memory or input.
      "def sort42(xs):\n    return open('/proc/1/mem', 'rb').read(10) or xs",
      "import os\ndef sort42(xs):\n    return os.read(0, 100) or os.read(os.open('/proc/1/fd/0', 0), 100)",
      // Kill the judge or the process that forks programs; exit inside a call.
      "import os, signal\ndef sort42(xs):\n    os.kill(1, signal.SIGKILL)\n    os.kill(os.getppid(), signal.SIGKILL)\n"
      "    os.kill(1, signal.SIGINT)\n    return xs",
      "import sys\ndef sort42(xs):\n    sys.exit(0)",
      "import os\ndef sort42(xs):\n    os._exit(0)",
  };
  for (const char* hack : kHacks) {
    for (const auto* ref : {&check_only, &calls_only}) {
      Verdict v = Score(Fenced(hack), *ref);
      EXPECT_EQ(v.score, 0) << hack << " -> " << v.status << " " << v.reason;
      EXPECT_NE(v.status, "SANDBOX_ERROR") << hack;
    }
  }
  EXPECT_EQ(Score(Fenced(kSolution), check_only).score, 1.0);
  EXPECT_EQ(Score(Fenced(kSolution), calls_only).score, 1.0);
  // A check whose bare `except:` would swallow the judge's own signals: a
  // program that hangs, dies or answers garbage still fails.
  const reward::v1::Reference swallowing = PythonTests(
      R"({"check":"try:\n    got = sort42([3, 42])\nexcept:\n    got = [42, 3]\nassert got == [42, 3]",
          "timeLimitMs":3000})");
  const char* kSwallowed[] = {
      "def sort42(xs):\n    while True:\n        pass",
      "import os\ndef sort42(xs):\n    os._exit(0)",
      "import os, struct\ndef sort42(xs):\n    for fd in range(3, 12):\n        try:\n"
      "            os.write(fd, struct.pack('<I', 2) + b'[]')\n        except OSError:\n            pass\n"
      "    import time\n    time.sleep(60)",
  };
  // 3 s per test: room for the honest program below on any machine; the
  // hostile ones loop or sleep far past it.
  for (const char* program : kSwallowed) {
    Verdict v = Score(Fenced(program), swallowing);
    EXPECT_EQ(v.score, 0) << program << " -> " << v.status << " " << v.reason;
  }
  EXPECT_EQ(Score(Fenced("def sort42(xs):\n    raise ValueError()"), swallowing).score, 1.0);  // the check allows it
}

// Holes a red-team session found in the first judge, each with the program
// that exploited it; all must score 0 now.
TEST_F(CodeVerifierTest, RedTeamHolesStayClosed) {
  struct Case {
    const char* what;
    const char* check;
    const char* program;
    double max_score = 0;  // what its real passes are worth
    const char* io_stdin = nullptr;  // an io case too, when set (stdout "3")
  };
  const Case kCases[] = {
      {"the program's names shadowed built-ins in the check",
       "assert abs(sqrt2() - 1.41421356) < 1e-6\nassert sorted(primes(10)) == [2, 3, 5, 7]\n"
       "for i in range(5):\n    assert sqrt2() == 9",
       "def abs(x): return 0\ndef sorted(x): return [2, 3, 5, 7]\ndef range(*a): return []\n"
       "def sqrt2(): return 0\ndef primes(n): return []"},
      {"StopIteration from the program ended the judge's map/filter",
       "assert all(map(lambda c: sq(c[0]) == c[1], [(2, 4), (3, 9)]))\n"
       "assert list(filter(lambda x: sq(x) != x * x, [1, 2, 3])) == []\n"
       "for r in map(sq, [1, 2]):\n    assert r == 5",
       "def sq(x): raise StopIteration"},
      {"a restarted program's names replaced the check's own",
       "import math\nassert math.isclose(area(1), 3.14159265)\nassert math.isclose(area(2), 12.5663706)\n"
       "assert math.isclose(area(3), 28.2743338)",
       "import os\nclass _M:\n    def isclose(self, *a, **k): return True\nmath = _M()\n"
       "_first = not os.path.exists('/work/.died')\n"
       "def area(r):\n    if _first:\n        open('/work/.died', 'w').close()\n        os._exit(0)\n    return 0"},
      {"modules planted in /work ran inside the judge",
       "import csv, calendar, pickle\nfrom datetime import datetime\n"
       "assert doy('2020-02-01') == datetime.strptime('2020-02-01', '%Y-%m-%d').timetuple().tm_yday",
       "import os\nP = 'import os\\nos.write(1, b\"PLANTED\")\\nos._exit(0)\\n'\n"
       "for m in ('_strptime', 'pickle', 'csv', 'calendar'):\n    open('/work/%s.py' % m, 'w').write(P)\n"
       "def doy(s): return 0"},
      {"`from solution import` ran the program inside the judge", "from solution import f\nassert f(2) == 4",
       "import os\nif os.getpid() == 1:\n    os.write(1, b'PLANTED')\n    os._exit(0)\ndef f(x): return 0"},
      // Round 2.
      {"a lone surrogate in an error made the failing test's report line unreadable (and uncounted)",
       "assert f(0) == 0\nassert f(2) == 4\nassert f(3) == 9",
       "def f(x):\n    if x == 0:\n        return 0\n    raise ValueError('\\udfff')", 1.0 / 3},
      {"a lone surrogate in a load error dropped every check test", "assert f(2) == 4",
       "import sys\nif __name__ != '__main__':\n    raise SystemExit('\\udfff')\n"
       "print(sum(map(int, sys.stdin.read().split())))",
       0.5, "1 2\n"},
      // Round 3.
      {"a star import's names were re-applied from a restarted program",
       "from math import *\nassert isclose(circle_area(1), 3.14159, rel_tol=1e-4)\n"
       "assert isclose(circle_area(2), 12.56637, rel_tol=1e-4)\nassert isclose(circle_area(3), 28.27433, rel_tol=1e-4)",
       "import os\ndef circle_area(r):\n    if not os.path.exists('/work/.died'):\n"
       "        open('/work/.died', 'w').close()\n        os._exit(0)\n    return 0\n"
       "def isclose(*a, **k): return True"},
      {"emptying the argument the check derives its expectation from",
       "xs = [5, 3, 9, 1]\nassert my_sorted(xs) == sorted(xs)\nys = [2, 1]\nassert my_sorted(ys) == sorted(ys)",
       "def my_sorted(xs):\n    xs.clear()\n    return []"},
      // Round 4.
      {"`from solution import *` brought the program's built-in names",
       "from solution import *\nassert my_sort([3, 1, 2]) == sorted([3, 1, 2])\n"
       "assert abs(area(2) - 12.566) < 1e-3",
       "def my_sort(xs): return [0]\ndef sorted(xs): return [0]\ndef area(r): return 0\ndef abs(x): return 0"},
      {"the program swallowed an assertion failing in the check's own function",
       "def visit(x):\n    assert x > 0\n    return x\nassert walk([1, -2], visit) == [1, -2]",
       "def walk(xs, f):\n    out = []\n    for x in xs:\n        try:\n            out.append(f(x))\n"
       "        except BaseException:\n            out.append(x)\n    return out"},
      {"a forged __builtins__ name replaced the check's built-ins",
       "assert abs(sqrt2() - 1.41421356) < 1e-6\nassert sorted(primes(10)) == sorted([7, 5, 3, 2])",
       "import sys, builtins\nF = sys._getframe(1)\nkeep = F.f_locals['keep']\nW = F.f_globals['_write_frame']\n"
       "fake = {'abs': lambda x: 0, 'sorted': lambda *a, **k: 0}\n"
       "def wf(fd, obj):\n    if 'names' in obj:\n"
       "        obj['names']['__builtins__'] = {'dict': [[k, keep(fake.get(k, getattr(builtins, k)))] for k in dir(builtins)]}\n"
       "    W(fd, obj)\nF.f_globals['_write_frame'] = wf\ndef sqrt2(): return 0\ndef primes(n): return []"},
  };
  for (const Case& c : kCases) {
    reward::v1::Reference ref;
    ref.mutable_tests()->set_check(c.check);
    if (c.io_stdin != nullptr) {
      auto* io = ref.mutable_tests()->add_io();
      io->set_stdin(c.io_stdin);
      io->set_stdout("3\n");
    }
    Verdict v = Score(Fenced(c.program), ref);
    EXPECT_LE(v.score, c.max_score + 1e-9) << c.what << " -> " << v.status << " " << v.reason;
  }
  // `from solution import f` still works for an honest program: f is the
  // program's function, called in its own process.
  reward::v1::Reference import_check;
  import_check.mutable_tests()->set_check("from solution import f\nassert f(2) == 4");
  EXPECT_EQ(Score(Fenced("import os\ndef f(x): return x * x if os.getpid() != 1 else 0"), import_check).score, 1.0);
  // A function imported by name survives a restart of the program's process:
  // the test after a crash calls the new process's f.
  reward::v1::Reference by_name;
  by_name.mutable_tests()->set_check(
      "from solution import f\nassert f(0) == 0\nassert f(1) == 1\nassert f(2) == 4");
  Verdict crash_once = Score(Fenced("import os\ndef f(x):\n    if x == 1:\n        os._exit(3)\n    return x * x"),
                             by_name);
  EXPECT_NEAR(crash_once.score, 2.0 / 3, 1e-9) << crash_once.reason;
  // max_tests cut 71 tests to 64 in silence: now the default runs 1,000 and
  // a cut is said.
  reward::v1::Reference many;
  for (int i = 0; i < 70; ++i) absl::StrAppend(many.mutable_tests()->mutable_check(), "assert f(", i, ") == ", i * i, "\n");
  const std::string square = Fenced("def f(x): return x * x if x < 64 else -1");
  Verdict all = Score(square, many);
  EXPECT_EQ(all.reason.substr(0, 12), "64/70 passed") << all.reason;
  Verdict cut = Score(square, many, R"({"max_tests":64})");
  EXPECT_EQ(cut.reason, "64/64 tests passed (6 more not run: max_tests 64)");
}

TEST_F(CodeVerifierTest, EachAssertAndCallIsATest) {
  // Three top-level asserts and two calls: five tests. The program is wrong
  // for negative numbers and loops forever on zero.
  const reward::v1::Reference ref = PythonTests(R"({
      "check":"import math\nassert absdiff(3, 1) == 2\nassert absdiff(1, 3) == 2\nassert absdiff(5, 5) == 0",
      "calls":[{"function":"absdiff","args":"[2, 9]","expected":"7"},
               {"function":"absdiff","args":"[4, 0]","expected":"4"}],
      "timeLimitMs":3000})");
  const std::string program =
      "def absdiff(a, b):\n"
      "    while a == b:\n"
      "        pass\n"
      "    return a - b\n";
  Verdict v = Score(Fenced(program), ref);
  EXPECT_DOUBLE_EQ(v.score, 2.0 / 5) << v.reason;  // (3,1) and (4,0) pass
  EXPECT_EQ(v.status, "WRONG_ANSWER");
  // The reason shows the failing assert and what the function returned.
  EXPECT_THAT(v.reason, HasSubstr("2/5 passed; check.py line 3: assert absdiff(1, 3) == 2 -- got -2, want == 2"));
  // A test that times out fails alone: later tests get a fresh process.
  // (3 s per test here and above: room for the honest calls on any machine;
  // the loop on zero never ends.)
  const reward::v1::Reference zero_last = PythonTests(R"({
      "calls":[{"function":"absdiff","args":"[5, 5]","expected":"0"},
               {"function":"absdiff","args":"[4, 0]","expected":"4"}],
      "timeLimitMs":3000})");
  Verdict t = Score(Fenced(program), zero_last);
  EXPECT_DOUBLE_EQ(t.score, 0.5) << t.reason;
  EXPECT_EQ(t.status, "TIMEOUT") << t.reason;
  // A program that does not load fails every test with its error.
  Verdict syntax = Score(Fenced("def absdiff(a, b) return 0"), ref);
  EXPECT_EQ(syntax.status, "SYNTAX_ERROR");
  EXPECT_THAT(syntax.reason, HasSubstr("0/5 passed"));
}

TEST_F(CodeVerifierTest, JudgeSupportsCommonTestShapes) {
  // In-place mutation, classes with methods (LeetCode style), expected
  // exceptions, helper functions of the program used by the check (HumanEval
  // 32 calls the prompt's `poly`), tuples, floats, None, and prints.
  const reward::v1::Reference ref = PythonTests(
      std::string(R"({"check":")") +
      "xs = [3, 1, 2]\\nsort_in_place(xs)\\nassert xs == [1, 2, 3]\\n"
      "assert Solution().twoSum([2, 7, 11], 9) == [0, 1]\\n"
      "try:\\n    root(-1)\\nexcept ValueError:\\n    pass\\nelse:\\n    assert False, 'no ValueError'\\n"
      "assert abs(square(root(2.0)) - 2.0) < 1e-9\\n"
      "assert pair() == (1, 'a') and pair() is not None\\n"
      "assert nothing() is None\\n"
      "assert list(evens(7)) == [0, 2, 4, 6] and sum(squares(3)) == 5 and halves(9) == range(0, 9, 2)\\n"
      "def check(candidate):\\n    assert candidate(9) == 3.0\\n    assert candidate(0) == 0\\ncheck(root)" +
      R"("})");
  const std::string program = R"(
import math
def sort_in_place(xs):
    print("sorting", xs)
    xs.sort()
class Solution:
    def twoSum(self, nums, target):
        seen = {}
        for i, x in enumerate(nums):
            if target - x in seen:
                return [seen[target - x], i]
            seen[x] = i
def root(x):
    if x < 0:
        raise ValueError("negative")
    return math.sqrt(x)
def square(x):
    return x * x
def pair():
    return (1, "a")
def nothing():
    return None
def evens(n):
    yield from range(0, n, 2)
def squares(n):
    return map(lambda x: x * x, range(n))
def halves(n):
    return range(0, n, 2)
)";
  Verdict v = Score(Fenced(program), ref);
  EXPECT_EQ(v.status, "PASSED") << v.reason;
  // Six top-level asserts: the try block runs with the assert after it, and
  // check(root) with the last.
  EXPECT_EQ(v.reason, "6/6 tests passed");
  // What an honest program returns or is asked, beyond plain data (the
  // red-team session's false negatives): library value types, objects used
  // through len/str/iteration/attributes, lazy and endless generators,
  // exception subclasses, printed output, changes made through keywords.
  reward::v1::Reference shapes;
  shapes.mutable_tests()->set_check(
      "import io, itertools\nfrom collections import Counter\nfrom contextlib import redirect_stdout\n"
      "from fractions import Fraction\n"
      "assert letters('abca') == Counter({'a': 2, 'b': 1, 'c': 1}) and letters('aa').most_common(1) == [('a', 2)]\n"
      "assert groups([1, 2, 3]) == {1: [1, 3], 0: [2]}\n"
      "p = point(1, 2)\nassert p == (1, 2) and p.y == 2\n"
      "assert half(3) == Fraction(3, 2)\n"
      "b = Bag([3, 1])\nassert len(b) == 2 and str(b) == 'Bag(3, 1)' and sorted(b) == [1, 3] and 3 in b\n"
      "b.label = 'x'\nassert b.label == 'x' and b[0] == 3\n"
      "assert list(itertools.islice(naturals(), 4)) == [0, 1, 2, 3]\n"
      "g = naturals()\nassert next(g) == 0 and next(g) == 1\n"
      "assert list(pairs('ab')) == [('a', 'b')] and list(keys({'x': 1})) == ['x']\n"
      "try:\n    positive(-1)\nexcept ValueError as e:\n    assert 'NegError' in str(e)\nelse:\n    assert False\n"
      "out = io.StringIO()\nwith redirect_stdout(out):\n    hello('Ada')\nassert out.getvalue() == 'Hello, Ada!\\n'\n"
      "d = {}\nadd(d=d)\nassert d == {'k': 1}\n"
      "assert doubled_later() == [2, 4]\n"
      "head = Node(1, Node(2))\nseen = []\nnode = head\nwhile node:\n    seen.append(node.val)\n    node = node.next\n"
      "assert seen == [1, 2] and repr(head) == 'Node(1)' and isinstance(head, Node) and not isinstance(3, Node)\n"
      "b[1] = 9\ndel b[0]\nassert list(b) == [9]\n"
      "assert apply_all(lambda x: x * 2, [1, 2]) == [2, 4] and by_len(['bb', 'a'], key=len) == ['a', 'bb']\n"
      "calls = []\ndef slow(n):\n    calls.append(n)\n    return n * n\nfast = memoize(slow)\n"
      "assert fast(3) == 9 and fast(3) == 9 and calls == [3]\n");
  const std::string honest = R"py(
import itertools
from collections import Counter, defaultdict, namedtuple
from fractions import Fraction
def letters(s):
    return Counter(s)
def groups(xs):
    d = defaultdict(list)
    for x in xs:
        d[x % 2].append(x)
    return d
Point = namedtuple("Point", "x y")
def point(x, y):
    return Point(x, y)
def half(n):
    return Fraction(n, 2)
class Bag:
    def __init__(self, items):
        self.items = items
    def __len__(self):
        return len(self.items)
    def __str__(self):
        return "Bag(%s)" % ", ".join(map(str, self.items))
    def __iter__(self):
        return iter(self.items)
    def __getitem__(self, i):
        return self.items[i]
    def __setitem__(self, i, v):
        self.items[i] = v
    def __delitem__(self, i):
        del self.items[i]
def naturals():
    n = 0
    while True:
        yield n
        n += 1
def pairs(s):
    return itertools.combinations(s, 2)
def keys(d):
    return d.keys()
class NegError(ValueError):
    pass
def positive(x):
    if x < 0:
        raise NegError("negative")
    return x
def hello(name):
    print("Hello, %s!" % name)
def add(d):
    d["k"] = 1
DOUBLED = map(lambda x: 2 * x, [1, 2])
def apply_all(f, xs):
    return [f(x) for x in xs]
def by_len(xs, key):
    return sorted(xs, key=key)
def memoize(f):
    cache = {}
    def wrapper(n):
        if n not in cache:
            cache[n] = f(n)
        return cache[n]
    return wrapper
class Node:
    def __init__(self, val, next=None):
        self.val, self.next = val, next
    def __repr__(self):
        return "Node(%d)" % self.val
def doubled_later():
    return list(DOUBLED)
)py";
  Verdict all_shapes = Score(Fenced(honest), shapes);
  EXPECT_EQ(all_shapes.status, "PASSED") << all_shapes.reason;
  // Calls whose results are library types compare with JSON as their data.
  const reward::v1::Reference typed_calls = PythonTests(
      R"({"calls":[{"function":"letters","args":"[\"abca\"]","expected":"{\"a\": 2, \"b\": 1, \"c\": 1}"},
                   {"function":"point","args":"[1, 2]","expected":"[1, 2]"}]})");
  Verdict typed = Score(Fenced(honest), typed_calls);
  EXPECT_EQ(typed.status, "PASSED") << typed.reason;
  // A check that does not parse is the reference's fault: no verdict.
  Verdict bad = Score(Fenced(program), PythonTests(R"({"check":"assert (("})"));
  EXPECT_EQ(bad.status, "BAD_TESTS") << bad.reason;
}

TEST_F(CodeVerifierTest, FloatTolerance) {
  const reward::v1::Reference ref = PythonTests(R"({"io":[{"stdin":"","stdout":"0.333333\n"}]})");
  const std::string program = Fenced("print(1 / 3)");
  EXPECT_EQ(Score(program, ref).status, "PASSED");
  EXPECT_EQ(Score(program, ref, R"({"float_tolerance":0})").status, "WRONG_ANSWER");
  const reward::v1::Reference calls = PythonTests(
      R"({"calls":[{"function":"third","args":"[1]","expected":"0.333333"},
                   {"function":"third","args":"[3]","expected":"1"}]})");
  const std::string third = Fenced("def third(x):\n    return x / 3");
  EXPECT_EQ(Score(third, calls).score, 1.0);
  EXPECT_EQ(Score(third, calls, R"({"float_tolerance":0})").score, 0.5);  // 1.0 == 1 still
  EXPECT_EQ(Score(Fenced("def third(x):\n    return x // 3 + 0.333333"), calls).score, 0.5);
}

// Being slow must not turn a low score into no score: a program that times
// out on every test, with more tests than the call's budget can hold, still
// gets its verdict (the tests left count as failed) before the deadline.
//
// No verdict here depends on the machine's speed: the slow program sleeps 60 s
// against a 2 s limit; the heavy one sleeps 0.5 s per test (4x inside the
// limit), so 31 tests need at least 15.5 s, twice the 8 s budget, however
// fast the machine, and its first test always has the whole budget.
TEST_F(CodeVerifierTest, TheCallsBudgetEndsWithAVerdict) {
  reward::v1::Reference ref;
  auto* tests = ref.mutable_tests();
  tests->set_time_limit_ms(2000);
  for (int i = 0; i < 30; ++i) {
    auto* io = tests->add_io();
    io->set_stdin("1\n");
    io->set_stdout("1\n");
  }
  tests->set_check("assert f(1) == 1");
  auto v = BuildVerifier("code", "{}");
  ASSERT_TRUE(v.ok());
  auto score = [&](const std::string& program) {
    SampleInput in;
    const std::string completion = Fenced(program);
    in.completion = completion;
    in.reference = &ref;
    in.deadline = absl::Now() + absl::Milliseconds(8000);
    Verdict verdict = (*v)->Score(in);
    // A test starts only with its limit and 1 s to spare before the deadline,
    // so this leaves 1.5 s for killing the last test and reporting.
    EXPECT_LT(absl::Now(), in.deadline + absl::Milliseconds(500)) << "answered after the deadline";
    return verdict;
  };
  Verdict slow = score("import time\ntime.sleep(60)");
  EXPECT_FALSE(slow.error) << slow.reason;
  EXPECT_EQ(slow.score, 0);
  EXPECT_EQ(slow.status, "TIMEOUT");
  EXPECT_THAT(slow.reason, HasSubstr("0/31 passed"));
  // Correct but too slow to finish within the budget: the tests left fail
  // too (sitting out would reward being slow on the tests it cannot solve).
  Verdict heavy = score("import time\ntime.sleep(0.5)\nprint(input())\ndef f(x): return x");
  EXPECT_FALSE(heavy.error) << heavy.status << " " << heavy.reason;
  EXPECT_GT(heavy.score, 0);
  EXPECT_LT(heavy.score, 1);
  EXPECT_EQ(heavy.status, "TIMEOUT");
  EXPECT_THAT(heavy.reason, HasSubstr("the sample's time budget ran out"));
}

TEST_F(CodeVerifierTest, MaxTestsAndStopOnFirstFailure) {
  Verdict one = Score(Fenced(kSolution), SortTests(), R"({"max_tests":1})");
  EXPECT_EQ(one.reason, "1/1 tests passed (3 more not run: max_tests 1)");
  const std::string wrong = Fenced("def sort42(xs):\n    return xs\nimport sys\nprint(sys.stdin.read())");
  Verdict all = Score(wrong, SortTests());
  EXPECT_THAT(all.reason, HasSubstr("1/4 passed"));  // returning xs unchanged passes the check's one assert
  Verdict stop = Score(wrong, SortTests(), R"({"stop_on_first_failure":true})");
  // The tests skipped after the first failure fail: the fraction is over all four.
  EXPECT_THAT(stop.reason, HasSubstr("0/4 passed"));
  EXPECT_LE(stop.score, all.score);
  EXPECT_EQ(Score(Fenced(kSolution), SortTests(), R"({"mode":"all_or_nothing"})").score, 1.0);
  Verdict partial = Score(Fenced(
      "def sort42(xs):\n    rest = sorted(x for x in xs if x != 42)\n    return ([42] if 42 in xs else []) + rest\n"
      "if __name__ == '__main__':\n    import sys\n    print(*sort42([int(t) for t in sys.stdin.read().split()]))"),
      SortTests(), R"({"mode":"all_or_nothing"})");
  EXPECT_EQ(partial.score, 0.0);
}

// A program right on the first test only (the prompt's example, hard-coded)
// scores the same share with stop_on_first_failure as without it, in both
// paths: io cases and judged checks. Skipped tests are not left out of the
// fraction (1/5, not 1/2).
TEST_F(CodeVerifierTest, StopOnFirstFailureCountsSkippedTestsAsFailed) {
  reward::v1::Reference io;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"python","io":[{"stdin":"0\n","stdout":"0\n"},{"stdin":"1\n","stdout":"1\n"},
                      {"stdin":"2\n","stdout":"4\n"},{"stdin":"3\n","stdout":"9\n"},{"stdin":"4\n","stdout":"16\n"}]}})",
                  &io)
                  .ok());
  const std::string first_only = Fenced("x = int(input())\nprint(0 if x == 0 else -1)");
  Verdict all = Score(first_only, io);
  Verdict stop = Score(first_only, io, R"({"stop_on_first_failure":true})");
  EXPECT_DOUBLE_EQ(all.score, 0.2) << all.reason;
  EXPECT_DOUBLE_EQ(stop.score, 0.2) << stop.reason;
  EXPECT_THAT(stop.reason, HasSubstr("1/5 passed"));

  reward::v1::Reference checks;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"python","check":"assert sq(0) == 0\nassert sq(1) == 1\nassert sq(2) == 4\nassert sq(3) == 9"}})",
                  &checks)
                  .ok());
  const std::string sq_first_only = Fenced("def sq(x):\n    return 0 if x == 0 else -1");
  Verdict judged_all = Score(sq_first_only, checks);
  Verdict judged_stop = Score(sq_first_only, checks, R"({"stop_on_first_failure":true})");
  EXPECT_DOUBLE_EQ(judged_stop.score, judged_all.score) << judged_all.reason << " | " << judged_stop.reason;
  EXPECT_LT(judged_stop.score, 0.5) << judged_stop.reason;
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
  // A 24 MB binary (initialised data) runs: it must not fail to be written
  // into the working directory and make the sample sit out.
  Verdict big = Score(
      "```cpp\n#include <algorithm>\n#include <iostream>\n#include <vector>\nchar pad[24 << 20] = {1};\n"
      "int main(int argc, char**) { std::vector<long> v; long x; while (std::cin >> x) v.push_back(x);\n"
      "  std::stable_partition(v.begin(), v.end(), [](long y) { return y == 42; });\n"
      "  std::sort(std::find_if(v.begin(), v.end(), [](long y) { return y != 42; }), v.end());\n"
      "  for (size_t i = 0; i < v.size(); ++i) std::cout << v[i] << (i + 1 < v.size() ? ' ' : '\\n');\n"
      "  return pad[argc - 1] - 1; }\n```",
      ref);
  EXPECT_EQ(big.status, "PASSED") << big.reason;
  auto v = BuildVerifier("code", "{}");
  reward::v1::Reference bad;
  bad.mutable_tests()->set_language("cpp");
  bad.mutable_tests()->set_check("assert(1)");
  EXPECT_THAT(std::string((*v)->CheckReference(bad).message()), HasSubstr("Python-only"));
  bad.mutable_tests()->set_language("rust");
  EXPECT_THAT(std::string((*v)->CheckReference(bad).message()), HasSubstr("not one of python, cpp"));
  struct Case {
    const char* calls;
    const char* want;
  };
  const Case kBadCalls[] = {
      {R"j([{"function":"f(x)","args":"[1]","expected":"1"}])j", "tests.calls[0].function: 'f(x)' is not a Python"},
      {R"([{"function":"f","args":"[1]","expected":"1"},{"function":"f","args":"1","expected":"1"}])",
       "tests.calls[1].args: '1' is not a JSON array"},
      {R"([{"function":"f","args":"[1]","expected":"[1,"}])", "tests.calls[0].expected: '[1,' is not JSON"},
  };
  for (const Case& c : kBadCalls) {
    reward::v1::Reference ref = PythonTests(std::string(R"({"calls":)") + c.calls + "}");
    EXPECT_THAT(std::string((*v)->CheckReference(ref).message()), HasSubstr(c.want)) << c.calls;
  }
}

// Findings of a hostile review (issue 11): honest programs that lost.
// A 2 KB program whose errors name types of 2^18 characters makes g++ print
// tens of megabytes of diagnostics, which the runner and the server once
// held whole (a red-team finding: 0.5 GB of server memory per sample). Only
// the first error is wanted: the compiler is stopped past 256 KB of them.
TEST_F(CodeVerifierTest, CompilerMessageFloodIsStopped) {
  std::string src = "```cpp\n#include <utility>\ntemplate<class T> using P = std::pair<T,T>;\nusing T0 = int;\n";
  for (int i = 1; i <= 18; ++i) src += "using T" + std::to_string(i) + " = P<T" + std::to_string(i - 1) + ">;\n";
  src += "void f() {\n";
  for (int i = 0; i < 80; ++i) src += "  T18 a" + std::to_string(i) + " = \"x\";\n";
  src += "}\nint main() {}\n```";
  reward::v1::Reference io;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"cpp","io":[{"stdin":"","stdout":""}]}})", &io)
                  .ok());
  Verdict v = Score(src, io);
  EXPECT_FALSE(v.error) << v.status << " " << v.reason;
  EXPECT_EQ(v.status, "COMPILE_ERROR");
  EXPECT_EQ(v.score, 0);
  EXPECT_THAT(v.reason, HasSubstr("the compiler's messages passed 256 KB; error:"));
  EXPECT_LT(v.reason.size(), 400u);
}

TEST_F(CodeVerifierTest, HonestProgramsThatOnceLost) {
  // A 96 MB binary (a large initialised table): the compiler's output is no
  // longer cut at 64 MB (a cut binary once ran and died of SIGSEGV).
  reward::v1::Reference io;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"cpp","io":[{"stdin":"","stdout":"1 3\n"}]}})", &io)
                  .ok());
  Verdict table = Score(
      "```cpp\n#include <cstdio>\nint table[24 << 20] = {1, 2, 3};\n"
      "int main() { std::printf(\"%d %d\\n\", table[0], table[2]); }\n```",
      io);  // the default 256 MB: the binary's copies during setup are freed as they are written
  EXPECT_EQ(table.status, "PASSED") << table.reason;
  // 10,000 calls: the judge's report fits its output whatever max_tests
  // allows (it once outgrew its 1 MB cap and the cut tests counted as failed).
  reward::v1::Reference many;
  for (int i = 0; i < 10000; ++i) {
    auto* c = many.mutable_tests()->add_calls();
    c->set_function("f");
    c->set_args("[" + std::to_string(i) + "]");
    c->set_expected(std::to_string(i));
  }
  Verdict all = Score(Fenced("def f(x):\n    return x"), many, R"({"max_tests":10000})");
  EXPECT_EQ(all.reason, "10000/10000 tests passed");
  EXPECT_EQ(all.score, 1.0);
  // Check code the judge cannot compile (a 1,000-term sum: RecursionError in
  // Python's compiler) is the tests' problem, not a 0 for the program.
  std::string sum = "assert f(1) == ";
  for (int i = 0; i < 1000; ++i) sum += i ? " + 1" : "1";
  reward::v1::Reference deep;
  deep.mutable_tests()->set_check(sum);
  Verdict bad = Score(Fenced("def f(x):\n    return 1000"), deep);
  EXPECT_EQ(bad.status, "BAD_TESTS") << bad.reason;
  EXPECT_TRUE(bad.error);
}

// A compile stopped by its time limit is never cached: the same source,
// scored again, compiles again (it once got the cached COMPILE_ERROR back in
// 0.1 s). The source keeps g++ busy far longer than the 0.5 s limit (190,000
// template instantiations: about 10 s here, and more than 2 s on any
// machine), so both attempts end at the limit, and the second takes at least
// that long.
TEST_F(CodeVerifierTest, CompilesStoppedByTheLimitAreNotCached) {
  reward::v1::Reference io;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"cpp","io":[{"stdin":"","stdout":"1\n"}]}})", &io)
                  .ok());
  const std::string slow =
      "```cpp\n#include <cstdio>\n"
      "template <int A, int B> struct G { static constexpr long v = (G<A - 1, B>::v + G<A, B - 1>::v) % 1000003; };\n"
      "template <int B> struct G<0, B> { static constexpr long v = 1; };\n"
      "template <int A> struct G<A, 0> { static constexpr long v = 1; };\n"
      "int main() { std::printf(\"%ld\\n\", G<440, 440>::v > 0 ? 1L : 0L); }\n```";
  const std::string params = R"({"compile_time_limit_ms":500})";
  Verdict first = Score(slow, io, params);
  EXPECT_EQ(first.status, "COMPILE_ERROR");
  EXPECT_THAT(first.reason, HasSubstr("did not finish"));
  absl::Time start = absl::Now();
  Verdict second = Score(slow, io, params);
  EXPECT_EQ(second.status, "COMPILE_ERROR");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(400)) << "answered from a cache";
}

TEST_F(CodeVerifierTest, Extraction) {
  EXPECT_EQ(ExtractCode("```python\na = 1\n```\ntext\n```py\nb = 2\n```", "python", "fenced"), "b = 2\n");
  EXPECT_EQ(ExtractCode("```js\nx\n```", "python", "fenced"), "");
  EXPECT_EQ(ExtractCode("<think>```python\na\n```</think><answer>print(1)</answer>", "python", "answer"),
            "print(1)");
  EXPECT_TRUE(OutputsMatch("1  2\n3", "1 2 3\n", 0));
  EXPECT_FALSE(OutputsMatch("1 2", "1 2 3", 0));
  EXPECT_TRUE(OutputsMatch("0.3333333", "0.33333333", 1e-6));
  // Found by red-teaming: NaN matched any number, and integers had the
  // tolerance (a count off by one in a million passed).
  struct Case {
    const char* got;
    const char* want;
    bool match;
  };
  const Case kNumbers[] = {
      {"nan", "42", false},          {"-nan", "7", false},           {"nan", "nan", true},
      {"NaN", "nan", true},          {"inf", "1e308", false},        {"1e308", "inf", false},
      {"inf", "inf", true},          {"3628801", "3628800", false},  {"998244354", "998244353", false},
      {"+007", "7", true},           {"-0", "0", true},              {"3628800.0", "3628800", true},
      {"9007199254740993", "9007199254740992", false},               {"1e-7", "0", false},
      {"1e-7", "0.0", true},         {"2.0000001", "2.0", true},     {"2.001", "2.0", false},
  };
  for (const Case& c : kNumbers) {
    EXPECT_EQ(OutputsMatch(c.got, c.want, 1e-6), c.match) << c.got << " vs " << c.want;
  }
}

}  // namespace
}  // namespace rewards

namespace rewards {
namespace {

// Verifiers are built with a context's shared resources (verifier.h): two
// contexts with compile caches of their own keep their programs apart; an
// empty context leaves the process-wide defaults.
TEST(CodeVerifierContextTest, TheContextsCompileCacheIsUsed) {
  SetCodeSandboxRunner(std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
                       "/sandbox/sandbox-runner");
  const VerifierFactory* factory = FindVerifier("code");
  ASSERT_NE(factory, nullptr);
  // The compiler gets the most room the verifier allows (a loaded machine
  // once took 32 s to compile small programs).
  google::protobuf::Struct room;
  (*room.mutable_fields())["compile_time_limit_ms"].set_number_value(110000);
  auto params = ParseParams(room, factory->Params());
  ASSERT_TRUE(params.ok());
  CompileCache first(8, 64 << 20), second(8, 64 << 20);
  auto with = [&](CompileCache* cache) {
    VerifierContext context;
    auto code = std::make_shared<CodeResources>();
    code->compile_cache = cache;
    context.Set(code);
    auto v = factory->Create(*params, context);
    EXPECT_TRUE(v.ok());
    return std::move(*v);
  };
  reward::v1::Reference io;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"tests":{"language":"cpp","io":[{"stdin":"","stdout":"7\n"}]}})", &io)
                  .ok());
  const std::string program = "```cpp\n#include <cstdio>\nint main() { std::printf(\"7\\n\"); }\n```";
  EXPECT_EQ(ScoreOne(*with(&first), program, io).status, "PASSED");
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 0u);
  EXPECT_EQ(ScoreOne(*with(&second), program, io).status, "PASSED");
  EXPECT_EQ(second.size(), 1u);
  // No resources in the context: the process-wide cache.
  const size_t shared_before = CompileCache::Shared().size();
  auto plain = factory->Create(*params, VerifierContext::Empty());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(ScoreOne(**plain, program, io).status, "PASSED");
  EXPECT_EQ(CompileCache::Shared().size(), shared_before + 1);
}

}  // namespace
}  // namespace rewards
