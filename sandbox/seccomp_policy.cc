#include "sandbox/seccomp_policy.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/socket.h>

#include <cstring>

namespace sandbox {

std::string InstallSeccompPolicy() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return "seccomp_init failed";
  static const char* kDenied[] = {
      "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
      "unshare", "setns", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "kexec_load",
      "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module", "swapon", "swapoff",
      "clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "acct", "quotactl", "userfaultfd",
      "open_by_handle_at", "name_to_handle_at", "fsopen", "fsmount", "move_mount", "open_tree",
  };
  std::string error;
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) error = std::string("seccomp rule ") + name;
  }
  // Sockets of any family but AF_UNIX (no network, no netlink, no raw packets).
  for (int nr : {SCMP_SYS(socket), SCMP_SYS(socketpair)}) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)) != 0) {
      error = "seccomp socket rule";
    }
  }
  if (error.empty()) {
    int rc = seccomp_load(ctx);
    if (rc != 0) error = std::string("seccomp_load: ") + std::strerror(-rc);
  }
  seccomp_release(ctx);
  return error;
}

}  // namespace sandbox
