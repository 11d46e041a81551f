#include "client/cli_flags.h"

#include "gtest/gtest.h"

namespace cli {
namespace {

FlagKind Kind(absl::string_view name) {
  if (name == "json" || name == "summary" || name == "progress") return FlagKind::kBool;
  if (name == "input" || name == "profile" || name == "reward" || name == "address") return FlagKind::kValue;
  return FlagKind::kUnknown;
}

TEST(PreParseTest, JoinsValuesSoADashIsJustAValue) {
  auto cl = PreParse({"score", "--input", "-", "--json", "--profile=r1"}, Kind);
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "score");
  EXPECT_FALSE(cl->help);
  EXPECT_EQ(cl->flags, (std::vector<std::string>{"--input=-", "--json", "--profile=r1"}));
  EXPECT_TRUE(cl->sides.empty());
}

TEST(PreParseTest, FlagsBeforeTheCommandAndSingleDash) {
  auto cl = PreParse({"-address", "h:1", "--noprogress", "score"}, Kind);
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "score");
  EXPECT_EQ(cl->flags, (std::vector<std::string>{"--address=h:1", "--noprogress"}));
}

TEST(PreParseTest, DiffCollectsEverySideInOrder) {
  auto cl = PreParse({"diff", "--input", "x", "--profile", "r1_zero", "--reward", "[{\"verifier\":\"math\"}]",
                      "--profile=r1"},
                     Kind);
  ASSERT_TRUE(cl.ok()) << cl.status();
  using Side = std::pair<std::string, std::string>;
  EXPECT_EQ(cl->sides, (std::vector<Side>{{"profile", "r1_zero"}, {"reward", "[{\"verifier\":\"math\"}]"},
                                           {"profile", "r1"}}));
  EXPECT_EQ(cl->flags, (std::vector<std::string>{"--input=x"}));
}

TEST(PreParseTest, Help) {
  struct Case {
    std::vector<std::string> args;
    std::string command;
  };
  const Case kCases[] = {
      {{"--help"}, ""}, {{"-h"}, ""}, {{"help"}, ""}, {{"help", "score"}, "score"}, {{"score", "--help"}, "score"},
  };
  for (const Case& c : kCases) {
    auto cl = PreParse(c.args, Kind);
    ASSERT_TRUE(cl.ok()) << cl.status();
    EXPECT_TRUE(cl->help);
    EXPECT_EQ(cl->command, c.command);
  }
}

TEST(PreParseTest, Errors) {
  struct Case {
    std::vector<std::string> args;
    std::string want;
  };
  const Case kCases[] = {
      {{"score", "--frobnicate"}, "unknown flag --frobnicate"},
      {{"score", "--input"}, "--input needs a value"},
      {{"score", "health"}, "expected one command, got 'score' 'health'"},
      {{"score", "--nojson=1"}, "unknown flag --nojson"},
      {{"health", "--input", "x"}, "--input does not apply to health (see reward-cli help health)"},
      {{"health", "--nojson"}, "--json does not apply to health"},
  };
  for (const Case& c : kCases) {
    auto cl = PreParse(c.args, Kind);
    ASSERT_FALSE(cl.ok()) << c.want;
    EXPECT_NE(cl.status().message().find(c.want), absl::string_view::npos) << cl.status();
  }
}

TEST(UsageTest, OverviewAndCommandFlagsWithTheirHelp) {
  auto describe = [](absl::string_view name) -> std::pair<std::string, std::string> {
    return {std::string("help of ") + std::string(name), name == "address" ? "localhost:50051" : ""};
  };
  std::string overview = Usage("", describe);
  for (const std::string& c : Commands()) EXPECT_NE(overview.find("  " + c + " "), std::string::npos) << c;
  std::string score = Usage("score", describe);
  EXPECT_NE(score.find("usage: reward-cli score --input"), std::string::npos) << score;
  EXPECT_NE(score.find("--input       help of input\n"), std::string::npos) << score;
  EXPECT_NE(score.find("--address     help of address (default localhost:50051)"), std::string::npos) << score;
}

}  // namespace
}  // namespace cli
