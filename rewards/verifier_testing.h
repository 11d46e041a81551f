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

}  // namespace rewards

#endif  // REWARDS_VERIFIER_TESTING_H_
