#include "rewards/batch.h"

#include "absl/strings/str_cat.h"
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

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

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

// The seed group under another id (group ids are unique in a request).
std::string SeedGroupAs(const std::string& id) {
  std::string group = kSeedGroup;
  return group.replace(group.find("q1"), 2, id);
}

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

// A negative weight is a penalty term (README): allowed, and it lowers the
// reward of the samples it scores, so advantages order them the other way.
TEST(BatchTest, NegativeWeightsArePenalties) {
  auto resp = ScoreAll(Request(std::string(R"({"groups":[)") + kSeedGroup +
                               R"(],"reward":[{"verifier":"format","weight":-0.5}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  const auto& g = resp->groups(0);
  std::vector<double> want = {-0.5, -0.5, 0, 0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(g.samples(i).reward(), want[i], 1e-12);
    EXPECT_DOUBLE_EQ(g.samples(i).components(0).weight(), -0.5);
    EXPECT_NEAR(g.samples(i).components(0).weighted(), want[i], 1e-12);
  }
  EXPECT_LT(g.samples(0).advantage(), 0);
  EXPECT_GT(g.samples(3).advantage(), 0);
  EXPECT_NEAR(g.mean(), -0.25, 1e-12);
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

TEST(BatchTest, LanguageTargetsTheModelCannotIdentifyAreGroupErrors) {
  auto resp = ScoreAll(Request(
      R"({"reward":[{"verifier":"language"}],"groups":[)"
      R"({"id":"ok","prompt":"Combien font 2 + 2 ?","reference":{"targetLanguage":"fr-CA"},)"
      R"("completions":[{"id":"a","text":"Nous additionnons deux et deux."}]},)"
      R"({"id":"bad","reference":{"targetLanguage":"xx-INVALID"},"completions":[{"id":"b","text":"x"}]},)"
      R"({"id":"unknown","reference":{"targetLanguage":"tlh"},"completions":[{"id":"c","text":"x"}]},)"
      R"({"id":"empty","prompt":"12 + 4","reference":{"targetLanguage":""},"completions":[{"id":"d","text":"x"}]}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).status(), "OK");
  EXPECT_DOUBLE_EQ(resp->groups(0).samples(0).reward(), 1);
  for (int g = 1; g <= 3; ++g) {
    EXPECT_EQ(resp->groups(g).status(), "INVALID_ARGUMENT") << g;
    EXPECT_THAT(resp->groups(g).error(), HasSubstr(absl::StrCat("groups[", g, "].reference: targetLanguage: ")));
    EXPECT_EQ(resp->groups(g).samples(0).status(), "INVALID_ARGUMENT");
  }
  EXPECT_THAT(resp->groups(1).error(), HasSubstr("\"xx-INVALID\" is not a language the model identifies"));
  EXPECT_THAT(resp->groups(2).error(), HasSubstr("\"tlh\" is not a language the model identifies (supported: af am ar"));
  EXPECT_THAT(resp->groups(3).error(), HasSubstr("targetLanguage: empty, and no language identified in the prompt"));
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
       "reward[0].verifier: unknown verifier 'nope' (known: code, format, language, length, math, test_length)"},
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
      // RE2 compiles a pattern on the request's thread and cannot be stopped:
      // a 1 KB pattern of adjacent a{2,1000} took it 25 s. Bounded first.
      {R"({"reward":[{"verifier":"format","params":{"pattern":")" + std::string(3000, 'a') + R"("}}],"groups":[)" +
           one + "]}",
       absl::StatusCode::kInvalidArgument, "reward[0].params: parameter 'pattern' is 3000 bytes, the limit is 2048"},
      {R"({"reward":[{"verifier":"format","params":{"pattern":")" + Repeat("a{2,1000}", 114) + R"("}}],"groups":[)" +
           one + "]}",
       absl::StatusCode::kInvalidArgument,
       "reward[0].params: parameter 'pattern': its counted repetitions ({n,m}) add up to 114000, the limit is 1000"},
      {R"({"reward":[{"verifier":"format","params":{"pattern":"a{1000}b{1}"}}],"groups":[)" + one + "]}",
       absl::StatusCode::kInvalidArgument, "add up to 1001, the limit is 1000"},
      // Clients match results by id.
      {R"({"groups":[)" + one + "," + R"({"id":"r","completions":[{"id":"a"}]},)" + one + "]}",
       absl::StatusCode::kInvalidArgument, "groups[2].id: duplicate group id 'q' (also groups[0].id)"},
      {R"({"groups":[{"id":"q","completions":[{"id":"a"},{"id":""},{"id":"b"},{"id":"a"}]}]})",
       absl::StatusCode::kInvalidArgument,
       "groups[0].completions[3].id: duplicate sample id 'a' (also groups[0].completions[0].id)"},
  };
  for (const Case& c : kCases) {
    auto resp = ScoreAll(Request(c.json));
    ASSERT_FALSE(resp.ok()) << c.json;
    EXPECT_EQ(resp.status().code(), c.code) << c.json << " -> " << resp.status();
    EXPECT_THAT(std::string(resp.status().message()), HasSubstr(c.want)) << c.json;
  }
}

TEST(BatchTest, EmptyIdsMayRepeatAndIdsMayRepeatAcrossGroups) {
  // Empty ids are matched by position; a sample id is unique within its group only.
  auto resp = ScoreAll(Request(R"({"reward":[{"verifier":"format"}],"groups":[
      {"completions":[{"text":"a"},{"text":"b"}]},{"completions":[{"text":"c"}]},
      {"id":"x","completions":[{"id":"a"}]},{"id":"y","completions":[{"id":"a"},{"id":""},{"id":""}]}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->groups_size(), 4);
  EXPECT_EQ(resp->groups(3).samples_size(), 3);
}

TEST(BatchTest, PatternsWithinTheLimitsCompile) {
  // Escaped braces, \Q...\E, \p{..}, \x{..} and classes are not repetitions.
  for (const char* pattern : {"a{1000}", "\\d{1,3}(,\\d{3})*", "\\{5000\\}", "\\Q{5000}\\E.*", "\\p{Greek}+",
                              "\\x{10FFFF}?", "[{5000}]+", "[]{5000}]+", "[[:alpha:]{5000}]+", "a{,5000}"}) {
    ScoreRequest req = Request(R"({"groups":[{"id":"q","completions":[{"id":"a","text":"t"}]}]})");
    auto* term = req.add_reward();
    term->set_verifier("format");
    (*term->mutable_params()->mutable_fields())["pattern"].set_string_value(pattern);
    auto resp = ScoreAll(req);
    EXPECT_TRUE(resp.ok()) << pattern << ": " << resp.status();
  }
}

// Validation runs on the request's thread: it polls `stop` before each group
// and gives up as soon as the call is over.
TEST(BatchTest, PrepareBatchStopsWhenTheCallIsOver) {
  auto req = std::make_shared<const ScoreRequest>(
      Request(std::string(R"({"groups":[)") + kSeedGroup + "," + SeedGroupAs("q2") + "," + SeedGroupAs("q3") + "]}"));
  int polled = 0;
  auto batch = PrepareBatch(req, Profiles(), Limits(), {}, [&] {
    return ++polled == 2 ? absl::DeadlineExceededError("deadline passed") : absl::OkStatus();
  });
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(polled, 2);
  polled = 0;
  batch = PrepareBatch(req, Profiles(), Limits(), {}, [&] {
    ++polled;
    return absl::OkStatus();
  });
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(polled, 3);
}

// The math verifier parses reference answers on the request's thread (a few
// ms per KB of hostile input): they are bounded.
TEST(BatchTest, OverlongReferenceAnswerFailsThatGroup) {
  ScoreRequest req =
      Request(std::string(R"({"profile":"r1_zero","groups":[)") + kSeedGroup + "," + SeedGroupAs("q2") + "]}");
  std::string pow;
  while (pow.size() < 20000) pow += "2^";
  req.mutable_groups(1)->mutable_reference()->set_answer("#### " + pow + "2");
  auto resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).status(), "OK");
  EXPECT_EQ(resp->groups(1).status(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(resp->groups(1).error(), "groups[1].reference: answer is 20001 bytes, the limit is 10000 (math)");
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

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A group scored by `format` whose reference carries one call test.
reward::v1::Group CallGroup(const std::string& id, const std::string& args, const std::string& expected) {
  reward::v1::Group g;
  g.set_id(id);
  auto* c = g.add_completions();
  c->set_id("a");
  c->set_text("<think>x</think><answer>1</answer>");
  auto* call = g.mutable_reference()->mutable_tests()->add_calls();
  call->set_function("f");
  call->set_args(args);
  call->set_expected(expected);
  return g;
}

// Review finding: args nested 30,000 deep (60 KB) kept a gRPC thread in
// protobuf's JSON parser for about a minute (100,000 deep: 6 CPU minutes),
// whatever the deadline. The JSON texts are bounded by a linear scan before
// any verifier parses them, and that group alone fails.
TEST(BatchTest, DeepJsonInCallsFailsThatGroupBeforeAnyParse) {
  ScoreRequest req;
  req.add_reward()->set_verifier("format");
  *req.add_groups() = CallGroup("ok", "[[1, [2]]]", "[[[3]]]");
  *req.add_groups() = CallGroup("args30k", Nested(30000), "1");
  *req.add_groups() = CallGroup("args100k", Nested(100000), "1");
  *req.add_groups() = CallGroup("expected", "[1]", Nested(30000));
  req.mutable_groups(3)->mutable_reference()->mutable_tests()->mutable_calls()->Add()->CopyFrom(
      req.groups(3).reference().tests().calls(0));
  req.mutable_groups(3)->mutable_reference()->mutable_tests()->mutable_calls(0)->set_expected("2");
  *req.add_groups() = CallGroup("at_limit", Nested(100), Nested(100));
  auto resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).status(), "OK");
  EXPECT_DOUBLE_EQ(resp->groups(0).samples(0).reward(), 1.0);
  EXPECT_EQ(resp->groups(1).status(), "INVALID_ARGUMENT");
  EXPECT_EQ(resp->groups(1).error(), "groups[1].reference.tests.calls[0].args: JSON nested deeper than 100 levels");
  EXPECT_EQ(resp->groups(1).samples(0).status(), "INVALID_ARGUMENT");
  EXPECT_EQ(resp->groups(2).error(), "groups[2].reference.tests.calls[0].args: JSON nested deeper than 100 levels");
  EXPECT_EQ(resp->groups(3).error(),
            "groups[3].reference.tests.calls[1].expected: JSON nested deeper than 100 levels");
  EXPECT_EQ(resp->groups(4).status(), "OK");  // 100 levels is within the limit
  EXPECT_DOUBLE_EQ(resp->groups(4).samples(0).reward(), 1.0);

  // The same with the code verifier, whose check of the texts never runs on
  // these; and with the depth configured lower.
  req.clear_reward();
  req.add_reward()->set_verifier("code");
  resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(1).error(), "groups[1].reference.tests.calls[0].args: JSON nested deeper than 100 levels");
  Limits limits;
  limits.max_json_depth = 2;
  resp = ScoreAll(req, limits);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).error(), "groups[0].reference.tests.calls[0].args: JSON nested deeper than 2 levels");
}

