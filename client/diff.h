// Compares two scorings of the same input (two profiles, or two reward
// specs): which samples' rewards change, with both breakdowns side by side,
// and how many samples each component changes for. The tool to answer "what
// does this parameter change do to my data".
#ifndef CLIENT_DIFF_H_
#define CLIENT_DIFF_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "reward/v1/reward.pb.h"

namespace cli {

// Rewards closer than this are the same (sums of weighted scores in double).
inline constexpr double kRewardEpsilon = 1e-9;

// One sample scored both ways.
struct SampleChange {
  std::string group_id;
  reward::v1::SampleResult a;
  reward::v1::SampleResult b;
};

class Diff {
 public:
  struct ComponentCounts {
    size_t changed = 0;  // in both, weighted score or status differs
    size_t only_a = 0;   // the term is in A's reward alone
    size_t only_b = 0;
  };

  // Compares one group scored as A and as B (the same input group: samples
  // are paired by position). Returns the samples whose reward changes, or
  // whose status does (e.g. scored in A, TIMEOUT in B); a group that failed
  // on one side counts in failed_groups() and returns nothing.
  std::vector<SampleChange> Add(const reward::v1::GroupResult& a, const reward::v1::GroupResult& b);

  size_t samples() const { return samples_; }
  size_t changed() const { return up_ + down_ + status_only_; }
  size_t up() const { return up_; }
  size_t down() const { return down_; }
  size_t failed_groups() const { return failed_groups_; }
  const std::map<std::string, ComponentCounts>& components() const { return components_; }

  // The closing lines, e.g.
  //   diff: 3 of 8 samples change (2 up, 1 down); mean reward 0.5500 -> 0.6250
  //     by component: format 3 changed; language only in B (8)
  std::string Render(const std::string& name_a, const std::string& name_b) const;

  // The same counts as one line of JSON, e.g.
  //   {"samples":20,"changed":3,"up":3,"down":0,"groupsNotCompared":0,
  //    "components":{"format":{"changed":3,"onlyA":0,"onlyB":0},...}}
  std::string Json() const;

 private:
  std::vector<std::string> order_;  // components in first-seen order
  std::map<std::string, ComponentCounts> components_;
  size_t samples_ = 0;
  size_t up_ = 0;
  size_t down_ = 0;
  size_t status_only_ = 0;
  size_t failed_groups_ = 0;
  double sum_a_ = 0;
  double sum_b_ = 0;
};

// One changed sample as a block: its reward both ways, then a row per
// component with A's and B's score, status and reason side by side.
std::string RenderChange(const SampleChange& change);

// One changed sample as one line of JSON: {"group":"q1","a":{...},"b":{...}}
// with both SampleResults in the API's JSON shape.
std::string ChangeJson(const SampleChange& change);

}  // namespace cli

#endif  // CLIENT_DIFF_H_
