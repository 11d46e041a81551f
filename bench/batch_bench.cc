// Whole-batch scoring as the server does it (validate, schedule every
// verifier call on the worker pool, assemble rewards and advantages),
// beside a baseline measured in the same run: the same batch scored serially
// on one thread (rewards::ScoreSerially). Shows the scheduler's overhead and
// its speed-up on this machine's cores.
#include <algorithm>
#include "bench/timing.h"
#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "rewards/batch.h"
#include "server/scheduler.h"

namespace {



std::shared_ptr<const reward::v1::ScoreRequest> MakeRequest(int groups, int per_group) {
  auto req = std::make_shared<reward::v1::ScoreRequest>();
  req->set_profile("r1_zero");
  std::string think;
  while (think.size() < 1000) think += "Compute 3 * 4 = 12, then add 2 to get 14. Check again. ";
  for (int g = 0; g < groups; ++g) {
    auto* group = req->add_groups();
    group->set_id(absl::StrCat("q", g));
    group->set_prompt("What is 2 + 3 * 4?");
    group->mutable_reference()->set_answer("14");
    for (int s = 0; s < per_group; ++s) {
      auto* c = group->add_completions();
      c->set_id(absl::StrCat("o", s));
      c->set_text(absl::StrCat("<think>", think, "</think><answer>", 10 + (s % 8), "</answer>"));
    }
  }
  return req;
}

}  // namespace

int main() {
  const int kGroups = 256, kPerGroup = 16, kReps = 7;
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  rewards::ProfileRegistry profiles(rewards::BuiltinProfiles(), "r1_zero", {});
  auto request = MakeRequest(kGroups, kPerGroup);
  server::WorkerPool pool(threads, 0);
  server::Scheduler scheduler(&pool);

  double serial = bench::MedianSeconds(kReps, [&] {
    auto batch = rewards::PrepareBatch(request, profiles, rewards::Limits());
    rewards::AssembleResponse(*batch, rewards::ScoreSerially(*batch));
  });
  double pooled = bench::MedianSeconds(kReps, [&] {
    auto batch = std::make_shared<const rewards::PreparedBatch>(
        *rewards::PrepareBatch(request, profiles, rewards::Limits()));
    auto grid = scheduler.Run(batch, absl::InfiniteFuture(), nullptr);
    rewards::AssembleResponse(*batch, *grid);
  });
  // Where the serial time goes: validation and assembly stay on the request thread.
  double prepare = bench::MedianSeconds(kReps, [&] { rewards::PrepareBatch(request, profiles, rewards::Limits()); });
  auto prepared = rewards::PrepareBatch(request, profiles, rewards::Limits());
  auto serial_grid = rewards::ScoreSerially(*prepared);
  double assemble = bench::MedianSeconds(kReps, [&] { rewards::AssembleResponse(*prepared, serial_grid); });
  const int samples = kGroups * kPerGroup;
  std::printf("batch benchmark: %d groups x %d completions (~1 KB each), profile r1_zero (math + format), "
              "median of %d\n", kGroups, kPerGroup, kReps);
  std::printf("  %-40s %10.1f ms %12.0f samples/s\n", "baseline: serial, 1 thread", serial * 1e3, samples / serial);
  std::printf("  %-40s %10.1f ms %12.0f samples/s\n",
              absl::StrCat("scheduler, pool of ", threads, " threads").c_str(), pooled * 1e3, samples / pooled);
  std::printf("  ratio pooled / serial throughput: %.2f\n", serial / pooled);
  std::printf("  of which serial on the request thread: validation %.1f ms, assembly %.1f ms\n", prepare * 1e3,
              assemble * 1e3);
  return 0;
}
