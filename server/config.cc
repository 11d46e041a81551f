#include "server/config.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/reward_plan.h"

namespace server {
namespace {

// Collects the text-format parser's errors instead of logging them.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

}  // namespace

void ApplyDefaults(reward::v1::Config* c) {
  if (c->listen_address().empty()) c->set_listen_address("0.0.0.0:50051");
  if (c->http_deadline_seconds() == 0) c->set_http_deadline_seconds(600);
  if (c->threads() == 0) {
    unsigned n = std::thread::hardware_concurrency();
    c->set_threads(n == 0 ? 2 : n);
  }
  auto* l = c->mutable_limits();
  if (l->max_request_bytes() == 0) l->set_max_request_bytes(64ull << 20);
  if (l->max_completion_bytes() == 0) l->set_max_completion_bytes(1ull << 20);
  if (l->max_prompt_bytes() == 0) l->set_max_prompt_bytes(1ull << 20);
  if (l->max_groups_per_request() == 0) l->set_max_groups_per_request(4096);
  if (l->max_completions_per_group() == 0) l->set_max_completions_per_group(1024);
  if (l->max_json_bytes() == 0) l->set_max_json_bytes(8ull << 20);
  if (l->max_json_depth() == 0) l->set_max_json_depth(100);
  if (c->default_profile().empty()) c->set_default_profile("r1_zero");
  if (c->drain_seconds() == 0) c->set_drain_seconds(30);
  if (c->admission().max_pending_samples() == 0) {
    c->mutable_admission()->set_max_pending_samples(4096 * c->threads());
  }
}

absl::StatusOr<reward::v1::Config> LoadConfig(const std::string& path) {
  reward::v1::Config config;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("config ", path, ": cannot open"));
    std::stringstream buf;
    buf << in.rdbuf();
    if (absl::EndsWith(path, ".json")) {
      auto st = google::protobuf::util::JsonStringToMessage(buf.str(), &config);
      if (!st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", st.message().as_string()));
      }
    } else {
      google::protobuf::TextFormat::Parser parser;
      ErrorCollector errors;
      parser.RecordErrorsTo(&errors);
      if (!parser.ParseFromString(buf.str(), &config)) {
        return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", errors.first()));
      }
    }
  }
  ApplyDefaults(&config);
  for (const auto& [name, ms] : config.verifier_timeout_ms()) {
    if (ms == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("config: verifier_timeout_ms[\"", name, "\"] must be > 0"));
    }
  }
  if (absl::Status st = CheckConfig(config); !st.ok()) return st;
  for (const auto& p : config.profiles()) {
    if (p.name().empty()) return absl::InvalidArgumentError("config: a profile has no name");
  }
  return config;
}

absl::Status CheckConfig(const reward::v1::Config& config) {
  const auto& tls = config.tls();
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    return absl::InvalidArgumentError("config: tls.cert_file and tls.key_file go together");
  }
  if (!tls.client_ca_file().empty() && tls.cert_file().empty()) {
    return absl::InvalidArgumentError("config: tls.client_ca_file needs tls.cert_file and tls.key_file");
  }
  return absl::OkStatus();
}

std::vector<reward::v1::Profile> AllProfiles(const reward::v1::Config& config) {
  std::vector<reward::v1::Profile> out = rewards::BuiltinProfiles();
  for (const auto& p : config.profiles()) out.push_back(p);
  return out;
}

rewards::Limits LimitsOf(const reward::v1::Config& config) {
  rewards::Limits l;
  l.max_groups = config.limits().max_groups_per_request();
  l.max_completions_per_group = config.limits().max_completions_per_group();
  l.max_completion_bytes = config.limits().max_completion_bytes();
  l.max_prompt_bytes = config.limits().max_prompt_bytes();
  l.max_json_bytes = config.limits().max_json_bytes();
  l.max_json_depth = config.limits().max_json_depth();
  return l;
}

rewards::TimeoutOverrides TimeoutsOf(const reward::v1::Config& config) {
  rewards::TimeoutOverrides t;
  for (const auto& [name, ms] : config.verifier_timeout_ms()) t[name] = absl::Milliseconds(ms);
  return t;
}

}  // namespace server
