// A ScoreRequest from its bytes on the wire, so that what protobuf refuses in
// one group fails that group alone.
//
// gRPC's own decoding fails the whole call (INTERNAL, empty message) when
// protobuf refuses any part of a request. In reward.proto (proto2 on purpose)
// the parts it can refuse are the google.protobuf.Struct fields, which are
// proto3: a key or string that is not valid UTF-8, or nesting past protobuf's
// recursion limit of 100 messages (only a Struct's Values nest without bound).
// The server therefore takes Score's and ScoreStream's requests as bytes and
// decodes them here: a request protobuf accepts is parsed once, as gRPC would;
// one it refuses is taken apart field by field, at the same recursion budget
// each part has inside the request, to find what was refused:
//   - groups[i].reference.metadata: that group fails (InvalidArgument in
//     `group_errors`), and the rest of the batch is scored;
//   - reward[k].params or groups[i].reward[k].params: the request fails with
//     InvalidArgument naming the field, as other reward-term errors do;
//   - bytes that are not protobuf at all: the request fails with
//     InvalidArgument naming the innermost message found malformed.
#ifndef SERVER_REQUEST_DECODER_H_
#define SERVER_REQUEST_DECODER_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "reward/v1/reward.pb.h"
#include "rewards/batch.h"

namespace server {

struct DecodedRequest {
  // When not OK, the request cannot be scored; `request` then holds at most
  // its request_id (when that could be read).
  absl::Status status;
  std::shared_ptr<reward::v1::ScoreRequest> request = std::make_shared<reward::v1::ScoreRequest>();
  // Groups that cannot be scored, by index; their other fields are decoded.
  rewards::GroupErrors group_errors;
};

DecodedRequest DecodeScoreRequest(absl::string_view bytes);

}  // namespace server

#endif  // SERVER_REQUEST_DECODER_H_
