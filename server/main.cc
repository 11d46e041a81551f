// reward-server: flags only. See server/server.h for the wiring and
// proto/reward/v1/config.proto for the configuration.
#include <malloc.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "rewards/batch.h"
#include "server/config.h"
#include "server/server.h"

ABSL_FLAG(std::string, config, "", "Config file: protobuf text format, or JSON if it ends in .json");
ABSL_FLAG(int, port, 0, "Port to listen on (overrides the config's listen_address port)");
ABSL_FLAG(int, http_port, 0,
          "Also serve HTTP/JSON on this port (POST /v1/score, GET /v1/verifiers, GET /healthz, POST /openrlhf, "
          "POST /slime); the host is the config's http_listen_address's, else listen_address's");
ABSL_FLAG(int, threads, 0, "Worker threads (overrides the config; default: number of cores)");
ABSL_FLAG(int, metrics_port, 0,
          "Serve Prometheus metrics (GET /metrics) on this port; the host is the config's "
          "metrics_listen_address's, else listen_address's");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve gRPC over TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM CA bundle: require client certificates it signed (mutual TLS)");
ABSL_FLAG(std::string, token_file, "",
          "File of bearer tokens, one per line, re-read when it changes: calls (not health) need one");
ABSL_FLAG(bool, check_config, false,
          "Print the effective configuration (file, flags and defaults) in text format and exit: 0 when it is "
          "valid, 2 when not");
ABSL_FLAG(int, max_pending_samples, 0,
          "Admission bound: samples admitted and not yet answered (overrides the config; default 4096 per thread)");

namespace {

// `address` (host:port or host) with its port replaced.
std::string WithPort(const std::string& address, int port) {
  size_t colon = address.rfind(':');
  return absl::StrCat(colon == std::string::npos ? address : address.substr(0, colon), ":", port);
}

}  // namespace

int main(int argc, char** argv) {
  // Keep freed memory for the next request instead of handing it back to
  // the kernel. By default glibc serves blocks over its (adaptive) mmap
  // threshold with fresh mappings and trims the heaps' free tops, so every
  // request's megabytes (gRPC's read buffers, the decoded request, the
  // response) arrive on pages the kernel must fault in and zero again: at
  // r1_zero load that was about half of the server's CPU time (docs/timing.md).
  // Memory freed stays reusable, up to 256 MB of free top per heap; what
  // the process holds is still bounded by its peak use.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest (HEAP_MAX_SIZE / 2 on 64 bits)
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  absl::SetProgramUsageMessage(
      "The reward service: reward-server [--config FILE] [--port N] [--http_port N] [--metrics_port N] [--threads N] "
      "[--tls_cert F --tls_key F [--tls_client_ca F]] [--token_file F] [--max_pending_samples N]");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<reward::v1::Config> config = server::LoadConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) {
    std::fprintf(stderr, "reward-server: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  if (int port = absl::GetFlag(FLAGS_port); port != 0) {
    if (port < 0 || port > 65535) {
      std::fprintf(stderr, "reward-server: --port must be in 1..65535\n");
      return 2;
    }
    config->set_listen_address(WithPort(config->listen_address(), port));
  }
  if (int port = absl::GetFlag(FLAGS_http_port); port != 0) {
    if (port < 0 || port > 65535) {
      std::fprintf(stderr, "reward-server: --http_port must be in 1..65535\n");
      return 2;
    }
    const std::string& http = config->http_listen_address();
    config->set_http_listen_address(WithPort(http.empty() ? config->listen_address() : http, port));
  }
  if (int port = absl::GetFlag(FLAGS_metrics_port); port != 0) {
    if (port < 0 || port > 65535) {
      std::fprintf(stderr, "reward-server: --metrics_port must be in 1..65535\n");
      return 2;
    }
    const std::string& metrics = config->metrics_listen_address();
    config->set_metrics_listen_address(WithPort(metrics.empty() ? config->listen_address() : metrics, port));
  }
  if (std::string v = absl::GetFlag(FLAGS_tls_cert); !v.empty()) config->mutable_tls()->set_cert_file(v);
  if (std::string v = absl::GetFlag(FLAGS_tls_key); !v.empty()) config->mutable_tls()->set_key_file(v);
  if (std::string v = absl::GetFlag(FLAGS_tls_client_ca); !v.empty()) config->mutable_tls()->set_client_ca_file(v);
  if (std::string v = absl::GetFlag(FLAGS_token_file); !v.empty()) config->set_token_file(v);
  if (int n = absl::GetFlag(FLAGS_max_pending_samples); n != 0) {
    if (n < 0) {
      std::fprintf(stderr, "reward-server: --max_pending_samples must be > 0\n");
      return 2;
    }
    config->mutable_admission()->set_max_pending_samples(static_cast<uint32_t>(n));
  }
  if (absl::Status st = server::CheckConfig(*config); !st.ok()) {
    std::fprintf(stderr, "reward-server: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  if (int threads = absl::GetFlag(FLAGS_threads); threads != 0) {
    if (threads < 0 || threads > 1024) {
      std::fprintf(stderr, "reward-server: --threads must be in 1..1024\n");
      return 2;
    }
    config->set_threads(threads);
  }
  if (absl::GetFlag(FLAGS_check_config)) {
    // Every profile must build (verifiers known, parameters valid).
    rewards::ProfileRegistry profiles(server::AllProfiles(*config), config->default_profile(),
                                      server::TimeoutsOf(*config));
    for (const auto& p : profiles.profiles()) {
      if (auto plan = profiles.Find(p.name()); !plan.ok()) {
        std::fprintf(stderr, "reward-server: profile %s: %s\n", p.name().c_str(),
                     std::string(plan.status().message()).c_str());
        return 2;
      }
    }
    if (auto plan = profiles.Find(config->default_profile()); !plan.ok()) {
      std::fprintf(stderr, "reward-server: default_profile: %s\n", std::string(plan.status().message()).c_str());
      return 2;
    }
    std::string text;
    google::protobuf::TextFormat::PrintToString(*config, &text);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  absl::Status st = server::RunServer(*config);
  if (!st.ok()) {
    std::fprintf(stderr, "reward-server: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}
