// The verifier interface and its registry.
//
// A verifier is one class, one registration line and its test:
//
//   class FormatVerifier : public Verifier { ... };
//   REGISTER_VERIFIER(FormatVerifierFactory);
//
// A factory describes the verifier (name, doc, parameters, time budget) and,
// for each reward term of a request, builds a configured Verifier from the
// validated parameters (compiling regexes once per request, not per sample).
// Verifiers are immutable once built and Score() is called concurrently.
#ifndef REWARDS_VERIFIER_H_
#define REWARDS_VERIFIER_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <typeindex>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "reward/v1/reward.pb.h"
#include "rewards/params.h"

namespace rewards {

// What one verifier call sees.
struct SampleInput {
  absl::string_view prompt;
  absl::string_view completion;
  const reward::v1::Reference* reference = nullptr;
  // Cooperative stop: long-running verifiers check these and give up early.
  // The scheduler enforces the budget whether or not they do.
  absl::Time deadline = absl::InfiniteFuture();
  const std::atomic<bool>* cancelled = nullptr;

  bool ShouldStop() const {
    return (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) ||
           absl::Now() > deadline;
  }
};

// One verifier's verdict on one completion.
struct Verdict {
  double score = 0;
  // "OK", or an outcome/error name in UPPER_SNAKE_CASE (NO_ANSWER, TIMEOUT, ...).
  std::string status = "OK";
  // Short, human-readable.
  std::string reason;
  // True when the sample could not be scored (as opposed to scoring low):
  // such a sample is left out of its group's statistics.
  bool error = false;

  static Verdict Ok(double score, std::string reason) {
    return {score, "OK", std::move(reason), false};
  }
  static Verdict Outcome(double score, std::string status, std::string reason) {
    return {score, std::move(status), std::move(reason), false};
  }
  static Verdict Error(std::string status, std::string reason) {
    return {0, std::move(status), std::move(reason), true};
  }
};

// What a group verifier sees: a whole group, with the verdicts of the terms
// it needs (VerifierFactory::Needs), in that order, per sample; null for a
// sample that was not scored (it failed before any verifier ran).
struct GroupInput {
  absl::string_view prompt;
  const reward::v1::Reference* reference = nullptr;
  std::vector<absl::string_view> completions;
  std::vector<std::vector<const Verdict*>> needed;  // [need][sample]
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual Verdict Score(const SampleInput& input) const = 0;
  // A group verifier scores a group at once, after the per-sample terms it
  // needs: ScoreGroup instead of Score, one verdict per completion. It runs
  // on the request's thread once the group's other verdicts are in, so it
  // must be cheap (no I/O, no sandbox): a function of the group's texts and
  // verdicts, such as a length term relative to the group.
  virtual bool ScoresGroups() const { return false; }
  virtual std::vector<Verdict> ScoreGroup(const GroupInput&) const { return {}; }
  // Checked once per group before scoring: a group lacking what this verifier
  // needs (e.g. a reference answer) fails as a whole with this status.
  virtual absl::Status CheckReference(const reward::v1::Reference&) const {
    return absl::OkStatus();
  }
  // The same, for verifiers that also need the group's prompt (valid UTF-8);
  // by default CheckReference.
  virtual absl::Status CheckGroup(const reward::v1::Reference& reference, absl::string_view /*prompt*/) const {
    return CheckReference(reference);
  }
};

// What factories build verifiers with: resources shared by all requests,
// made once at start-up (the sandbox client, caches, loaded models), looked
// up by type. The server makes one; tests pass their own (fakes, a fresh
// cache); an empty context leaves each factory its process-wide defaults.
//
//   auto context = std::make_shared<VerifierContext>();
//   context->Set(std::make_shared<CodeResources>(...));
//   ... factory->Create(params, *context)  // reads context.Get<CodeResources>()
class VerifierContext {
 public:
  template <typename T>
  void Set(std::shared_ptr<T> item) {
    items_[std::type_index(typeid(T))] = std::move(item);
  }
  // Null when no resource of that type was set.
  template <typename T>
  T* Get() const {
    auto it = items_.find(std::type_index(typeid(T)));
    return it == items_.end() ? nullptr : static_cast<T*>(it->second.get());
  }
  static const VerifierContext& Empty() {
    static const auto* empty = new VerifierContext();
    return *empty;
  }

 private:
  std::map<std::type_index, std::shared_ptr<void>> items_;
};

class VerifierFactory {
 public:
  virtual ~VerifierFactory() = default;
  virtual std::string Name() const = 0;
  // One sentence for ListVerifiers and README.
  virtual std::string Description() const = 0;
  virtual const std::vector<ParamSpec>& Params() const = 0;
  // Wall-clock budget of one Score() call unless the config overrides it.
  virtual absl::Duration DefaultTimeout() const { return absl::Seconds(1); }
  // Builds a verifier from validated parameters. Errors are InvalidArgument
  // naming the parameter (e.g. an invalid regex with RE2's message).
  virtual absl::StatusOr<std::unique_ptr<Verifier>> Create(
      const rewards::Params& params) const = 0;
  // The same with the shared resources of `context`; factories that use none
  // need not override it.
  virtual absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& params,
                                                           const VerifierContext& context) const {
    (void)context;
    return Create(params);
  }
  // The verifiers whose verdicts a group verifier needs (each must be a
  // per-sample term of the same reward), and the parameter that names each,
  // for errors: {{"math", "correctness"}}. Resolved once per plan.
  virtual std::vector<std::pair<std::string, std::string>> Needs(const rewards::Params&) const { return {}; }
};

// All registered factories, sorted by name.
std::vector<const VerifierFactory*> AllVerifiers();
// nullptr when no verifier has that name.
const VerifierFactory* FindVerifier(absl::string_view name);

namespace internal {
bool RegisterVerifier(std::unique_ptr<VerifierFactory> factory);
}  // namespace internal

}  // namespace rewards

// Registers a VerifierFactory subclass at program start. Use once, at
// namespace scope, in the verifier's .cc (whose library sets alwayslink).
#define REGISTER_VERIFIER(FactoryClass)                                 \
  static const bool kRegistered_##FactoryClass [[maybe_unused]] =      \
      ::rewards::internal::RegisterVerifier(std::make_unique<FactoryClass>())

#endif  // REWARDS_VERIFIER_H_
