// libFuzzer target: a whole ScoreRequest from its bytes on the wire, as the
// server takes Score's requests: DecodeScoreRequest (protobuf, with the
// per-group fallback for what protobuf refuses), validation and profile
// resolution (PrepareBatch, against the built-in profiles and the server's
// default limits), every verifier call in order (ScoreSerially), then
// weighting and advantages (AssembleResponse). Only the cheap verifiers are
// linked (format, length, math, language): a request naming `code` fails
// with FailedPrecondition here, as on a server without the sandbox. The
// response must have a group per requested group, and every string in it
// must be valid UTF-8 (a proto2 message does not check that itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "rewards/batch.h"
#include "rewards/utf8.h"
#include "server/request_decoder.h"

namespace {

// Aborts on a string field anywhere in `m` that is not valid UTF-8.
void CheckStrings(const google::protobuf::Message& m) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING &&
          f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
        const std::string s = f->is_repeated() ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        if (!rewards::IsValidUtf8(s)) std::abort();
      } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        CheckStrings(f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // protobuf logs each string field it refuses (invalid UTF-8): expected here.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  static const rewards::ProfileRegistry* const registry =
      new rewards::ProfileRegistry(rewards::BuiltinProfiles(), "r1_zero", {});
  server::DecodedRequest decoded =
      server::DecodeScoreRequest(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded.status.ok()) return 0;
  absl::StatusOr<rewards::PreparedBatch> batch =
      rewards::PrepareBatch(decoded.request, *registry, rewards::Limits(), decoded.group_errors);
  if (!batch.ok()) return 0;
  reward::v1::ScoreResponse response = rewards::AssembleResponse(*batch, rewards::ScoreSerially(*batch));
  if (response.groups_size() != decoded.request->groups_size()) std::abort();
  CheckStrings(response);
  return 0;
}
