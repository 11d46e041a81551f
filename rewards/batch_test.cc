#include "rewards/batch.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/verifier_testing.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;
using reward::v1::ScoreRequest;

// A test-only verifier: score = completion length / 10; needs reference.answer.
class LengthVerifier : public Verifier {
 public:
  Verdict Score(const SampleInput& in) const override {
    return Verdict::Ok(in.completion.size() / 10.0, "length");
  }
  absl::Status CheckReference(const reward::v1::Reference& ref) const override {
    if (ref.answer().empty()) return absl::InvalidArgumentError("answer is missing");
    return absl::OkStatus();
  }
};
constexpr char kLength[] = "test_length";
using LengthFactory = TestVerifierFactory<LengthVerifier, kLength>;
REGISTER_VERIFIER(LengthFactory);

ScoreRequest Request(const std::string& json) {
  ScoreRequest r;
  auto st = google::protobuf::util::JsonStringToMessage(json, &r);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << json;
  return r;
}

const char kSeedGroup[] =
    R"({"id":"q1","prompt":"What is 2 + 3 * 4?","completions":[)"
    R"({"id":"o1","text":"<think>2 + 3 = 5, 5 * 4 = 20</think>  <answer> 20</answer>"},)"
    R"({"id":"o2","text":"<think>3 * 4 = 12, 2 + 12 = 14</think> <answer>14</answer>"},)"
    R"({"id":"o3","text":"<answer>14</answer>"},)"
    R"({"id":"o4","text":"<think>...</think>  <answer> 7<answer>"}],"reference":{"answer":"14"}})";

ProfileRegistry Profiles() {
  reward::v1::Profile fmt;
  fmt.set_name("fmt");
  auto* t = fmt.add_terms();
  t->set_verifier("format");
  t->set_weight(0.1);
  reward::v1::Profile len;
  len.set_name("len");
  t = len.add_terms();
  t->set_verifier("test_length");
  t->set_weight(1);
  reward::v1::Profile broken;
  broken.set_name("broken");
  broken.add_terms()->set_verifier("no_such_verifier");
  std::vector<reward::v1::Profile> all = BuiltinProfiles();
  all.push_back(fmt);
  all.push_back(len);
  all.push_back(broken);
  return ProfileRegistry(all, "fmt", {});
}

absl::StatusOr<reward::v1::ScoreResponse> ScoreAll(const ScoreRequest& req, Limits limits = Limits()) {
  static const ProfileRegistry* profiles = new ProfileRegistry(Profiles());
  auto batch = PrepareBatch(std::make_shared<const ScoreRequest>(req), *profiles, limits);
  if (!batch.ok()) return batch.status();
  return AssembleResponse(*batch, ScoreSerially(*batch));
}

