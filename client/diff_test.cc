#include "client/diff.h"

#include "client/group_text.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

// The seed example under r1_zero (A) and r1 (B: + language 0.2).
constexpr char kA[] = R"pb(
  id: "q1" status: "OK"
  samples { id: "o1" reward: 0.1 status: "OK"
    components { verifier: "math" score: 0 weight: 1 weighted: 0 status: "OK" reason: "20 ≠ 14" }
    components { verifier: "format" score: 1 weight: 0.1 weighted: 0.1 status: "OK" } }
  samples { id: "o2" reward: 1.1 status: "OK"
    components { verifier: "math" score: 1 weight: 1 weighted: 1 status: "OK" reason: "14 = 14" }
    components { verifier: "format" score: 1 weight: 0.1 weighted: 0.1 status: "OK" } }
)pb";
constexpr char kB[] = R"pb(
  id: "q1" status: "OK"
  samples { id: "o1" reward: 0.3 status: "OK"
    components { verifier: "math" score: 0 weight: 1 weighted: 0 status: "OK" reason: "20 ≠ 14" }
    components { verifier: "format" score: 1 weight: 0.1 weighted: 0.1 status: "OK" }
    components { verifier: "language" score: 1 weight: 0.2 weighted: 0.2 status: "OK" reason: "en 100%" } }
  samples { id: "o2" reward: 1.1 status: "OK"
    components { verifier: "math" score: 1 weight: 1 weighted: 1 status: "OK" reason: "14 = 14" }
    components { verifier: "format" score: 1 weight: 0.1 weighted: 0.1 status: "OK" }
    components { verifier: "language" score: 0 weight: 0.2 weighted: 0 status: "OK" reason: "no words" } }
)pb";

TEST(DiffTest, ChangedSamplesAndCountsByComponent) {
  Diff d;
  std::vector<SampleChange> changes = d.Add(Parse(kA), Parse(kB));
  ASSERT_EQ(changes.size(), 1u);  // o2's reward stays 1.1: language adds 0
  EXPECT_EQ(changes[0].group_id, "q1");
  EXPECT_EQ(changes[0].a.id(), "o1");
  EXPECT_EQ(d.samples(), 2u);
  EXPECT_EQ(d.up(), 1u);
  EXPECT_EQ(d.down(), 0u);
  EXPECT_EQ(d.components().at("math").changed, 0u);
  EXPECT_EQ(d.components().at("format").changed, 0u);
  EXPECT_EQ(d.components().at("language").only_b, 2u);
  std::string text = d.Render("--profile r1_zero", "--profile r1");
  EXPECT_NE(text.find("diff: 1 of 2 samples change (1 up, 0 down); mean reward 0.6000 -> 0.7000"), std::string::npos)
      << text;
  EXPECT_NE(text.find("by component: math 0 changed; format 0 changed; language 0 changed, 2 only in B"),
            std::string::npos)
      << text;
}

TEST(DiffTest, ChangeShowsBothSidesAndStarsWhatDiffers) {
  Diff d;
  std::vector<SampleChange> changes = d.Add(Parse(kA), Parse(kB));
  ASSERT_EQ(changes.size(), 1u);
  std::string text = RenderChange(changes[0]);
  EXPECT_NE(text.find("q1 / o1  reward 0.1000 -> 0.3000 (+0.2000)"), std::string::npos) << text;
  EXPECT_NE(text.find("    math        0.0000×1"), std::string::npos) << text;
  EXPECT_NE(text.find("(same)"), std::string::npos) << text;
  EXPECT_NE(text.find("  * language    -"), std::string::npos) << text;
  EXPECT_NE(text.find("1.0000×0.2"), std::string::npos) << text;
}

TEST(DiffTest, WeightChangeCountsForThatComponent) {
  auto a = Parse(kA);
  auto b = Parse(kA);
  auto* format = b.mutable_samples(0)->mutable_components(1);
  format->set_weight(0.5);
  format->set_weighted(0.5);
  b.mutable_samples(0)->set_reward(0.5);
  Diff d;
  auto changes = d.Add(a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(d.components().at("format").changed, 1u);
  EXPECT_EQ(d.components().at("math").changed, 0u);
}

TEST(DiffTest, StatusChangeWithoutRewardChangeIsReported) {
  auto a = Parse(kA);
  auto b = Parse(kA);
  b.mutable_samples(1)->mutable_components(0)->set_status("TIMEOUT");
  b.mutable_samples(1)->set_status("TIMEOUT");
  Diff d;
  auto changes = d.Add(a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(d.changed(), 1u);
  EXPECT_EQ(d.up() + d.down(), 0u);
  EXPECT_EQ(d.components().at("math").changed, 1u);
}

TEST(DiffTest, GroupFailedOnOneSideIsNotCompared) {
  auto b = Parse(R"pb(id: "q1" status: "DEADLINE_EXCEEDED")pb");
  Diff d;
  EXPECT_TRUE(d.Add(Parse(kA), b).empty());
  EXPECT_EQ(d.failed_groups(), 1u);
  EXPECT_EQ(d.samples(), 0u);
  EXPECT_NE(d.Render("a", "b").find("1 groups not compared"), std::string::npos);
}

TEST(DiffTest, JsonLines) {
  Diff d;
  std::vector<SampleChange> changes = d.Add(Parse(kA), Parse(kB));
  ASSERT_EQ(changes.size(), 1u);
  changes[0].group_id = "q\"1";  // escaped as JSON
  std::string line = ChangeJson(changes[0]);
  EXPECT_EQ(line.rfind("{\"group\":\"q\\\"1\",\"a\":{\"id\":\"o1\",\"reward\":0.1,", 0), 0u) << line;
  EXPECT_NE(line.find(",\"b\":{\"id\":\"o1\",\"reward\":0.3,"), std::string::npos) << line;
  EXPECT_EQ(d.Json(),
            "{\"samples\":2,\"changed\":1,\"up\":1,\"down\":0,\"groupsNotCompared\":0,\"components\":{"
            "\"math\":{\"changed\":0,\"onlyA\":0,\"onlyB\":0},\"format\":{\"changed\":0,\"onlyA\":0,\"onlyB\":0},"
            "\"language\":{\"changed\":0,\"onlyA\":0,\"onlyB\":2}}}\n");
}

}  // namespace
}  // namespace cli
