#include "server/admission.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace server {

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = other.owner_;
    samples_ = other.samples_;
    other.owner_ = nullptr;
  }
  return *this;
}

void Admission::Ticket::Release() {
  if (owner_ != nullptr) owner_->Release(samples_);
  owner_ = nullptr;
}

absl::Status Admission::TryAdmit(uint64_t samples, Ticket* ticket, absl::Duration* retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_ == 0 || pending_ + samples <= max_) {
    if (pending_ == 0) {  // idle time is not throughput: the rate's window starts now
      window_start_ = absl::Now();
      window_released_ = 0;
    }
    pending_ += samples;
    *ticket = Ticket(this, samples);
    return absl::OkStatus();
  }
  ++refused_;
  // Room for this call comes when pending + samples - max have been answered.
  const double over = static_cast<double>(pending_ + samples - max_);
  absl::Duration wait = rate_ > 0 ? absl::Seconds(over / rate_) : absl::Seconds(1);
  *retry_after = std::clamp(wait, absl::Milliseconds(10), absl::Seconds(30));
  return absl::ResourceExhaustedError(
      absl::StrCat("server at capacity: ", pending_, " samples pending, limit ", max_, "; this request has ",
                   samples, "; retry after ", absl::ToInt64Milliseconds(*retry_after), " ms"));
}

void Admission::Release(uint64_t samples) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_ -= samples;
  window_released_ += samples;
  const absl::Time now = absl::Now();
  const absl::Duration elapsed = now - window_start_;
  if (elapsed >= absl::Milliseconds(500)) {
    const double rate = static_cast<double>(window_released_) / absl::ToDoubleSeconds(elapsed);
    rate_ = rate_ == 0 ? rate : 0.5 * rate_ + 0.5 * rate;
    window_start_ = now;
    window_released_ = 0;
  }
}

uint64_t Admission::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

uint64_t Admission::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

}  // namespace server
