// The server's configuration: a reward.v1.Config read from protobuf text
// format or JSON (no hand-written parser), with built-in defaults for every
// field, so that no file at all gives a working server.
#ifndef SERVER_CONFIG_H_
#define SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "reward/v1/config.pb.h"
#include "rewards/batch.h"

namespace server {

// Reads `path` (.json as JSON, anything else as text format) and fills in
// defaults. An empty path gives the built-in defaults. Errors name the file
// and the parser's message.
absl::StatusOr<reward::v1::Config> LoadConfig(const std::string& path);

// The checks of fields that depend on each other (tls), for a config changed
// after LoadConfig (by flags).
absl::Status CheckConfig(const reward::v1::Config& config);

// Fills every unset field with its default (listen address 0.0.0.0:50051,
// threads = cores, limits, default profile r1_zero, drain 30 s).
void ApplyDefaults(reward::v1::Config* config);

// The built-in profiles followed by the config's (which replace built-ins of
// the same name).
std::vector<reward::v1::Profile> AllProfiles(const reward::v1::Config& config);

rewards::Limits LimitsOf(const reward::v1::Config& config);
rewards::TimeoutOverrides TimeoutsOf(const reward::v1::Config& config);

}  // namespace server

#endif  // SERVER_CONFIG_H_
