// The sandbox's one error convention: absl::Status, a failed system call
// described by what was attempted and errno's text ("mkdir /work: File
// exists"), the text a SETUP_FAILED result carries.
#ifndef SANDBOX_ERRORS_H_
#define SANDBOX_ERRORS_H_

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"

namespace sandbox {

// `what` and the current errno's text, as an INTERNAL status.
inline absl::Status ErrnoError(const std::string& what) {
  return absl::InternalError(what + ": " + std::strerror(errno));
}

}  // namespace sandbox

// Returns the status of `expr` from the enclosing function when it failed.
#define SANDBOX_RETURN_IF_ERROR(expr)    \
  do {                                   \
    absl::Status sandbox_status_ = (expr); \
    if (!sandbox_status_.ok()) return sandbox_status_; \
  } while (false)

#endif  // SANDBOX_ERRORS_H_
