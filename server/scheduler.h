// Runs a prepared batch's verifier calls in parallel on the worker pool.
//
// Each call has a wall-clock budget that starts when the call starts (time
// waiting in the queue never counts). A call that overruns it gets status
// TIMEOUT and score 0; one that does not return at all is abandoned after
// the budget and a short grace, so it never holds up its batch. Cancellation
// (client gone, deadline passed, server draining) stops queued calls and
// returns at once.
#ifndef SERVER_SCHEDULER_H_
#define SERVER_SCHEDULER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rewards/batch.h"
#include "server/worker_pool.h"

namespace server {

class Scheduler {
 public:
  // Told of each verifier call that returned (its verifier and time taken),
  // on the worker thread that ran it: must be cheap and thread-safe.
  using TermObserver = std::function<void(const std::string& verifier, absl::Duration took)>;

  explicit Scheduler(WorkerPool* pool, absl::Duration grace = absl::Milliseconds(100),
                     TermObserver observer = nullptr)
      : pool_(pool), grace_(grace), observer_(std::move(observer)) {}

  // Scores every call of `batch`. `cancelled` is polled while waiting; when it
  // returns true the result is Cancelled. Past `deadline` it is
  // DeadlineExceeded. `waited`, when not null, is set to the time the batch
  // waited in the pool's queue before its first sample started (zero when
  // none started).
  absl::StatusOr<rewards::VerdictGrid> Run(std::shared_ptr<const rewards::PreparedBatch> batch,
                                           absl::Time deadline, const std::function<bool()>& cancelled,
                                           absl::Duration* waited = nullptr) const;

 private:
  WorkerPool* pool_;
  absl::Duration grace_;
  TermObserver observer_;
};

}  // namespace server

#endif  // SERVER_SCHEDULER_H_
