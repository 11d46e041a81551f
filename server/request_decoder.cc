#include "server/request_decoder.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/wire_format_lite.h"
#include "rewards/utf8.h"

namespace server {
namespace {

using google::protobuf::MessageLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;
using reward::v1::Group;
using reward::v1::Reference;
using reward::v1::RewardTerm;
using reward::v1::ScoreRequest;

// Protobuf's default, which gRPC's decoding uses: a message nested deeper
// than this many levels below the request is refused.
constexpr int kRecursionLimit = 100;

CodedInputStream Input(absl::string_view bytes) {
  return CodedInputStream(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
}

// Merges `bytes` into `msg` as protobuf would parse them `level` messages
// below the request (with the recursion budget left there).
bool ParseAt(absl::string_view bytes, int level, MessageLite* msg) {
  CodedInputStream in = Input(bytes);
  in.SetRecursionLimit(kRecursionLimit - level);
  return msg->MergeFromCodedStream(&in) && in.ConsumedEntireMessage();
}

struct Field {
  int number = 0;
  bool length_delimited = false;
  absl::string_view whole;    // tag and value, as on the wire
  absl::string_view payload;  // a length-delimited field's contents
};

// The fields of one message's bytes, in order; false when they are not
// protobuf's wire format. Linear; it does not look inside fields.
bool SplitFields(absl::string_view bytes, std::vector<Field>* out) {
  CodedInputStream in = Input(bytes);
  in.SetRecursionLimit(kRecursionLimit);  // for skipping unknown groups
  const int size = static_cast<int>(bytes.size());
  while (in.CurrentPosition() < size) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return false;
    Field f;
    f.number = WireFormatLite::GetTagFieldNumber(tag);
    f.length_delimited = WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (f.length_delimited) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const int at = in.CurrentPosition();
      if (length > static_cast<uint32_t>(size - at) || !in.Skip(static_cast<int>(length))) return false;
      f.payload = bytes.substr(at, length);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
    f.whole = bytes.substr(start, in.CurrentPosition() - start);
    out->push_back(f);
  }
  return true;
}

absl::Status Malformed(absl::string_view field, absl::string_view type) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": not a valid ", type, " in protobuf's wire format"));
}

// Why protobuf refused the google.protobuf.Struct `bytes`, found `level`
// messages below the request. One pass over an explicit work list (no
// recursion), which goes no deeper than the recursion limit.
std::string WhyStructRefused(absl::string_view bytes, int level) {
  enum Kind { kStruct, kEntry, kValue, kList };
  struct Item {
    Kind kind;
    absl::string_view bytes;
    int level;
  };
  std::vector<Item> todo = {{kStruct, bytes, level}};
  bool too_deep = false;
  std::vector<Field> fields;
  while (!todo.empty()) {
    Item item = todo.back();
    todo.pop_back();
    if (item.level > kRecursionLimit) {
      too_deep = true;
      continue;
    }
    fields.clear();
    if (!SplitFields(item.bytes, &fields)) return "not a valid google.protobuf.Struct in protobuf's wire format";
    for (const Field& f : fields) {
      if (!f.length_delimited) continue;
      const int below = item.level + 1;
      switch (item.kind) {
        case kStruct:  // map<string, Value> fields = 1
          if (f.number == 1) todo.push_back({kEntry, f.payload, below});
          break;
        case kEntry:  // string key = 1; Value value = 2
          if (f.number == 1 && !rewards::IsValidUtf8(f.payload)) return "a key is not valid UTF-8";
          if (f.number == 2) todo.push_back({kValue, f.payload, below});
          break;
        case kValue:  // string_value = 3, struct_value = 5, list_value = 6
          if (f.number == 3 && !rewards::IsValidUtf8(f.payload)) return "a string is not valid UTF-8";
          if (f.number == 5) todo.push_back({kStruct, f.payload, below});
          if (f.number == 6) todo.push_back({kList, f.payload, below});
          break;
        case kList:  // repeated Value values = 1
          if (f.number == 1) todo.push_back({kValue, f.payload, below});
          break;
      }
    }
  }
  if (too_deep) return absl::StrCat("nested deeper than protobuf's limit of ", kRecursionLimit, " messages");
  return "not a valid google.protobuf.Struct";
}

// A reward term `level` messages below the request; only its params (a
// Struct) can be refused, which fails the request, as other term errors do.
absl::Status DecodeTerm(absl::string_view bytes, int level, const std::string& at, RewardTerm* term) {
  if (ParseAt(bytes, level, term)) return absl::OkStatus();
  std::vector<Field> fields;
  if (!SplitFields(bytes, &fields)) return Malformed(at, "reward.v1.RewardTerm");
  for (const Field& f : fields) {
    google::protobuf::Struct params;
    if (f.number == RewardTerm::kParamsFieldNumber && f.length_delimited &&
        !ParseAt(f.payload, level + 1, &params)) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".params: ", WhyStructRefused(f.payload, level + 1)));
    }
  }
  return Malformed(at, "reward.v1.RewardTerm");
}

