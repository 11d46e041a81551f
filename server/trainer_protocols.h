// The JSON shapes trainers that speak HTTP already send, mapped onto a
// ScoreRequest and back. Plain functions over strings and protos (no HTTP),
// used by server/http_face.cc; JSON is read and written by protobuf's JSON
// mapping (google.protobuf.Struct), never by hand.
//
// OpenRLHF's remote reward model (openrlhf/utils/agent.py, 0.11):
//   POST {"query": [prompt + response, ...], "prompts": [...], "labels": [...]}
//   <- {"rewards": [...], "scores": [...], "extra_logs": {"<verifier>": [...]}}
// slime's remote_rm (slime/rollout/rm_hub/__init__.py, 0.3):
//   POST {"prompt": ..., "response": ..., "label": ...}  <- a bare number
#ifndef SERVER_TRAINER_PROTOCOLS_H_
#define SERVER_TRAINER_PROTOCOLS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "reward/v1/reward.pb.h"

namespace server {

// Removes end-of-turn tokens a trainer's decoded text may end with
// ("<|im_end|>", "<|endoftext|>", "</s>", "<eos>", "<｜end▁of▁sentence｜>",
// any "<|…|>"), with the whitespace around them, so that the format
// template can match the whole completion.
std::string StripTrailingSpecialTokens(absl::string_view text);

// The request of OpenRLHF's body. A completion is its query without the
// leading prompt (when the query starts with it; else the whole query), with
// trailing special tokens stripped; consecutive equal prompts form one group
// (OpenRLHF sends each prompt's samples together); a label that is a string is
// reference.answer, an object is a Reference in its JSON shape
// ({"answer": …, "targetLanguage": …, "tests": …}), null is no reference.
// `profile` empty: the server's default. Errors name the field:
// `query[2]: not a string`.
absl::StatusOr<reward::v1::ScoreRequest> OpenRlhfRequest(absl::string_view json, const std::string &profile);
// Flat lists in the order of the queries; extra_logs has one list per verifier
// (its unweighted score). A sample that could not be scored (e.g. TOO_LONG)
// has reward 0; a group that could not be (e.g. a label the verifier cannot
// use) is an InvalidArgument error naming its first label.
absl::StatusOr<std::string> OpenRlhfResponse(const reward::v1::ScoreResponse &response);

// The request of slime's body: one group of one completion; the prompt may be
// a string or a list of {"role", "content"} messages (the last one's content
// is the group's prompt); the label as for OpenRLHF.
absl::StatusOr<reward::v1::ScoreRequest> SlimeRequest(absl::string_view json, const std::string &profile);
// The sample's reward as a bare JSON number; a group error as for OpenRLHF.
absl::StatusOr<std::string> SlimeResponse(const reward::v1::ScoreResponse &response);

}  // namespace server

#endif  // SERVER_TRAINER_PROTOCOLS_H_
