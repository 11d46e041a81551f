// Group-relative advantages (GRPO and its variants).
//
// Estimators, over the samples of a group that scored (invalid ones are left
// out of every statistic and get advantage 0):
//   grpo                   (r - mean_g) / (std + eps); std of the group, or of
//                          the batch with scale=batch (TRL scale_rewards=batch)
//   dr_grpo                r - mean_g                          (Dr. GRPO)
//   rloo                   r - mean of the group's other samples
//   reinforce_pp_baseline  r - mean_g, then whitened over the batch
//   batch_norm             (r - mean_b) / (std_b + eps)        (REINFORCE++)
//   none                   0 (the trainer computes its own)
// Group estimators give 0 to a group of one sample or of equal rewards,
// never NaN. std is unbiased (n-1, as TRL and verl) unless std=population.
// normalize_then_sum (GDPO): the estimator is applied to each component's
// scores separately and the advantages are summed with the terms' weights.
#ifndef REWARDS_ADVANTAGE_H_
#define REWARDS_ADVANTAGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reward/v1/reward.pb.h"

namespace rewards {

enum class Estimator { kGrpo, kDrGrpo, kRloo, kReinforcePpBaseline, kBatchNorm, kNone };

struct AdvantageOptions {
  Estimator estimator = Estimator::kGrpo;
  double epsilon = 1e-6;
  bool unbiased_std = true;
  bool batch_scale = false;  // grpo: divide by the batch's std
  bool normalize_then_sum = false;
};

// Validates the request's spec; errors are InvalidArgument naming the field
// ("advantage.estimator: unknown estimator 'ppo' (known: grpo, ...)").
absl::StatusOr<AdvantageOptions> ParseAdvantageSpec(const reward::v1::AdvantageSpec& spec);

// The scores of one group: per sample, whether it scored (status OK), its
// reward and its components (name, weight, score) in term order.
struct GroupScores {
  struct Component {
    std::string verifier;
    double weight = 0;
    double score = 0;
  };
  struct Sample {
    bool valid = true;
    double reward = 0;
    std::vector<Component> components;
  };
  std::vector<Sample> samples;
};

struct GroupAdvantages {
  // Mean and std (per AdvantageOptions::unbiased_std) of the valid rewards.
  double mean = 0;
  double std = 0;
  std::vector<double> advantages;  // one per sample, 0 for invalid ones
};

std::vector<GroupAdvantages> ComputeAdvantages(const AdvantageOptions& options,
                                               const std::vector<GroupScores>& groups);

// The estimator's name as in requests ("grpo", ...).
std::string EstimatorName(Estimator e);

}  // namespace rewards

#endif  // REWARDS_ADVANTAGE_H_
