#include "sandbox/seccomp_policy.h"

#include <errno.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

namespace sandbox {

absl::Status InstallSeccompPolicy() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  static const char* kDenied[] = {
      "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
      "unshare", "setns", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "kexec_load",
      "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module", "swapon", "swapoff",
      "clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "acct", "quotactl", "userfaultfd",
      "open_by_handle_at", "name_to_handle_at",
      // The mount API besides mount(2): nothing of it is needed by a program,
      // and without it no mount call reaches the kernel even if a capability
      // were ever left (fspick, fsconfig and mount_setattr once did).
      "fsopen", "fsmount", "move_mount", "open_tree", "fspick", "fsconfig", "mount_setattr",
      // Kernel surfaces no test program needs, denied by Docker's default
      // profile too.
      "kcmp", "modify_ldt", "ioperm", "iopl", "lookup_dcookie", "uselib", "vhangup", "nfsservctl",
      // io_uring performs socket(), openat() and more without passing through
      // this filter (IORING_OP_SOCKET made AF_INET sockets in a red-team run).
      "io_uring_setup", "io_uring_enter", "io_uring_register",
  };
  std::string error;
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) error = std::string("seccomp rule ") + name;
  }
#if defined(__x86_64__)
  // Newer than this libseccomp's table (Linux 6.8-6.15): statmount,
  // listmount, open_tree_attr, by their x86-64 numbers.
  for (int nr : {457, 458, 467}) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) error = "seccomp rule " + std::to_string(nr);
  }
#endif
  // Sockets of any family but AF_UNIX (no network, no netlink, no raw packets).
  for (int nr : {SCMP_SYS(socket), SCMP_SYS(socketpair)}) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)) != 0) {
      error = "seccomp socket rule";
    }
  }
  // No new namespaces: unshare and setns are denied above, and clone with
  // any CLONE_NEW* flag here (a program once made 1,125 user and network
  // namespaces, each with full capabilities inside, in 1.5 s). clone3 passes
  // its flags in memory, out of the filter's sight: it answers ENOSYS, and
  // glibc falls back to clone for threads.
  for (unsigned long flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS,
                             CLONE_NEWCGROUP}) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                         SCMP_A0_64(SCMP_CMP_MASKED_EQ, flag, flag)) != 0) {
      error = "seccomp clone rule";
    }
  }
  int clone3 = seccomp_syscall_resolve_name("clone3");
  if (clone3 != __NR_SCMP_ERROR && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3, 0) != 0) {
    error = "seccomp clone3 rule";
  }
  if (error.empty()) {
    int rc = seccomp_load(ctx);
    if (rc != 0) error = std::string("seccomp_load: ") + std::strerror(-rc);
  }
  seccomp_release(ctx);
  return error.empty() ? absl::OkStatus() : absl::InternalError(error);
}

}  // namespace sandbox
