// The system calls a sandboxed program may not make.
#ifndef SANDBOX_SECCOMP_POLICY_H_
#define SANDBOX_SECCOMP_POLICY_H_

#include "absl/status/status.h"

namespace sandbox {

// Installs, in the calling process (inherited by its children and kept
// across exec), a seccomp-bpf filter that allows everything except:
// ptrace, process_vm_readv/writev, mount, umount2, pivot_root, chroot,
// unshare, setns, bpf, perf_event_open, keyctl, add_key, request_key,
// kexec_load, kexec_file_load, reboot, init_module, finit_module,
// delete_module, swapon, swapoff, clock_settime, clock_adjtime,
// settimeofday, adjtimex, acct, quotactl, userfaultfd, open_by_handle_at,
// name_to_handle_at, the new mount API, io_uring (it bypasses this filter),
// clone with any CLONE_NEW* flag, clone3 (ENOSYS: glibc falls back to
// clone), and socket()/socketpair() for any family but AF_UNIX. Denied calls
// fail with EPERM (sockets: EACCES). Requires no_new_privs.
absl::Status InstallSeccompPolicy();

}  // namespace sandbox

#endif  // SANDBOX_SECCOMP_POLICY_H_
