// Bearer-token authentication: the tokens are read from a file and re-read
// whenever the file changes (its size, modification time or inode), so that
// tokens are rotated without a restart.
#ifndef SERVER_AUTH_H_
#define SERVER_AUTH_H_

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace server {

class TokenAuth {
 public:
  // Reads `path` (one token per line; blank lines and lines starting with #
  // are skipped). An unreadable file or one without tokens is an error.
  static absl::StatusOr<std::unique_ptr<TokenAuth>> Load(const std::string& path);

  // `authorization` is the request's authorization header/metadata value:
  // "Bearer <token>". UNAUTHENTICATED when it is missing, malformed or
  // not one of the tokens. Thread-safe.
  absl::Status Check(absl::string_view authorization);

 private:
  explicit TokenAuth(std::string path) : path_(std::move(path)) {}
  // Re-reads the file when it changed; keeps the old tokens when it cannot
  // be read (a rotation that replaces the file is not a window of refusals).
  absl::Status Refresh();

  const std::string path_;
  std::mutex mu_;
  std::set<std::string> tokens_;
  struct stat seen_ {};
};

// Parses a token file's text into its tokens.
std::set<std::string> ParseTokens(absl::string_view text);

}  // namespace server

#endif  // SERVER_AUTH_H_
