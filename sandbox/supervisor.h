// The runner's side of a run: starts it through the spawner (its pipes, its
// cgroups, its user mapping, then its request), supervises it (stdin in,
// stdout and stderr out, the wall clock, the output cap, the client going
// away), and says how it ended. Single-threaded, like the runner.
//
//   sandbox::Supervisor s(spawner_ctl, /*watch_client=*/true);
//   RunResult r = s.Run(request);
//   if (s.spawner_gone()) ...   // this result is not to be trusted
#ifndef SANDBOX_SUPERVISOR_H_
#define SANDBOX_SUPERVISOR_H_

#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sandbox/cgroup.h"
#include "sandbox/limits.h"
#include "sandbox/sandbox.pb.h"
#include "sandbox/spawner.h"

namespace sandbox {

class Supervisor {
 public:
  // `spawner`: the control socket to the spawner (spawner.h), owned from
  // here on. `watch_client`: the runner's stdin is the client's (--serve);
  // it becoming readable during a run means the client is gone.
  Supervisor(int spawner, bool watch_client) : spawner_(spawner), watch_client_(watch_client) {}
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs `request`; its stdin is moved out (the run itself never receives
  // it, the program reads it from its pipe).
  v1::RunResult Run(v1::RunRequest& request);

  // The spawner is gone (every later run fails); the last result then is not
  // to be trusted.
  bool spawner_gone() const { return spawner_ < 0; }
  // The client closed the runner's stdin while a run was going.
  bool client_gone() const { return client_gone_; }
  // The control socket, or -1.
  int spawner() const { return spawner_; }

 private:
  // One run's state: its descriptors, clock, output and cgroups.
  struct Live {
    RunLimits limits;
    std::string input;
    pid_t pid = -1;
    int request_write = -1, setup_read = -1, stdin_write = -1, stdout_read = -1, stderr_read = -1;
    std::unique_ptr<RunCgroup> cgroup;
    std::chrono::steady_clock::time_point start, deadline;
    std::string out, err, setup_error;
    size_t in_sent = 0, out_total = 0, err_total = 0;
    bool killed_wall = false, killed_output = false, exited = false;
    double setup_ms = 0, wall_ms = 0;
    spawner::Exited ended;
  };

  // Spawns the run, puts it in its cgroups, maps its user and sends it its
  // request; a failure is the run's SETUP_FAILED reason.
  absl::Status Start(v1::RunRequest& request, Live* run);
  // Feeds stdin and reads the outputs until the run has ended and its pipes
  // are drained (briefly: descendants may hold them).
  void Supervise(Live* run);
  // The descriptors to wait on: the run's pipes, and while it runs the
  // control socket `ctl` and (serving) the client's stdin.
  std::vector<pollfd> PollSet(const Live& run, int ctl) const;
  // Moves data on one ready descriptor (stdin in, an output or the setup
  // pipe out), or notes the client going away (descriptor 0).
  void Transfer(Live* run, int fd);
  // Reads the spawner's report of the run's end.
  void Finish(Live* run);
  // How the run ended.
  v1::RunResult Result(Live* run) const;

  void KillRun();      // asks the spawner to kill the run; drops it if gone
  void DropSpawner();  // closes the control socket (the spawner exits at EOF)

  int spawner_;
  bool watch_client_;
  bool client_gone_ = false;
};

// A RunResult of outcome SETUP_FAILED with `why`.
v1::RunResult SetupFailed(const std::string& why);

}  // namespace sandbox

#endif  // SANDBOX_SUPERVISOR_H_
