// Wiring: worker pool, reward service, health and reflection services, the
// gRPC server, and graceful shutdown on SIGTERM/SIGINT.
#ifndef SERVER_SERVER_H_
#define SERVER_SERVER_H_

#include "absl/status/status.h"
#include "reward/v1/config.pb.h"

namespace server {

// Serves until SIGTERM or SIGINT, then stops accepting calls, lets the calls
// in flight finish (up to config.drain_seconds), and returns. Must be called
// before any other thread starts: it blocks those signals for all threads.
absl::Status RunServer(const reward::v1::Config& config);

}  // namespace server

#endif  // SERVER_SERVER_H_
