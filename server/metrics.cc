#include "server/metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "rewards/code/code_verifier.h"

namespace server {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

namespace {

// Latency buckets from 100 µs (a math check) to 2 min (a slow code test).
Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    120};
}

prometheus::ClientMetric Value(prometheus::MetricType type, double value,
                               std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

}  // namespace

// Reads the sandbox's and compile cache's own counters at scrape time, so
// that the code verifier does not need to know about metrics.
class Metrics::CodeCollector : public prometheus::Collectable {
 public:
  explicit CodeCollector(std::shared_ptr<const rewards::VerifierContext> context) : context_(std::move(context)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const rewards::CodeStats stats = rewards::GetCodeStats(*context_);
    using prometheus::MetricType;
    prometheus::MetricFamily runs{"reward_sandbox_runs_total", "Sandbox runs by outcome", MetricType::Counter, {}};
    for (const auto& [outcome, n] : stats.sandbox.runs) {
      runs.metric.push_back(Value(MetricType::Counter, static_cast<double>(n), {{"outcome", outcome}}));
    }
    prometheus::MetricFamily runners{"reward_sandbox_runners", "Warm sandbox runners, busy or idle",
                                     MetricType::Gauge, {}};
    runners.metric.push_back(Value(MetricType::Gauge, stats.sandbox.busy, {{"state", "busy"}}));
    runners.metric.push_back(Value(MetricType::Gauge, stats.sandbox.idle, {{"state", "idle"}}));
    prometheus::MetricFamily cache{"reward_compile_cache_total", "Compile cache lookups by result",
                                   MetricType::Counter, {}};
    cache.metric.push_back(
        Value(MetricType::Counter, static_cast<double>(stats.compile_hits), {{"result", "hit"}}));
    cache.metric.push_back(
        Value(MetricType::Counter, static_cast<double>(stats.compile_misses), {{"result", "miss"}}));
    return {std::move(runs), std::move(runners), std::move(cache)};
  }

 private:
  std::shared_ptr<const rewards::VerifierContext> context_;
};

Metrics::Metrics(std::shared_ptr<const rewards::VerifierContext> context)
    : registry_(std::make_shared<prometheus::Registry>()),
      code_(std::make_shared<CodeCollector>(std::move(context))) {
  auto& r = *registry_;
  requests_ = &BuildCounter().Name("reward_requests_total").Help("Calls answered, by status code").Register(r);
  request_seconds_ =
      &BuildHistogram().Name("reward_request_seconds").Help("Call latency, admission to answer").Register(r);
  samples_ = &BuildCounter().Name("reward_samples_total").Help("Completions scored").Register(r);
  outcomes_ = &BuildCounter().Name("reward_verifier_outcomes_total").Help("Verdicts by status").Register(r);
  verifier_seconds_ =
      &BuildHistogram().Name("reward_verifier_seconds").Help("Latency of one verifier call").Register(r);
  for (const rewards::VerifierFactory* f : rewards::AllVerifiers()) {
    verifier_histograms_[f->Name()] = &verifier_seconds_->Add({{"verifier", f->Name()}}, LatencyBuckets());
  }
  queue_wait_ = &BuildHistogram()
                     .Name("reward_queue_wait_seconds")
                     .Help("Time from admission to the call's first sample starting")
                     .Register(r)
                     .Add({}, LatencyBuckets());
  auto& pending = BuildGauge().Name("reward_pending_samples").Help("Samples admitted and not yet answered").Register(r);
  pending_ = &pending.Add({});
  pending_limit_ = &BuildGauge()
                        .Name("reward_pending_samples_limit")
                        .Help("Admission bound on pending samples")
                        .Register(r)
                        .Add({});
  inflight_ = &BuildGauge().Name("reward_inflight_calls").Help("Calls being scored").Register(r).Add({});
  refused_ = &BuildCounter()
                  .Name("reward_admission_refused_total")
                  .Help("Calls refused with RESOURCE_EXHAUSTED at capacity")
                  .Register(r)
                  .Add({});
  unauthenticated_ = &BuildCounter()
                          .Name("reward_unauthenticated_total")
                          .Help("Calls refused for a missing or unknown token")
                          .Register(r)
                          .Add({});
  log_dropped_ = &BuildCounter()
                      .Name("reward_request_log_dropped_total")
                      .Help("Request log lines dropped because the log thread was behind")
                      .Register(r)
                      .Add({});
}

Metrics::~Metrics() = default;

absl::StatusOr<int> Metrics::Serve(const std::string& address) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", address, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(code_);
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

void Metrics::CallDone(absl::string_view method, absl::string_view profile, absl::StatusCode code,
                       absl::Duration took, const reward::v1::ScoreResponse* response) {
  const std::string method_s(method), profile_s(profile);
  requests_->Add({{"method", method_s}, {"profile", profile_s}, {"code", absl::StatusCodeToString(code)}})
      .Increment();
  request_seconds_->Add({{"method", method_s}}, LatencyBuckets()).Observe(absl::ToDoubleSeconds(took));
  if (response == nullptr) return;
  // Counted per call first: one family lookup per (verifier, status) seen.
  std::map<std::pair<std::string, std::string>, double> outcomes;
  double samples = 0;
  for (const auto& group : response->groups()) {
    for (const auto& sample : group.samples()) {
      ++samples;
      for (const auto& c : sample.components()) ++outcomes[{c.verifier(), c.status()}];
    }
  }
  samples_->Add({{"profile", profile_s}}).Increment(samples);
  for (const auto& [key, n] : outcomes) {
    outcomes_->Add({{"verifier", key.first}, {"status", key.second}}).Increment(n);
  }
}

void Metrics::VerifierCall(const std::string& verifier, absl::Duration took) {
  auto it = verifier_histograms_.find(verifier);
  if (it != verifier_histograms_.end()) it->second->Observe(absl::ToDoubleSeconds(took));
}

void Metrics::SetPending(uint64_t pending, uint64_t limit) {
  pending_->Set(static_cast<double>(pending));
  pending_limit_->Set(static_cast<double>(limit));
}

}  // namespace server
