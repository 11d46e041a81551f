#include "rewards/json_check.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rewards/utf8.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;

std::string Nested(size_t depth, absl::string_view open = "[", absl::string_view close = "]") {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s.append(open.data(), open.size());
  for (size_t i = 0; i < depth; ++i) s.append(close.data(), close.size());
  return s;
}

TEST(JsonDeeperThanTest, CountsBracketsOutsideStrings) {
  EXPECT_FALSE(JsonDeeperThan("[1, [2, {\"a\": [3]}]]", 4));
  EXPECT_TRUE(JsonDeeperThan("[1, [2, {\"a\": [3]}]]", 3));
  EXPECT_FALSE(JsonDeeperThan("\"[[[[[[\"", 1));          // inside a string
  EXPECT_FALSE(JsonDeeperThan("[\"\\\"[[[[\"]", 1));      // after an escaped quote
  EXPECT_FALSE(JsonDeeperThan("[[]] [[]] [[]]", 2));      // depth, not count
  EXPECT_FALSE(JsonDeeperThan(Nested(100), 100));
  EXPECT_TRUE(JsonDeeperThan(Nested(101), 100));
  EXPECT_TRUE(JsonDeeperThan(Nested(101, "{\"k\":", "}"), 100));
}

// The review's attack: 100,000 levels (200 KB). The scan is linear and stops
// at level 101; no timing is asserted (the verdict alone is the test).
TEST(JsonDeeperThanTest, HugeNestingIsRejected) {
  EXPECT_TRUE(JsonDeeperThan(std::string(100000, '['), 100));
  EXPECT_TRUE(JsonDeeperThan(Nested(100000), 100));
}

TEST(CheckJsonTest, AcceptsJson) {
  const std::pair<const char*, JsonType> kCases[] = {
      {"[1, 2]", JsonType::kArray},
      {" [ ] ", JsonType::kArray},
      {"[[3, 42, 1]]", JsonType::kArray},
      {"{\"a\": 2, \"b\": [1, {\"c\": null}]}", JsonType::kObject},
      {"{}", JsonType::kObject},
      {"-0.5e+10", JsonType::kNumber},
      {"0", JsonType::kNumber},
      {"1E400", JsonType::kNumber},  // Python reads it as inf
      {"\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", JsonType::kString},
      {"\"héllo 🎉\"", JsonType::kString},
      {"true", JsonType::kBool},
      {"null", JsonType::kNull},
      {"[\"[\", \"]]]\"]", JsonType::kArray},
      {"{\"a\":1,\"a\":2}", JsonType::kObject},  // duplicate keys: Python keeps the last
  };
  for (const auto& [text, type] : kCases) {
    absl::StatusOr<JsonType> got = CheckJson(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, type) << text;
  }
  // Any depth, in one pass (the request's limit is applied before this).
  EXPECT_TRUE(CheckJson(Nested(100000)).ok());
}

TEST(CheckJsonTest, RejectsWhatIsNotJson) {
  const char* kCases[] = {
      "", "1, 2", "[1,]", "[1 2]", "[,1]", "['a']", "{a: 1}", "{\"a\" 1}", "{\"a\": 1,}", "[NaN]",
      "[Infinity]", "[-Infinity]", "[01]", "[1.]", "[.5]", "[+1]", "[0x10]", "[-]", "[1e]", "[tru]",
      "[\"a\tb\"]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]",
      "[\"abc", "[1", "{", "[1]]", "[1] x", "\xef\xbb\xbf[1]", "[\"\xff\"]", "[\"\xc0\xaf\"]", "/* */ 1",
      "[1] // c",
  };
  for (const char* text : kCases) {
    EXPECT_FALSE(CheckJson(text).ok()) << text;
  }
  EXPECT_THAT(std::string(CheckJson("[1, 2,]").status().message()), HasSubstr("expected a value at byte 6"));
  EXPECT_FALSE(CheckJson(std::string(100000, '[')).ok());
}

TEST(CleanUtf8Test, ReplacesInvalidBytes) {
  EXPECT_TRUE(IsValidUtf8("héllo 世界 🎉"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xe4\xb8"));       // truncated
  EXPECT_EQ(CleanUtf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(CleanUtf8("世界"), "世界");
  EXPECT_EQ(CleanUtf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(CleanUtf8("abc\xe4\xb8"), "abc\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(CleanUtf8("世界"), "世界");
  EXPECT_EQ(CleanUtf8(""), "");
}

TEST(CleanUtf8Test, CutsOnCharacterBoundaries) {
  EXPECT_EQ(CleanUtf8("abcdef", 6), "abcdef");
  EXPECT_EQ(CleanUtf8("abcdefg", 6), "abc...");
  EXPECT_EQ(CleanUtf8("abcdefg", 6, ""), "abcdef");
  EXPECT_EQ(CleanUtf8("abcdefg", 6, "…"), "abc…");
  EXPECT_EQ(CleanUtf8("abcdefg", 2), "ab");  // no room for the ellipsis
  // 56 ASCII bytes then a 4-byte emoji: a 60-byte cut must not split it.
  const std::string text = std::string(56, 'x') + "🎉" + "tail";
  const std::string cut = CleanUtf8(text, 60);
  EXPECT_TRUE(IsValidUtf8(cut));
  EXPECT_EQ(cut, std::string(56, 'x') + "...");
  const std::string t2 = std::string(55, 'x') + "🎉" + "tail";  // the emoji ends at byte 59
  EXPECT_EQ(CleanUtf8(t2, 62), std::string(55, 'x') + "🎉...");
  EXPECT_EQ(CleanUtf8(t2, 61), std::string(55, 'x') + "...");
  // Replacement characters count toward the limit too.
  EXPECT_EQ(CleanUtf8("\xff\xff\xff\xff", 9), "\xEF\xBF\xBD\xEF\xBF\xBD...");
  // Every cut of a mixed text is valid and within the limit.
  const std::string mixed = "a\xc3\xa9\xe4\xb8\x96\xf0\x9f\x8e\x89\xff" "b\xe4\xb8";
  for (size_t n = 0; n < 40; ++n) {
    std::string c = CleanUtf8(mixed, n);
    EXPECT_TRUE(IsValidUtf8(c)) << n;
    EXPECT_LE(c.size(), n);
  }
  // Reads only what it needs of a long text.
  EXPECT_EQ(CleanUtf8(std::string(50 << 20, 'y'), 10), "yyyyyyy...");
}

}  // namespace
}  // namespace rewards
