#include "client/summary.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/output.h"

namespace cli {

void Summary::Add(const reward::v1::GroupResult& g) {
  GroupStats gs;
  gs.id = g.id();
  gs.status = g.status();
  gs.mean = g.mean();
  gs.std = g.std();
  gs.samples = g.samples_size();
  ++group_statuses_[g.status()];
  bool have_first = false;
  double first = 0;
  bool spread = false;
  for (const auto& s : g.samples()) {
    ++samples_;
    ++sample_statuses_[s.status()];
    if (s.status() == "OK") {
      const double r = s.reward();
      if (scored_ == 0 || r < reward_min_) reward_min_ = r;
      if (scored_ == 0 || r > reward_max_) reward_max_ = r;
      ++scored_;
      reward_sum_ += r;
      reward_sq_sum_ += r * r;
      if (!have_first) {
        first = r;
        have_first = true;
      } else if (std::fabs(r - first) > 1e-12) {
        spread = true;
      }
    }
    for (const auto& c : s.components()) {
      auto [it, added] = components_.try_emplace(c.verifier());
      if (added) component_order_.push_back(c.verifier());
      ComponentStats& cs = it->second;
      ++cs.n;
      cs.score_sum += c.score();
      if (c.score() == 1.0) ++cs.full;
      ++cs.statuses[c.status()];
      if (!c.reason().empty()) ++cs.reasons[c.reason()];
    }
  }
  // A group with fewer than two scored samples has no spread either.
  gs.no_spread = g.status() == "OK" && !spread;
  groups_.push_back(std::move(gs));
}

double Summary::reward_mean() const { return scored_ == 0 ? 0 : reward_sum_ / scored_; }

double Summary::reward_std() const {
  if (scored_ == 0) return 0;
  const double m = reward_mean();
  return std::sqrt(std::max(0.0, reward_sq_sum_ / scored_ - m * m));
}

std::string CountsText(const std::map<std::string, size_t>& counts, size_t limit) {
  std::vector<std::pair<std::string, size_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (limit > 0 && sorted.size() > limit) sorted.resize(limit);
  std::vector<std::string> parts;
  for (const auto& [name, n] : sorted) parts.push_back(absl::StrCat(name.empty() ? "\"\"" : name, " ", n));
  return absl::StrJoin(parts, ", ");
}

std::string Summary::Render(size_t max_groups, size_t top_reasons) const {
  std::string out = absl::StrFormat("summary: %d groups (%s), %d samples (%s)\n", groups_.size(),
                                    CountsText(group_statuses_), samples_, CountsText(sample_statuses_));
  if (scored_ > 0) {
    absl::StrAppendFormat(&out, "  reward     mean %.4f  std %.4f  min %.4f  max %.4f  (%d scored samples)\n",
                          reward_mean(), reward_std(), reward_min_, reward_max_, scored_);
  }
  if (!components_.empty()) {
    absl::StrAppendFormat(&out, "  %-12s %6s %8s  %-16s %s\n", "component", "n", "mean", "score=1", "statuses");
    for (const std::string& name : component_order_) {
      const ComponentStats& cs = components_.at(name);
      const double pct = cs.n == 0 ? 0 : 100.0 * cs.full / cs.n;
      absl::StrAppendFormat(&out, "  %-12s %6d %8.4f  %-16s %s\n", name, cs.n, cs.n == 0 ? 0 : cs.score_sum / cs.n,
                            absl::StrFormat("%d (%.1f%%)", cs.full, pct), CountsText(cs.statuses));
    }
    out += "  most frequent reasons:\n";
    for (const std::string& name : component_order_) {
      const ComponentStats& cs = components_.at(name);
      std::vector<std::pair<std::string, size_t>> sorted(cs.reasons.begin(), cs.reasons.end());
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      for (size_t i = 0; i < sorted.size() && i < top_reasons; ++i) {
        absl::StrAppendFormat(&out, "    %-12s %5d  %s\n", i == 0 ? name : "", sorted[i].second,
                              Clip(sorted[i].first, 80));
      }
    }
  }
  size_t no_spread = 0;
  double mean_sum = 0;
  size_t ok_groups = 0;
  for (const GroupStats& gs : groups_) {
    if (gs.status != "OK") continue;
    ++ok_groups;
    mean_sum += gs.mean;
    if (gs.no_spread) ++no_spread;
  }
  if (ok_groups > 0) {
    absl::StrAppendFormat(&out, "  groups     mean of means %.4f; %d of %d with no spread (all rewards equal: zero advantage)\n",
                          mean_sum / ok_groups, no_spread, ok_groups);
  }
  for (size_t i = 0; i < groups_.size() && i < max_groups; ++i) {
    const GroupStats& gs = groups_[i];
    if (gs.status == "OK") {
      absl::StrAppendFormat(&out, "    %s mean %.4f  std %.4f  n %d%s\n", Pad(gs.id, 14), gs.mean, gs.std,
                            gs.samples, gs.no_spread ? "  no spread" : "");
    } else {
      absl::StrAppendFormat(&out, "    %s %s\n", Pad(gs.id, 14), gs.status);
    }
  }
  if (groups_.size() > max_groups) absl::StrAppendFormat(&out, "    ... %d more groups\n", groups_.size() - max_groups);
  return out;
}

}  // namespace cli