TEST(BatchTest, SeedFormatRewards) {
  auto resp = ScoreAll(Request(std::string(R"({"requestId":"r1","groups":[)") + kSeedGroup +
                          R"(],"reward":[{"verifier":"format","weight":0.1}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->request_id(), "r1");
  const auto& g = resp->groups(0);
  EXPECT_EQ(g.id(), "q1");
  EXPECT_EQ(g.status(), "OK");
  std::vector<double> want = {0.1, 0.1, 0, 0};
  std::vector<std::string> ids = {"o1", "o2", "o3", "o4"};
  for (int i = 0; i < 4; ++i) {
    const auto& s = g.samples(i);
    EXPECT_EQ(s.id(), ids[i]);
    EXPECT_NEAR(s.reward(), want[i], 1e-12);
    EXPECT_EQ(s.status(), "OK");
    ASSERT_EQ(s.components_size(), 1);
    EXPECT_EQ(s.components(0).verifier(), "format");
    EXPECT_NEAR(s.components(0).weighted(), want[i], 1e-12);
    EXPECT_DOUBLE_EQ(s.components(0).weight(), 0.1);
  }
  EXPECT_GT(g.samples(0).advantage(), 0);
  EXPECT_LT(g.samples(3).advantage(), 0);
  EXPECT_NEAR(g.mean(), 0.05, 1e-12);
  EXPECT_THAT(g.samples(3).components(0).reason(), HasSubstr("missing </answer>"));
}

TEST(BatchTest, DefaultProfileAndWeightOne) {
  auto resp = ScoreAll(Request(std::string(R"({"groups":[)") + kSeedGroup + "]}"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_DOUBLE_EQ(resp->groups(0).samples(0).reward(), 0.1);  // profile "fmt"
  resp = ScoreAll(Request(std::string(R"({"groups":[)") + kSeedGroup + R"(],"reward":[{"verifier":"format"}]})"));
  ASSERT_TRUE(resp.ok());
  EXPECT_DOUBLE_EQ(resp->groups(0).samples(0).reward(), 1.0);  // omitted weight = 1
}

TEST(BatchTest, GroupsMayOverrideTheRequest) {
  auto resp = ScoreAll(Request(
      R"({"profile":"fmt","groups":[)"
      R"({"id":"a","completions":[{"id":"x","text":"<think>a</think><answer>1</answer>"}]},)"
      R"({"id":"b","profile":"len","reference":{"answer":"1"},"completions":[{"id":"y","text":"0123456789"}]},)"
      R"({"id":"c","reward":[{"verifier":"format","params":{"mode":"tag_count"},"weight":2}],)"
      R"("completions":[{"id":"z","text":"<think>"}]}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_DOUBLE_EQ(resp->groups(0).samples(0).reward(), 0.1);
  EXPECT_DOUBLE_EQ(resp->groups(1).samples(0).reward(), 1.0);
  EXPECT_EQ(resp->groups(1).samples(0).components(0).verifier(), "test_length");
  EXPECT_DOUBLE_EQ(resp->groups(2).samples(0).reward(), 0.5);
}

TEST(BatchTest, BadSamplesAreMarkedNotDropped) {
  ScoreRequest req = Request(std::string(R"({"reward":[{"verifier":"format"}],"groups":[)") + kSeedGroup + "]}");
  auto* g = req.mutable_groups(0);
  g->mutable_completions(1)->set_text("<think>\xff\xfe</think><answer>14</answer>");
  g->mutable_completions(2)->set_text(std::string(2000, 'x'));
  Limits limits;
  limits.max_completion_bytes = 1000;
  auto resp = ScoreAll(req, limits);
  ASSERT_TRUE(resp.ok()) << resp.status();
  const auto& out = resp->groups(0);
  ASSERT_EQ(out.samples_size(), 4);
  EXPECT_EQ(out.samples(0).status(), "OK");
  EXPECT_EQ(out.samples(1).id(), "o2");
  EXPECT_EQ(out.samples(1).status(), "INVALID_UTF8");
  EXPECT_EQ(out.samples(1).components(0).status(), "INVALID_UTF8");
  EXPECT_EQ(out.samples(2).status(), "TOO_LONG");
  EXPECT_THAT(out.samples(2).components(0).reason(), HasSubstr("2000 bytes, the limit is 1000"));
  EXPECT_EQ(out.samples(1).reward(), 0);
  EXPECT_EQ(out.samples(1).advantage(), 0);
  // Statistics over o1 (1) and o4 (0) only.
  EXPECT_DOUBLE_EQ(out.mean(), 0.5);
  EXPECT_GT(out.samples(0).advantage(), 0);
  EXPECT_LT(out.samples(3).advantage(), 0);
}

TEST(BatchTest, InvalidUtf8IsReportedOnTheSampleForEveryVerifier) {
  ScoreRequest req = Request(std::string(R"({"profile":"r1","groups":[)") + kSeedGroup + "]}");
  req.mutable_groups(0)->mutable_completions(0)->set_text("<think>caf\xc3</think><answer>14</answer>");
  auto resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  const auto& s0 = resp->groups(0).samples(0);
  EXPECT_EQ(s0.status(), "INVALID_UTF8");
  ASSERT_EQ(s0.components_size(), 3);  // math, format, language
  for (const auto& c : s0.components()) EXPECT_EQ(c.status(), "INVALID_UTF8") << c.verifier();
  EXPECT_EQ(resp->groups(0).samples(1).status(), "OK");
  EXPECT_EQ(resp->groups(0).samples(1).components(2).verifier(), "language");
}

TEST(BatchTest, GroupLevelErrorsSpareOtherGroups) {
  auto resp = ScoreAll(Request(
      R"({"profile":"len","groups":[)"
      R"({"id":"ok","reference":{"answer":"1"},"completions":[{"id":"x","text":"abc"}]},)"
      R"({"id":"noref","completions":[{"id":"y","text":"abc"}]}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).status(), "OK");
  EXPECT_DOUBLE_EQ(resp->groups(0).samples(0).reward(), 0.3);
  EXPECT_EQ(resp->groups(1).status(), "INVALID_ARGUMENT");
  EXPECT_EQ(resp->groups(1).error(), "groups[1].reference: answer is missing (test_length)");
  EXPECT_EQ(resp->groups(1).samples(0).status(), "INVALID_ARGUMENT");
  EXPECT_EQ(resp->groups(1).samples(0).id(), "y");
}

TEST(BatchTest, MalformedRequestsNameTheField) {
  struct Case {
    std::string json;
    absl::StatusCode code;
    std::string want;
  };
  const std::string one = R"({"id":"q","completions":[{"id":"a","text":"t"}]})";
  const Case kCases[] = {
      {R"({"groups":[]})", absl::StatusCode::kInvalidArgument, "groups: the request has no groups"},
      {R"({"groups":[{"id":"q"}]})", absl::StatusCode::kInvalidArgument, "groups[0].completions: the group is empty"},
      {R"({"profile":"nope","groups":[)" + one + "]}", absl::StatusCode::kInvalidArgument,
       "profile: unknown profile 'nope' (known: broken, code, fmt, len, r1, r1_zero)"},
      {R"({"profile":"broken","groups":[)" + one + "]}", absl::StatusCode::kFailedPrecondition,
       "profile: 'broken' cannot be used on this server: terms[0].verifier: unknown verifier 'no_such_verifier'"},
      {R"({"reward":[{"verifier":"nope"}],"groups":[)" + one + "]}", absl::StatusCode::kInvalidArgument,
       "reward[0].verifier: unknown verifier 'nope' (known: code, format, language, math, test_length)"},
      {R"({"reward":[{"verifier":"format","params":{"bogus":1}}],"groups":[)" + one + "]}",
       absl::StatusCode::kInvalidArgument, "reward[0].params: unknown parameter 'bogus'"},
      {R"({"reward":[{"verifier":"format","params":{"pattern":"(("}}],"groups":[)" + one + "]}",
       absl::StatusCode::kInvalidArgument, "reward[0].params: parameter 'pattern' is not a valid RE2 pattern"},
      {R"({"reward":[{"verifier":"format"},{"verifier":"format"}],"groups":[)" + one + "]}",
       absl::StatusCode::kInvalidArgument, "reward[1].verifier: 'format' appears twice"},
      {R"({"profile":"fmt","reward":[{"verifier":"format"}],"groups":[)" + one + "]}",
       absl::StatusCode::kInvalidArgument, "profile, reward: set one, not both"},
      {R"({"groups":[{"id":"q","profile":"zzz","completions":[{"id":"a"}]}]})", absl::StatusCode::kInvalidArgument,
       "groups[0].profile: unknown profile 'zzz'"},
      {R"({"groups":[{"id":"q","reward":[{"verifier":"format","weight":1,"params":{"mode":"x"}}],"completions":[{"id":"a"}]}]})",
       absl::StatusCode::kInvalidArgument, "groups[0].reward[0].params: parameter 'mode' must be one of strict|tag_count"},
      {R"({"advantage":{"estimator":"ppo"},"groups":[)" + one + "]}", absl::StatusCode::kInvalidArgument,
       "advantage.estimator: unknown estimator 'ppo'"},
  };
  for (const Case& c : kCases) {
    auto resp = ScoreAll(Request(c.json));
    ASSERT_FALSE(resp.ok()) << c.json;
    EXPECT_EQ(resp.status().code(), c.code) << c.json << " -> " << resp.status();
    EXPECT_THAT(std::string(resp.status().message()), HasSubstr(c.want)) << c.json;
  }
}

TEST(BatchTest, LimitsAreResourceExhausted) {
  Limits limits;
  limits.max_groups = 1;
  auto resp = ScoreAll(Request(R"({"groups":[{"completions":[{"text":"a"}]},{"completions":[{"text":"b"}]}]})"), limits);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(resp.status().message()), HasSubstr("groups: 2 groups, the limit is 1"));
  limits = Limits();
  limits.max_completions_per_group = 1;
  resp = ScoreAll(Request(R"({"groups":[{"completions":[{"text":"a"},{"text":"b"}]}]})"), limits);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(resp.status().message()), HasSubstr("groups[0].completions: 2 completions, the limit is 1"));
}

TEST(BatchTest, InvalidUtf8Ids) {
  ScoreRequest req = Request(R"({"groups":[{"completions":[{"text":"a"}]}]})");
  req.mutable_groups(0)->mutable_completions(0)->set_id("\xc3");
  auto resp = ScoreAll(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_THAT(std::string(resp.status().message()), HasSubstr("groups[0].completions[0].id: not valid UTF-8"));
}

TEST(Utf8Test, ValidAndSanitized) {
  EXPECT_TRUE(IsValidUtf8("héllo 世界 🎉"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xe4\xb8"));       // truncated
  EXPECT_EQ(SanitizeUtf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(SanitizeUtf8("世界"), "世界");
}

}  // namespace
}  // namespace rewards
