#include "rewards/verifier_testing.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace rewards {

absl::StatusOr<std::unique_ptr<Verifier>> BuildVerifier(const std::string& name,
                                                        const std::string& params_json) {
  const VerifierFactory* factory = FindVerifier(name);
  if (factory == nullptr) return absl::NotFoundError(absl::StrCat("no verifier '", name, "'"));
  google::protobuf::Struct params;
  auto st = google::protobuf::util::JsonStringToMessage(params_json, &params);
  if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("bad JSON: ", params_json));
  absl::StatusOr<Params> parsed = ParseParams(params, factory->Params());
  if (!parsed.ok()) return parsed.status();
  return factory->Create(*parsed);
}

Verdict ScoreOne(const Verifier& verifier, const std::string& completion,
                 const reward::v1::Reference& reference, const std::string& prompt) {
  SampleInput in;
  in.prompt = prompt;
  in.completion = completion;
  in.reference = &reference;
  return verifier.Score(in);
}

}  // namespace rewards
