#include "sandbox/ids.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#include "sandbox/errors.h"
#include "sandbox/io.h"

namespace sandbox {

absl::Status MapRunUser(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  auto map_ids = [&](uid_t uid, gid_t gid) {
    return WriteFile(proc + "/uid_map", "0 " + std::to_string(uid) + " 1\n") &&
           WriteFile(proc + "/setgroups", "deny") &&
           WriteFile(proc + "/gid_map", "0 " + std::to_string(gid) + " 1\n");
  };
  const uid_t run_id = 100000 + static_cast<uid_t>(getpid());
  if ((getuid() == 0 && map_ids(run_id, run_id)) || map_ids(getuid(), getgid())) return absl::OkStatus();
  return ErrnoError("user namespace mapping");
}

absl::Status BecomeMappedRoot() {
  if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) return ErrnoError("switch to the mapped user");
  // A run never outlives the process that reports on it.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return ErrnoError("parent death signal");
  return absl::OkStatus();
}

}  // namespace sandbox
