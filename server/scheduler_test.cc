#include "server/scheduler.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/verifier_testing.h"

namespace server {
namespace {

using rewards::Verdict;

// Test-only verifiers: "test_sleep" sleeps for the number of milliseconds in
// the completion, ignoring its deadline (the worst case: it does not
// cooperate); "test_hang" never returns until released. Both have a 1 s
// budget: calls meant to fit sleep a tenth of it or less, calls meant to
// overrun sleep several times it (sleep is a lower bound on any machine), and
// bounds on how long a test waits are far above what they need to mean
// anything, so no verdict depends on the machine's speed or load.
std::atomic<int> g_concurrent{0};
std::atomic<int> g_max_concurrent{0};
absl::Notification* g_release = new absl::Notification();

class SleepVerifier : public rewards::Verifier {
 public:
  Verdict Score(const rewards::SampleInput& in) const override {
    int now = ++g_concurrent;
    int prev = g_max_concurrent.load();
    while (now > prev && !g_max_concurrent.compare_exchange_weak(prev, now)) {
    }
    absl::SleepFor(absl::Milliseconds(std::stoi(std::string(in.completion))));
    --g_concurrent;
    return Verdict::Ok(1, "slept");
  }
};
class HangVerifier : public rewards::Verifier {
 public:
  Verdict Score(const rewards::SampleInput&) const override {
    g_release->WaitForNotification();
    return Verdict::Ok(1, "released");
  }
};

constexpr char kSleep[] = "test_sleep";
constexpr char kHang[] = "test_hang";
using SleepFactory = rewards::TestVerifierFactory<SleepVerifier, kSleep, 1000>;
using HangFactory = rewards::TestVerifierFactory<HangVerifier, kHang, 1000>;
REGISTER_VERIFIER(SleepFactory);
REGISTER_VERIFIER(HangFactory);

std::shared_ptr<const rewards::PreparedBatch> Prepare(const std::string& json) {
  static const rewards::ProfileRegistry* profiles =
      new rewards::ProfileRegistry(rewards::BuiltinProfiles(), "r1_zero", {});
  reward::v1::ScoreRequest req;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &req).ok()) << json;
  auto batch = rewards::PrepareBatch(std::make_shared<const reward::v1::ScoreRequest>(req), *profiles,
                                     rewards::Limits());
  EXPECT_TRUE(batch.ok()) << batch.status();
  return std::make_shared<const rewards::PreparedBatch>(std::move(*batch));
}

std::string SleepGroup(const std::vector<int>& ms) {
  std::string out = R"({"reward":[{"verifier":"test_sleep"}],"groups":[{"id":"g","completions":[)";
  for (size_t i = 0; i < ms.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"id":"s)") + std::to_string(i) + R"(","text":")" +
           std::to_string(ms[i]) + "\"}";
  }
  return out + "]}]}";
}

