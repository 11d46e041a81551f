#include "rewards/advantage.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rewards {
namespace {

GroupScores Group(std::vector<double> rewards, std::vector<bool> valid = {}) {
  GroupScores g;
  for (size_t i = 0; i < rewards.size(); ++i) {
    GroupScores::Sample s;
    s.reward = rewards[i];
    s.valid = valid.empty() || valid[i];
    s.components.push_back({"r", 1.0, rewards[i]});
    g.samples.push_back(s);
  }
  return g;
}

AdvantageOptions Opts(Estimator e) {
  AdvantageOptions o;
  o.estimator = e;
  return o;
}

TEST(AdvantageTest, SeedExampleGrpo) {
  // DeepSeek-R1-Zero worked example: o1..o4 rewards 0.1, 1.1, 1.0, 0.0.
  auto out = ComputeAdvantages(AdvantageOptions(), {Group({0.1, 1.1, 1.0, 0.0})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].mean, 0.55, 1e-12);
  double sd = std::sqrt((0.45 * 0.45 + 0.55 * 0.55 + 0.45 * 0.45 + 0.55 * 0.55) / 3);
  EXPECT_NEAR(out[0].std, sd, 1e-12);
  const auto& a = out[0].advantages;
  EXPECT_LT(a[0], 0);
  EXPECT_GT(a[1], 0);
  EXPECT_GT(a[2], 0);
  EXPECT_LT(a[3], 0);
  EXPECT_NEAR(a[1], 0.55 / (sd + 1e-6), 1e-12);
  EXPECT_NEAR(a[0], -0.45 / (sd + 1e-6), 1e-12);
}

TEST(AdvantageTest, SeedExampleDrGrpo) {
  auto out = ComputeAdvantages(Opts(Estimator::kDrGrpo), {Group({1, 0, 2})});
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(0.0, -1.0, 1.0));
}

TEST(AdvantageTest, PopulationStd) {
  AdvantageOptions o;
  o.unbiased_std = false;
  o.epsilon = 0;
  auto out = ComputeAdvantages(o, {Group({0, 2})});
  EXPECT_DOUBLE_EQ(out[0].std, 1.0);
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(-1.0, 1.0));
  o.unbiased_std = true;
  out = ComputeAdvantages(o, {Group({0, 2})});
  EXPECT_DOUBLE_EQ(out[0].std, std::sqrt(2.0));
}

TEST(AdvantageTest, Rloo) {
  // r_i - mean of the others: 3 - (1+2)/2 = 1.5, 1 - 2.5 = -1.5, 2 - 2 = 0.
  auto out = ComputeAdvantages(Opts(Estimator::kRloo), {Group({3, 1, 2})});
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(1.5, -1.5, 0.0));
}

TEST(AdvantageTest, GrpoBatchScale) {
  AdvantageOptions o;
  o.batch_scale = true;
  o.epsilon = 0;
  // Group means 0.5 and 5; batch std of {0,1,4,6} (unbiased).
  auto out = ComputeAdvantages(o, {Group({0, 1}), Group({4, 6})});
  double mean = 11.0 / 4;
  double sd = std::sqrt(((0 - mean) * (0 - mean) + (1 - mean) * (1 - mean) + (4 - mean) * (4 - mean) +
                         (6 - mean) * (6 - mean)) / 3);
  EXPECT_NEAR(out[0].advantages[0], -0.5 / sd, 1e-12);
  EXPECT_NEAR(out[1].advantages[1], 1.0 / sd, 1e-12);
}

TEST(AdvantageTest, BatchNormWhitensOverBatch) {
  AdvantageOptions o = Opts(Estimator::kBatchNorm);
  o.epsilon = 0;
  o.unbiased_std = false;
  auto out = ComputeAdvantages(o, {Group({0}), Group({2})});
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(-1.0));
  EXPECT_THAT(out[1].advantages, ::testing::ElementsAre(1.0));
}

TEST(AdvantageTest, ReinforcePpBaseline) {
  AdvantageOptions o = Opts(Estimator::kReinforcePpBaseline);
  o.epsilon = 0;
  o.unbiased_std = false;
  // Centred: {-1, 1} and {-2, 2}; batch std of those = sqrt(10/4).
  auto out = ComputeAdvantages(o, {Group({0, 2}), Group({3, 7})});
  double sd = std::sqrt(10.0 / 4);
  EXPECT_NEAR(out[0].advantages[0], -1 / sd, 1e-12);
  EXPECT_NEAR(out[1].advantages[1], 2 / sd, 1e-12);
}