TEST(BatchTest, OversizedJsonInCallsFailsThatGroup) {
  ScoreRequest req;
  req.add_reward()->set_verifier("format");
  std::string big = "[" + std::string(1998, '1') + "]";  // 2000 bytes, flat
  *req.add_groups() = CallGroup("ok", "[1]", "1");
  *req.add_groups() = CallGroup("big_args", big, "1");
  *req.add_groups() = CallGroup("big_expected", "[1]", big);
  Limits limits;
  limits.max_json_bytes = 1000;
  auto resp = ScoreAll(req, limits);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).status(), "OK");
  EXPECT_EQ(resp->groups(1).status(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(resp->groups(1).error(), "groups[1].reference.tests.calls[0].args: 2000 bytes, the limit is 1000");
  EXPECT_EQ(resp->groups(2).error(), "groups[2].reference.tests.calls[0].expected: 2000 bytes, the limit is 1000");
  EXPECT_EQ(ScoreAll(req)->groups(1).status(), "OK");  // under the default 8 MiB
}

// Errors decoding the request's bytes (server/request_decoder.h) fail their
// group; the others are scored.
TEST(BatchTest, DecodeErrorsFailTheirGroup) {
  auto req = std::make_shared<const ScoreRequest>(Request(
      std::string(R"({"reward":[{"verifier":"format"}],"groups":[)") + kSeedGroup + "," + SeedGroupAs("q2") + "]}"));
  GroupErrors errors = {{1, absl::InvalidArgumentError("groups[1].reference.metadata: a key is not valid UTF-8")}};
  auto batch = PrepareBatch(req, Profiles(), Limits(), errors);
  ASSERT_TRUE(batch.ok()) << batch.status();
  auto resp = AssembleResponse(*batch, ScoreSerially(*batch));
  EXPECT_EQ(resp.groups(0).status(), "OK");
  EXPECT_DOUBLE_EQ(resp.groups(0).samples(0).reward(), 1.0);
  EXPECT_EQ(resp.groups(1).status(), "INVALID_ARGUMENT");
  EXPECT_EQ(resp.groups(1).error(), "groups[1].reference.metadata: a key is not valid UTF-8");
  EXPECT_EQ(resp.groups(1).samples(3).status(), "INVALID_ARGUMENT");
}

bool HasReplacementChar(const std::string& s) { return s.find("\xEF\xBF\xBD") != std::string::npos; }

// Review finding: group errors quoting client bytes were not made valid
// UTF-8, and 60-byte cuts could split a character. Every string of the
// response must be valid UTF-8 (proto3 readers and JSON printers refuse it
// otherwise).
TEST(BatchTest, ResponseStringsAreValidUtf8) {
  ScoreRequest req;
  req.add_reward()->set_verifier("code");
  // Invalid bytes quoted in group errors: a function name, args, a language.
  *req.add_groups() = CallGroup("fn", "[1]", "1");
  req.mutable_groups(0)->mutable_reference()->mutable_tests()->mutable_calls(0)->set_function("f\xff\xfe");
  *req.add_groups() = CallGroup("args", "[\"\xc0\xaf\"]", "1");
  *req.add_groups() = CallGroup("lang", "[1]", "1");
  req.mutable_groups(2)->mutable_reference()->mutable_tests()->set_language("py\xed\xa0\x80");
  // A quote cut at 60 bytes across a 4-byte emoji (bytes 57-60).
  *req.add_groups() = CallGroup("emoji", "[" + std::string(56, '1') + "🎉, oops]", "1");
  // A huge quoted name: the error is cut, once per group and per sample.
  *req.add_groups() = CallGroup("huge", "[1]", "1");
  req.mutable_groups(4)->mutable_reference()->mutable_tests()->set_language(std::string(1 << 20, 'x'));
  auto resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  for (const auto& g : resp->groups()) {
    EXPECT_EQ(g.status(), "INVALID_ARGUMENT") << g.id();
    EXPECT_TRUE(IsValidUtf8(g.error())) << g.id();
    EXPECT_LE(g.error().size(), kMaxMessageBytes) << g.id();
    for (const auto& s : g.samples()) {
      for (const auto& c : s.components()) {
        EXPECT_TRUE(IsValidUtf8(c.reason())) << g.id();
        EXPECT_LE(c.reason().size(), kMaxMessageBytes) << g.id();
      }
    }
  }
  EXPECT_EQ(resp->groups(0).error(),
            "groups[0].reference: tests.calls[0].function: 'f\xEF\xBF\xBD\xEF\xBF\xBD' is not a Python identifier (code)");
  EXPECT_EQ(resp->groups(1).error(), "groups[1].reference: tests.calls[0].args: '[\"\xEF\xBF\xBD\xEF\xBF\xBD\"]' "
                                     "is not a JSON array of arguments (code)");
  EXPECT_THAT(resp->groups(2).error(), HasSubstr("tests.language: 'py\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD'"));
  EXPECT_EQ(resp->groups(3).error(), "groups[3].reference: tests.calls[0].args: '[" + std::string(56, '1') +
                                         "...' is not a JSON array of arguments (code)");
  EXPECT_FALSE(HasReplacementChar(resp->groups(3).error()));
  EXPECT_THAT(resp->groups(4).error(), HasSubstr("tests.language: 'xxxxx"));

  // The math verifier quotes an unusable reference answer (40 bytes): cut
  // across a character (U+2212 minus at bytes 38-40), it ends before it.
  req = Request(std::string(R"({"profile":"r1_zero","groups":[)") + kSeedGroup + "]}");
  std::string answer = "1/(0+0+";  // division by zero
  for (int i = 0; i < 8; ++i) answer += "1−1+";
  answer += "0)";
  req.mutable_groups(0)->mutable_reference()->set_answer(answer);
  resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->groups(0).status(), "INVALID_ARGUMENT");
  EXPECT_THAT(resp->groups(0).error(), HasSubstr("answer \"" + answer.substr(0, 38) + "…\" is unusable"));
  EXPECT_TRUE(IsValidUtf8(resp->groups(0).error()));
  EXPECT_FALSE(HasReplacementChar(resp->groups(0).error()));
}

