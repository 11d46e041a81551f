#include "server/request_decoder.h"

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace server {
namespace {

using ::testing::HasSubstr;
using reward::v1::ScoreRequest;

constexpr char kBad[] = "\xff\xfe\xc0\xaf";  // not UTF-8; as long as "QQQQ"

ScoreRequest Request(const std::string& json) {
  ScoreRequest r;
  auto st = google::protobuf::util::JsonStringToMessage(json, &r);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << json;
  return r;
}

// Serializes `req`, then puts invalid UTF-8 in place of every "QQQQ", as a
// client that does not validate its strings would send.
std::string WithBadBytes(const ScoreRequest& req) {
  return absl::StrReplaceAll(req.SerializeAsString(), {{"QQQQ", kBad}});
}

// A Value holding lists nested `depth` deep.
void Nest(google::protobuf::Value* v, int depth) {
  for (int i = 0; i < depth; ++i) v = v->mutable_list_value()->add_values();
  v->set_number_value(1);
}

const char kTwoGroups[] =
    R"({"requestId":"r7","reward":[{"verifier":"format"}],"groups":[)"
    R"({"id":"good","completions":[{"id":"a","text":"x"}],"reference":{"answer":"1","metadata":{"k":"v"}}},)"
    R"({"id":"bad","completions":[{"id":"b","text":"y"},{"id":"c","text":"z"}],)"
    R"("reference":{"answer":"2","metadata":{"QQQQ":"v"},"tests":{"io":[{"stdin":"1","stdout":"2"}]}}}]})";

TEST(RequestDecoderTest, AcceptedRequestsAreParsedAsProtobufWould) {
  ScoreRequest req = Request(kTwoGroups);
  DecodedRequest d = DecodeScoreRequest(req.SerializeAsString());
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_TRUE(d.group_errors.empty());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*d.request, req));
  // Invalid UTF-8 in proto2 strings (a completion) is the batch's business.
  req.mutable_groups(1)->mutable_reference()->clear_metadata();
  req.mutable_groups(0)->mutable_completions(0)->set_text("QQQQ");
  d = DecodeScoreRequest(WithBadBytes(req));
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_TRUE(d.group_errors.empty());
  EXPECT_EQ(d.request->groups(0).completions(0).text(), kBad);
}

TEST(RequestDecoderTest, InvalidUtf8InMetadataFailsThatGroupAlone) {
  const std::string bytes = WithBadBytes(Request(kTwoGroups));
  ASSERT_FALSE(ScoreRequest().ParseFromString(bytes));  // what gRPC would have done: fail the call
  DecodedRequest d = DecodeScoreRequest(bytes);
  ASSERT_TRUE(d.status.ok()) << d.status;
  ASSERT_EQ(d.request->groups_size(), 2);
  ASSERT_EQ(d.group_errors.size(), 1u);
  EXPECT_EQ(d.group_errors.at(1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.group_errors.at(1).message(), "groups[1].reference.metadata: a key is not valid UTF-8");
  // Everything else is decoded: the request's fields, the good group, and the
  // bad group's other fields (its samples are reported by id).
  EXPECT_EQ(d.request->request_id(), "r7");
  EXPECT_EQ(d.request->reward(0).verifier(), "format");
  EXPECT_EQ(d.request->groups(0).reference().metadata().fields().at("k").string_value(), "v");
  const auto& bad = d.request->groups(1);
  EXPECT_EQ(bad.id(), "bad");
  ASSERT_EQ(bad.completions_size(), 2);
  EXPECT_EQ(bad.completions(1).id(), "c");
  EXPECT_EQ(bad.reference().answer(), "2");
  EXPECT_EQ(bad.reference().tests().io(0).stdout(), "2");
  EXPECT_FALSE(bad.reference().has_metadata());
}

TEST(RequestDecoderTest, InvalidUtf8DeepInsideMetadata) {
  ScoreRequest req = Request(
      R"({"groups":[{"id":"g","completions":[{"text":"x"}],"reference":{"metadata":{"a":{"b":[1,"QQQQ"]}}}}]})");
  DecodedRequest d = DecodeScoreRequest(WithBadBytes(req));
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.group_errors.at(0).message(), "groups[0].reference.metadata: a string is not valid UTF-8");
}

// The salvage gives each part the recursion budget it has inside the
// request, so it accepts exactly what protobuf accepts; deeper metadata fails
// its group.
TEST(RequestDecoderTest, MetadataNestingAtProtobufsLimit) {
  int accepted = 0;
  for (int depth = 1; depth <= 60; ++depth) {
    ScoreRequest req = Request(R"({"groups":[{"id":"g","completions":[{"text":"x"}]},)"
                               R"({"id":"h","completions":[{"text":"y"}]}]})");
    Nest(&(*req.mutable_groups(1)->mutable_reference()->mutable_metadata()->mutable_fields())["k"], depth);
    const std::string bytes = req.SerializeAsString();
    const bool protobuf_accepts = ScoreRequest().ParseFromString(bytes);
    DecodedRequest d = DecodeScoreRequest(bytes);
    ASSERT_TRUE(d.status.ok()) << depth << ": " << d.status;
    EXPECT_EQ(d.group_errors.empty(), protobuf_accepts) << depth;
    if (protobuf_accepts) {
      accepted = depth;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*d.request, req)) << depth;
    } else {
      EXPECT_EQ(d.group_errors.at(1).message(),
                "groups[1].reference.metadata: nested deeper than protobuf's limit of 100 messages")
          << depth;
      EXPECT_EQ(d.request->groups(1).id(), "h");
    }
  }
  // request > group > reference > Struct > entry > Value, then 2 per level.
  EXPECT_EQ(accepted, 47);
}

