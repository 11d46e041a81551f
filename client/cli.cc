// reward-cli: score JSONL files against a running reward-server, list its
// verifiers, check its health.
//
//   reward-cli score --input examples/r1_zero.jsonl --reward '[{"verifier":"format","weight":0.1}]'
//   reward-cli score --input - --profile r1_zero --json < groups.jsonl
//   reward-cli verifiers
//   reward-cli health
//
// Input: one group per line, in the API's JSON shape
//   {"id":"q1","prompt":"...","completions":[{"id":"o1","text":"..."}],"reference":{"answer":"14"}}
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/channel.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "reward/v1/reward.grpc.pb.h"

ABSL_FLAG(std::string, address, "localhost:50051",
          "Server address: host:port, several as host1:port1,host2:port2, or dns:///name:port (every "
          "address of the name); calls are spread round robin and retried on UNAVAILABLE");
ABSL_FLAG(bool, tls, false, "Connect with TLS (the system's CA roots unless --tls_ca)");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA bundle to check the server's certificate against (implies --tls)");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for servers that require one (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_server_name, "", "Name to check in the server's certificate, if not the address's");
ABSL_FLAG(std::string, token_file, "",
          "File whose first line is the bearer token to send (default: $REWARD_TOKEN, if set)");
ABSL_FLAG(double, timeout, 60, "Deadline of each call, in seconds");
ABSL_FLAG(std::string, input, "", "score: JSONL file of groups, or - for stdin");
ABSL_FLAG(std::string, profile, "", "score: the server's reward profile to use (e.g. r1_zero)");
ABSL_FLAG(std::string, reward, "",
          "score: reward terms as JSON, e.g. '[{\"verifier\":\"format\",\"weight\":0.1}]'");
ABSL_FLAG(std::string, advantage, "", "score: advantage estimator (grpo, dr_grpo, rloo, ...)");
ABSL_FLAG(bool, json, false, "score: print one JSON line per group instead of a table");
ABSL_FLAG(int, batch, 256, "score: groups per request");

namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonPrintOptions;

int Fail(const std::string& message, int code = 2) {
  std::fprintf(stderr, "reward-cli: %s\n", message.c_str());
  return code;
}

int FailRpc(const grpc::Status& st) {
  return Fail(absl::StrCat("server answered ", st.error_code(), " (",
                           absl::StatusCodeToString(static_cast<absl::StatusCode>(st.error_code())),
                           "): ", st.error_message()),
              1);
}

// The connection flags (client/channel.h); exits on a bad one.
const client::ChannelOptions& Options() {
  static const client::ChannelOptions* options = [] {
    auto* o = new client::ChannelOptions;
    o->address = absl::GetFlag(FLAGS_address);
    o->tls = absl::GetFlag(FLAGS_tls);
    o->tls_ca = absl::GetFlag(FLAGS_tls_ca);
    o->tls_cert = absl::GetFlag(FLAGS_tls_cert);
    o->tls_key = absl::GetFlag(FLAGS_tls_key);
    o->tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
    absl::StatusOr<std::string> token = client::ReadToken(absl::GetFlag(FLAGS_token_file));
    if (!token.ok()) std::exit(Fail(std::string(token.status().message())));
    o->token = *token;
    return o;
  }();
  return *options;
}

void SetDeadline(grpc::ClientContext* ctx) {
  client::PrepareCall(Options(), absl::Seconds(absl::GetFlag(FLAGS_timeout)), ctx);
}

std::shared_ptr<grpc::Channel> Connect() {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakeChannel(Options());
  if (!channel.ok()) std::exit(Fail(std::string(channel.status().message())));
  return *channel;
}

// One line of the table, cut to `width` display columns (UTF-8 aware).
std::string Clip(const std::string& s, size_t width) {
  std::string out;
  size_t cols = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    if (cols == width - 1 && i + len < s.size()) {
      out += "…";
      break;
    }
    std::string ch = s.substr(i, len);
    out += (ch == "\n" || ch == "\t") ? " " : ch;
    i += len;
    ++cols;
  }
  return out;
}

void PrintTable(const reward::v1::GroupResult& g, const std::string& estimator) {
  std::printf("group %s  mean %.4f  std %.4f  (%s)%s\n", g.id().c_str(), g.mean(), g.std(),
              estimator.c_str(), g.status() == "OK" ? "" : absl::StrCat("  ", g.status(), ": ", g.error()).c_str());
  std::printf("  %-10s %9s %10s  %-10s %7s %7s  %-14s %s\n", "sample", "reward", "advantage",
              "component", "score", "weight", "status", "reason");
  for (const auto& s : g.samples()) {
    bool first = true;
    for (const auto& c : s.components()) {
      std::string head = first ? absl::StrFormat("  %-10s %9.4f %+10.4f", Clip(s.id(), 10), s.reward(), s.advantage())
                               : absl::StrFormat("  %-10s %9s %10s", "", "", "");
      std::printf("%s  %-10s %7.4f %7.3g  %-14s %s\n", head.c_str(), c.verifier().c_str(), c.score(),
                  c.weight(), c.status().c_str(), Clip(c.reason(), 72).c_str());
      first = false;
    }
    if (s.components().empty()) {
      std::printf("  %-10s %9.4f %+10.4f  %s\n", Clip(s.id(), 10).c_str(), s.reward(), s.advantage(),
                  s.status().c_str());
    }
  }
  std::printf("\n");
}

