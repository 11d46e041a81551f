#include "client/channel.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace client {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(what, " ", path, ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// host:port (host may be [v6]) to the numeric addresses it resolves to.
absl::Status Resolve(absl::string_view hostport, std::vector<std::string>* v4, std::vector<std::string>* v6) {
  const size_t colon = hostport.rfind(':');
  if (colon == absl::string_view::npos || colon + 1 == hostport.size()) {
    return absl::InvalidArgumentError(absl::StrCat("address '", hostport, "': not host:port"));
  }
  std::string host(hostport.substr(0, colon));
  const std::string port(hostport.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(absl::StrCat("address '", hostport, "': ", gai_strerror(rc)));
  }
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
      v4->push_back(absl::StrCat(text, ":", port));
    } else if (a->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text, sizeof text);
      v6->push_back(absl::StrCat("[", text, "]:", port));
    }
  }
  freeaddrinfo(found);
  return absl::OkStatus();
}

}  // namespace

std::string ServiceConfigJson(int max_attempts) {
  return absl::StrCat(
      R"({"loadBalancingConfig":[{"round_robin":{}}],)"
      R"("methodConfig":[{"name":[{"service":"reward.v1.RewardService"},{"service":"grpc.health.v1.Health"}],)"
      R"("retryPolicy":{"maxAttempts":)",
      std::max(2, std::min(max_attempts, 5)),
      R"(,"initialBackoff":"0.05s","maxBackoff":"2s","backoffMultiplier":2,)"
      R"("retryableStatusCodes":["UNAVAILABLE","CANCELLED"]}}]})");
}

absl::StatusOr<std::string> TargetOf(const std::string& address) {
  if (address.empty()) return absl::InvalidArgumentError("address: empty");
  if (!absl::StrContains(address, ',') || absl::StrContains(address, "://") || absl::StartsWith(address, "ipv4:") ||
      absl::StartsWith(address, "ipv6:")) {
    return address;
  }
  std::vector<std::string> v4, v6;
  for (absl::string_view part : absl::StrSplit(address, ',', absl::SkipWhitespace())) {
    if (absl::Status st = Resolve(absl::StripAsciiWhitespace(part), &v4, &v6); !st.ok()) return st;
  }
  // One target holds one family; IPv4 where every host has it.
  if (!v4.empty()) return absl::StrCat("ipv4:", absl::StrJoin(v4, ","));
  return absl::StrCat("ipv6:", absl::StrJoin(v6, ","));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  absl::StatusOr<std::string> target = TargetOf(options.address);
  if (!target.ok()) return target.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(INT32_MAX);
  args.SetMaxSendMessageSize(INT32_MAX);
  args.SetServiceConfigJSON(ServiceConfigJson(options.max_attempts));
  // A retried call is resent from this buffer: room for a large batch
  // (gRPC's default of 256 KiB would make big requests unretriable).
  args.SetInt(GRPC_ARG_PER_RPC_RETRY_BUFFER_SIZE, 256 << 20);
  args.SetInt("grpc.retry_buffer_size", 1 << 30);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls || !options.tls_ca.empty() || !options.tls_cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca.empty()) {
      absl::StatusOr<std::string> ca = ReadFile(options.tls_ca, "--tls_ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
    }
    if (options.tls_cert.empty() != options.tls_key.empty()) {
      return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
    }
    if (!options.tls_cert.empty()) {
      absl::StatusOr<std::string> cert = ReadFile(options.tls_cert, "--tls_cert");
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFile(options.tls_key, "--tls_key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(*target, credentials, args);
}

void PrepareCall(const ChannelOptions& options, absl::Duration timeout, grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!options.token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", options.token));
}

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::string text;
  if (path.empty()) {
    const char* env = std::getenv("REWARD_TOKEN");
    return env == nullptr ? "" : std::string(absl::StripAsciiWhitespace(env));
  }
  absl::StatusOr<std::string> file = ReadFile(path, "--token_file");
  if (!file.ok()) return file.status();
  for (absl::string_view line : absl::StrSplit(*file, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty() && !absl::StartsWith(line, "#")) return std::string(line);
  }
  return absl::InvalidArgumentError(absl::StrCat("--token_file ", path, ": no token"));
}

}  // namespace client
