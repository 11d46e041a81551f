#include "sandbox/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace sandbox {

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool ReadExactly(int fd, char* data, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, data, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteFile(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = WriteAll(fd, content.data(), content.size());
  close(fd);
  return ok;
}

bool WriteFrame(int fd, const std::string& message) { return WriteFrame(fd, message, absl::string_view()); }

bool WriteFrame(int fd, absl::string_view head, absl::string_view tail) {
  uint32_t n = static_cast<uint32_t>(head.size() + tail.size());
  unsigned char length[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                             static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  return WriteAll(fd, reinterpret_cast<char*>(length), 4) && WriteAll(fd, head.data(), head.size()) &&
         WriteAll(fd, tail.data(), tail.size());
}

bool ReadFrame(int fd, std::string* message) {
  unsigned char head[4];
  if (!ReadExactly(fd, reinterpret_cast<char*>(head), 4)) return false;
  uint32_t n = head[0] | (head[1] << 8) | (head[2] << 16) | (uint32_t{head[3]} << 24);
  if (n > (1u << 30)) return false;
  // The buffer grows with the bytes that arrive (doubling, from 1 MiB), so a
  // length the stream does not back (a peer cut short) costs no more memory
  // than what came.
  message->clear();
  while (message->size() < n) {
    const size_t have = message->size();
    const size_t step = std::min<size_t>(n - have, std::max<size_t>(size_t{1} << 20, have));
    message->resize(have + step);
    if (!ReadExactly(fd, message->data() + have, step)) return false;
  }
  return true;
}

}  // namespace sandbox
