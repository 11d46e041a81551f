// `length`: a length term relative to the group, conditioned on correctness
// (Kimi k1.5's length reward): with the group's shortest and longest scored
// completions (in characters), lambda = 0.5 - (len - shortest) / (longest -
// shortest); a correct sample (its `correctness` verifier scored >= 0.5) gets
// lambda, a wrong one min(0, lambda): short right answers are rewarded, long
// wrong ones penalised. All of one length: 0. A group verifier: it scores
// the whole group once the correctness verdicts are in.
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "rewards/verifier.h"

namespace rewards {
namespace {

// Characters (code points) of UTF-8 text (the completions are valid UTF-8).
size_t Characters(absl::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

class LengthVerifier : public Verifier {
 public:
  explicit LengthVerifier(std::string correctness) : correctness_(std::move(correctness)) {}

  Verdict Score(const SampleInput&) const override {
    return Verdict::Error("INTERNAL", "length scores groups");  // never called: ScoresGroups()
  }
  bool ScoresGroups() const override { return true; }

  std::vector<Verdict> ScoreGroup(const GroupInput& in) const override {
    const std::vector<const Verdict*>& correct = in.needed[0];
    std::vector<size_t> lengths;
    size_t shortest = SIZE_MAX, longest = 0;
    for (absl::string_view c : in.completions) {
      lengths.push_back(Characters(c));
      shortest = std::min(shortest, lengths.back());
      longest = std::max(longest, lengths.back());
    }
    std::vector<Verdict> out;
    for (size_t i = 0; i < lengths.size(); ++i) {
      const Verdict* v = correct[i];
      if (v == nullptr || v->error) {
        out.push_back(Verdict::Error("NO_CORRECTNESS", absl::StrCat(correctness_, " gave no verdict")));
        continue;
      }
      const double lambda =
          longest == shortest ? 0.0 : 0.5 - static_cast<double>(lengths[i] - shortest) / (longest - shortest);
      const bool right = v->score >= 0.5;
      const double score = right ? lambda : std::min(0.0, lambda);
      out.push_back(Verdict::Ok(score, absl::StrFormat("%d chars (group %d-%d), %s: %.3f", lengths[i], shortest,
                                                       longest, right ? "correct" : "wrong", score)));
    }
    return out;
  }

 private:
  std::string correctness_;
};

class LengthVerifierFactory : public VerifierFactory {
 public:
  std::string Name() const override { return "length"; }
  std::string Description() const override {
    return "Length relative to the group (Kimi k1.5): lambda = 0.5 - (len - shortest)/(longest - shortest) "
           "in characters; a sample the correctness verifier scores >= 0.5 gets lambda, others min(0, lambda). A group "
           "verifier: scored with its group once the correctness verdicts are in.";
  }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>{
        ParamSpec::String("correctness", "math",
                          "The verifier whose verdict says a sample is correct (score >= 0.5); a per-sample "
                          "term of the same reward."),
    };
    return *specs;
  }
  std::vector<std::pair<std::string, std::string>> Needs(const rewards::Params& p) const override {
    return {{p.GetString("correctness"), "correctness"}};
  }
  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p) const override {
    return std::make_unique<LengthVerifier>(p.GetString("correctness"));
  }
};

REGISTER_VERIFIER(LengthVerifierFactory);

}  // namespace
}  // namespace rewards
