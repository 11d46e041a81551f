#include "rewards/params.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct Json(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

const std::vector<ParamSpec>& Specs() {
  static const auto* specs = new std::vector<ParamSpec>{
      ParamSpec::Enum("mode", {"strict", "tag_count"}, "strict", "mode"),
      ParamSpec::Enum("prefill", {"auto", "true", "false"}, "auto", "tri-state"),
      ParamSpec::String("pattern", "", "regex"),
      ParamSpec::Number("tol", 1e-6, 0, 1, "tolerance"),
      ParamSpec::Bool("multi", false, "flag"),
      ParamSpec::StringList("extract", {"answer_tag", "boxed"}, "rules"),
  };
  return *specs;
}

TEST(ParamsTest, DefaultsWhenAbsent) {
  auto p = ParseParams(Json("{}"), Specs());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->GetString("mode"), "strict");
  EXPECT_EQ(p->GetString("prefill"), "auto");
  EXPECT_EQ(p->GetString("pattern"), "");
  EXPECT_DOUBLE_EQ(p->GetNumber("tol"), 1e-6);
  EXPECT_FALSE(p->GetBool("multi"));
  EXPECT_THAT(p->GetStringList("extract"), ::testing::ElementsAre("answer_tag", "boxed"));
  EXPECT_FALSE(p->IsSet("mode"));
}

TEST(ParamsTest, GivenValuesWin) {
  auto p = ParseParams(
      Json(R"({"mode":"tag_count","prefill":true,"tol":0.5,"multi":true,"extract":["last_number"],"pattern":"a+"})"),
      Specs());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->GetString("mode"), "tag_count");
  EXPECT_EQ(p->GetString("prefill"), "true");  // a JSON bool for a true/false enum
  EXPECT_DOUBLE_EQ(p->GetNumber("tol"), 0.5);
  EXPECT_TRUE(p->GetBool("multi"));
  EXPECT_THAT(p->GetStringList("extract"), ::testing::ElementsAre("last_number"));
  EXPECT_TRUE(p->IsSet("mode"));
}

TEST(ParamsTest, LoneStringIsAListOfOne) {
  auto p = ParseParams(Json(R"({"extract":"boxed"})"), Specs());
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->GetStringList("extract"), ::testing::ElementsAre("boxed"));
}

TEST(ParamsTest, ErrorsNameTheParameter) {
  struct Case {
    std::string json;
    std::string want;
  };
  const Case kCases[] = {
      {R"({"mdoe":"strict"})", "unknown parameter 'mdoe' (known: mode, prefill, pattern, tol, multi, extract)"},
      {R"({"mode":"lenient"})", "parameter 'mode' must be one of strict|tag_count, got \"lenient\""},
      {R"({"mode":1})", "parameter 'mode' must be one of strict|tag_count, got 1"},
      {R"({"pattern":3})", "parameter 'pattern' must be a string, got 3"},
      {R"({"tol":"small"})", "parameter 'tol' must be a finite number"},
      {R"({"tol":2})", "parameter 'tol' must be a number in [0, 1], got 2"},
      {R"({"multi":"yes"})", "parameter 'multi' must be true or false"},
      {R"({"extract":[1,2]})", "parameter 'extract' must be a list of strings"},
      {R"({"mode":true})", "parameter 'mode' must be one of strict|tag_count"},
  };
  for (const Case& c : kCases) {
    auto p = ParseParams(Json(c.json), Specs());
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.want)) << c.json;
  }
}

TEST(ParamsTest, NullMeansDefault) {
  auto p = ParseParams(Json(R"({"mode":null})"), Specs());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->GetString("mode"), "strict");
}

TEST(ParamsTest, DescribesItself) {
  const auto& s = Specs();
  EXPECT_EQ(s[0].TypeName(), "enum(strict|tag_count)");
  EXPECT_EQ(s[0].DefaultJson(), "\"strict\"");
  EXPECT_EQ(s[3].TypeName(), "number");
  EXPECT_EQ(s[3].DefaultJson(), "1e-06");
  EXPECT_EQ(s[4].DefaultJson(), "false");
  EXPECT_EQ(s[5].TypeName(), "string_list");
  EXPECT_EQ(s[5].DefaultJson(), "[\"answer_tag\",\"boxed\"]");
}

}  // namespace
}  // namespace rewards
