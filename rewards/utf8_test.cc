#include "rewards/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace rewards {
namespace {

TEST(Utf8Test, ValidAndInvalidSequences) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE4\xB8\x80\xF0\x9F\x98\x80"));  // é 一 😀
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                              // overlong /
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                          // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                      // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE4\xB8"));                              // cut short
  EXPECT_FALSE(IsValidUtf8("\x80"));
}

// ASCII is checked eight bytes at a time: a bad or multi-byte sequence at
// every offset around a word must be seen the same way.
TEST(Utf8Test, EveryOffsetAroundTheAsciiWords) {
  for (size_t before = 0; before < 20; ++before) {
    for (size_t after = 0; after < 10; ++after) {
      const std::string pad(before, 'a'), tail(after, 'b');
      EXPECT_TRUE(IsValidUtf8(pad + "\xE4\xB8\x80" + tail)) << before << " " << after;
      EXPECT_FALSE(IsValidUtf8(pad + "\xFF" + tail)) << before << " " << after;
      EXPECT_FALSE(IsValidUtf8(pad + "\xE4\xB8" + tail)) << before << " " << after;
      EXPECT_FALSE(IsValidUtf8(pad + "\xED\xBF\xBF" + tail)) << before << " " << after;
    }
  }
}

TEST(Utf8Test, CleanReplacesAndCuts) {
  EXPECT_EQ(CleanUtf8("ab\xFF" "c"), "ab\xEF\xBF\xBD" "c");
  EXPECT_EQ(CleanUtf8("abcdefgh", 5), "ab...");
  EXPECT_EQ(CleanUtf8("\xC3\xA9\xC3\xA9\xC3\xA9", 5, ""), "\xC3\xA9\xC3\xA9");
}

}  // namespace
}  // namespace rewards
