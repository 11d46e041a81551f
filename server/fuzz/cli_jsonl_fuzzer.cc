// libFuzzer target: the CLI's JSONL reader (`reward-cli score`), the way
// client/cli.cc reads its input: the first line is the --reward flag's value
// (a JSON array, wrapped as {"reward": ...} into the base request; an empty
// line means no flag), every other non-blank line one Group in protobuf's
// JSON mapping (JsonStringToMessage, default options). The request the
// reader builds is then serialized and decoded as the server would take it
// (DecodeScoreRequest). When the server accepts it whole (it refuses, group
// by group or as a request, Struct strings that JSON escapes made invalid
// UTF-8), it must decode to exactly what the reader built. The reading is restated here rather than
// linked (the CLI is one file with its main); keep it in step with cli.cc.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "reward/v1/reward.pb.h"
#include "server/request_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // protobuf logs each string field it refuses (invalid UTF-8): expected here.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string reward_flag;
  std::getline(in, reward_flag);
  reward::v1::ScoreRequest base;
  base.set_profile("r1_zero");
  if (!reward_flag.empty()) {
    if (!google::protobuf::util::JsonStringToMessage(absl::StrCat("{\"reward\":", reward_flag, "}"), &base).ok()) {
      return 0;
    }
  }
  reward::v1::ScoreRequest req = base;
  req.set_request_id("cli-0");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    reward::v1::Group g;
    google::protobuf::util::JsonParseOptions opts;
    if (!google::protobuf::util::JsonStringToMessage(line, &g, opts).ok()) return 0;
    *req.add_groups() = std::move(g);
  }
  std::string bytes;
  if (!req.SerializeToString(&bytes)) std::abort();
  server::DecodedRequest decoded = server::DecodeScoreRequest(bytes);
  if (!decoded.status.ok() || !decoded.group_errors.empty()) return 0;
  if (!google::protobuf::util::MessageDifferencer::Equals(*decoded.request, req)) std::abort();
  return 0;
}
