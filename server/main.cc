// reward-server: flags only. See server/server.h for the wiring and
// proto/reward/v1/config.proto for the configuration.
#include <malloc.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "server/config.h"
#include "server/server.h"

ABSL_FLAG(std::string, config, "", "Config file: protobuf text format, or JSON if it ends in .json");
ABSL_FLAG(int, port, 0, "Port to listen on (overrides the config's listen_address port)");
ABSL_FLAG(int, http_port, 0,
          "Also serve HTTP/JSON on this port (POST /v1/score, GET /v1/verifiers, GET /healthz, POST /openrlhf, "
          "POST /slime); the host is the config's http_listen_address's, else listen_address's");
ABSL_FLAG(int, threads, 0, "Worker threads (overrides the config; default: number of cores)");

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
      "The reward service: reward-server [--config FILE] [--port N] [--http_port N] [--threads N]");
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
    std::string addr = config->listen_address();
    size_t colon = addr.rfind(':');
    config->set_listen_address(absl::StrCat(colon == std::string::npos ? addr : addr.substr(0, colon), ":", port));
  }
  if (int port = absl::GetFlag(FLAGS_http_port); port != 0) {
    if (port < 0 || port > 65535) {
      std::fprintf(stderr, "reward-server: --http_port must be in 1..65535\n");
      return 2;
    }
    const std::string& http = config->http_listen_address();
    std::string addr = http.empty() ? config->listen_address() : http;
    size_t colon = addr.rfind(':');
    config->set_http_listen_address(absl::StrCat(colon == std::string::npos ? addr : addr.substr(0, colon), ":", port));
  }
  if (int threads = absl::GetFlag(FLAGS_threads); threads != 0) {
    if (threads < 0 || threads > 1024) {
      std::fprintf(stderr, "reward-server: --threads must be in 1..1024\n");
      return 2;
    }
    config->set_threads(threads);
  }
  absl::Status st = server::RunServer(*config);
  if (!st.ok()) {
    std::fprintf(stderr, "reward-server: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}
