// What a run scored, in a few lines: per component the mean score, how many
// samples got full marks (score 1: for an accuracy verifier, how many were
// right), the status counts and the reasons that occur most often; per group
// the mean and std of its rewards, and how many groups have no spread (every
// sample the same reward: GRPO gives them zero advantage, so they teach the
// policy nothing).
#ifndef CLIENT_SUMMARY_H_
#define CLIENT_SUMMARY_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "reward/v1/reward.pb.h"

namespace cli {

class Summary {
 public:
  struct ComponentStats {
    size_t n = 0;
    double score_sum = 0;
    size_t full = 0;  // score == 1
    std::map<std::string, size_t> statuses;
    std::map<std::string, size_t> reasons;
  };
  struct GroupStats {
    std::string id;
    std::string status;
    double mean = 0;
    double std = 0;
    size_t samples = 0;
    bool no_spread = false;  // every scored sample has the same reward
  };

  // Adds one scored (or failed) group.
  void Add(const reward::v1::GroupResult& g);

  // The summary as text, e.g.
  //   summary: 3 groups (3 OK), 12 samples (12 OK)
  //     reward  mean 0.6000  std 0.5040  min 0.0000  max 1.1000
  //     component       n    mean   score=1  statuses
  //     math           12  0.5000  6 (50%)   OK 12
  //     ...
  // Groups are listed one per line up to `max_groups`, then counted.
  std::string Render(size_t max_groups = 20, size_t top_reasons = 3) const;

  size_t groups() const { return groups_.size(); }
  size_t samples() const { return samples_; }
  const std::map<std::string, ComponentStats>& components() const { return components_; }
  const std::map<std::string, size_t>& sample_statuses() const { return sample_statuses_; }
  const std::vector<GroupStats>& group_stats() const { return groups_; }
  double reward_mean() const;
  double reward_std() const;  // population std of scored samples' rewards

 private:
  std::vector<GroupStats> groups_;
  std::vector<std::string> component_order_;  // first-seen order, for the table
  std::map<std::string, ComponentStats> components_;
  std::map<std::string, size_t> sample_statuses_;
  std::map<std::string, size_t> group_statuses_;
  size_t samples_ = 0;
  size_t scored_ = 0;
  double reward_sum_ = 0;
  double reward_sq_sum_ = 0;
  double reward_min_ = 0;
  double reward_max_ = 0;
};

// "OK 10, TIMEOUT 2": counts, most frequent first, ties by name.
std::string CountsText(const std::map<std::string, size_t>& counts, size_t limit = 0);

}  // namespace cli

#endif  // CLIENT_SUMMARY_H_
