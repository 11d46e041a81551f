#include "sandbox/limits.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "sandbox/errors.h"

namespace sandbox {

RunLimits ResolveLimits(const v1::Limits& l) {
  auto or_default = [](uint32_t v, int64_t d) { return v ? static_cast<int64_t>(v) : d; };
  RunLimits r;
  r.cpu_ms = l.cpu_ms();
  r.wall_ms = or_default(l.wall_ms(), 5000);
  r.memory_mb = or_default(l.memory_mb(), 256);
  r.file_size_mb = or_default(l.file_size_mb(), 16);
  r.workdir_mb = or_default(l.workdir_mb(), 16);
  r.max_files = or_default(l.max_files(), 64);
  r.max_processes = or_default(l.max_processes(), 32);
  r.max_output_bytes = or_default(l.max_output_bytes(), 1 << 20);
  r.max_stderr_bytes = std::min(r.max_output_bytes, or_default(l.max_stderr_bytes(), r.max_output_bytes));
  return r;
}

namespace {

absl::Status SetLimit(int resource, rlim_t soft, rlim_t hard, const char* name) {
  struct rlimit r = {soft, hard};
  if (setrlimit(resource, &r) != 0) return ErrnoError(std::string("setrlimit ") + name);
  return absl::OkStatus();
}

}  // namespace

absl::Status SetRlimits(const RunLimits& l, int64_t setup_cpu_ms) {
  rlim_t cpu_s = static_cast<rlim_t>((l.cpu_ms + setup_cpu_ms + 999) / 1000);
  if (cpu_s == 0) cpu_s = 1;
  const rlim_t mem = static_cast<rlim_t>(l.memory_mb) << 20;
  const rlim_t fsize = static_cast<rlim_t>(l.file_size_mb) << 20;
  const rlim_t files = static_cast<rlim_t>(l.max_files);
  const rlim_t procs = static_cast<rlim_t>(l.max_processes);
  absl::Status s = SetLimit(RLIMIT_CPU, cpu_s, cpu_s + 1, "cpu");
  if (s.ok()) s = SetLimit(RLIMIT_AS, mem, mem, "as");
  if (s.ok()) s = SetLimit(RLIMIT_FSIZE, fsize, fsize, "fsize");
  if (s.ok()) s = SetLimit(RLIMIT_NOFILE, files, files, "nofile");
  if (s.ok()) s = SetLimit(RLIMIT_NPROC, procs, procs, "nproc");
  if (s.ok()) s = SetLimit(RLIMIT_CORE, 0, 0, "core");
  return s;
}

absl::Status DropCapabilities() {
  if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                   SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED) != 0) {
    return ErrnoError("securebits");
  }
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &hdr, data) != 0) return ErrnoError("capset");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return ErrnoError("no_new_privs");
  return absl::OkStatus();
}

}  // namespace sandbox
