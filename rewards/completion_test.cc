#include "rewards/completion.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rewards {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

TEST(CompletionTest, PromptPrefillsThink) {
  EXPECT_TRUE(PromptPrefillsThink("Question?<|Assistant|><think>"));
  EXPECT_TRUE(PromptPrefillsThink("abc<think>  \n"));
  EXPECT_FALSE(PromptPrefillsThink("abc<think>x"));
  EXPECT_FALSE(PromptPrefillsThink(""));
}

TEST(CompletionTest, AnswerBlocks) {
  struct Case {
    std::string text;
    std::vector<std::string> blocks;
  };
  const Case kCases[] = {
      {"<think>r</think><answer>14</answer>", {"14"}},
      {"<answer>1</answer> then <answer>2</answer>", {"1", "2"}},
      {"<answer>a<answer>b</answer>", {"b"}},        // a later open starts the block
      {"<answer>unclosed", {}},                       // only complete blocks
      {"</answer><answer>x</answer>", {"x"}},
      {"no tags", {}},
      {"<answer></answer>", {""}},
  };
  for (const Case& c : kCases) {
    std::vector<std::string> got;
    for (absl::string_view b : AnswerBlocks(c.text)) got.emplace_back(b);
    EXPECT_EQ(got, c.blocks) << c.text;
  }
}

TEST(CompletionTest, FirstAndLastAnswer) {
  EXPECT_THAT(LastAnswer("<answer>1</answer><answer>2</answer>"), Optional(absl::string_view("2")));
  EXPECT_THAT(FirstAnswer("<answer>1</answer><answer>2</answer>"), Optional(absl::string_view("1")));
  EXPECT_THAT(LastAnswer("<answer>print(1)"), Optional(absl::string_view("print(1)")));  // unclosed: the rest
  EXPECT_THAT(FirstAnswer("x <answer>y"), Optional(absl::string_view("y")));
  EXPECT_EQ(LastAnswer("none"), std::nullopt);
  EXPECT_EQ(FirstAnswer("none"), std::nullopt);
}

TEST(CompletionTest, ReasoningRegion) {
  auto parts = [](absl::string_view c) {
    ReasoningParts r = ReasoningRegion(c);
    return std::string(r.before) + "|" + std::string(r.after);
  };
  EXPECT_EQ(parts("<think>why</think><answer>4</answer>"), "<think>why</think>|");
  EXPECT_EQ(parts("<think>why</think> more <answer>4</answer> after"), "<think>why</think> more | after");
  EXPECT_EQ(parts("no tags at all"), "no tags at all|");
  EXPECT_EQ(parts("why<answer>unclosed"), "why|");
  EXPECT_EQ(parts("a<answer>1</answer>b<answer>2</answer>c"), "a|c");
}

}  // namespace
}  // namespace rewards
