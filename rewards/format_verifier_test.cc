#include "rewards/format_verifier.h"

#include "rewards/completion.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rewards/verifier_testing.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Verifier> Make(const std::string& params_json) {
  auto v = BuildVerifier("format", params_json);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? std::move(*v) : nullptr;
}

Verdict Score(const Verifier& v, const std::string& completion, const std::string& prompt = "") {
  return ScoreOne(v, completion, reward::v1::Reference(), prompt);
}

struct Case {
  std::string completion;
  double want;
  std::string reason;  // a substring of the reason
};

TEST(FormatVerifierTest, StrictTemplate) {
  auto v = Make("{}");
  const Case kCases[] = {
      // The seed's worked example.
      {"<think>2 + 3 = 5, 5 * 4 = 20</think>  <answer> 20</answer>", 1, "<think>…</think><answer>…</answer>"},
      {"<think>3 * 4 = 12, 2 + 12 = 14</think> <answer>14</answer>", 1, ""},
      {"<answer>14</answer>", 0, "missing <think>, </think>"},
      {"<think>...</think>  <answer> 7<answer>", 0, "missing </answer>; <answer> appears 2 times"},
      // Whitespace and newlines around and inside are fine.
      {"\n  <think>\nline 1\nline 2\n</think>\n\n<answer>\n42\n</answer>\n", 1, ""},
      {"<think></think><answer></answer>", 1, ""},
      // Everything else is not.
      {"Sure! <think>a</think><answer>1</answer>", 0, "text before <think>"},
      {"<think>a</think> so <answer>1</answer>", 0, "text between </think> and <answer>"},
      {"<think>a</think><answer>1</answer> done", 0, "text after </answer>"},
      {"<think>a</think><answer>1</answer><answer>2</answer>", 0, "<answer> appears 2 times"},
      {"<think>a<think>b</think><answer>1</answer>", 0, "<think> appears 2 times"},
      {"<answer>1</answer><think>a</think>", 0, "<answer> comes before </think>"},
      {"</think><think><answer>1</answer>", 0, "</think> comes before <think>"},
      {"<think>a</think><answer>1</answer", 0, "missing </answer>"},
      {"", 0, "missing <think>, </think>, <answer>, </answer>"},
      {"<THINK>a</THINK><ANSWER>1</ANSWER>", 0, "missing"},
  };
  for (const Case& c : kCases) {
    Verdict got = Score(*v, c.completion);
    EXPECT_EQ(got.score, c.want) << c.completion << " -> " << got.reason;
    EXPECT_THAT(got.reason, HasSubstr(c.reason)) << c.completion;
    EXPECT_EQ(got.status, "OK");
    EXPECT_FALSE(got.error);
  }
}

// The strict check runs without a regex now; these are the texts where the
// template's regex, \s*<think>.*</think>\s*<answer>.*</answer>\s*, and
// the diagnosis differ (the format_verifier fuzz target compares the two on
// everything it generates).
// End-of-sequence tokens left in the decoded text are not text after
// </answer> (red team: "…</answer><|endoftext|>" scored 0); other text is.
TEST(FormatVerifierTest, EndOfSequenceTokensAfterTheAnswer) {
  auto v = BuildVerifier("format", "{}");
  ASSERT_TRUE(v.ok()) << v.status();
  const std::string ok = "<think>3 * 4 = 12</think><answer>14</answer>";
  for (const char* end : {"<|endoftext|>", "</s>", "<|im_end|>\n", " <|eot_id|>", "<|im_end|><|endoftext|>",
                          "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"}) {
    EXPECT_EQ(Score(**v, ok + end).score, 1) << end;
  }
  EXPECT_EQ(Score(**v, ok + "<|endoftext|> more").score, 0);
  EXPECT_EQ(Score(**v, ok + " junk</s>").score, 0);
  EXPECT_EQ(Score(**v, "<think>x</think><|endoftext|>").score, 0);
}