TEST(AdvantageTest, NoneGivesZero) {
  auto out = ComputeAdvantages(Opts(Estimator::kNone), {Group({0, 1})});
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(0.0, 0.0));
  EXPECT_DOUBLE_EQ(out[0].mean, 0.5);
}

TEST(AdvantageTest, DegenerateGroupsGiveZeroNeverNaN) {
  for (Estimator e : {Estimator::kGrpo, Estimator::kDrGrpo, Estimator::kRloo,
                      Estimator::kReinforcePpBaseline}) {
    AdvantageOptions o = Opts(e);
    o.epsilon = 0;
    auto out = ComputeAdvantages(o, {Group({0.7}), Group({1, 1, 1}), Group({})});
    EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(0.0)) << EstimatorName(e);
    EXPECT_THAT(out[1].advantages, ::testing::ElementsAre(0.0, 0.0, 0.0)) << EstimatorName(e);
    EXPECT_TRUE(out[2].advantages.empty());
    EXPECT_EQ(out[0].std, 0);
  }
  // Equal rewards in a group stay 0 under batch scaling too.
  AdvantageOptions o;
  o.batch_scale = true;
  auto out = ComputeAdvantages(o, {Group({1, 1}), Group({0, 5})});
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(0.0, 0.0));
}

TEST(AdvantageTest, InvalidSamplesLeftOut) {
  AdvantageOptions o = Opts(Estimator::kDrGrpo);
  // The invalid 100 must not move the mean of {1, 3}.
  auto out = ComputeAdvantages(o, {Group({1, 100, 3}, {true, false, true})});
  EXPECT_DOUBLE_EQ(out[0].mean, 2.0);
  EXPECT_THAT(out[0].advantages, ::testing::ElementsAre(-1.0, 0.0, 1.0));
}

TEST(AdvantageTest, NormalizeThenSumNormalisesEachComponent) {
  // Two components on very different scales: GDPO gives each equal voice.
  GroupScores g;
  double acc[] = {1, 0, 1, 0};
  double len[] = {100, 100, 300, 300};
  for (int i = 0; i < 4; ++i) {
    GroupScores::Sample s;
    s.components = {{"acc", 1.0, acc[i]}, {"len", 0.01, len[i]}};
    s.reward = acc[i] + 0.01 * len[i];
    g.samples.push_back(s);
  }
  AdvantageOptions o;
  o.epsilon = 0;
  o.normalize_then_sum = true;
  auto out = ComputeAdvantages(o, {g});
  // Both components have z-scores of +-0.5 / sqrt(1/3) (unbiased std).
  double z = 0.5 / std::sqrt(1.0 / 3);
  EXPECT_NEAR(out[0].advantages[0], z * 1.0 - z * 0.01, 1e-9);
  EXPECT_NEAR(out[0].advantages[3], -z * 1.0 + z * 0.01, 1e-9);
  EXPECT_NEAR(out[0].advantages[2], z * 1.0 + z * 0.01, 1e-9);
}

TEST(AdvantageTest, ParseSpec) {
  reward::v1::AdvantageSpec spec;
  auto o = ParseAdvantageSpec(spec);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->estimator, Estimator::kGrpo);
  EXPECT_DOUBLE_EQ(o->epsilon, 1e-6);
  EXPECT_TRUE(o->unbiased_std);

  spec.set_estimator("rloo");
  spec.set_epsilon(0);
  spec.set_std("population");
  o = ParseAdvantageSpec(spec);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->estimator, Estimator::kRloo);
  EXPECT_EQ(o->epsilon, 0);
  EXPECT_FALSE(o->unbiased_std);

  struct Case {
    std::string estimator, std, scale;
    double eps;
    std::string want;
  };
  const Case kCases[] = {
      {"ppo", "", "", 1e-6, "advantage.estimator: unknown estimator 'ppo'"},
      {"grpo", "sample", "", 1e-6, "advantage.std: must be 'unbiased' or 'population'"},
      {"grpo", "", "global", 1e-6, "advantage.scale: must be 'group' or 'batch'"},
      {"rloo", "", "batch", 1e-6, "advantage.scale: 'batch' applies to the grpo estimator only"},
      {"grpo", "", "", -1, "advantage.epsilon: must be a finite number >= 0"},
      {"grpo", "", "", NAN, "advantage.epsilon"},
  };
  for (const Case& c : kCases) {
    reward::v1::AdvantageSpec s;
    s.set_estimator(c.estimator);
    s.set_std(c.std);
    s.set_scale(c.scale);
    s.set_epsilon(c.eps);
    auto r = ParseAdvantageSpec(s);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(c.want));
  }
}

}  // namespace
}  // namespace rewards
