// libFuzzer target: the framing between the sandbox's client and
// `sandbox-runner --serve` (sandbox/io.h: a 4-byte little-endian length,
// then a serialized message). The input is a byte stream as either side
// might read it from its pipe, cut short anywhere: it is read frame by frame
// (ReadFrame) and each frame parsed the way the runner parses a RunRequest
// and the client a RunResult. Every frame read must survive a round trip
// through WriteFrame and ReadFrame unchanged.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "sandbox/io.h"
#include "sandbox/sandbox.pb.h"

namespace {

// A descriptor reading `bytes` from the start (a memory file, not a pipe:
// no writer thread, and nothing blocks at its end).
int FileWith(const std::string& bytes) {
  int fd = memfd_create("frames", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (!bytes.empty() && !sandbox::WriteAll(fd, bytes.data(), bytes.size())) std::abort();
  if (lseek(fd, 0, SEEK_SET) != 0) std::abort();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // protobuf logs each string field it refuses (invalid UTF-8): expected here.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  const int fd = FileWith(std::string(reinterpret_cast<const char*>(data), size));
  size_t consumed = 0;
  for (std::string frame; sandbox::ReadFrame(fd, &frame);) {
    consumed += 4 + frame.size();
    if (consumed > size) std::abort();
    sandbox::v1::RunRequest request;
    (void)request.ParseFromString(frame);
    sandbox::v1::RunResult result;
    (void)result.ParseFromString(frame);

    const int copy = memfd_create("copy", MFD_CLOEXEC);
    if (copy < 0 || !sandbox::WriteFrame(copy, frame) || lseek(copy, 0, SEEK_SET) != 0) std::abort();
    std::string back;
    if (!sandbox::ReadFrame(copy, &back) || back != frame) std::abort();
    close(copy);
  }
  close(fd);
  return 0;
}
