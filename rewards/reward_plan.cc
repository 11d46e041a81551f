#include "rewards/reward_plan.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rewards {

absl::StatusOr<RewardPlan> BuildPlan(const Terms& terms, const std::string& field,
                                     const TimeoutOverrides& timeouts) {
  RewardPlan plan;
  for (int i = 0; i < terms.size(); ++i) {
    const reward::v1::RewardTerm& t = terms[i];
    std::string at = absl::StrCat(field, "[", i, "]");
    const VerifierFactory* factory = FindVerifier(t.verifier());
    if (factory == nullptr) {
      std::vector<std::string> known;
      for (const auto* f : AllVerifiers()) known.push_back(f->Name());
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".verifier: unknown verifier '", t.verifier(), "' (known: ",
                       absl::StrJoin(known, ", "), ")"));
    }
    if (!std::isfinite(t.weight())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".weight: must be a finite number"));
    }
    for (const auto& other : plan.terms) {
      if (other.verifier == t.verifier()) {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ".verifier: '", t.verifier(), "' appears twice; give it one term"));
      }
    }
    absl::StatusOr<Params> params = ParseParams(t.params(), factory->Params());
    if (!params.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".params: ", params.status().message()));
    }
    absl::StatusOr<std::unique_ptr<Verifier>> impl = factory->Create(*params);
    if (!impl.ok()) {
      return absl::Status(impl.status().code(),
                          absl::StrCat(at, ".params: ", impl.status().message()));
    }
    PlannedTerm term;
    term.verifier = t.verifier();
    term.weight = t.has_weight() ? t.weight() : 1.0;
    term.impl = std::move(*impl);
    auto it = timeouts.find(t.verifier());
    term.budget = it != timeouts.end() ? it->second : factory->DefaultTimeout();
    plan.terms.push_back(std::move(term));
  }
  if (plan.terms.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": no verifier given"));
  }
  return plan;
}

namespace {

reward::v1::Profile MakeProfile(const std::string& name, const std::string& description,
                                std::vector<std::pair<std::string, double>> terms) {
  reward::v1::Profile p;
  p.set_name(name);
  p.set_description(description);
  for (const auto& [verifier, weight] : terms) {
    auto* t = p.add_terms();
    t->set_verifier(verifier);
    t->set_weight(weight);
  }
  return p;
}

}  // namespace

std::vector<reward::v1::Profile> BuiltinProfiles() {
  return {
      MakeProfile("r1_zero", "DeepSeek-R1-Zero: accuracy 1.0 + format 0.1",
                  {{"math", 1.0}, {"format", 0.1}}),
      MakeProfile("r1", "DeepSeek-R1: accuracy 1.0 + format 0.1 + language consistency 0.2",
                  {{"math", 1.0}, {"format", 0.1}, {"language", 0.2}}),
      MakeProfile("code", "Code: unit tests 1.0 + format 0.1", {{"code", 1.0}, {"format", 0.1}}),
  };
}

std::optional<Verdict> CheckCompletion(absl::string_view text, size_t max_bytes) {
  if (max_bytes > 0 && text.size() > max_bytes) {
    return Verdict::Error("TOO_LONG", absl::StrCat("completion has ", text.size(),
                                                   " bytes, the limit is ", max_bytes));
  }
  if (!IsValidUtf8(text)) {
    return Verdict::Error("INVALID_UTF8", "completion is not valid UTF-8");
  }
  return std::nullopt;
}

}  // namespace rewards
