// A run's resource limits: the defaults (written here, once), the rlimits the
// run sets on itself, and the capabilities it drops before the program.
//
//   RunLimits l = ResolveLimits(request.limits());   // defaults filled in
//   ... in the run, after its filesystem is built:
//   absl::Status s = SetRlimits(l, setup_cpu_ms);
//   if (s.ok()) s = DropCapabilities();
#ifndef SANDBOX_LIMITS_H_
#define SANDBOX_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "sandbox/sandbox.pb.h"

namespace sandbox {

// A RunRequest's limits with every unset (0) field at its default.
struct RunLimits {
  int64_t cpu_ms;            // default 0: RLIMIT_CPU of 1 s
  int64_t wall_ms;           // default 5,000
  int64_t memory_mb;         // default 256
  int64_t file_size_mb;      // default 16
  int64_t workdir_mb;        // default 16
  int64_t max_files;         // default 64
  int64_t max_processes;     // default 32
  int64_t max_output_bytes;  // default 1 MiB per stream
  int64_t max_stderr_bytes;  // default max_output_bytes
};

RunLimits ResolveLimits(const v1::Limits& limits);

// In the run: RLIMIT_CPU (the CPU the run already spent building its sandbox,
// `setup_cpu_ms`, added, not taken from the program), RLIMIT_AS,
// RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC, no core dumps.
absl::Status SetRlimits(const RunLimits& limits, int64_t setup_cpu_ms);

// In the run, last before seccomp: uid 0 of the namespace never regains
// capabilities on exec (securebits locked), the bounding set and every
// capability are dropped, and no_new_privs is set.
absl::Status DropCapabilities();

}  // namespace sandbox

#endif  // SANDBOX_LIMITS_H_