// A group's reference (2 levels below the request). A refused metadata is
// left out and becomes the group's error.
absl::Status DecodeReference(absl::string_view bytes, const std::string& at, Reference* ref,
                             absl::Status* group_error) {
  std::vector<Field> fields;
  if (!SplitFields(bytes, &fields)) return Malformed(at + ".reference", "reward.v1.Reference");
  std::string rest;
  for (const Field& f : fields) {
    if (f.number == Reference::kMetadataFieldNumber && f.length_delimited) {
      google::protobuf::Struct metadata;
      if (ParseAt(f.payload, 3, &metadata)) {
        ref->mutable_metadata()->MergeFrom(metadata);
      } else if (group_error->ok()) {
        *group_error = absl::InvalidArgumentError(
            absl::StrCat(at, ".reference.metadata: ", WhyStructRefused(f.payload, 3)));
      }
    } else {
      rest.append(f.whole.data(), f.whole.size());
    }
  }
  if (!ParseAt(rest, 2, ref)) return Malformed(at + ".reference", "reward.v1.Reference");
  return absl::OkStatus();
}

// Group `g` (1 level below the request).
absl::Status DecodeGroup(absl::string_view bytes, int g, Group* group, rewards::GroupErrors* errors) {
  if (ParseAt(bytes, 1, group)) return absl::OkStatus();
  group->Clear();
  const std::string at = absl::StrCat("groups[", g, "]");
  std::vector<Field> fields;
  if (!SplitFields(bytes, &fields)) return Malformed(at, "reward.v1.Group");
  std::string rest;
  absl::Status group_error;
  int k = 0;
  for (const Field& f : fields) {
    if (f.number == Group::kReferenceFieldNumber && f.length_delimited) {
      Reference ref;
      if (!ParseAt(f.payload, 2, &ref)) {
        ref.Clear();
        if (absl::Status st = DecodeReference(f.payload, at, &ref, &group_error); !st.ok()) return st;
      }
      group->mutable_reference()->MergeFrom(ref);
    } else if (f.number == Group::kRewardFieldNumber && f.length_delimited) {
      absl::Status st = DecodeTerm(f.payload, 2, absl::StrCat(at, ".reward[", k++, "]"), group->add_reward());
      if (!st.ok()) return st;
    } else {
      rest.append(f.whole.data(), f.whole.size());
    }
  }
  if (!ParseAt(rest, 1, group)) return Malformed(at, "reward.v1.Group");
  if (!group_error.ok()) (*errors)[g] = group_error;
  return absl::OkStatus();
}

}  // namespace

DecodedRequest DecodeScoreRequest(absl::string_view bytes) {
  DecodedRequest out;
  if (ParseAt(bytes, 0, out.request.get())) return out;
  // Protobuf refused something (and has logged it once); find what, without
  // a log line for every attempt.
  google::protobuf::LogSilencer quiet;
  out.request->Clear();
  std::vector<Field> fields;
  if (!SplitFields(bytes, &fields)) {
    out.status = Malformed("request", "reward.v1.ScoreRequest");
    return out;
  }
  // The request's own fields first, so that a stream's error answer can
  // carry its request_id.
  std::string rest;
  for (const Field& f : fields) {
    if (!(f.length_delimited && (f.number == ScoreRequest::kGroupsFieldNumber ||
                                 f.number == ScoreRequest::kRewardFieldNumber))) {
      rest.append(f.whole.data(), f.whole.size());
    }
  }
  if (!ParseAt(rest, 0, out.request.get())) {
    out.request->Clear();
    out.status = Malformed("request", "reward.v1.ScoreRequest");
    return out;
  }
  int g = 0, k = 0;
  for (const Field& f : fields) {
    if (!f.length_delimited) continue;
    absl::Status st;
    if (f.number == ScoreRequest::kGroupsFieldNumber) {
      st = DecodeGroup(f.payload, g, out.request->add_groups(), &out.group_errors);
      ++g;
    } else if (f.number == ScoreRequest::kRewardFieldNumber) {
      st = DecodeTerm(f.payload, 1, absl::StrCat("reward[", k++, "]"), out.request->add_reward());
    }
    if (!st.ok()) {
      const std::string request_id = out.request->request_id();
      out.request->Clear();
      out.request->set_request_id(request_id);
      out.group_errors.clear();
      out.status = st;
      return out;
    }
  }
  return out;
}

}  // namespace server
