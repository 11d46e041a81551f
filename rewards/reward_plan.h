// From a request's reward terms (or a named profile) to configured verifiers,
// and the scoring of one (completion, term) pair. No gRPC here: the server
// schedules these calls; tests call them directly.
#ifndef REWARDS_REWARD_PLAN_H_
#define REWARDS_REWARD_PLAN_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "reward/v1/reward.pb.h"
#include "rewards/utf8.h"
#include "rewards/verifier.h"

namespace rewards {

// One weighted, configured verifier.
struct PlannedTerm {
  std::string verifier;
  double weight = 0;
  std::shared_ptr<const Verifier> impl;
  absl::Duration budget;  // wall-clock budget of one call
  // A group verifier (impl->ScoresGroups()): the indices of the terms whose
  // verdicts it needs, in its Needs() order.
  bool group = false;
  std::vector<size_t> needs;
};

struct RewardPlan {
  std::vector<PlannedTerm> terms;
};

using Terms = google::protobuf::RepeatedPtrField<reward::v1::RewardTerm>;

// Per-verifier budgets overriding the verifiers' defaults, by name.
using TimeoutOverrides = std::map<std::string, absl::Duration>;

// Validates and configures `terms`. Errors are InvalidArgument and start with
// `field` and the term's index: "reward[1].verifier: unknown verifier 'foo'
// (known: format)", "reward[0].params: unknown parameter 'x' ...".
// Verifiers are built with `context`'s shared resources.
absl::StatusOr<RewardPlan> BuildPlan(const Terms& terms, const std::string& field,
                                     const TimeoutOverrides& timeouts,
                                     const VerifierContext& context = VerifierContext::Empty());

// The built-in reward profiles: r1_zero (math 1 + format 0.1, DeepSeek-R1-Zero),
// r1 (math 1 + format 0.1 + language 0.2), code (code 1 + format 0.1).
std::vector<reward::v1::Profile> BuiltinProfiles();

// Fills the group terms' verdicts of `grid[g]` (group `g` of `request`),
// from the other terms' verdicts already there. Cheap: see Verifier.
void ScoreGroupTerms(const RewardPlan& plan, const reward::v1::Group& group,
                     std::vector<std::vector<Verdict>>* grid_of_group);

// Sample-level checks done before any verifier runs: invalid UTF-8
// (INVALID_UTF8) and over-long text (TOO_LONG) are errors for this sample.
std::optional<Verdict> CheckCompletion(absl::string_view text, size_t max_bytes);

}  // namespace rewards

#endif  // REWARDS_REWARD_PLAN_H_
