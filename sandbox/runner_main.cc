// sandbox-runner: runs untrusted programs in fresh namespaces and reports
// how they ended. Single-threaded, so it may fork; the multithreaded server
// never forks itself but spawns this binary (sandbox/sandbox.h).
//
// Protocol: a serialized sandbox.v1.RunRequest on stdin (until EOF), a
// serialized sandbox.v1.RunResult on stdout; or, with --serve, one framed
// request after another (see Serve).
//
// Two processes (sandbox/spawner.h): this one reads requests, feeds each
// run's stdin, collects its output and enforces the wall clock; the spawner,
// forked before any request is read, forks the runs. No run is the
// descendant of a process that held another run's request, input or output.
//
// Layers, each refused rather than half-built when it fails (the rooms:
// ids.h, mounts.h, limits.h, seccomp_policy.h, cgroup.h, chained in each run
// by spawner.cc; supervisor.h runs and watches it from this side):
//   namespaces  user (a fresh unused uid when run as root), PID (the program is
//               PID 1: when it ends, every descendant is killed), network
//               (no interface but a down loopback), mount, IPC, UTS, cgroup
//   mounts      a tmpfs root with read-only binds of /usr, /bin, /lib*, /sbin
//               and the few /etc files programs load; a fresh /proc; /dev
//               with null, zero, random, urandom; a size-capped tmpfs /work
//               as the only writable directory (/tmp points there)
//   limits      rlimits for CPU, address space, file size, open files,
//               processes; cgroups for processes, memory and a CPU share
//               (sandbox/cgroup.h); wall clock kill; output caps
//   seccomp     sandbox/seccomp_policy.h
// Then the program is exec'd, or, for `python3 -S` runs, run in the
// spawner's preloaded interpreter (sandbox/python_zygote.h): each run is a
// fork of it that pays no interpreter start.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/time/time.h"
#include "sandbox/cgroup.h"
#include "sandbox/io.h"
#include "sandbox/sandbox.pb.h"
#include "sandbox/spawner.h"
#include "sandbox/supervisor.h"

namespace {

using sandbox::ReadFrame;
using sandbox::SetupFailed;
using sandbox::Supervisor;
using sandbox::WriteAll;
using sandbox::WriteFrame;
using sandbox::v1::RunRequest;
using sandbox::v1::RunResult;

}  // namespace

// --serve: a warm runner that stays alive and runs one request after another,
// each framed as a 4-byte little-endian length and the serialized message,
// so no run pays for starting this process. It is single-threaded, so it may
// clone; every run's descriptors are closed before the next.
int Serve(Supervisor& supervisor) {
  for (std::string input; ReadFrame(0, &input);) {
    RunRequest req;
    RunResult result = req.ParseFromString(input) ? supervisor.Run(req) : SetupFailed("cannot parse the RunRequest");
    input.clear();
    // The client closed our stdin while a run was going (the server is
    // gone): the run was killed, and this ends.
    if (supervisor.client_gone()) return 2;
    // Without its spawner the run's result is not to be trusted (and its
    // run died with it): no answer, so the client runs it again on a fresh
    // runner (sandbox.cc retries a runner that broke).
    if (supervisor.spawner_gone()) return 3;
    if (!WriteFrame(1, result.SerializeAsString())) return 2;
  }
  return 0;  // the client closed
}

// Runs this binary again from an anonymous in-memory copy, so that no run
// can read the runner's path on the host (/proc/self/exe, the auxiliary
// vector's AT_EXECFN: a warm run is a fork of this process). Best effort: a
// kernel that refuses goes on as it is.
void ReexecFromMemory(char** argv) {
  char self[256];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = 0;
  if (std::strncmp(self, "/memfd:", 7) == 0) return;  // done already
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0) return;
  int copy = memfd_create("sandbox", MFD_CLOEXEC);
  bool ok = copy >= 0;
  char buf[65536];
  for (ssize_t r; ok && (r = read(src, buf, sizeof buf)) != 0;) {
    ok = r > 0 && WriteAll(copy, buf, static_cast<size_t>(r));
  }
  close(src);
  if (ok) fexecve(copy, argv, environ);
  if (copy >= 0) close(copy);
}

int main(int argc, char** argv) {
  ReexecFromMemory(argv);
  // A run that dies while its request or stdin is being written gives EPIPE.
  signal(SIGPIPE, SIG_IGN);
  // First of all, before any request is read: the spawner forks the runs.
  pid_t spawner_pid = -1;
  const int spawner = sandbox::spawner::Start(argv, &spawner_pid);
  const bool serve = argc > 1 && std::strcmp(argv[1], "--serve") == 0;
  // Only a serving runner's stdin is the client's, watched during runs.
  Supervisor supervisor(spawner, /*watch_client=*/serve);
  if (serve) {
    const int rc = Serve(supervisor);
    sandbox::spawner::Stop(supervisor.spawner(), spawner_pid);  // no zombie left to a parent that does not reap
    // A run killed as the client left may still have been leaving its groups.
    sandbox::RemovePendingCgroups(absl::Seconds(10));
    return rc;
  }
  std::string input;
  char buf[65536];
  for (ssize_t n; (n = read(0, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    input.append(buf, n);
  }
  RunRequest req;
  RunResult result = req.ParseFromString(input) ? supervisor.Run(req) : SetupFailed("cannot parse the RunRequest");
  std::string out = result.SerializeAsString();
  sandbox::spawner::Stop(supervisor.spawner(), spawner_pid);
  sandbox::RemovePendingCgroups(absl::Seconds(10));
  return WriteAll(1, out.data(), out.size()) ? 0 : 2;
}