int Score() {
  std::string input = absl::GetFlag(FLAGS_input);
  if (input.empty()) return Fail("score needs --input FILE.jsonl (or - for stdin)");
  if (!absl::GetFlag(FLAGS_profile).empty() && !absl::GetFlag(FLAGS_reward).empty()) {
    return Fail("give --profile or --reward, not both");
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input);
    if (!file) return Fail(absl::StrCat("cannot open ", input));
    in = &file;
  }

  reward::v1::ScoreRequest base;
  base.set_profile(absl::GetFlag(FLAGS_profile));
  if (!absl::GetFlag(FLAGS_reward).empty()) {
    auto st = google::protobuf::util::JsonStringToMessage(
        absl::StrCat("{\"reward\":", absl::GetFlag(FLAGS_reward), "}"), &base);
    if (!st.ok()) return Fail(absl::StrCat("--reward: ", st.message().as_string()));
  }
  if (!absl::GetFlag(FLAGS_advantage).empty()) {
    base.mutable_advantage()->set_estimator(absl::GetFlag(FLAGS_advantage));
  }
  std::string estimator = base.advantage().estimator().empty() ? "grpo" : base.advantage().estimator();

  std::vector<reward::v1::Group> groups;
  std::string line;
  for (int n = 1; std::getline(*in, line); ++n) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    reward::v1::Group g;
    JsonParseOptions opts;
    auto st = google::protobuf::util::JsonStringToMessage(line, &g, opts);
    if (!st.ok()) return Fail(absl::StrCat(input, " line ", n, ": ", st.message().as_string()));
    groups.push_back(std::move(g));
  }
  if (groups.empty()) return Fail(absl::StrCat(input, ": no groups"));

  auto stub = reward::v1::RewardService::NewStub(Connect());
  const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
  for (size_t start = 0; start < groups.size(); start += batch) {
    reward::v1::ScoreRequest req = base;
    req.set_request_id(absl::StrCat("cli-", start / batch));
    for (size_t i = start; i < groups.size() && i < start + batch; ++i) *req.add_groups() = groups[i];
    reward::v1::ScoreResponse resp;
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    grpc::Status st = stub->Score(&ctx, req, &resp);
    if (!st.ok()) return FailRpc(st);
    for (const auto& g : resp.groups()) {
      if (absl::GetFlag(FLAGS_json)) {
        std::string out;
        JsonPrintOptions opts;
        (void)google::protobuf::util::MessageToJsonString(g, &out, opts);
        std::printf("%s\n", out.c_str());
      } else {
        PrintTable(g, estimator);
      }
    }
  }
  return 0;
}

int Verifiers() {
  auto stub = reward::v1::RewardService::NewStub(Connect());
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  reward::v1::ListVerifiersResponse resp;
  grpc::Status st = stub->ListVerifiers(&ctx, reward::v1::ListVerifiersRequest(), &resp);
  if (!st.ok()) return FailRpc(st);
  if (absl::GetFlag(FLAGS_json)) {
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(resp, &out);
    std::printf("%s\n", out.c_str());
    return 0;
  }
  for (const auto& v : resp.verifiers()) {
    std::printf("%s  (budget %u ms)\n  %s\n", v.name().c_str(), v.timeout_ms(), v.description().c_str());
    for (const auto& p : v.params()) {
      std::printf("    %-16s %-28s default %-12s %s\n", p.name().c_str(), p.type().c_str(),
                  p.default_().c_str(), p.doc().c_str());
    }
    std::printf("\n");
  }
  std::printf("profiles (default %s):\n", resp.default_profile().c_str());
  for (const auto& p : resp.profiles()) {
    std::vector<std::string> terms;
    for (const auto& t : p.terms()) terms.push_back(absl::StrCat(t.verifier(), " ", t.weight()));
    std::printf("  %-10s %-40s %s\n", p.name().c_str(), absl::StrJoin(terms, " + ").c_str(),
                p.description().c_str());
  }
  return 0;
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Connect());
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) return FailRpc(st);
  std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()).c_str());
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "reward-cli score --input FILE.jsonl [--profile P | --reward JSON] [--advantage NAME] [--json]\n"
      "       reward-cli verifiers [--json]\n"
      "       reward-cli health\n"
      "common flags: --address host:port (default localhost:50051), --timeout seconds");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    return Fail(absl::StrCat("expected one command (score, verifiers, health); try --help"));
  }
  std::string cmd = args[1];
  if (cmd == "score") return Score();
  if (cmd == "verifiers") return Verifiers();
  if (cmd == "health") return Health();
  return Fail(absl::StrCat("unknown command '", cmd, "' (score, verifiers, health)"));
}
