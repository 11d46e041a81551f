// `code`: does the completion's program pass the reference's unit tests?
// Python 3, and C++17 (compiled once per distinct source, io cases). Each io
// case runs in a fresh sandbox (sandbox/); check asserts and calls run in one
// sandbox through the judge of code_harness.py, each counted as a test.
#include "rewards/code_verifier.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/json_check.h"
#include "rewards/utf8.h"
#include "rewards/verifier.h"
#include "sandbox/sandbox.h"

namespace rewards {

std::string ExtractCode(absl::string_view completion, const std::string& language, const std::string& extract) {
  absl::string_view region = completion;
  if (extract == "answer") {
    size_t open = completion.rfind("<answer>");
    if (open == absl::string_view::npos) return "";
    region = completion.substr(open + 8);
    size_t close = region.find("</answer>");
    if (close != absl::string_view::npos) region = region.substr(0, close);
  }
  // The last fenced block whose info string names the language (or none).
  std::string best;
  bool found = false;
  size_t pos = 0;
  while ((pos = region.find("```", pos)) != absl::string_view::npos) {
    size_t line_end = region.find('\n', pos);
    if (line_end == absl::string_view::npos) break;
    std::string info = absl::AsciiStrToLower(absl::StripAsciiWhitespace(region.substr(pos + 3, line_end - pos - 3)));
    size_t close = region.find("```", line_end + 1);
    if (close == absl::string_view::npos) break;
    bool matches = info.empty() || info == language || (language == "python" && (info == "py" || info == "python3")) ||
                   (language == "cpp" && (info == "c++" || info == "cc" || info == "cxx"));
    if (matches) {
      best = std::string(region.substr(line_end + 1, close - line_end - 1));
      found = true;
    }
    pos = close + 3;
  }
  if (!found && extract == "answer") {
    std::string plain(absl::StripAsciiWhitespace(region));
    return plain;
  }
  return best;
}

namespace {

bool LooksInteger(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "+007" -> "7", "-0" -> "0": integers of any length, compared exactly.
std::string CanonicalInteger(absl::string_view s) {
  bool negative = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') s.remove_prefix(1);
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  return (negative && s != "0" ? "-" : "") + std::string(s);
}

bool ParseDouble(absl::string_view s, double* out) {
  std::string t(s);
  char* end;
  *out = std::strtod(t.c_str(), &end);
  return !t.empty() && *end == 0;
}

}  // namespace

bool OutputsMatch(absl::string_view got, absl::string_view want, double float_tolerance) {
  std::vector<absl::string_view> a = absl::StrSplit(got, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  std::vector<absl::string_view> b = absl::StrSplit(want, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (float_tolerance <= 0) return false;
    // Integers are exact, whatever their length; NaN equals only NaN and
    // infinities only themselves; only an expected non-integer number allows
    // the tolerance.
    if (LooksInteger(a[i]) && LooksInteger(b[i])) {
      if (CanonicalInteger(a[i]) == CanonicalInteger(b[i])) continue;
      return false;
    }
    double x, y;
    if (!ParseDouble(a[i], &x) || !ParseDouble(b[i], &y)) return false;
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) && std::isnan(y)) continue;
      return false;
    }
    if (x == y && std::abs(y) < 9007199254740992.0) continue;
    if (LooksInteger(b[i]) || std::isinf(x) || std::isinf(y)) return false;
    if (std::abs(x - y) > float_tolerance * std::max(1.0, std::abs(y))) return false;
  }
  return true;
}

namespace {

// The largest C++ binary accepted (a large initialised table makes a big one).
constexpr uint32_t kMaxBinaryMb = 256;

// The judge of check and call tests (code_harness.py): a program can only
// pass them by returning the right plain data from its functions.
#include "rewards/code_harness.inc"

std::string Nonce() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat("harness-done-", rng(), "-", rng());
}

std::string LastLine(absl::string_view text) {
  std::string t(absl::StripTrailingAsciiWhitespace(text));
  size_t nl = t.rfind('\n');
  return CleanUtf8(nl == std::string::npos ? t : absl::string_view(t).substr(nl + 1), 160);
}

std::string Clip(absl::string_view s, size_t n = 60) {
  std::string t = CleanUtf8(s, n);
  for (char& c : t) {
    if (c == '\n') c = ' ';
  }
  return t;
}

struct TestOutcome {
  std::string status;  // PASSED, WRONG_ANSWER, RUNTIME_ERROR, SYNTAX_ERROR, TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT
  std::string detail;
};

