#include "rewards/advantage.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"

namespace rewards {
namespace {

struct EstimatorEntry {
  const char* name;
  Estimator estimator;
};
constexpr EstimatorEntry kEstimators[] = {
    {"grpo", Estimator::kGrpo},
    {"dr_grpo", Estimator::kDrGrpo},
    {"rloo", Estimator::kRloo},
    {"reinforce_pp_baseline", Estimator::kReinforcePpBaseline},
    {"batch_norm", Estimator::kBatchNorm},
    {"none", Estimator::kNone},
};

// A value per sample per group, with the samples that count.
struct Table {
  std::vector<std::vector<double>> values;
  std::vector<std::vector<bool>> valid;
};

struct Moments {
  double n = 0;
  double mean = 0;
  double std = 0;
};

// Mean and standard deviation (two-pass, for accuracy) of the valid values;
// `unbiased` divides by n-1. Fewer than two values give std 0.
Moments Measure(const std::vector<const std::vector<double>*>& rows,
                const std::vector<const std::vector<bool>*>& masks, bool unbiased) {
  Moments m;
  double sum = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t i = 0; i < rows[r]->size(); ++i) {
      if ((*masks[r])[i]) {
        sum += (*rows[r])[i];
        m.n += 1;
      }
    }
  }
  if (m.n == 0) return m;
  m.mean = sum / m.n;
  if (m.n < 2) return m;
  double ss = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t i = 0; i < rows[r]->size(); ++i) {
      if ((*masks[r])[i]) ss += ((*rows[r])[i] - m.mean) * ((*rows[r])[i] - m.mean);
    }
  }
  m.std = std::sqrt(ss / (unbiased ? m.n - 1 : m.n));
  return m;
}

Moments MeasureGroup(const Table& t, size_t g, bool unbiased) {
  return Measure({&t.values[g]}, {&t.valid[g]}, unbiased);
}

Moments MeasureBatch(const Table& t, bool unbiased) {
  std::vector<const std::vector<double>*> rows;
  std::vector<const std::vector<bool>*> masks;
  for (size_t g = 0; g < t.values.size(); ++g) {
    rows.push_back(&t.values[g]);
    masks.push_back(&t.valid[g]);
  }
  return Measure(rows, masks, unbiased);
}

// x / (s + eps), and 0 where the spread is 0: equal rewards carry no signal.
double Scale(double x, double s, double eps) { return s > 0 ? x / (s + eps) : 0.0; }

// Advantages of one column of values (rewards, or one component's scores).
Table Estimate(const AdvantageOptions& o, const Table& t) {
  Table out;
  out.valid = t.valid;
  out.values.resize(t.values.size());
  for (size_t g = 0; g < t.values.size(); ++g) out.values[g].assign(t.values[g].size(), 0.0);
  const bool unbiased = o.unbiased_std;

  switch (o.estimator) {
    case Estimator::kNone:
      break;
    case Estimator::kBatchNorm: {
      Moments b = MeasureBatch(t, unbiased);
      for (size_t g = 0; g < t.values.size(); ++g) {
        for (size_t i = 0; i < t.values[g].size(); ++i) {
          if (t.valid[g][i]) out.values[g][i] = Scale(t.values[g][i] - b.mean, b.std, o.epsilon);
        }
      }
      break;
    }
    case Estimator::kGrpo:
    case Estimator::kDrGrpo:
    case Estimator::kRloo:
    case Estimator::kReinforcePpBaseline: {
      // Centre within each group; samples of groups with one valid sample
      // stay 0 and are left out of batch statistics below.
      Table centred = out;
      for (size_t g = 0; g < t.values.size(); ++g) {
        Moments m = MeasureGroup(t, g, unbiased);
        for (size_t i = 0; i < t.values[g].size(); ++i) {
          if (!t.valid[g][i] || m.n < 2) {
            centred.valid[g][i] = false;
            continue;
          }
          double r = t.values[g][i];
          centred.values[g][i] = o.estimator == Estimator::kRloo
                                     ? r - (m.mean * m.n - r) / (m.n - 1)
                                     : r - m.mean;
        }
      }
      if (o.estimator == Estimator::kDrGrpo || o.estimator == Estimator::kRloo) {
        for (size_t g = 0; g < t.values.size(); ++g) {
          for (size_t i = 0; i < t.values[g].size(); ++i) {
            if (centred.valid[g][i]) out.values[g][i] = centred.values[g][i];
          }
        }
      } else if (o.estimator == Estimator::kReinforcePpBaseline) {
        Moments b = MeasureBatch(centred, unbiased);
        for (size_t g = 0; g < t.values.size(); ++g) {
          for (size_t i = 0; i < t.values[g].size(); ++i) {
            if (centred.valid[g][i]) {
              out.values[g][i] = Scale(centred.values[g][i] - b.mean, b.std, o.epsilon);
            }
          }
        }
      } else {  // grpo
        Moments b = MeasureBatch(t, unbiased);
        for (size_t g = 0; g < t.values.size(); ++g) {
          double group_std = MeasureGroup(t, g, unbiased).std;
          // A group of equal rewards has no signal even when the batch has spread.
          if (group_std == 0) continue;
          double s = o.batch_scale ? b.std : group_std;
          for (size_t i = 0; i < t.values[g].size(); ++i) {
            if (centred.valid[g][i]) out.values[g][i] = Scale(centred.values[g][i], s, o.epsilon);
          }
        }
      }
      break;
    }
  }
  for (auto& row : out.values) {
    for (double& v : row) {
      if (!std::isfinite(v)) v = 0;
    }
  }
  return out;
}

}  // namespace

