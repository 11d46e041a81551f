// Blocking descriptor I/O shared by the runner and its client, and the
// framing of `sandbox-runner --serve`: a 4-byte little-endian length, then
// the serialized message.
#ifndef SANDBOX_IO_H_
#define SANDBOX_IO_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace sandbox {

// Writes all n bytes (retrying on EINTR); false on error.
bool WriteAll(int fd, const char* data, size_t n);
// Reads exactly n bytes; false at EOF or on error.
bool ReadExactly(int fd, char* data, size_t n);
// Writes `content` to the existing file at `path` (a /proc or cgroup file).
bool WriteFile(const std::string& path, const std::string& content);
bool WriteFrame(int fd, const std::string& message);
// One frame of `head` followed by `tail`, without joining them in memory.
bool WriteFrame(int fd, absl::string_view head, absl::string_view tail);
// False at EOF, on error, or for a frame over 1 GiB.
bool ReadFrame(int fd, std::string* message);

}  // namespace sandbox

#endif  // SANDBOX_IO_H_
