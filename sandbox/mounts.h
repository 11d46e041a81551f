// A run's filesystem: a tmpfs root with read-only binds of /usr, /bin,
// /lib*, /sbin and the few /etc files programs load, a fresh /proc of the
// run's PID namespace, a /dev with null, zero, random and urandom, and a
// size-capped tmpfs /work (/tmp points there), the only writable place, with
// the request's files in it. Then the run pivots into it; the old root is
// detached and gone.
#ifndef SANDBOX_MOUNTS_H_
#define SANDBOX_MOUNTS_H_

#include "absl/status/status.h"
#include "sandbox/limits.h"
#include "sandbox/sandbox.pb.h"

namespace sandbox {

// In the run, inside its new mount namespace. Writes the request's files
// into /work and drops each file's content once written (the run's memory,
// and so its memory cgroup, holds a large binary once, in its tmpfs). Ends
// with the run in /work of its new root; any failed step refuses the run.
absl::Status BuildFilesystem(v1::RunRequest* request, const RunLimits& limits);

}  // namespace sandbox

#endif  // SANDBOX_MOUNTS_H_