std::string Varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}

// A length-delimited field: its tag byte (field number << 3 | 2), length, bytes.
std::string Field(char tag, const std::string& payload) { return tag + Varint(payload.size()) + payload; }

// The bytes of a Value holding lists nested `depth` deep (Value.list_value =
// 6, ListValue.values = 1), built without recursion: lengths from the inside
// out, then the heads written outermost first.
std::string DeepValueBytes(int depth) {
  std::vector<std::string> heads;
  uint64_t size = 0;  // the innermost Value is empty
  for (int i = 0; i < depth; ++i) {
    std::string list_head = "\x0a" + Varint(size);
    size += list_head.size();
    std::string value_head = "\x32" + Varint(size);
    size += value_head.size();
    heads.push_back(value_head + list_head);
  }
  std::string out;
  out.reserve(size);
  for (auto it = heads.rbegin(); it != heads.rend(); ++it) out += *it;
  return out;
}

TEST(RequestDecoderTest, HugeNestingIsRefusedInOnePass) {
  // groups[0].reference.metadata = {"k": [[[[...]]]]}, 200,000 levels (2.4 MB):
  // protobuf stops at its limit, and so does the salvage, which never recurses.
  const std::string entry = Field('\x0a', "k") + Field('\x12', DeepValueBytes(200000));  // key, value
  const std::string metadata = Field('\x0a', entry);                                     // Struct.fields
  const std::string reference = Field('\x0a', "14") + Field('\x1a', metadata);           // answer, metadata
  const std::string group =
      Field('\x0a', "g") + Field('\x1a', Field('\x12', "x")) + Field('\x22', reference);  // id, completion, ref
  const std::string request = Field('\x12', group) + Field('\x12', Field('\x0a', "h") + Field('\x1a', ""));
  ASSERT_FALSE(ScoreRequest().ParseFromString(request));
  DecodedRequest d = DecodeScoreRequest(request);
  ASSERT_TRUE(d.status.ok()) << d.status;
  ASSERT_EQ(d.group_errors.size(), 1u);
  EXPECT_EQ(d.group_errors.at(0).message(),
            "groups[0].reference.metadata: nested deeper than protobuf's limit of 100 messages");
  ASSERT_EQ(d.request->groups_size(), 2);
  EXPECT_EQ(d.request->groups(0).id(), "g");
  EXPECT_EQ(d.request->groups(0).reference().answer(), "14");
  EXPECT_EQ(d.request->groups(1).id(), "h");
}

TEST(RequestDecoderTest, RefusedParamsFailTheRequest) {
  ScoreRequest req = Request(
      R"({"requestId":"r8","reward":[{"verifier":"format"},{"verifier":"format","params":{"mode":"QQQQ"}}],)"
      R"("groups":[{"id":"g","completions":[{"text":"x"}]}]})");
  DecodedRequest d = DecodeScoreRequest(WithBadBytes(req));
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status.message(), "reward[1].params: a string is not valid UTF-8");
  EXPECT_EQ(d.request->request_id(), "r8");  // for a stream's error answer
  EXPECT_EQ(d.request->groups_size(), 0);

  req = Request(R"({"groups":[{"id":"g","completions":[{"text":"x"}]},)"
                R"({"id":"h","reward":[{"verifier":"format"}],"completions":[{"text":"x"}]}]})");
  Nest(&(*req.mutable_groups(1)->mutable_reward(0)->mutable_params()->mutable_fields())["pattern"], 60);
  d = DecodeScoreRequest(req.SerializeAsString());
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status.message(), "groups[1].reward[0].params: nested deeper than protobuf's limit of 100 messages");
}

TEST(RequestDecoderTest, BytesThatAreNotProtobuf) {
  DecodedRequest d = DecodeScoreRequest("\xff\xff\xff");
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status.message(), "request: not a valid reward.v1.ScoreRequest in protobuf's wire format");
  // A group whose own bytes are broken: field 1 (id) claims 127 bytes.
  d = DecodeScoreRequest(std::string("\x0a\x02id\x12\x03\x0a\x7f\x41", 9));
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status.message(), "groups[0]: not a valid reward.v1.Group in protobuf's wire format");
  EXPECT_EQ(d.request->request_id(), "id");
  // An empty message is a valid (empty) request; the batch rejects it.
  d = DecodeScoreRequest("");
  EXPECT_TRUE(d.status.ok());
}

}  // namespace
}  // namespace server
