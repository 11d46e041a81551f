// Bounded admission: the server takes on at most a fixed number of samples
// at a time and refuses the rest at once, rather than queueing without bound.
//
// A call's samples are "pending" from admission until it is answered. A call
// is admitted when pending + its samples <= the bound, or when nothing is
// pending (a request bigger than the bound is served alone, never starved).
// A refused call is told how long to back off: the samples over the bound
// divided by the rate samples have been answered at lately.
#ifndef SERVER_ADMISSION_H_
#define SERVER_ADMISSION_H_

#include <cstdint>
#include <mutex>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace server {

class Admission {
 public:
  explicit Admission(uint64_t max_pending_samples) : max_(max_pending_samples) {}

  // Holds admitted samples; gives them back when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept : owner_(other.owner_), samples_(other.samples_) { other.owner_ = nullptr; }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { Release(); }
    void Release();

   private:
    friend class Admission;
    Ticket(Admission* owner, uint64_t samples) : owner_(owner), samples_(samples) {}
    Admission* owner_ = nullptr;
    uint64_t samples_ = 0;
  };

  // Admits `samples` into `ticket`, or returns RESOURCE_EXHAUSTED naming the
  // load and sets `*retry_after` to the suggested back-off.
  absl::Status TryAdmit(uint64_t samples, Ticket* ticket, absl::Duration* retry_after);

  uint64_t pending() const;
  uint64_t max_pending() const { return max_; }
  uint64_t refused() const;

 private:
  void Release(uint64_t samples);

  const uint64_t max_;
  mutable std::mutex mu_;
  uint64_t pending_ = 0;
  uint64_t refused_ = 0;
  // Answered samples per second, from the releases of the last window.
  double rate_ = 0;
  absl::Time window_start_ = absl::Now();
  uint64_t window_released_ = 0;
};

}  // namespace server

#endif  // SERVER_ADMISSION_H_
