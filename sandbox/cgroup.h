// A cgroup per run, where the machine lets us make one: the pids controller
// caps processes and threads whatever the user (so concurrent runs, or an
// unprivileged server's own threads, do not share a count), and the memory
// controller caps resident memory, tmpfs included, of all the run's
// processes together (rlimits only bound each process), and the cpu
// controller gives every run the same CPU weight however many processes it
// starts (a run of thirty spinning processes gets no more CPU than a run of
// one). cgroup v1
// hierarchies (/sys/fs/cgroup/{pids,memory}, groups nested under the
// runner's own), a pure v2 one (/sys/fs/cgroup), or a hybrid layout's
// unified mount for controllers v1 lacks. When none is writable (an
// unprivileged container), nothing is made and the rlimits are the floor.
#ifndef SANDBOX_CGROUP_H_
#define SANDBOX_CGROUP_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sandbox {

// Removes the groups of earlier runs whose processes were still leaving when
// their RunCgroup went (retrying until `timeout`); the runner calls it before
// it exits. Returns how many are still there.
size_t RemovePendingCgroups(absl::Duration timeout);

class RunCgroup {
 public:
  // Makes ".../reward-sandbox/<name>" under each usable controller.
  RunCgroup(const std::string& name, long max_pids, long long memory_bytes);
  // Removes the groups; one whose processes are not all gone yet is removed
  // by a later run or RemovePendingCgroups.
  ~RunCgroup();

  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;

  // Moves `pid` (and so its future children) into every group made; an
  // error when any move failed.
  absl::Status Add(pid_t pid);
  // True when the memory controller killed a process for want of memory.
  bool OutOfMemory() const;
  // "pids+memory+cpu (v1)", "pids+memory+cpu (v2)", "pids+memory (v1), cpu (v2)", or ""
  // when none could be made.
  const std::string& description() const { return description_; }

 private:
  std::vector<std::string> dirs_;
  std::string memory_dir_;
  bool memory_v2_ = false;
  std::string description_;
};

}  // namespace sandbox

#endif  // SANDBOX_CGROUP_H_
