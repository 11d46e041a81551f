// The clients' channel to one or several reward servers: address lists and
// DNS names spread over with round-robin load balancing, a retry policy on
// UNAVAILABLE (a replica dying or draining), TLS and bearer tokens.
#ifndef CLIENT_CHANNEL_H_
#define CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace client {

struct ChannelOptions {
  // "host:port"; "host1:port1,host2:port2" (each resolved, all used);
  // "dns:///name:port" (every address the name resolves to, re-resolved
  // when one fails: a Kubernetes headless Service).
  std::string address = "localhost:50051";
  bool tls = false;         // TLS with the system's roots (or tls_ca)
  std::string tls_ca;       // PEM CA bundle the server's certificate is checked against; implies tls
  std::string tls_cert;     // PEM client certificate and key (mutual TLS); imply tls
  std::string tls_key;
  std::string tls_server_name;  // the name checked in the server's certificate, if not the address's
  std::string token;        // bearer token sent with every call
  int max_attempts = 5;     // per call, retries on UNAVAILABLE included
};

// The service config: round robin over every address, and retries with
// exponential backoff on UNAVAILABLE (no server) and CANCELLED (a server
// shutting down before the call ran; this client never cancels its own
// calls). Scoring is idempotent.
std::string ServiceConfigJson(int max_attempts);

// The gRPC target of `address`: a list becomes "ipv4:a:p,b:q" (or ipv6:)
// after resolving each host; anything else is passed on as it is.
absl::StatusOr<std::string> TargetOf(const std::string& address);

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// Sets a call's deadline and its token.
void PrepareCall(const ChannelOptions& options, absl::Duration timeout, grpc::ClientContext* context);

// The first token of a token file (the server's format: one per line, #
// comments), or of $REWARD_TOKEN when `path` is empty.
absl::StatusOr<std::string> ReadToken(const std::string& path);

}  // namespace client

#endif  // CLIENT_CHANNEL_H_
