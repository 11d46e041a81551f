// The server's Prometheus metrics (prometheus-cpp), and their HTTP endpoint.
//
//   reward_requests_total{method,profile,code}      calls answered
//   reward_request_seconds{method}                  call latency, admission to answer
//   reward_samples_total{profile}                   completions scored
//   reward_verifier_seconds{verifier}               one verifier call's latency
//   reward_verifier_outcomes_total{verifier,status} verdicts by status
//   reward_pending_samples / _limit                 admitted and not yet answered; the bound
//   reward_queue_wait_seconds                       admission to the first sample started
//   reward_inflight_calls                           calls being scored
//   reward_admission_refused_total                  calls refused at capacity
//   reward_unauthenticated_total                    calls refused for their token
//   reward_sandbox_runs_total{outcome}              sandbox runs by outcome
//   reward_sandbox_runners{state}                   warm runners busy / idle
//   reward_compile_cache_total{result}              compile cache hits / misses
//   reward_request_log_dropped_total                log lines dropped (log thread behind)
#ifndef SERVER_METRICS_H_
#define SERVER_METRICS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "reward/v1/reward.pb.h"
#include "rewards/verifier.h"

namespace server {

class Metrics {
 public:
  // `context`: the verifiers' resources whose sandbox and compile cache are
  // read at each scrape.
  explicit Metrics(std::shared_ptr<const rewards::VerifierContext> context);
  ~Metrics();

  // Serves GET /metrics on `address` (host:port; port 0 picks one).
  // Returns the port.
  absl::StatusOr<int> Serve(const std::string& address);

  // A call answered (any status); `response` may be null (no response).
  void CallDone(absl::string_view method, absl::string_view profile, absl::StatusCode code, absl::Duration took,
                const reward::v1::ScoreResponse* response);
  // One verifier call (on a worker thread: lock-free for known verifiers).
  void VerifierCall(const std::string& verifier, absl::Duration took);
  void QueueWait(absl::Duration waited) { queue_wait_->Observe(absl::ToDoubleSeconds(waited)); }
  void SetPending(uint64_t pending, uint64_t limit);
  void InFlight(int delta) { inflight_->Increment(delta); }
  void Refused() { refused_->Increment(); }
  void Unauthenticated() { unauthenticated_->Increment(); }
  void LogDropped() { log_dropped_->Increment(); }

  prometheus::Registry& registry() { return *registry_; }

 private:
  class CodeCollector;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<CodeCollector> code_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* request_seconds_;
  prometheus::Family<prometheus::Counter>* samples_;
  prometheus::Family<prometheus::Counter>* outcomes_;
  prometheus::Family<prometheus::Histogram>* verifier_seconds_;
  std::map<std::string, prometheus::Histogram*> verifier_histograms_;  // made at start, read-only after
  prometheus::Histogram* queue_wait_;
  prometheus::Gauge* pending_;
  prometheus::Gauge* pending_limit_;
  prometheus::Gauge* inflight_;
  prometheus::Counter* refused_;
  prometheus::Counter* unauthenticated_;
  prometheus::Counter* log_dropped_;
};

}  // namespace server

#endif  // SERVER_METRICS_H_
