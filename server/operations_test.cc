// Admission, token authentication and the request log's line format.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/admission.h"
#include "server/auth.h"
#include "server/request_log.h"

namespace server {
namespace {

TEST(AdmissionTest, AdmitsUpToTheBoundThenRefusesWithABackOff) {
  Admission admission(10);
  Admission::Ticket a, b, c;
  absl::Duration retry = absl::ZeroDuration();
  ASSERT_TRUE(admission.TryAdmit(6, &a, &retry).ok());
  ASSERT_TRUE(admission.TryAdmit(4, &b, &retry).ok());
  EXPECT_EQ(admission.pending(), 10u);
  absl::Status refused = admission.TryAdmit(1, &c, &retry);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.message(), "10 samples pending, limit 10")) << refused;
  EXPECT_GE(retry, absl::Milliseconds(10));
  EXPECT_LE(retry, absl::Seconds(30));
  EXPECT_EQ(admission.refused(), 1u);
  a.Release();
  EXPECT_EQ(admission.pending(), 4u);
  EXPECT_TRUE(admission.TryAdmit(6, &c, &retry).ok());
  EXPECT_EQ(admission.pending(), 10u);
}

TEST(AdmissionTest, ARequestBiggerThanTheBoundIsServedAlone) {
  Admission admission(10);
  Admission::Ticket big, small;
  absl::Duration retry;
  ASSERT_TRUE(admission.TryAdmit(50, &big, &retry).ok());
  EXPECT_FALSE(admission.TryAdmit(1, &small, &retry).ok());
  big.Release();
  EXPECT_TRUE(admission.TryAdmit(1, &small, &retry).ok());
}

TEST(AdmissionTest, TicketsReleaseOnceWhenMovedOrDestroyed) {
  Admission admission(10);
  absl::Duration retry;
  {
    Admission::Ticket a;
    ASSERT_TRUE(admission.TryAdmit(3, &a, &retry).ok());
    Admission::Ticket b = std::move(a);
    a.Release();  // moved from: nothing to give back
    EXPECT_EQ(admission.pending(), 3u);
  }
  EXPECT_EQ(admission.pending(), 0u);
}

class TokenAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/tokens.XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void Write(const std::string& text) {
    // A new file renamed into place, as a secret rotation does (a new inode
    // even when size and time happen to match).
    const std::string tmp = path_ + ".new";
    std::ofstream(tmp) << text;
    ASSERT_EQ(std::rename(tmp.c_str(), path_.c_str()), 0);
  }
  std::string path_;
};

TEST_F(TokenAuthTest, ChecksBearerTokensAndRereadsTheFileWhenItChanges) {
  Write("# trainers\nalpha-token\n\n  beta-token  \n");
  absl::StatusOr<std::unique_ptr<TokenAuth>> auth = TokenAuth::Load(path_);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE((*auth)->Check("Bearer alpha-token").ok());
  EXPECT_TRUE((*auth)->Check("Bearer beta-token").ok());
  EXPECT_EQ((*auth)->Check("").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Check("alpha-token").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Check("Bearer alpha").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Check("Bearer # trainers").code(), absl::StatusCode::kUnauthenticated);

  Write("gamma-token\n");
  EXPECT_TRUE((*auth)->Check("Bearer gamma-token").ok());
  EXPECT_EQ((*auth)->Check("Bearer alpha-token").code(), absl::StatusCode::kUnauthenticated);

  // Emptied by mistake: the tokens read last stay in force.
  Write("# nothing\n");
  EXPECT_TRUE((*auth)->Check("Bearer gamma-token").ok());
}

TEST_F(TokenAuthTest, AFileWithoutTokensOrNoFileIsAnErrorAtStart) {
  Write("# none yet\n");
  EXPECT_EQ(TokenAuth::Load(path_).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TokenAuth::Load("/nonexistent/tokens").status().code(), absl::StatusCode::kNotFound);
}

TEST(RequestLogTest, OneJsonLinePerRecordWithCountsAndTheError) {
  RequestRecord r;
  r.method = "Score";
  r.request_id = "step-\"7\"\n";
  r.peer = "ipv4:127.0.0.1:5000";
  r.profile = "r1_zero";
  r.groups = 2;
  r.samples = 8;
  r.took = absl::Microseconds(41700);
  r.statuses = {{"OK", 7}, {"NO_ANSWER", 1}};
  EXPECT_EQ(FormatRecord(r, absl::FromUnixMillis(1795795331532)),
            R"({"time":"2026-11-27T16:02:11.532Z","method":"Score","request_id":"step-\"7\"\n",)"
            R"("peer":"ipv4:127.0.0.1:5000","profile":"r1_zero","groups":2,"samples":8,"ms":41.7,)"
            R"("code":"OK","statuses":{"NO_ANSWER":1,"OK":7}})");
  r.code = absl::StatusCode::kResourceExhausted;
  r.message = "server at capacity";
  r.statuses.clear();
  EXPECT_TRUE(absl::StrContains(FormatRecord(r, absl::UnixEpoch()),
                                R"("code":"RESOURCE_EXHAUSTED","message":"server at capacity"})"));
}

TEST(RequestLogTest, WritesEveryLineAddedBeforeItStops) {
  char name[] = "/tmp/request-log.XXXXXX";
  int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  FILE* out = fdopen(fd, "w+");
  int dropped = 0;
  {
    RequestLog log(out, /*max_queued=*/100000, [&] { ++dropped; });
    for (int i = 0; i < 1000; ++i) {
      RequestRecord r;
      r.method = "Score";
      r.request_id = std::to_string(i);
      log.Add(std::move(r));
    }
  }
  std::rewind(out);
  int lines = 0;
  for (int c; (c = std::fgetc(out)) != EOF;) lines += c == '\n';
  std::fclose(out);
  std::remove(name);
  EXPECT_EQ(lines, 1000);
  EXPECT_EQ(dropped, 0);
}

TEST(RequestLogTest, DropsAndCountsLinesWhenTheQueueIsFull) {
  // A writer that cannot keep up: a full pipe nobody reads would block it;
  // here the queue bound is 0, so every line is dropped and counted.
  FILE* out = std::fopen("/dev/null", "w");
  int dropped = 0;
  {
    RequestLog log(out, /*max_queued=*/0, [&] { ++dropped; });
    for (int i = 0; i < 5; ++i) log.Add(RequestRecord());
  }
  std::fclose(out);
  EXPECT_EQ(dropped, 5);
}

}  // namespace
}  // namespace server
