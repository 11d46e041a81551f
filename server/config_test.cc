#include "server/config.h"

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace server {
namespace {

std::string Write(const std::string& name, const std::string& content) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << content;
  return path;
}

TEST(ConfigTest, BuiltInDefaults) {
  auto c = LoadConfig("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listen_address(), "0.0.0.0:50051");
  EXPECT_GE(c->threads(), 1u);
  EXPECT_EQ(c->default_profile(), "r1_zero");
  EXPECT_EQ(c->limits().max_request_bytes(), 64u << 20);
  EXPECT_EQ(c->limits().max_completions_per_group(), 1024u);
  EXPECT_EQ(LimitsOf(*c).max_json_bytes, 8u << 20);
  EXPECT_EQ(LimitsOf(*c).max_json_depth, 100u);
  auto names = AllProfiles(*c);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].name(), "r1_zero");
  EXPECT_EQ(names[0].terms(0).verifier(), "math");
  EXPECT_DOUBLE_EQ(names[0].terms(1).weight(), 0.1);
}

TEST(ConfigTest, AdmissionDefaultsToAPerThreadBound) {
  auto c = LoadConfig(Write("threads.textproto", "threads: 3\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->admission().max_pending_samples(), 3u * 4096);
  auto set = LoadConfig(Write("admission.textproto", "admission { max_pending_samples: 10 }\n"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->admission().max_pending_samples(), 10u);
}

TEST(ConfigTest, TlsFieldsThatGoTogether) {
  auto no_key = LoadConfig(Write("nokey.textproto", "tls { cert_file: \"c.pem\" }\n"));
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_key.status().message()), testing::HasSubstr("tls.cert_file and tls.key_file"));
  auto ca_alone = LoadConfig(Write("ca.textproto", "tls { client_ca_file: \"ca.pem\" }\n"));
  EXPECT_EQ(ca_alone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ca_alone.status().message()), testing::HasSubstr("tls.client_ca_file needs"));
  // Flags change a loaded config; CheckConfig applies the same rules.
  reward::v1::Config c;
  c.mutable_tls()->set_key_file("k.pem");
  EXPECT_EQ(CheckConfig(c).code(), absl::StatusCode::kInvalidArgument);
  c.mutable_tls()->set_cert_file("c.pem");
  EXPECT_TRUE(CheckConfig(c).ok());
}

TEST(ConfigTest, TextFormat) {
  auto c = LoadConfig(Write("c.textproto", R"(
    listen_address: "127.0.0.1:6000"
    threads: 3
    limits { max_completions_per_group: 64 max_json_depth: 20 max_json_bytes: 4096 }
    profiles { name: "strict_fmt" terms { verifier: "format" weight: 0.5 } }
    verifier_timeout_ms { key: "format" value: 20 }
  )"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen_address(), "127.0.0.1:6000");
  EXPECT_EQ(c->threads(), 3u);
  EXPECT_EQ(c->limits().max_completions_per_group(), 64u);
  EXPECT_EQ(c->limits().max_groups_per_request(), 4096u);  // default kept
  EXPECT_EQ(AllProfiles(*c).back().name(), "strict_fmt");
  EXPECT_EQ(TimeoutsOf(*c).at("format"), absl::Milliseconds(20));
  EXPECT_EQ(LimitsOf(*c).max_completions_per_group, 64u);
  EXPECT_EQ(LimitsOf(*c).max_json_depth, 20u);
  EXPECT_EQ(LimitsOf(*c).max_json_bytes, 4096u);
}

TEST(ConfigTest, Json) {
  auto c = LoadConfig(Write("c.json", R"({"threads": 5, "defaultProfile": "code"})"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->threads(), 5u);
  EXPECT_EQ(c->default_profile(), "code");
}

TEST(ConfigTest, ErrorsNameTheFileAndPlace) {
  auto c = LoadConfig(Write("bad.textproto", "threads: 2\nthreadz: 3\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), ::testing::HasSubstr("bad.textproto: line 2"));
  EXPECT_THAT(std::string(c.status().message()), ::testing::HasSubstr("threadz"));
  c = LoadConfig(Write("bad.json", "{\"threads\": \"many\"}"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), ::testing::HasSubstr("bad.json"));
  c = LoadConfig("/nonexistent/config.textproto");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  c = LoadConfig(Write("zero.textproto", "verifier_timeout_ms { key: \"format\" value: 0 }"));
  EXPECT_THAT(std::string(c.status().message()), ::testing::HasSubstr("must be > 0"));
}

}  // namespace
}  // namespace server