TestOutcome Classify(const sandbox::v1::RunResult& r) {
  using sandbox::v1::RunResult;
  switch (r.outcome()) {
    case RunResult::WALL_TIMEOUT:
    case RunResult::CPU_TIMEOUT:
      return {"TIMEOUT", absl::StrCat("time limit (", static_cast<int>(r.wall_ms()), " ms)")};
    case RunResult::OUTPUT_LIMIT:
      return {"OUTPUT_LIMIT", "output limit"};
    case RunResult::MEMORY_LIMIT:
      return {"MEMORY_LIMIT", "memory limit (cgroup)"};
    case RunResult::SETUP_FAILED:
      return {"SANDBOX_ERROR", r.error()};
    default:
      break;
  }
  if (absl::StrContains(r.stderr(), "MemoryError")) return {"MEMORY_LIMIT", "MemoryError"};
  if (absl::StrContains(r.stderr(), "std::bad_alloc")) return {"MEMORY_LIMIT", "std::bad_alloc"};
  if (absl::StrContains(r.stderr(), "SyntaxError") || absl::StrContains(r.stderr(), "IndentationError")) {
    return {"SYNTAX_ERROR", LastLine(r.stderr())};
  }
  if (r.outcome() == RunResult::SIGNALED) return {"RUNTIME_ERROR", absl::StrCat("killed by signal ", r.signal())};
  std::string last = LastLine(r.stderr());
  return {"RUNTIME_ERROR", last.empty() ? absl::StrCat("exit status ", r.exit_code()) : last};
}

class CodeVerifier : public Verifier {
 public:
  CodeVerifier(std::string extract, bool all_or_nothing, int time_ms, int memory_mb, int max_tests, bool stop_first,
               double float_tolerance, int compile_ms)
      : extract_(std::move(extract)),
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
    std::string runner = CodeSandboxRunner();
    if (runner.empty()) return Verdict::Error("SANDBOX_UNAVAILABLE", "no sandbox-runner found");
    sandbox::Sandbox& box = sandbox::SharedSandbox(runner);
    const auto& t = in.reference->tests();
    const bool cpp = t.language() == "cpp";
    std::string code = ExtractCode(in.completion, cpp ? "cpp" : "python", extract_);
    if (absl::StripAsciiWhitespace(code).empty()) {
      return Verdict::Outcome(0, "NO_CODE", absl::StrCat("no ", cpp ? "C++" : "python", " code block"));
    }
    std::string binary;
    if (cpp) {
      CompileResult compiled =
          Compile(box, code, std::min<int64_t>(compile_ms_, absl::ToInt64Milliseconds(in.deadline - absl::Now()) - 1000));
      if (!compiled.error_status.empty()) {
        if (compiled.error_status == "COMPILE_ERROR") return Verdict::Outcome(0, "COMPILE_ERROR", compiled.message);
        return Verdict::Error(compiled.error_status, compiled.message);
      }
      binary = std::move(compiled.binary);
    }

    sandbox::v1::Limits limits;
    limits.set_wall_ms(t.time_limit_ms() ? t.time_limit_ms() : time_ms_);
    limits.set_cpu_ms(limits.wall_ms());
    limits.set_memory_mb(t.memory_limit_mb() ? t.memory_limit_mb() : memory_mb_);
    limits.set_max_output_bytes(1 << 20);