TEST(SchedulerTest, RunsCallsInParallelOnThePool) {
  WorkerPool pool(4, 0);
  Scheduler scheduler(&pool);
  g_max_concurrent = 0;
  auto grid = scheduler.Run(Prepare(SleepGroup(std::vector<int>(8, 200))), absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(grid.ok()) << grid.status();
  for (const auto& v : (*grid)[0]) EXPECT_EQ(v[0].status, "OK");
  // Four calls at once is what "in parallel" means. (A wall-clock bound
  // beside it, under 8 x 200 ms, failed at load average 68 under ASan:
  // docs/timing.md.)
  EXPECT_EQ(g_max_concurrent.load(), 4);
}

TEST(SchedulerTest, QueueTimeDoesNotCountAgainstTheBudget) {
  // 30 calls of 100 ms on one thread: at least 3 s in all, three budgets'
  // worth of queue for the last, each call within its 1 s budget.
  WorkerPool pool(1, 0);
  Scheduler scheduler(&pool);
  auto grid = scheduler.Run(Prepare(SleepGroup(std::vector<int>(30, 100))), absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(grid.ok());
  for (const auto& v : (*grid)[0]) EXPECT_EQ(v[0].status, "OK") << v[0].reason;
}

TEST(SchedulerTest, OverrunIsTimeoutForThatSampleAlone) {
  WorkerPool pool(2, 2);
  Scheduler scheduler(&pool, absl::Seconds(30));
  // 3 s > 1 s budget; it returns by itself, late (well inside the 30 s grace).
  auto grid = scheduler.Run(Prepare(SleepGroup({10, 3000, 10})), absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ((*grid)[0][0][0].status, "OK");
  EXPECT_EQ((*grid)[0][1][0].status, "TIMEOUT");
  EXPECT_TRUE((*grid)[0][1][0].error);
  EXPECT_THAT((*grid)[0][1][0].reason, ::testing::HasSubstr("budget 1000 ms"));
  EXPECT_EQ((*grid)[0][2][0].status, "OK");
}

TEST(SchedulerTest, HungCallIsAbandonedAndThePoolKeepsItsCapacity) {
  WorkerPool pool(1, 2);
  Scheduler scheduler(&pool, absl::Milliseconds(50));
  auto batch = Prepare(
      R"({"groups":[{"id":"h","reward":[{"verifier":"test_hang"}],"completions":[{"id":"a","text":""}]},)"
      R"({"id":"s","reward":[{"verifier":"test_sleep"}],"completions":[{"id":"b","text":"10"}]}]})");
  absl::Time start = absl::Now();
  auto grid = scheduler.Run(batch, absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(grid.ok());
  // Abandoned after its 1 s budget and 50 ms grace; the hung call itself
  // would never return, so any bound proves it was given up on.
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  EXPECT_EQ((*grid)[0][0][0].status, "TIMEOUT");
  EXPECT_THAT((*grid)[0][0][0].reason, ::testing::HasSubstr("abandoned"));
  EXPECT_EQ((*grid)[1][0][0].status, "OK");  // ran on the replacement thread
  EXPECT_EQ(pool.live_threads(), 2);
  // A later batch still runs while the hung thread is away.
  auto again = scheduler.Run(Prepare(SleepGroup({5, 5})), absl::InfiniteFuture(), nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0][1][0].status, "OK");
  // Once the hung call returns, the surplus thread leaves.
  g_release->Notify();
  for (int i = 0; i < 3000 && pool.live_threads() > 1; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(pool.live_threads(), 1);
}

TEST(SchedulerTest, NoSpuriousTimeouts) {
  // Regression: a sample just claimed by a worker once looked to the watchdog
  // as if its call had started in 1970, and was abandoned as TIMEOUT.
  WorkerPool pool(2, 2);
  Scheduler scheduler(&pool);
  auto batch = Prepare(SleepGroup({0, 0, 0, 0, 0, 0}));
  for (int i = 0; i < 3000; ++i) {
    auto grid = scheduler.Run(batch, absl::InfiniteFuture(), nullptr);
    ASSERT_TRUE(grid.ok());
    for (const auto& v : (*grid)[0]) ASSERT_EQ(v[0].status, "OK") << "run " << i << ": " << v[0].reason;
  }
}

TEST(SchedulerTest, CancellationReturnsAtOnce) {
  WorkerPool pool(1, 0);
  Scheduler scheduler(&pool);
  std::atomic<bool> cancel{false};
  std::thread t([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancel = true;
  });
  absl::Time start = absl::Now();
  auto grid = scheduler.Run(Prepare(SleepGroup(std::vector<int>(50, 200))), absl::InfiniteFuture(),
                            [&] { return cancel.load(); });
  t.join();
  EXPECT_EQ(grid.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // not 50 x 200 ms = 10 s
}

TEST(SchedulerTest, DeadlineExceeded) {
  WorkerPool pool(1, 0);
  Scheduler scheduler(&pool);
  auto grid = scheduler.Run(Prepare(SleepGroup(std::vector<int>(50, 100))),
                            absl::Now() + absl::Milliseconds(150), nullptr);
  EXPECT_EQ(grid.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(grid.status().message()), ::testing::HasSubstr("of 50 samples unscored"));
}

}  // namespace
}  // namespace server