TEST(FormatVerifierTest, StrictTemplateShapeAsTheRegex) {
  auto v = Make("{}");
  EXPECT_EQ(Score(*v, " \t\r\n\f<think>a\nb</think>\n<answer>\n1\n</answer>\n").score, 1);
  // \v is whitespace to the diagnosis, not to RE2's \s.
  Verdict vt = Score(*v, "\v<think>a</think><answer>1</answer>");
  EXPECT_EQ(vt.score, 0);
  EXPECT_THAT(vt.reason, HasSubstr("does not match"));
  EXPECT_EQ(Score(*v, "<think>a</think>\v<answer>1</answer>").score, 0);
  EXPECT_EQ(Score(*v, "<think>a</think><answer>1</answer>\v").score, 0);
  EXPECT_EQ(Score(*v, "<think>\va</think><answer>1\v</answer>").score, 1);
  // The regex's `.` matches valid UTF-8 only (a request's texts are checked
  // before scoring; a verifier called directly may see other bytes).
  EXPECT_EQ(Score(*v, "<think>\xff</think><answer>1</answer>").score, 0);
  EXPECT_EQ(Score(*v, "<think>a</think><answer>\xc3</answer>").score, 0);
  const char with_nul[] = "<think>\xc3\xa9</think><answer>\0</answer>";
  EXPECT_EQ(Score(*v, std::string(with_nul, sizeof(with_nul) - 1)).score, 1);
  EXPECT_TRUE(MatchesStrictTemplate("<think></think><answer></answer>"));
  EXPECT_FALSE(MatchesStrictTemplate("<think></think><answer></answer><answer>"));
}

TEST(FormatVerifierTest, TagCount) {
  auto v = Make(R"({"mode":"tag_count"})");
  const Case kCases[] = {
      {"<think>a</think><answer>1</answer>", 1.0, "all 4 tags once"},
      {"<answer>14</answer>", 0.5, "<think> x0, </think> x0"},
      {"<think>...</think>  <answer> 7<answer>", 0.5, "</answer> x0"},
      {"<think>a</think>", 0.5, ""},
      {"plain text", 0.0, ""},
      {"<think><think></think><answer></answer>", 0.75, "<think> x2"},
  };
  for (const Case& c : kCases) {
    Verdict got = Score(*v, c.completion);
    EXPECT_DOUBLE_EQ(got.score, c.want) << c.completion;
    EXPECT_THAT(got.reason, HasSubstr(c.reason)) << c.completion;
  }
}

TEST(FormatVerifierTest, PrefilledThink) {
  auto automatic = Make("{}");
  const std::string prompt = "<|User|>What is 2+2?<|Assistant|><think>\n";
  // The template put <think> in the prompt: the completion starts inside it.
  Verdict got = Score(*automatic, "2+2 is 4.</think> <answer>4</answer>", prompt);
  EXPECT_EQ(got.score, 1);
  EXPECT_THAT(got.reason, HasSubstr("prefilled"));
  // Without the prefilled prompt the same completion fails.
  EXPECT_EQ(Score(*automatic, "2+2 is 4.</think> <answer>4</answer>", "What is 2+2?").score, 0);
  // Forced on or off.
  EXPECT_EQ(Score(*Make(R"({"prefilled_think":true})"), "x</think><answer>4</answer>").score, 1);
  EXPECT_EQ(Score(*Make(R"({"prefilled_think":"false"})"), "x</think><answer>4</answer>", prompt).score, 0);
  // A second <think> after a prefilled one is a repeated tag.
  EXPECT_THAT(Score(*automatic, "<think>x</think><answer>4</answer>", prompt).reason,
              HasSubstr("<think> appears 2 times"));
  EXPECT_TRUE(PromptPrefillsThink("abc<think>  \n"));
  EXPECT_FALSE(PromptPrefillsThink("abc<think>x"));
}

TEST(FormatVerifierTest, CustomPattern) {
  auto v = Make(R"({"pattern":"<reasoning>.*</reasoning>\\s*<answer>\\d+</answer>"})");
  EXPECT_EQ(Score(*v, "<reasoning>a\nb</reasoning>\n<answer>42</answer>").score, 1);
  EXPECT_EQ(Score(*v, "<reasoning>a</reasoning><answer>forty</answer>").score, 0);
  EXPECT_EQ(Score(*v, "x <reasoning>a</reasoning><answer>4</answer>").score, 0);  // whole completion
}

TEST(FormatVerifierTest, InvalidPatternNamesRe2Error) {
  auto v = BuildVerifier("format", R"({"pattern":"(<think>"})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr("parameter 'pattern' is not a valid RE2 pattern: missing )"));
}

TEST(FormatVerifierTest, LinearOnHostileInput) {
  // RE2 has no backtracking: a megabyte of near-misses is still quick.
  auto v = Make("{}");
  std::string big = "<think>" + std::string(1 << 20, '<') + "</think><answer>1</answer>";
  EXPECT_EQ(Score(*v, big).score, 1);
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "<think>";
  EXPECT_EQ(Score(*v, many).score, 0);
}

}  // namespace
}  // namespace rewards
