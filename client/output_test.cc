#include "client/output.h"

#include "absl/strings/str_split.h"
#include "client/group_text.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  struct Case {
    std::string in, want;
  };
  const Case kCases[] = {
      {"plain", "plain"},
      {"", ""},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"20 ≠ 14", "20 ≠ 14"},
  };
  for (const Case& c : kCases) EXPECT_EQ(CsvField(c.in), c.want) << c.in;
}

TEST(CsvRowsTest, OneRowPerComponentSameColumnsEverywhere) {
  auto g = Parse(R"pb(
    id: "q1" status: "OK" mean: 0.55
    samples {
      id: "o1" reward: 0.1 advantage: -0.8 status: "OK"
      components { verifier: "math" score: 0 weight: 1 weighted: 0 status: "OK" reason: "20 ≠ 14, answer_tag" }
      components { verifier: "format" score: 1 weight: 0.1 weighted: 0.1 status: "OK" reason: "" }
    }
    samples { id: "o2" reward: 0 advantage: 0 status: "INVALID_UTF8" }
  )pb");
  std::string csv = CsvHeader() + CsvRows(g);
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << csv;
  EXPECT_EQ(lines[1], "q1,OK,o1,0.1,-0.8,OK,math,0,1,0,OK,\"20 ≠ 14, answer_tag\"");
  EXPECT_EQ(lines[2], "q1,OK,o1,0.1,-0.8,OK,format,1,0.1,0.1,OK,");
  EXPECT_EQ(lines[3], "q1,OK,o2,0,0,INVALID_UTF8,,,,,,");
  size_t columns = std::count(lines[0].begin(), lines[0].end(), ',');
  EXPECT_EQ(std::count(lines[2].begin(), lines[2].end(), ','), columns);
  EXPECT_EQ(std::count(lines[3].begin(), lines[3].end(), ','), columns);
}

TEST(CsvRowsTest, FailedGroupWithoutSamplesKeepsItsError) {
  auto g = Parse(R"pb(id: "q9" status: "DEADLINE_EXCEEDED" error: "not scored in time")pb");
  EXPECT_EQ(CsvRows(g), "q9,DEADLINE_EXCEEDED,,,,,,,,,,not scored in time\n");
}

TEST(ClipTest, CutsByCharactersNotBytes) {
  EXPECT_EQ(Clip("short", 10), "short");
  EXPECT_EQ(Clip("a\nb\tc", 10), "a b c");
  EXPECT_EQ(Clip("abcdefghijkl", 5), "abcd…");
  EXPECT_EQ(Clip("≠≠≠≠≠≠≠≠", 4), "≠≠≠…");
}

TEST(TableGroupTest, HeaderRowsAndGroupError) {
  auto g = Parse(R"pb(
    id: "q1" status: "OK" mean: 0.55 std: 0.5
    samples {
      id: "o1" reward: 1.1 advantage: 1.0 status: "OK"
      components { verifier: "math" score: 1 weight: 1 status: "OK" reason: "14 = 14" }
      components { verifier: "format" score: 1 weight: 0.1 status: "OK" reason: "ok" }
    }
  )pb");
  std::string table = TableGroup(g, "grpo");
  EXPECT_NE(table.find("group q1  mean 0.5500  std 0.5000  (grpo)\n"), std::string::npos) << table;
  EXPECT_NE(table.find("o1            1.1000    +1.0000  math"), std::string::npos) << table;
  auto bad = Parse(R"pb(id: "q2" status: "DEADLINE_EXCEEDED" error: "batch 2 not scored")pb");
  EXPECT_NE(TableGroup(bad, "grpo").find("DEADLINE_EXCEEDED: batch 2 not scored"), std::string::npos);
}

}  // namespace
}  // namespace cli
