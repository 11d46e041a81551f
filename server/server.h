// Wiring: worker pool, reward service, health and reflection services, the
// gRPC server, and graceful shutdown on SIGTERM/SIGINT.
#ifndef SERVER_SERVER_H_
#define SERVER_SERVER_H_

#include "absl/status/status.h"
#include "reward/v1/config.pb.h"

namespace server {

// Serves until SIGTERM or SIGINT, then stops accepting calls, lets the calls
// in flight finish (up to config.drain_seconds, when the rest are cancelled)
// and ends the process with status 0, without waiting for verifiers still
// busy with cancelled calls. Returns only an error to start. Must be called
// before any other thread starts: it blocks those signals for all threads.
absl::Status RunServer(const reward::v1::Config& config);

}  // namespace server

#endif  // SERVER_SERVER_H_
