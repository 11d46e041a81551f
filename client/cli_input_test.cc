#include "client/cli_input.h"

#include <sstream>

#include "gtest/gtest.h"

namespace cli {
namespace {

TEST(ReadGroupsTest, SkipsBlankLinesAndKeepsLineNumbers) {
  std::istringstream in(
      "{\"id\":\"a\",\"completions\":[{\"id\":\"1\"},{\"id\":\"2\"}]}\n"
      "\n"
      "   \n"
      "{\"id\":\"b\",\"completions\":[{\"id\":\"1\"}]}\n");
  auto groups = ReadGroups(in, "x.jsonl");
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].group.id(), "a");
  EXPECT_EQ((*groups)[0].line, 1);
  EXPECT_EQ((*groups)[1].group.id(), "b");
  EXPECT_EQ((*groups)[1].line, 4);
  EXPECT_EQ(CountSamples(*groups, 0, 2), 3u);
  EXPECT_EQ(DescribeLines(*groups, 0, 2), "input lines 1-4");
  EXPECT_EQ(DescribeLines(*groups, 1, 2), "input line 4");
}

TEST(ReadGroupsTest, ErrorsNameFileAndLine) {
  std::istringstream in("{\"id\":\"a\"}\n{not json\n");
  auto groups = ReadGroups(in, "x.jsonl");
  ASSERT_FALSE(groups.ok());
  EXPECT_NE(groups.status().message().find("x.jsonl line 2: "), absl::string_view::npos) << groups.status();
  std::istringstream empty("\n\n");
  EXPECT_EQ(ReadGroups(empty, "-").status().message(), "-: no groups");
}

TEST(MakeBatchesTest, CoversEveryGroupInOrder) {
  struct Case {
    size_t n;
    int size;
    std::vector<std::pair<size_t, size_t>> want;
  };
  const Case kCases[] = {
      {5, 2, {{0, 2}, {2, 4}, {4, 5}}},
      {4, 2, {{0, 2}, {2, 4}}},
      {3, 10, {{0, 3}}},
      {2, 0, {{0, 1}, {1, 2}}},  // a size below 1 means 1
      {0, 4, {}},
  };
  for (const Case& c : kCases) {
    std::vector<std::pair<size_t, size_t>> got;
    for (const Batch& b : MakeBatches(c.n, c.size)) got.push_back({b.begin, b.end});
    EXPECT_EQ(got, c.want) << c.n << " groups by " << c.size;
  }
}

}  // namespace
}  // namespace cli
