#include "client/progress.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace cli {
namespace {

TEST(FormatProgressTest, RateAndTimeLeftOnceSomethingIsDone) {
  EXPECT_EQ(FormatProgress(0, 637, 1.5), "samples 0/637 (0.0%)");
  EXPECT_EQ(FormatProgress(100, 400, 10), "samples 100/400 (25.0%)  10.0/s  ~30 s left");
  EXPECT_EQ(FormatProgress(400, 400, 20), "samples 400/400 (100.0%)  20.0/s");
}

TEST(FormatDurationTest, Units) {
  EXPECT_EQ(FormatDuration(21.4), "21 s");
  EXPECT_EQ(FormatDuration(185), "3 min 05 s");
  EXPECT_EQ(FormatDuration(3720), "1 h 02 min");
  EXPECT_EQ(FormatDuration(-1), "0 s");
}

TEST(ProgressLineTest, DrawsInPlaceAndClears) {
  char buf[512] = {};
  std::FILE* out = fmemopen(buf, sizeof(buf), "w");
  ASSERT_NE(out, nullptr);
  ProgressLine line(10, /*enabled=*/true, out);
  line.Update(0);  // the first update draws at once
  line.Update(1);  // within 250 ms of it: skipped
  line.Clear();
  line.Clear();  // nothing shown: nothing written
  std::fclose(out);
  EXPECT_EQ(std::string(buf), "\r\033[Ksamples 0/10 (0.0%)\r\033[K");
}

TEST(ProgressLineTest, DisabledWritesNothing) {
  char buf[64] = {};
  std::FILE* out = fmemopen(buf, sizeof(buf), "w");
  ProgressLine line(10, /*enabled=*/false, out);
  line.Update(5);
  line.Clear();
  std::fclose(out);
  EXPECT_EQ(std::string(buf), "");
}

}  // namespace
}  // namespace cli
