// Who a run is: the user namespace's mapping, written by the runner, and the
// run's switch to the namespace's root, made by the run itself.
//
// As root, each run's namespace root is a user of its own (100000 + the
// runner's pid, unused by the system): its process limit (RLIMIT_NPROC
// counts per user) is its own, so a fork bomb cannot starve concurrent runs,
// and runs cannot signal each other. An unprivileged runner, or one already
// inside a user namespace (Bazel's test sandbox, where other users are not
// mapped), maps the run's root to itself.
#ifndef SANDBOX_IDS_H_
#define SANDBOX_IDS_H_

#include <sys/types.h>

#include "absl/status/status.h"

namespace sandbox {

// In the runner, for the run `pid` (in its new user namespace, not yet past
// reading its request): writes its uid_map, setgroups and gid_map.
absl::Status MapRunUser(pid_t pid);

// In the run, once mapped: becomes the namespace's root (files are created,
// and permissions checked, as the mapped user), and dies with its parent
// (set after the credential change, which clears it).
absl::Status BecomeMappedRoot();

}  // namespace sandbox

#endif  // SANDBOX_IDS_H_
