#include "server/scheduler.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"

namespace server {
namespace {

using rewards::Verdict;

enum class SampleState { kPending, kRunning, kDone, kAbandoned };

// One sample to score: all its terms, in order, on one thread.
struct Slot {
  size_t g, s;
  SampleState state = SampleState::kPending;
  size_t term = 0;           // the call running now
  absl::Time term_started;   // when it started
  std::vector<Verdict> verdicts;
};

// Shared by the waiting request thread and the pool's tasks; a task that
// outlives its request (abandoned) keeps it alive.
struct RunState {
  std::shared_ptr<const rewards::PreparedBatch> batch;
  std::vector<Slot> slots;
  std::atomic<size_t> next{0};  // the next slot a task claims
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  std::set<size_t> running;
  std::atomic<bool> cancelled{false};
  Scheduler::TermObserver observer;  // a copy: an abandoned task may outlive the Scheduler
  absl::Time submitted;
  std::atomic<bool> started{false};
  absl::Time first_started;  // written once, by the task that set `started`
};

std::string Ms(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), " ms"); }

absl::Duration Budget(const RunState& st, const Slot& slot, size_t k) {
  return st.batch->groups[slot.g].plan->terms[k].budget;
}

// Scores one sample. Returns false when the sample was abandoned meanwhile
// (this thread was given up on; the caller must leave the pool's count).
bool RunSlot(RunState* st, size_t i) {
  Slot& slot = st->slots[i];
  {
    std::lock_guard<std::mutex> lock(st->mu);
    if (slot.state != SampleState::kPending) return true;  // cancelled before it ran
    slot.state = SampleState::kRunning;
    // Set with the state, so the watchdog never sees a running sample
    // without the start of its current call.
    slot.term = 0;
    slot.term_started = absl::Now();
    st->running.insert(i);
    if (!st->started.exchange(true)) st->first_started = slot.term_started;
  }
  const size_t terms = st->batch->groups[slot.g].plan->terms.size();
  std::vector<Verdict> verdicts(terms);
  for (size_t k = 0; k < terms; ++k) {
    absl::Time started = absl::Now();
    {
      std::lock_guard<std::mutex> lock(st->mu);
      if (slot.state == SampleState::kAbandoned) return false;
      slot.term = k;
      slot.term_started = started;
    }
    const absl::Duration budget = Budget(*st, slot, k);
    Verdict v;
    if (st->cancelled.load(std::memory_order_relaxed)) {
      v = Verdict::Error("CANCELLED", "the request was cancelled");
    } else {
      try {
        v = rewards::RunTerm(*st->batch, slot.g, slot.s, k, started + budget, &st->cancelled);
      } catch (const std::exception& e) {
        v = Verdict::Error("INTERNAL", absl::StrCat("verifier failed: ", e.what()));
      } catch (...) {
        v = Verdict::Error("INTERNAL", "verifier failed");
      }
    }
    absl::Duration took = absl::Now() - started;
    if (st->observer) st->observer(st->batch->groups[slot.g].plan->terms[k].verifier, took);
    if (took > budget) v = Verdict::Error("TIMEOUT", absl::StrCat("took ", Ms(took), ", budget ", Ms(budget)));
    verdicts[k] = std::move(v);
  }
  std::lock_guard<std::mutex> lock(st->mu);
  if (slot.state == SampleState::kAbandoned) return false;
  slot.verdicts = std::move(verdicts);
  slot.state = SampleState::kDone;
  st->running.erase(i);
  if (--st->remaining == 0) st->cv.notify_all();
  return true;
}

// A pool task: claims samples until none is left, so the per-sample cost is
// an atomic increment rather than a queued task.
void Drain(const std::shared_ptr<RunState>& st, WorkerPool* pool) {
  for (;;) {
    size_t i = st->next.fetch_add(1);
    if (i >= st->slots.size()) return;
    if (!RunSlot(st.get(), i)) {
      pool->UnmarkStuck();
      return;  // a replacement task took over the rest
    }
  }
}

}  // namespace

absl::StatusOr<rewards::VerdictGrid> Scheduler::Run(
    std::shared_ptr<const rewards::PreparedBatch> batch, absl::Time deadline,
    const std::function<bool()>& cancelled, absl::Duration* waited) const {
  auto st = std::make_shared<RunState>();
  st->batch = batch;
  st->observer = observer_;
  st->submitted = absl::Now();
  if (waited != nullptr) *waited = absl::ZeroDuration();
  rewards::VerdictGrid grid = rewards::EmptyGrid(*batch);
  for (size_t g = 0; g < grid.size(); ++g) {
    for (size_t s = 0; s < grid[g].size(); ++s) {
      if (grid[g][s].empty()) continue;  // nothing to run (group or sample error)
      Slot slot;
      slot.g = g;
      slot.s = s;
      st->slots.push_back(std::move(slot));
    }
  }
  st->remaining = st->slots.size();
  WorkerPool* pool = pool_;
  const size_t tasks = std::min<size_t>(st->slots.size(), static_cast<size_t>(pool->threads()));
  for (size_t t = 0; t < tasks; ++t) pool->Submit([st, pool] { Drain(st, pool); });

  auto stop_pending = [&] {
    st->cancelled = true;
    st->next = st->slots.size();
  };
  std::unique_lock<std::mutex> lock(st->mu);
  while (st->remaining > 0) {
    absl::Time now = absl::Now();
    if (cancelled && cancelled()) {
      stop_pending();
      return absl::CancelledError("the request was cancelled");
    }
    if (now > deadline) {
      stop_pending();
      return absl::DeadlineExceededError(absl::StrCat("deadline passed with ", st->remaining, " of ",
                                                      st->slots.size(), " samples unscored"));
    }
    // Give up on calls past their budget and grace; the sample's later terms
    // are not run, and a new task carries on with the other samples.
    absl::Time wake = now + absl::Milliseconds(50);
    for (auto it = st->running.begin(); it != st->running.end();) {
      Slot& slot = st->slots[*it];
      absl::Duration budget = Budget(*st, slot, slot.term);
      absl::Time limit = slot.term_started + budget + grace_;
      if (now < limit) {
        wake = std::min(wake, limit);
        ++it;
        continue;
      }
      size_t terms = batch->groups[slot.g].plan->terms.size();
      slot.verdicts.assign(terms, Verdict::Error("TIMEOUT", "not run: an earlier verifier of this sample hung"));
      slot.verdicts[slot.term] =
          Verdict::Error("TIMEOUT", absl::StrCat("no answer within the budget of ", Ms(budget), "; abandoned"));
      slot.state = SampleState::kAbandoned;
      --st->remaining;
      pool->MarkStuck();
      pool->Submit([st, pool] { Drain(st, pool); });
      it = st->running.erase(it);
    }
    wake = std::min(wake, deadline);
    if (st->remaining > 0) {
      st->cv.wait_for(lock, absl::ToChronoNanoseconds(std::max(wake - absl::Now(), absl::ZeroDuration())));
    }
  }
  if (waited != nullptr && st->started.load()) *waited = st->first_started - st->submitted;
  for (Slot& slot : st->slots) grid[slot.g][slot.s] = std::move(slot.verdicts);
  return grid;
}

}  // namespace server