// A reason cut by a verifier (here math's 40-byte quote of a text answer)
// ends on a character boundary, not in U+FFFD.
TEST(BatchTest, ReasonCutAcrossAnEmoji) {
  ScoreRequest req = Request(
      R"({"reward":[{"verifier":"math"}],"groups":[{"id":"q","reference":{"answer":"\\text{yes}"},)"
      R"("completions":[{"id":"a","text":"x"}]}]})");
  req.mutable_groups(0)->mutable_completions(0)->set_text("<answer>\\text{" + std::string(30, 'y') + "🎉🎉🎉}</answer>");
  auto resp = ScoreAll(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  const std::string& reason = resp->groups(0).samples(0).components(0).reason();
  EXPECT_TRUE(IsValidUtf8(reason)) << reason;
  EXPECT_FALSE(HasReplacementChar(reason)) << reason;
  // 30 + 12 bytes: cut to 40 with "...", the second emoji is left out whole.
  EXPECT_EQ(reason, "\"" + std::string(30, 'y') + "🎉...\" ≠ \"yes\" (answer_tag, compared as text)");
}

}  // namespace
}  // namespace rewards

namespace rewards {
namespace {

// A group verifier (length, Kimi k1.5's length term) conditioned on another
// term's verdicts (math): short right answers gain, long wrong ones lose.
TEST(BatchTest, GroupTermsSeeTheirGroupAndTheVerdictsTheyNeed) {
  auto resp = ScoreAll(Request(R"({"groups":[{"id":"q","prompt":"2+3*4?",
      "reference":{"answer":"14"},
      "completions":[{"id":"short-right","text":"<answer>14</answer>"},
                     {"id":"long-right","text":"<think>3*4 is 12, plus 2 makes 14, checked twice</think><answer>14</answer>"},
                     {"id":"short-wrong","text":"<answer>20</answer>"},
                     {"id":"long-wrong","text":"<think>2+3 is 5, times 4 is 20, which I checked twice</think><answer>20</answer>"}]}],
      "reward":[{"verifier":"math"},{"verifier":"length","weight":0.5,"params":{"correctness":"math"}}]})"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  const auto& g = resp->groups(0);
  ASSERT_EQ(g.status(), "OK") << g.error();
  // Lengths 19 (shortest), 73, 19, 77 (longest): lambda 0.5, about -0.43,
  // 0.5, -0.5; right keeps lambda, wrong min(0, lambda).
  auto length = [&](int s) { return g.samples(s).components(1).score(); };
  EXPECT_DOUBLE_EQ(length(0), 0.5);
  EXPECT_LT(length(1), 0);
  EXPECT_DOUBLE_EQ(length(2), 0);
  EXPECT_DOUBLE_EQ(length(3), -0.5);
  EXPECT_THAT(g.samples(1).components(1).reason(), ::testing::HasSubstr("correct"));
  EXPECT_THAT(g.samples(3).components(1).reason(), ::testing::HasSubstr("wrong"));
  // The reward adds it with its weight: 1 + 0.5 * 0.5 for the short right answer.
  EXPECT_DOUBLE_EQ(g.samples(0).reward(), 1.25);
  EXPECT_DOUBLE_EQ(g.samples(3).reward(), -0.25);
}

TEST(BatchTest, AGroupTermNeedsItsVerifierInTheReward) {
  auto resp = ScoreAll(Request(std::string(R"({"groups":[)") + kSeedGroup +
                               R"(],"reward":[{"verifier":"format"},{"verifier":"length"}]})"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(resp.status().message()),
              ::testing::HasSubstr("reward[1].params.correctness: 'math' is not a per-sample term of this reward"));
}

}  // namespace
}  // namespace rewards
