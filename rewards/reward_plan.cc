#include "rewards/reward_plan.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rewards {

absl::StatusOr<RewardPlan> BuildPlan(const Terms& terms, const std::string& field,
                                     const TimeoutOverrides& timeouts, const VerifierContext& context) {
  RewardPlan plan;
  struct Need {
    size_t term;
    std::string verifier, field;
  };
  std::vector<Need> needed_names;
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
    absl::StatusOr<std::unique_ptr<Verifier>> impl = factory->Create(*params, context);
    if (!impl.ok()) {
      return absl::Status(impl.status().code(),
                          absl::StrCat(at, ".params: ", impl.status().message()));
    }
    PlannedTerm term;
    term.group = (*impl)->ScoresGroups();
    if (term.group) {
      // Its needs: per-sample terms of this reward, resolved below.
      for (const auto& [name, param] : factory->Needs(*params)) {
        needed_names.push_back({plan.terms.size(), name, absl::StrCat(at, ".params.", param)});
      }
    }
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
  // Each need is a per-sample term of this reward (group terms run after
  // them, so one group term cannot need another).
  for (const Need& need : needed_names) {
    size_t found = plan.terms.size();
    for (size_t k = 0; k < plan.terms.size(); ++k) {
      if (plan.terms[k].verifier == need.verifier && !plan.terms[k].group) found = k;
    }
    if (found == plan.terms.size()) {
      return absl::InvalidArgumentError(absl::StrCat(need.field, ": '", need.verifier,
                                                     "' is not a per-sample term of this reward"));
    }
    plan.terms[need.term].needs.push_back(found);
  }
  return plan;
}

void ScoreGroupTerms(const RewardPlan& plan, const reward::v1::Group& group,
                     std::vector<std::vector<Verdict>>* grid) {
  for (size_t k = 0; k < plan.terms.size(); ++k) {
    const PlannedTerm& term = plan.terms[k];
    if (!term.group) continue;
    GroupInput in;
    in.prompt = group.prompt();
    in.reference = &group.reference();
    std::vector<size_t> scored;  // the samples that have verdicts
    for (size_t s = 0; s < grid->size(); ++s) {
      if ((*grid)[s].size() == plan.terms.size()) scored.push_back(s);
    }
    for (size_t s : scored) in.completions.push_back(group.completions(static_cast<int>(s)).text());
    for (size_t need : term.needs) {
      std::vector<const Verdict*> column;
      for (size_t s : scored) column.push_back(&(*grid)[s][need]);
      in.needed.push_back(std::move(column));
    }
    std::vector<Verdict> verdicts = term.impl->ScoreGroup(in);
    for (size_t i = 0; i < scored.size(); ++i) {
      (*grid)[scored[i]][k] = i < verdicts.size() ? std::move(verdicts[i])
                                                  : Verdict::Error("INTERNAL", "the group verifier gave no verdict");
    }
  }
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
