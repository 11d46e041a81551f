#include "server/scheduler.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"

namespace server {
namespace {

using rewards::Verdict;

enum class SlotState { kPending, kRunning, kDone, kAbandoned };

struct Slot {
  size_t g, s, k;
  absl::Duration budget;
  SlotState state = SlotState::kPending;
  absl::Time started;
  Verdict verdict;
};

// Shared by the waiting request thread and the pool's tasks; a task that
// outlives its request (abandoned) keeps it alive.
struct RunState {
  std::shared_ptr<const rewards::PreparedBatch> batch;
  std::vector<Slot> slots;
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  std::set<size_t> running;
  std::atomic<bool> cancelled{false};
};

std::string Ms(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), " ms"); }

void RunSlot(const std::shared_ptr<RunState>& st, size_t i, WorkerPool* pool) {
  Slot* slot;
  absl::Time deadline;
  {
    std::lock_guard<std::mutex> lock(st->mu);
    slot = &st->slots[i];
    if (slot->state != SlotState::kPending) return;  // cancelled before it ran
    slot->state = SlotState::kRunning;
    slot->started = absl::Now();
    deadline = slot->started + slot->budget;
    st->running.insert(i);
  }
  Verdict v;
  try {
    v = rewards::RunTerm(*st->batch, slot->g, slot->s, slot->k, deadline, &st->cancelled);
  } catch (const std::exception& e) {
    v = Verdict::Error("INTERNAL", absl::StrCat("verifier failed: ", e.what()));
  } catch (...) {
    v = Verdict::Error("INTERNAL", "verifier failed");
  }
  absl::Duration took = absl::Now() - slot->started;
  if (took > slot->budget) {
    v = Verdict::Error("TIMEOUT", absl::StrCat("took ", Ms(took), ", budget ", Ms(slot->budget)));
  }
  std::lock_guard<std::mutex> lock(st->mu);
  if (slot->state == SlotState::kAbandoned) {
    pool->UnmarkStuck();
    return;
  }
  slot->verdict = std::move(v);
  slot->state = SlotState::kDone;
  st->running.erase(i);
  --st->remaining;
  st->cv.notify_all();
}

}  // namespace

absl::StatusOr<rewards::VerdictGrid> Scheduler::Run(
    std::shared_ptr<const rewards::PreparedBatch> batch, absl::Time deadline,
    const std::function<bool()>& cancelled) const {
  auto st = std::make_shared<RunState>();
  st->batch = batch;
  rewards::VerdictGrid grid = rewards::EmptyGrid(*batch);
  for (size_t g = 0; g < grid.size(); ++g) {
    for (size_t s = 0; s < grid[g].size(); ++s) {
      for (size_t k = 0; k < grid[g][s].size(); ++k) {
        Slot slot;
        slot.g = g;
        slot.s = s;
        slot.k = k;
        slot.budget = batch->groups[g].plan->terms[k].budget;
        st->slots.push_back(std::move(slot));
      }
    }
  }
  st->remaining = st->slots.size();
  WorkerPool* pool = pool_;
  for (size_t i = 0; i < st->slots.size(); ++i) {
    pool->Submit([st, i, pool] { RunSlot(st, i, pool); });
  }

  std::unique_lock<std::mutex> lock(st->mu);
  while (st->remaining > 0) {
    absl::Time now = absl::Now();
    if (cancelled && cancelled()) {
      st->cancelled = true;
      for (auto& slot : st->slots) {
        if (slot.state == SlotState::kPending) slot.state = SlotState::kDone;
      }
      return absl::CancelledError("the request was cancelled");
    }
    if (now > deadline) {
      st->cancelled = true;
      for (auto& slot : st->slots) {
        if (slot.state == SlotState::kPending) slot.state = SlotState::kDone;
      }
      return absl::DeadlineExceededError(
          absl::StrCat("deadline passed with ", st->remaining, " of ", st->slots.size(),
                       " verifier calls unfinished"));
    }
    // Give up on calls past their budget and grace.
    absl::Time wake = now + absl::Milliseconds(50);
    for (auto it = st->running.begin(); it != st->running.end();) {
      Slot& slot = st->slots[*it];
      absl::Time limit = slot.started + slot.budget + grace_;
      if (now >= limit) {
        slot.state = SlotState::kAbandoned;
        slot.verdict = Verdict::Error(
            "TIMEOUT", absl::StrCat("no answer within the budget of ", Ms(slot.budget), "; abandoned"));
        --st->remaining;
        pool->MarkStuck();
        it = st->running.erase(it);
      } else {
        wake = std::min(wake, limit);
        ++it;
      }
    }
    wake = std::min(wake, deadline);
    if (st->remaining > 0) {
      st->cv.wait_for(lock, absl::ToChronoNanoseconds(std::max(wake - absl::Now(), absl::ZeroDuration())));
    }
  }
  for (const Slot& slot : st->slots) grid[slot.g][slot.s][slot.k] = slot.verdict;
  return grid;
}

}  // namespace server
