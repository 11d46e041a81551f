// A request as a grid of verifier calls, and the grid's verdicts as a
// response: validation and profile resolution before scoring (PrepareBatch),
// weighting and advantages after it (AssembleResponse). Who runs the calls,
// and on which threads, is the caller's business (server/scheduler.h runs
// them on a pool with budgets; ScoreSerially runs them in order).
#ifndef REWARDS_BATCH_H_
#define REWARDS_BATCH_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reward/v1/reward.pb.h"
#include "rewards/advantage.h"
#include "rewards/reward_plan.h"

namespace rewards {

struct Limits {
  size_t max_groups = 4096;
  size_t max_completions_per_group = 1024;
  size_t max_completion_bytes = 1 << 20;
  size_t max_prompt_bytes = 1 << 20;
  // Each JSON text of a group's reference (tests.calls[].args, .expected),
  // checked before anything parses it: a larger one fails its group with
  // ResourceExhausted, a deeper one (arrays and objects) with InvalidArgument.
  size_t max_json_bytes = 8 << 20;
  size_t max_json_depth = 100;
};

// Longest error message or reason a response carries, in bytes; longer ones
// are cut on a character boundary (and every one is made valid UTF-8).
constexpr size_t kMaxMessageBytes = 1024;

// Errors found while decoding a request's bytes that concern one group each
// (e.g. a reference.metadata protobuf refused), by group index.
using GroupErrors = std::map<int, absl::Status>;

// The server's named profiles, configured once at start-up. A profile whose
// verifiers are not all available keeps its error, returned when used.
class ProfileRegistry {
 public:
  // Every plan (the profiles' now, each request's own later) is built with
  // `context`'s shared resources.
  ProfileRegistry(const std::vector<reward::v1::Profile>& profiles,
                  const std::string& default_profile, const TimeoutOverrides& timeouts,
                  std::shared_ptr<const VerifierContext> context = nullptr);
  // FailedPrecondition for a profile that cannot be built here (e.g. it names
  // a verifier this server does not have); InvalidArgument for an unknown name.
  absl::StatusOr<std::shared_ptr<const RewardPlan>> Find(const std::string& name) const;
  const std::vector<reward::v1::Profile>& profiles() const { return profiles_; }
  const std::string& default_profile() const { return default_profile_; }
  const TimeoutOverrides& timeouts() const { return timeouts_; }
  const VerifierContext& context() const { return context_ ? *context_ : VerifierContext::Empty(); }

 private:
  std::shared_ptr<const VerifierContext> context_;
  std::vector<reward::v1::Profile> profiles_;
  std::map<std::string, absl::StatusOr<std::shared_ptr<const RewardPlan>>> plans_;
  std::string default_profile_;
  TimeoutOverrides timeouts_;
};

struct PreparedGroup {
  std::shared_ptr<const RewardPlan> plan;  // null when `status` is an error
  absl::Status status;                     // an error for this group alone
  // Per sample: set when the sample fails before any verifier runs.
  std::vector<std::optional<Verdict>> precheck;
};

struct PreparedBatch {
  std::shared_ptr<const reward::v1::ScoreRequest> request;
  std::vector<PreparedGroup> groups;
  AdvantageOptions advantage;
};

// Validates the request and resolves every group's reward terms. Errors name
// the field: InvalidArgument for malformed requests, ResourceExhausted for
// ones over `limits`, FailedPrecondition for a profile this server cannot
// score. Problems of one group (missing reference, `decode_errors`, JSON over
// the limits) or one sample (invalid UTF-8, too long) are recorded in the
// batch instead, and the rest is scored. `stop`, when set, is polled before
// each group: a status it returns (the call was cancelled, or its deadline
// passed) is returned at once, so that validating a large request never
// outlasts its call by more than one group's checks.
absl::StatusOr<PreparedBatch> PrepareBatch(
    std::shared_ptr<const reward::v1::ScoreRequest> request, const ProfileRegistry& profiles,
    const Limits& limits, const GroupErrors& decode_errors = {},
    const std::function<absl::Status()>& stop = nullptr);

// The verdict of term k of group g on sample s: verdicts[g][s][k]. Groups
// with an error status and samples with a precheck error have empty rows.
using VerdictGrid = std::vector<std::vector<std::vector<Verdict>>>;

// Allocates the grid with the right shapes, every verdict default.
VerdictGrid EmptyGrid(const PreparedBatch& batch);

// True when term calls are needed for sample s of group g.
bool NeedsScoring(const PreparedBatch& batch, size_t g, size_t s);

// Runs one verifier call.
Verdict RunTerm(const PreparedBatch& batch, size_t g, size_t s, size_t k, absl::Time deadline,
                const std::atomic<bool>* cancelled);

// Runs every call in order on this thread (tests, benchmarks, tools).
VerdictGrid ScoreSerially(const PreparedBatch& batch);

// Weighted sums, statuses and advantages, in the request's order; first the
// group terms' verdicts (ScoreGroupTerms) from the grid's others.
reward::v1::ScoreResponse AssembleResponse(const PreparedBatch& batch, VerdictGrid grid);

}  // namespace rewards

#endif  // REWARDS_BATCH_H_
