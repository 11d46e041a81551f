// The spawner: the one process every sandboxed run is forked from.
//
// sandbox-runner is two processes. The runner proper reads requests, feeds
// a run's stdin, collects its output and enforces the wall clock. Before it
// reads anything it forks the spawner, which loads the Python zygote
// (python_zygote.h) and from then on only forks runs on command. The spawner
// never receives a request, an input or an output: a run is a fork of a
// process that never held another run's data or a judge's secret, and
// receives its own request (argv, files, limits; never stdin) over a pipe
// after the fork. Its argv and environment pages are blanked too (no host
// path of the runner is left in memory to read).
//
//   runner                                  spawner
//   ------                                  -------
//   Compile(trusted script) --------------> compiled once, kept (public code)
//   Spawn(pipes) -------------------------> clone(new namespaces) -> child
//   <------------------------------------- Started{pid}
//   uid map, cgroup; request -> child's pipe (the child builds its sandbox)
//   ... stdin in, stdout/stderr out ...
//   Kill() (wall clock) ------------------> kill(pid)
//   <------------------------------------- Exited{status, cpu}
//
// Messages travel on a SOCK_SEQPACKET pair, pipes as SCM_RIGHTS.
#ifndef SANDBOX_SPAWNER_H_
#define SANDBOX_SPAWNER_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace sandbox {
namespace spawner {

// What a warm run writes alone on its setup pipe as the program starts (an
// exec'd run's pipe closes on exec with nothing written; anything else
// written there is a setup error).
constexpr char kWarm = 'W', kWarmPrecompiled = 'P';

// The descriptors a run is spawned with (the runner keeps the other ends).
struct RunPipes {
  int request_read;  // the run's RunRequest (a frame, sandbox/io.h), then EOF
  int error_write;   // setup errors; closed by exec or as a warm run starts
  int stdin_read, stdout_write, stderr_write;
};

struct Started {
  pid_t pid = -1;  // in the runner's PID namespace; -1 when clone failed
  int error = 0;   // errno of the failed clone
};

struct Exited {
  int status = 0;  // as from wait4
  double cpu_ms = 0;
};

// Forks the spawner. Call before reading anything: the spawner is a copy of
// the caller's memory at this point. `argv` (main's) lets it blank the
// command line and environment pages it inherited. Returns the runner's end
// of the control socket, or -1, and the spawner's pid.
int Start(char** argv, pid_t* pid);
// Closes the control socket and reaps the spawner (it exits at EOF).
void Stop(int ctl, pid_t pid);

// The runner's side of the protocol; each false means the spawner is gone.
bool Compile(int ctl, const std::string& name, const std::string& source);
bool Spawn(int ctl, const RunPipes& pipes, Started* started);
bool Kill(int ctl);
bool ReadExited(int ctl, Exited* exited);

}  // namespace spawner
}  // namespace sandbox

#endif  // SANDBOX_SPAWNER_H_
