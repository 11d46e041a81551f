#include "client/summary.h"

#include "client/group_text.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

// r1_zero on the seed example: rewards 0.1, 1.1, 1.0, 0.
constexpr char kSeed[] = R"pb(
  id: "q1" status: "OK" mean: 0.55 std: 0.5508
  samples { id: "o1" reward: 0.1 status: "OK"
    components { verifier: "math" score: 0 weight: 1 status: "OK" reason: "20 ≠ 14 (answer_tag)" }
    components { verifier: "format" score: 1 weight: 0.1 status: "OK" reason: "" } }
  samples { id: "o2" reward: 1.1 status: "OK"
    components { verifier: "math" score: 1 weight: 1 status: "OK" reason: "14 = 14" }
    components { verifier: "format" score: 1 weight: 0.1 status: "OK" reason: "" } }
  samples { id: "o3" reward: 1.0 status: "OK"
    components { verifier: "math" score: 1 weight: 1 status: "OK" reason: "14 = 14" }
    components { verifier: "format" score: 0 weight: 0.1 status: "OK" reason: "missing <think>" } }
  samples { id: "o4" reward: 0 status: "OK"
    components { verifier: "math" score: 0 weight: 1 status: "OK" reason: "no answer found" }
    components { verifier: "format" score: 0 weight: 0.1 status: "OK" reason: "missing </answer>" } }
)pb";

TEST(SummaryTest, ComponentMeansFullMarksAndReasons) {
  Summary s;
  s.Add(Parse(kSeed));
  EXPECT_EQ(s.groups(), 1u);
  EXPECT_EQ(s.samples(), 4u);
  const auto& math = s.components().at("math");
  EXPECT_EQ(math.n, 4u);
  EXPECT_DOUBLE_EQ(math.score_sum / math.n, 0.5);
  EXPECT_EQ(math.full, 2u);  // two right answers
  EXPECT_EQ(math.reasons.at("14 = 14"), 2u);
  EXPECT_EQ(s.components().at("format").full, 2u);
  EXPECT_NEAR(s.reward_mean(), 0.55, 1e-12);
  EXPECT_FALSE(s.group_stats()[0].no_spread);
  std::string text = s.Render();
  EXPECT_NE(text.find("summary: 1 groups (OK 1), 4 samples (OK 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("math              4   0.5000  2 (50.0%)"), std::string::npos) << text;
  EXPECT_NE(text.find("math             2  14 = 14"), std::string::npos) << text;
  EXPECT_NE(text.find("0 of 1 with no spread"), std::string::npos) << text;
}

TEST(SummaryTest, StatusesFailedGroupsAndNoSpread) {
  Summary s;
  s.Add(Parse(R"pb(id: "flat" status: "OK" mean: 1
                   samples { id: "a" reward: 1 status: "OK" components { verifier: "math" score: 1 status: "OK" } }
                   samples { id: "b" reward: 1 status: "OK" components { verifier: "math" score: 1 status: "OK" } }
                   samples { id: "c" reward: 0 status: "TOO_LONG" })pb"));
  s.Add(Parse(R"pb(id: "late" status: "DEADLINE_EXCEEDED" error: "not scored")pb"));
  EXPECT_EQ(s.sample_statuses().at("OK"), 2u);
  EXPECT_EQ(s.sample_statuses().at("TOO_LONG"), 1u);
  EXPECT_TRUE(s.group_stats()[0].no_spread);  // the unscored sample does not count
  EXPECT_FALSE(s.group_stats()[1].no_spread);
  std::string text = s.Render();
  EXPECT_NE(text.find("2 groups (DEADLINE_EXCEEDED 1, OK 1), 3 samples (OK 2, TOO_LONG 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("1 of 1 with no spread"), std::string::npos) << text;
  EXPECT_NE(text.find("late           DEADLINE_EXCEEDED"), std::string::npos) << text;
}

TEST(SummaryTest, ListsAtMostMaxGroups) {
  Summary s;
  for (int i = 0; i < 5; ++i) s.Add(Parse(kSeed));
  std::string text = s.Render(/*max_groups=*/2);
  EXPECT_NE(text.find("... 3 more groups"), std::string::npos) << text;
}

TEST(CountsTextTest, MostFrequentFirst) {
  EXPECT_EQ(CountsText({{"OK", 3}, {"TIMEOUT", 5}, {"A", 3}}), "TIMEOUT 5, A 3, OK 3");
  EXPECT_EQ(CountsText({{"OK", 3}, {"TIMEOUT", 5}}, 1), "TIMEOUT 5");
}

}  // namespace
}  // namespace cli
