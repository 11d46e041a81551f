// libFuzzer target: reward-cli's JSONL reader (client/cli_input.h) and the
// requests it becomes. The first line is the --reward flag's value (a JSON
// array, wrapped as {"reward": ...} into the base request, as cli.cc does;
// an empty line means no flag); the rest is the input file, read by
// cli::ReadGroups and cut into batches by cli::MakeBatches. Every group must
// carry a line number inside the input, the batches must cover the groups
// once, and each batch's request, serialized, must decode on the server
// (DecodeScoreRequest) to exactly what the CLI built whenever the server
// accepts it whole (it refuses, group by group or as a request, Struct
// strings that JSON escapes made invalid UTF-8).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli_input.h"
#include "google/protobuf/stubs/logging.h"
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
  const size_t lines = static_cast<size_t>(std::count(data, data + size, '\n')) + 1;
  auto groups = cli::ReadGroups(in, "fuzz");
  if (!groups.ok()) return 0;
  for (const cli::InputGroup& g : *groups) {
    if (g.line < 1 || static_cast<size_t>(g.line) > lines) std::abort();
  }
  size_t covered = 0;
  for (const cli::Batch& b : cli::MakeBatches(groups->size(), 3)) {
    if (b.begin != covered || b.end <= b.begin || b.end > groups->size()) std::abort();
    covered = b.end;
    reward::v1::ScoreRequest req = base;
    req.set_request_id(absl::StrCat(b.begin));
    for (size_t i = b.begin; i < b.end; ++i) *req.add_groups() = (*groups)[i].group;
    std::string bytes;
    if (!req.SerializeToString(&bytes)) std::abort();
    server::DecodedRequest decoded = server::DecodeScoreRequest(bytes);
    if (!decoded.status.ok() || !decoded.group_errors.empty()) continue;
    if (!google::protobuf::util::MessageDifferencer::Equals(*decoded.request, req)) std::abort();
  }
  if (covered != groups->size()) std::abort();
  return 0;
}