    int total = 0, passed = 0;
    TestOutcome first_failure;
    auto record = [&](const TestOutcome& o) {
      ++total;
      if (o.status == "PASSED") {
        ++passed;
      } else if (first_failure.status.empty()) {
        first_failure = o;
      }
    };
    const int budget = max_tests_;
    int not_run = std::max(0, t.io_size() - budget);  // io cases past max_tests; the judge adds its own
    // The call's time budget (the scheduler's deadline): a test starts only
    // if its whole time limit fits, so the verifier answers before the
    // scheduler would abandon it. A program cannot buy itself out of a low
    // score by being slow: see out_of_time below.
    auto fits = [&](int64_t ms) { return absl::Now() + absl::Milliseconds(ms + 1000) < in.deadline; };
    bool out_of_time = false;
    int io_done = 0;
    // A cancelled call (the client went away) just stops; a deadline reached
    // is out_of_time, whose tests fail.
    auto cancelled = [&] { return in.cancelled != nullptr && in.cancelled->load(std::memory_order_relaxed); };
    for (int i = 0; i < t.io_size() && total < budget; ++i) {
      if (stop_first_ && !first_failure.status.empty()) break;
      if (cancelled()) break;
      if (!fits(limits.wall_ms())) {
        out_of_time = true;
        break;
      }
      ++io_done;
      sandbox::v1::RunRequest req;
      *req.mutable_limits() = limits;
      if (cpp) {
        req.add_argv("/work/solution");
        (*req.mutable_files())["solution"] = binary;
        req.add_executable("solution");
        // Room for the binary (up to kMaxBinaryMb) beside the usual 16 MB: a
        // big binary must run, not fail to be written.
        req.mutable_limits()->set_workdir_mb(16 + static_cast<uint32_t>(binary.size() >> 20) + 1);
      } else {
        req.add_argv("/usr/bin/python3");
        req.add_argv("-S");
        req.add_argv("solution.py");
        (*req.mutable_files())["solution.py"] = code;
      }
      req.set_stdin(t.io(i).stdin());
      auto r = box.Run(req);
      if (!r.ok()) return Verdict::Error("SANDBOX_ERROR", std::string(r.status().message()));
      if (r->outcome() == sandbox::v1::RunResult::EXITED && r->exit_code() == 0) {
        if (OutputsMatch(r->stdout(), t.io(i).stdout(), float_tolerance_)) {
          record({"PASSED", ""});
        } else {
          record({"WRONG_ANSWER", absl::StrCat("test ", i, ": input \"", Clip(t.io(i).stdin()), "\" expected \"",
                                               Clip(t.io(i).stdout()), "\" got \"", Clip(r->stdout()), "\"")});
        }
      } else {
        TestOutcome o = Classify(*r);
        o.detail = absl::StrCat("test ", i, ": ", o.detail);
        record(o);
      }
    }
    bool harness = !t.check().empty() || t.calls_size() > 0;
    const int harness_tests = HarnessTests(t);
    if (harness && total < budget && !(stop_first_ && !first_failure.status.empty()) && !cancelled()) {
      if (out_of_time || !fits(limits.wall_ms())) {
        out_of_time = true;
      } else {
        const int64_t left_ms = absl::ToInt64Milliseconds(in.deadline - absl::Now()) - 1000;
        std::optional<Verdict> error =
            RunHarness(box, t, code, limits, budget - total, left_ms, &record, &not_run);
        if (error) return *error;
      }
    } else if (harness && total >= budget) {
      not_run += harness_tests;  // max_tests left none for them
    }
    if (out_of_time) {
      // Tests the budget left no time for fail: being slow must not turn a
      // low score into no score (a sample without a score sits out, which a
      // program could prefer to failing the tests it cannot solve).
      int unrun = std::min(budget - total, (t.io_size() - io_done) + (harness && total < budget ? harness_tests : 0));
      for (int i = 0; i < unrun; ++i) record({"TIMEOUT", "not run: the sample's time budget ran out"});
    }
    if (total == 0) return Verdict::Error("NO_TESTS", "no test could run");
    // The sandbox failing is no verdict on the program: the sample sits out.
    if (first_failure.status == "SANDBOX_ERROR") return Verdict::Error("SANDBOX_ERROR", first_failure.detail);
    double score = all_or_nothing_ ? (passed == total ? 1.0 : 0.0) : static_cast<double>(passed) / total;
    const std::string skipped =
        not_run > 0 ? absl::StrCat(" (", not_run, " more not run: max_tests ", max_tests_, ")") : "";
    if (passed == total) {
      return Verdict::Outcome(score, "PASSED", absl::StrCat(passed, "/", total, " tests passed", skipped));
    }
    return Verdict::Outcome(score, first_failure.status,
                            absl::StrCat(passed, "/", total, " passed", skipped, "; ", first_failure.detail));
  }

 private:
  struct CompileResult {
    std::string binary;
    std::string error_status;  // "" on success
    std::string message;
  };

  // g++ -std=c++17 -O2 inside the sandbox; the binary comes back on stdout.
  // Results are cached by source (a group's G completions often repeat),
  // but only those of a compiler that ended by itself: one stopped by its
  // time limit (which a busy machine or a short call budget makes early),
  // memory or output cap is tried again next time.
  static CompileResult Compile(sandbox::Sandbox& box, const std::string& source, int64_t limit_ms) {
    static std::mutex mu;
    static auto* cache = new std::map<std::string, CompileResult>();
    static auto* order = new std::deque<std::string>();
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = cache->find(source);
      if (it != cache->end()) return it->second;
    }
    sandbox::v1::RunRequest req;
    req.add_argv("/bin/sh");
    req.add_argv("-c");
    req.add_argv("g++ -std=c++17 -O2 -pipe -o solution solution.cpp 1>&2 && cat solution");
    (*req.mutable_files())["solution.cpp"] = source;
    auto* l = req.mutable_limits();
    const uint32_t wall = static_cast<uint32_t>(std::max<int64_t>(500, limit_ms));
    l->set_wall_ms(wall);
    l->set_cpu_ms(wall);
    l->set_memory_mb(2048);
    l->set_workdir_mb(kMaxBinaryMb + 64);
    l->set_file_size_mb(kMaxBinaryMb);
    l->set_max_output_bytes(kMaxBinaryMb << 20);
    l->set_max_processes(16);
    CompileResult out;
    auto r = box.Run(req);
    if (!r.ok()) {
      out.error_status = "SANDBOX_ERROR";
      out.message = std::string(r.status().message());
      return out;
    }
    if (r->stdout_truncated() || r->outcome() == sandbox::v1::RunResult::OUTPUT_LIMIT) {
      // A cut binary is never run (it once died of SIGSEGV).
      out.error_status = "COMPILE_ERROR";
      out.message = absl::StrCat("the binary is larger than ", kMaxBinaryMb, " MB");
      return out;
    }
    if (r->outcome() == sandbox::v1::RunResult::EXITED && r->exit_code() == 0 && !r->stdout().empty()) {
      out.binary = r->stdout();
    } else if (r->outcome() == sandbox::v1::RunResult::EXITED) {
      out.error_status = "COMPILE_ERROR";
      std::string err = r->stderr();
      size_t at = err.find("error:");
      out.message = at == std::string::npos ? LastLine(err) : Clip(err.substr(at), 160);
    } else {
      out.error_status = "COMPILE_ERROR";
      out.message = absl::StrCat("the compiler did not finish: ", Classify(*r).detail);
      return out;  // stopped, not finished: never cached
    }
    // Keyed by the whole source (a hash could be made to collide and hand
    // one program another's binary); at most 256 programs and 256 MB.
    static size_t bytes = 0;
    std::lock_guard<std::mutex> lock(mu);
    if (cache->emplace(source, out).second) {
      order->push_back(source);
      bytes += source.size() + out.binary.size() + out.message.size();
    }
    while (!order->empty() && (cache->size() > 256 || bytes > (256u << 20))) {
      auto it = cache->find(order->front());
      bytes -= it->first.size() + it->second.binary.size() + it->second.message.size();
      cache->erase(it);
      order->pop_front();
    }
    return out;
  }

  // Check and call tests through the judge (code_harness.py), one sandbox
  // run for all of them; each test's outcome goes to `record`. Returns an
  // error verdict (SANDBOX_ERROR, BAD_TESTS) when there is no verdict on the
  // program.
  template <typename Record>
  std::optional<Verdict> RunHarness(sandbox::Sandbox& box, const reward::v1::Tests& t, const std::string& code,
                          const sandbox::v1::Limits& test_limits, int budget, int64_t left_ms,
                          Record* record, int* not_run) const {
    google::protobuf::Struct spec;
    auto& f = *spec.mutable_fields();
    f["check"].set_string_value(t.check());
    auto* calls = f["calls"].mutable_list_value();
    for (const auto& c : t.calls()) {
      auto& call = *calls->add_values()->mutable_struct_value()->mutable_fields();
      call["function"].set_string_value(c.function());
      call["args"].set_string_value(c.args());
      call["expected"].set_string_value(c.expected());
    }
    f["timeLimitMs"].set_number_value(test_limits.wall_ms());
    f["maxTests"].set_number_value(budget);
    f["stopOnFirstFailure"].set_bool_value(stop_first_);
    f["floatTolerance"].set_number_value(float_tolerance_);
    std::string spec_json;
    if (!google::protobuf::util::MessageToJsonString(spec, &spec_json).ok()) {
      return Verdict::Error("SANDBOX_ERROR", "cannot encode the tests");
    }
    const std::string token = Nonce();
    sandbox::v1::RunRequest req;
    req.add_argv("/usr/bin/python3");
    req.add_argv("-S");
    req.add_argv("_judge.py");
    (*req.mutable_files())["_judge.py"] = kCodeHarness;
    req.set_trusted_script(true);  // the judge is ours: the zygote compiles it once
    (*req.mutable_files())["solution.py"] = code;
    req.set_stdin(token + "\n" + spec_json);
    *req.mutable_limits() = test_limits;
    // The judge enforces each test's limit; the run as a whole gets one per
    // test, plus one to load the program, plus a second of slack.
    const int tests = std::min(budget, t.calls_size() + std::max(1, AssertLines(t.check(), true)));
    // ... and never past the call's own time budget (`left_ms`).
    const int64_t wall =
        std::max<int64_t>(1, std::min({int64_t{110000}, int64_t{test_limits.wall_ms()} * (tests + 1) + 1000, left_ms}));
    req.mutable_limits()->set_wall_ms(static_cast<uint32_t>(wall));
    req.mutable_limits()->set_cpu_ms(static_cast<uint32_t>(wall));
    // The judge's report: a line of well under 128 bytes per test (only the
    // first failures carry their detail), so it fits whatever max_tests is.
    req.mutable_limits()->set_max_output_bytes((1u << 20) + 128u * static_cast<uint32_t>(tests));
    auto r = box.Run(req);
    if (!r.ok()) return Verdict::Error("SANDBOX_ERROR", std::string(r.status().message()));
    if (r->outcome() == sandbox::v1::RunResult::SETUP_FAILED) return Verdict::Error("SANDBOX_ERROR", r->error());
    // The judge's report: lines "\n<token> <json>": {"plan": N, "notRun": M},
    // then {"test": {...}} per test, then {"done": true}; or {"testError"}.
    const std::string mark = "\n" + token + " ";
    const absl::string_view out = r->stdout();
    int planned = -1, reported = 0, failed = 0;
    bool done = false;
    for (size_t at = out.find(mark); at != absl::string_view::npos; at = out.find(mark, at + 1)) {
      size_t begin = at + mark.size();
      size_t end = out.find('\n', begin);
      google::protobuf::Struct line;
      if (!google::protobuf::util::JsonStringToMessage(
               std::string(out.substr(begin, end == absl::string_view::npos ? absl::string_view::npos : end - begin)),
               &line)
               .ok()) {
        continue;  // cut short by the end of the run
      }
      const auto& fields = line.fields();
      if (fields.count("testError")) return Verdict::Error("BAD_TESTS", fields.at("testError").string_value());
      if (fields.count("plan")) {
        planned = static_cast<int>(fields.at("plan").number_value());
        if (fields.count("notRun")) *not_run += static_cast<int>(fields.at("notRun").number_value());
      }
      if (fields.count("done")) done = true;
      if (fields.count("test") && planned >= 0 && reported < planned) {
        const auto& test = fields.at("test").struct_value().fields();
        auto get = [&](const char* k) { return test.count(k) ? test.at(k).string_value() : std::string(); };
        const std::string status = get("status");
        (*record)(TestOutcome{status, status == "PASSED" ? "" : absl::StrCat(get("name"), ": ", get("detail"))});
        ++reported;
        failed += status != "PASSED";
      }
    }
    // Tests the judge planned but did not report count as failed: the run
    // was stopped (time, output, memory: the run's outcome says which), or a
    // line could not be read.
    int missing = planned < 0 ? std::min(budget, HarnessTests(t)) : planned - reported;
    if (stop_first_) missing = failed > 0 ? 0 : std::min(missing, 1);
    if (missing > 0) {
      TestOutcome o = done ? TestOutcome{"RUNTIME_ERROR", "the judge's report of a test was unreadable"}
                           : Classify(*r);
      o.detail = absl::StrCat("checks: ", o.detail);
      for (int i = 0; i < missing; ++i) (*record)(o);
    }
    return std::nullopt;
  }

  // Lines of Python check code that start with `assert` (top-level asserts:
  // each is a test), or with `anywhere`, that mention it at all (at least as
  // many as the tests: `x = f(); assert x`, asserts in loops).
  static int AssertLines(absl::string_view check, bool anywhere) {
    int n = 0;
    for (absl::string_view line : absl::StrSplit(check, '\n')) {
      n += anywhere ? absl::StrContains(line, "assert") : absl::StartsWith(line, "assert");
    }
    return n;
  }

  // The tests of check code and calls, as the judge would count them (it
  // counts exactly; this is for tests it does not get to count).
  static int HarnessTests(const reward::v1::Tests& t) {
    return t.calls_size() + std::max(1, AssertLines(t.check(), false));
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
        ParamSpec::Bool("stop_on_first_failure", false, "Stop at the first failing test."),
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
    return std::make_unique<CodeVerifier>(p.GetString("extract"), p.GetString("mode") == "all_or_nothing",
                                          static_cast<int>(p.GetNumber("time_limit_ms")),
                                          static_cast<int>(p.GetNumber("memory_limit_mb")),
                                          static_cast<int>(p.GetNumber("max_tests")),
                                          p.GetBool("stop_on_first_failure"), p.GetNumber("float_tolerance"),
                                          static_cast<int>(p.GetNumber("compile_time_limit_ms")));
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

std::string CodeSandboxRunner() {
  if (!RunnerOverride().empty()) return RunnerOverride();
  if (const char* env = std::getenv("REWARD_SANDBOX_RUNNER"); env != nullptr && *env) return env;
  return sandbox::RunnerBesideExecutable();
}

}  // namespace rewards
