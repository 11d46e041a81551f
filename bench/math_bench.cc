// Math verifier throughput on realistic completions, beside a baseline
// measured in the same run on the same data: a plain last-number extractor
// (RE2 over the completion, strtod, compare), the kind of regex reward many
// trainers use. Single-threaded, so completions/s is per core.
//
//   make bench            (bazel run -c opt //bench:math_bench)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/timing.h"
#include "google/protobuf/struct.pb.h"
#include "re2/re2.h"
#include "rewards/math_answer.h"
#include "rewards/verifier.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  std::string completion;
  std::string reference;
};

// ~1 KB of reasoning, then an answer in one of the forms the verifier reads.
std::vector<Sample> MakeSamples(int n) {
  std::mt19937 rng(42);
  const char* kSentences[] = {
      "First, compute the number of items in each box. ",
      "There are 12 boxes with 7 items each, so 12 * 7 = 84 items. ",
      "Then subtract the 15 that were sold on Monday. ",
      "Now 84 - 15 = 69, and we add the 23 delivered later. ",
      "Let me double-check the arithmetic step by step. ",
      "The ratio is \\frac{3}{4}, so we multiply by 0.75. ",
      "Half of that amount goes to the second shop. ",
      "So the total cost is 3.5 per item times the count. ",
  };
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) {
    int v = static_cast<int>(rng() % 5000) + 1;
    std::string think;
    while (think.size() < 1000) think += kSentences[rng() % 8];
    std::string answer;
    std::string reference = std::to_string(v);
    switch (i % 12) {
      case 0: answer = std::to_string(v); break;
      case 1: answer = absl::StrCat("\\boxed{", v, "}"); break;
      case 2: answer = absl::StrCat("$", v, ".00$"); break;
      case 3: answer = absl::StrCat("\\frac{", 2 * v, "}{2}"); break;
      case 4: answer = absl::StrCat(v / 1000, ",", (v % 1000) / 100, (v % 100) / 10, v % 10); break;
      case 5: answer = absl::StrCat(v, " dollars"); break;
      case 6: answer = absl::StrCat(v, "\\%"); break;
      case 7: answer = absl::StrCat(v - 1, " + 1"); break;
      case 8: answer = absl::StrCat(v / 2, "\\frac{", v % 2, "}{2}"); reference = absl::StrCat(v / 2.0); break;
      case 9: answer = absl::StrCat(v, ".5"); reference = absl::StrCat(2 * v + 1, "/2"); break;
      case 10: answer = absl::StrCat(v + 1); break;  // wrong
      case 11: answer = absl::StrCat("\\text{", v, " cm}"); reference = absl::StrCat("#### ", v); break;
    }
    if (i % 12 == 4 && v < 1000) answer = std::to_string(v);
    out.push_back({absl::StrCat("<think>", think, "</think>\n<answer>", answer, "</answer>"), reference});
  }
  return out;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Baseline: the last number anywhere in the completion, compared as a double.
int BaselinePass(const std::vector<Sample>& samples) {
  static const RE2 number(R"((-?\d+(?:\.\d+)?))");
  int correct = 0;
  for (const Sample& s : samples) {
    re2::StringPiece input(s.completion);
    std::string last, m;
    while (RE2::FindAndConsume(&input, number, &m)) last = m;
    double ref = std::strtod(s.reference.c_str(), nullptr);
    if (!last.empty() && std::abs(std::strtod(last.c_str(), nullptr) - ref) < 1e-9) ++correct;
  }
  return correct;
}

int VerifierPass(const rewards::Verifier& v, const std::vector<Sample>& samples,
                 std::vector<reward::v1::Reference>& refs) {
  int correct = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    rewards::SampleInput in;
    in.completion = samples[i].completion;
    in.reference = &refs[i];
    correct += v.Score(in).score > 0;
  }
  return correct;
}

}  // namespace

int main() {
  const int kSamples = 10000;
  const int kReps = 7;
  std::vector<Sample> samples = MakeSamples(kSamples);
  std::vector<reward::v1::Reference> refs(samples.size());
  size_t bytes = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    refs[i].set_answer(samples[i].reference);
    bytes += samples[i].completion.size();
  }
  const rewards::VerifierFactory* f = rewards::FindVerifier("math");
  auto params = rewards::ParseParams(google::protobuf::Struct(), f->Params());
  auto verifier = f->Create(*params);

  int verifier_correct = 0, baseline_correct = 0;
  double baseline = samples.size() / bench::MedianSeconds(kReps, [&] { baseline_correct = BaselinePass(samples); });
  double ours =
      samples.size() / bench::MedianSeconds(kReps, [&] { verifier_correct = VerifierPass(**verifier, samples, refs); });

  std::printf("math verifier benchmark: %d completions, mean %.0f bytes, median of %d passes, 1 thread\n",
              kSamples, static_cast<double>(bytes) / kSamples, kReps);
  std::printf("  %-44s %12s %10s\n", "", "compl./s", "correct");
  std::printf("  %-44s %12.0f %10d\n", "baseline: RE2 last number + strtod", baseline, baseline_correct);
  std::printf("  %-44s %12.0f %10d\n", "math verifier (answer_tag, boxed; exact)", ours, verifier_correct);
  std::printf("  ratio verifier / baseline: %.2f\n", ours / baseline);

  // Hostile answers through the whole verifier (extraction, parsing,
  // comparison) with the region limit lifted, so the parser's own bounds are
  // what is measured: time per call under 1 KB, and per KB up to 1 MB.
  google::protobuf::Struct lifted;
  (*lifted.mutable_fields())["max_answer_chars"].set_number_value(1e7);
  auto hostile_verifier = f->Create(*rewards::ParseParams(lifted, f->Params()));
  reward::v1::Reference ref14;
  ref14.set_answer("14");
  auto score = [&](const std::string& answer) {
    std::string completion = absl::StrCat("<answer>", answer, "</answer>");
    rewards::SampleInput in;
    in.completion = completion;
    in.reference = &ref14;
    return (*hostile_verifier)->Score(in);
  };
  auto nested_frac = [](int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "\\frac{1}{";
    return s + "2" + std::string(depth, '}');
  };
  std::vector<std::string> small = {
      "2^{2^{2^{2^{100}}}}", "100000!", "9^9^9^9^9^9", std::string(400, '{') + "1" + std::string(400, '}'),
      std::string(900, '9'), "(10^{300})^{10}", "1e400", "\\frac{1}{0}", nested_frac(80),
  };
  double worst_small = 0;
  for (const std::string& h : small) {
    auto start = Clock::now();
    for (int i = 0; i < 100; ++i) score(h);
    worst_small = std::max(worst_small, Seconds(Clock::now() - start) / 100);
  }
  std::vector<std::string> large = {
      std::string(10000, '{') + "1" + std::string(10000, '}'), std::string(1 << 20, '9'), nested_frac(1000),
      std::string(100000, '-') + "14",
  };
  double worst_per_kb = 0;
  for (const std::string& h : large) {
    auto start = Clock::now();
    score(h);
    worst_per_kb = std::max(worst_per_kb, Seconds(Clock::now() - start) / (h.size() / 1024.0));
  }
  std::printf("hostile answers (whole verifier, region limit lifted): worst %.1f us per call under 1 KB; "
              "worst %.1f us per KB on inputs up to 1 MB\n",
              worst_small * 1e6, worst_per_kb * 1e6);
  return 0;
}
