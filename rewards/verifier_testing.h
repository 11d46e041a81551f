// Test helpers: build a registered verifier from JSON parameters and score
// one completion with it.
#ifndef REWARDS_VERIFIER_TESTING_H_
#define REWARDS_VERIFIER_TESTING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rewards/verifier.h"

namespace rewards {

// The verifier `name` configured by `params_json` (a JSON object); the error
// of ParseParams or Create otherwise.
absl::StatusOr<std::unique_ptr<Verifier>> BuildVerifier(const std::string& name,
                                                        const std::string& params_json = "{}");

// Scores `completion` against `reference` with `prompt`.
Verdict ScoreOne(const Verifier& verifier, const std::string& completion,
                 const reward::v1::Reference& reference = reward::v1::Reference(),
                 const std::string& prompt = "");

// A factory for a test-only verifier V (default-constructed, no parameters)
// named kName, with a budget of kTimeoutMs per call:
//   constexpr char kName[] = "test_sleep";
//   using SleepFactory = TestVerifierFactory<SleepVerifier, kName, 200>;
//   REGISTER_VERIFIER(SleepFactory);
template <typename V, const char* kName, int kTimeoutMs = 1000>
class TestVerifierFactory : public VerifierFactory {
 public:
  std::string Name() const override { return kName; }
  std::string Description() const override { return "test"; }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>();
    return *specs;
  }
  absl::Duration DefaultTimeout() const override { return absl::Milliseconds(kTimeoutMs); }
  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params&) const override {
    return std::make_unique<V>();
  }
};

}  // namespace rewards

#endif  // REWARDS_VERIFIER_TESTING_H_