std::string EstimatorName(Estimator e) {
  for (const auto& entry : kEstimators) {
    if (entry.estimator == e) return entry.name;
  }
  return "?";
}

absl::StatusOr<AdvantageOptions> ParseAdvantageSpec(const reward::v1::AdvantageSpec& spec) {
  AdvantageOptions o;
  if (!spec.estimator().empty()) {
    bool found = false;
    std::string known;
    for (const auto& entry : kEstimators) {
      if (spec.estimator() == entry.name) {
        o.estimator = entry.estimator;
        found = true;
      }
      absl::StrAppend(&known, known.empty() ? "" : ", ", entry.name);
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "advantage.estimator: unknown estimator '", spec.estimator(), "' (known: ", known, ")"));
    }
  }
  if (spec.has_epsilon()) {
    if (!std::isfinite(spec.epsilon()) || spec.epsilon() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "advantage.epsilon: must be a finite number >= 0, got ", spec.epsilon()));
    }
    o.epsilon = spec.epsilon();
  }
  if (spec.std() == "population") {
    o.unbiased_std = false;
  } else if (!spec.std().empty() && spec.std() != "unbiased") {
    return absl::InvalidArgumentError(absl::StrCat(
        "advantage.std: must be 'unbiased' or 'population', got '", spec.std(), "'"));
  }
  if (spec.scale() == "batch") {
    if (o.estimator != Estimator::kGrpo) {
      return absl::InvalidArgumentError(
          "advantage.scale: 'batch' applies to the grpo estimator only");
    }
    o.batch_scale = true;
  } else if (!spec.scale().empty() && spec.scale() != "group") {
    return absl::InvalidArgumentError(absl::StrCat(
        "advantage.scale: must be 'group' or 'batch', got '", spec.scale(), "'"));
  }
  o.normalize_then_sum = spec.normalize_then_sum();
  return o;
}

std::vector<GroupAdvantages> ComputeAdvantages(const AdvantageOptions& options,
                                               const std::vector<GroupScores>& groups) {
  Table rewards;
  for (const auto& g : groups) {
    rewards.values.emplace_back();
    rewards.valid.emplace_back();
    for (const auto& s : g.samples) {
      rewards.values.back().push_back(s.reward);
      rewards.valid.back().push_back(s.valid);
    }
  }

  Table adv;
  if (!options.normalize_then_sum) {
    adv = Estimate(options, rewards);
  } else {
    // One column per verifier name; groups without that verifier sit out.
    adv = rewards;
    for (auto& row : adv.values) std::fill(row.begin(), row.end(), 0.0);
    std::map<std::string, bool> names;
    for (const auto& g : groups) {
      for (const auto& s : g.samples) {
        for (const auto& c : s.components) names[c.verifier] = true;
      }
    }
    for (const auto& [name, unused] : names) {
      Table column = rewards;
      std::vector<std::vector<double>> weight(groups.size());
      for (size_t gi = 0; gi < groups.size(); ++gi) {
        for (size_t i = 0; i < groups[gi].samples.size(); ++i) {
          const auto& s = groups[gi].samples[i];
          column.values[gi][i] = 0;
          weight[gi].push_back(0);
          column.valid[gi][i] = false;
          for (const auto& c : s.components) {
            if (c.verifier != name) continue;
            column.values[gi][i] += c.score;
            weight[gi][i] = c.weight;
            column.valid[gi][i] = s.valid;
          }
        }
      }
      Table a = Estimate(options, column);
      for (size_t gi = 0; gi < groups.size(); ++gi) {
        for (size_t i = 0; i < a.values[gi].size(); ++i) {
          adv.values[gi][i] += weight[gi][i] * a.values[gi][i];
        }
      }
    }
  }

  std::vector<GroupAdvantages> out(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    Moments m = MeasureGroup(rewards, g, options.unbiased_std);
    out[g].mean = m.mean;
    out[g].std = m.std;
    out[g].advantages = adv.values[g];
  }
  return out;
}

}  // namespace rewards
