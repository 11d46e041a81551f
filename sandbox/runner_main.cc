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
// Layers, each refused rather than half-built when it fails:
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
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/io.h"
#include "sandbox/python_zygote.h"
#include "sandbox/sandbox.pb.h"
#include "sandbox/spawner.h"

namespace {

namespace python_zygote = sandbox::python_zygote;
namespace spawner = sandbox::spawner;
using sandbox::ReadFrame;
using sandbox::WriteAll;
using sandbox::WriteFile;
using sandbox::WriteFrame;
using sandbox::v1::Limits;
using sandbox::v1::RunRequest;
using sandbox::v1::RunResult;

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// The control socket to the spawner; -1 once it is gone (every later run
// then fails, and --serve ends so that the client starts a fresh runner).
int g_spawner = -1;
void DropSpawner() {
  if (g_spawner >= 0) close(g_spawner);  // it exits at EOF
  g_spawner = -1;
}
// The client closed our stdin while a run was going (the server is gone):
// the run is killed and --serve ends.
bool g_client_gone = false;
// Serving framed requests (--serve): the only mode whose stdin is watched.
bool g_serving = false;

RunResult SetupFailed(const std::string& why) {
  RunResult r;
  r.set_outcome(RunResult::SETUP_FAILED);
  r.set_error(why);
  return r;
}

// Ends a run that never got its request, and says why.
RunResult Abandon(const std::string& why) {
  spawner::Exited ignored;
  if (!spawner::Kill(g_spawner) || !spawner::ReadExited(g_spawner, &ignored)) DropSpawner();
  return SetupFailed(why);
}

// Runs `req` (its stdin is moved out: the run itself never receives it, the
// program reads it from its pipe).
RunResult Run(RunRequest& req) {
  if (req.argv_size() == 0 || req.argv(0).empty() || req.argv(0)[0] != '/') {
    return SetupFailed("argv[0] must be an absolute path");
  }
  if (g_spawner < 0) return SetupFailed("the spawner is gone");
  const Limits& l = req.limits();
  const size_t max_out = l.max_output_bytes() ? l.max_output_bytes() : (1u << 20);
  const int wall_ms = l.wall_ms() ? static_cast<int>(l.wall_ms()) : 5000;
  const std::string input = std::move(*req.mutable_stdin());
  req.clear_stdin();

  // Python runs fork the spawner's warm interpreter (else they exec); a
  // trusted script is compiled there once.
  std::optional<python_zygote::WarmRun> warm = python_zygote::Plan(req);
  std::string script_name;
  if (warm) {
    if (const std::string* script = python_zygote::TrustedScript(req, *warm, &script_name)) {
      if (!spawner::Compile(g_spawner, script_name, *script)) DropSpawner();
    }
  }
  int request[2], err[2], in[2], out[2], errout[2];
  if (pipe2(request, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
      pipe2(errout, O_CLOEXEC)) {
    return SetupFailed(ErrnoText("pipe"));
  }
  spawner::Started started;
  const bool spawned =
      g_spawner >= 0 && spawner::Spawn(g_spawner, {request[0], err[1], in[0], out[1], errout[1]}, &started);
  // The run's clock starts at its clone: a fresh spawner's loading of the
  // interpreter, which the first Spawn waits for, is not the program's time.
  auto start = std::chrono::steady_clock::now();
  for (int fd : {request[0], err[1], in[0], out[1], errout[1]}) close(fd);  // the run's ends
  // Ours, when the run never gets going.
  auto close_ours = [&] {
    for (int fd : {request[1], err[0], in[1], out[0], errout[0]}) close(fd);
  };
  if (!spawned) {
    DropSpawner();
    close_ours();
    return SetupFailed("the spawner is gone");
  }
  const pid_t pid = started.pid;
  if (pid < 0) {
    close_ours();
    errno = started.error;
    return SetupFailed(ErrnoText("clone with new namespaces"));
  }
  // Before the child goes on: everything it starts is counted in the group.
  const long max_procs = l.max_processes() ? l.max_processes() : 32;
  const long long memory = (static_cast<long long>(l.memory_mb() ? l.memory_mb() : 256) +
                            (l.workdir_mb() ? l.workdir_mb() : 16)) << 20;
  sandbox::RunCgroup cgroup("run-" + std::to_string(getpid()) + "-" + std::to_string(pid), max_procs, memory);
  if (!cgroup.Add(pid)) {
    // Never a run outside its limits (it would count against the service's).
    close_ours();
    return Abandon(ErrnoText("add the run to its cgroups"));
  }

  // Map the sandbox's root to an unused user when we may (real root), else
  // to ourselves (an unprivileged runner, or one already inside a user
  // namespace, e.g. Bazel's test sandbox, where other users are not mapped).
  std::string proc = "/proc/" + std::to_string(pid);
  auto map_ids = [&](uid_t uid, gid_t gid) {
    return WriteFile(proc + "/uid_map", "0 " + std::to_string(uid) + " 1\n") &&
           WriteFile(proc + "/setgroups", "deny") &&
           WriteFile(proc + "/gid_map", "0 " + std::to_string(gid) + " 1\n");
  };
  // As root, each run gets a user of its own (100000 + the runner's pid,
  // unused by the system): its process limit (RLIMIT_NPROC counts per user)
  // is its own, so a fork bomb cannot starve concurrent runs, and runs cannot
  // signal each other.
  const uid_t run_id = 100000 + static_cast<uid_t>(getpid());
  bool mapped = (getuid() == 0 && map_ids(run_id, run_id)) || map_ids(getuid(), getgid());
  if (!mapped) {
    std::string why = ErrnoText("user namespace mapping");
    close_ours();
    return Abandon(why);
  }
  // The run's own request: it builds its sandbox from it. (A run that died
  // before reading it all gives EPIPE here; its end is reported below.)
  WriteFrame(request[1], req.SerializeAsString());
  close(request[1]);

  RunResult result;
  std::string out_buf, err_buf, setup_error;
  size_t in_sent = 0, out_total = 0, err_total = 0;
  int in_fd = in[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  int fds[3] = {out[0], errout[0], err[0]};
  bool killed_wall = false, killed_output = false, exited = false;
  spawner::Exited ended;
  // The wall clock counts from the program's start (the setup pipe closes):
  // building the sandbox, writing a large binary into it, is not the
  // program's time. Setup itself gets a bound of its own.
  constexpr int kSetupMs = 60000;
  auto deadline = start + std::chrono::milliseconds(kSetupMs + wall_ms);
  // The spawner reports the run's end on the control socket.
  auto finish = [&] {
    if (!spawner::ReadExited(g_spawner, &ended)) {
      DropSpawner();
      ended.status = SIGKILL;  // as killed: the spawner, and so the run, is gone
    }
    exited = true;
    result.set_wall_ms(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    // PID 1 is gone: the kernel kills the rest of the namespace. Drain what
    // they wrote, briefly.
    deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  };
  while (true) {
    std::vector<pollfd> p;
    for (int fd : fds) {
      if (fd >= 0) p.push_back({fd, POLLIN, 0});
    }
    if (in_fd >= 0) p.push_back({in_fd, POLLOUT, 0});
    if (p.empty() && exited) break;
    // The control socket as it is now (a failed Kill below may drop it).
    const int ctl = g_spawner;
    if (!exited) p.push_back({ctl, POLLIN, 0});
    // A client never writes while a run is going: our stdin becoming
    // readable means it closed it (the server exited).
    if (!exited && g_serving && !g_client_gone) p.push_back({0, POLLIN, 0});
    auto now = std::chrono::steady_clock::now();
    int timeout = exited ? 50 : static_cast<int>(std::max<long>(
                                    0, std::min<long>(20, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                              deadline - now).count())));
    int n = p.empty() ? (usleep(1000), 0) : poll(p.data(), p.size(), timeout);
    if (n < 0 && errno != EINTR) break;
    for (const pollfd& q : p) {
      if (q.revents == 0 || q.fd == ctl) continue;
      if (q.fd == 0) {
        g_client_gone = true;
        if (!spawner::Kill(g_spawner)) DropSpawner();
        continue;
      }
      if (q.fd == in_fd) {
        ssize_t w = write(in_fd, input.data() + in_sent, input.size() - in_sent);
        if (w > 0) in_sent += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) in_sent = input.size();
        if (in_sent >= input.size()) {
          close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t r = read(q.fd, buf, sizeof buf);
      int* slot = q.fd == fds[0] ? &fds[0] : q.fd == fds[1] ? &fds[1] : &fds[2];
      if (r <= 0) {
        close(q.fd);
        *slot = -1;
        // The setup pipe closes when the program starts (exec, or the warm
        // run begins): the sandbox's own cost.
        if (slot == &fds[2] && result.setup_ms() == 0) {
          const auto now = std::chrono::steady_clock::now();
          result.set_setup_ms(std::max(1e-3, std::chrono::duration<double, std::milli>(now - start).count()));
          if (!exited) deadline = now + std::chrono::milliseconds(wall_ms);
        }
        continue;
      }
      if (slot == &fds[2]) {
        setup_error.append(buf, r);
        continue;
      }
      std::string& dst = slot == &fds[0] ? out_buf : err_buf;
      size_t& total = slot == &fds[0] ? out_total : err_total;
      total += static_cast<size_t>(r);
      if (dst.size() < max_out) dst.append(buf, std::min(static_cast<size_t>(r), max_out - dst.size()));
      if (total > 4 * max_out && !killed_output && !exited) {
        killed_output = true;
        if (!spawner::Kill(g_spawner)) DropSpawner();
      }
    }
    if (!exited) {
      bool ended_now = false;
      for (const pollfd& q : p) ended_now = ended_now || (q.fd == ctl && q.revents != 0);
      if (ended_now || g_spawner < 0) {
        finish();
      } else if (std::chrono::steady_clock::now() >= deadline) {
        killed_wall = true;
        if (!spawner::Kill(g_spawner)) DropSpawner();
        finish();
      }
    } else if (std::chrono::steady_clock::now() >= deadline) {
      break;  // descendants still hold the pipes: stop reading
    }
  }
  if (!exited) {  // the loop failed: never leave a run behind
    if (!spawner::Kill(g_spawner)) DropSpawner();
    finish();
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (in_fd >= 0) close(in_fd);

  const int status = ended.status;
  const double cpu_ms = ended.cpu_ms;
  result.set_cpu_ms(cpu_ms);
  result.set_stdout(out_buf);
  result.set_stderr(err_buf);
  result.set_stdout_truncated(out_total > max_out);
  result.set_stderr_truncated(err_total > max_out);
  result.set_cgroup(cgroup.description());
  if (setup_error.size() == 1 && (setup_error[0] == spawner::kWarm || setup_error[0] == spawner::kWarmPrecompiled)) {
    result.set_warm(true);
    result.set_precompiled(setup_error[0] == spawner::kWarmPrecompiled);
    setup_error.clear();
  }
  if (!setup_error.empty()) {
    result.set_outcome(RunResult::SETUP_FAILED);
    result.set_error(setup_error);
  } else if (killed_output) {
    result.set_outcome(RunResult::OUTPUT_LIMIT);
  } else if (killed_wall) {
    result.set_outcome(RunResult::WALL_TIMEOUT);
  } else if (cgroup.OutOfMemory()) {
    result.set_outcome(RunResult::MEMORY_LIMIT);
    if (WIFSIGNALED(status)) result.set_signal(WTERMSIG(status));
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    result.set_signal(sig);
    bool cpu = sig == SIGXCPU || (sig == SIGKILL && cpu_ms >= l.cpu_ms());
    result.set_outcome(cpu ? RunResult::CPU_TIMEOUT : RunResult::SIGNALED);
  } else {
    result.set_outcome(RunResult::EXITED);
    result.set_exit_code(WEXITSTATUS(status));
  }
  return result;
}

}  // namespace

// --serve: a warm runner that stays alive and runs one request after another,
// each framed as a 4-byte little-endian length and the serialized message,
// so no run pays for starting this process. It is single-threaded, so it may
// clone; every run's descriptors are closed before the next.
int Serve() {
  g_serving = true;
  for (std::string input; ReadFrame(0, &input);) {
    RunRequest req;
    RunResult result = req.ParseFromString(input) ? Run(req) : SetupFailed("cannot parse the RunRequest");
    input.clear();
    if (g_client_gone) return 2;
    // Without its spawner the run's result is not to be trusted (and its
    // run died with it): no answer, so the client runs it again on a fresh
    // runner (sandbox.cc retries a runner that broke).
    if (g_spawner < 0) return 3;
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
  g_spawner = spawner::Start(argv, &spawner_pid);
  if (argc > 1 && std::strcmp(argv[1], "--serve") == 0) {
    const int rc = Serve();
    spawner::Stop(g_spawner, spawner_pid);  // no zombie left to a parent that does not reap
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
  RunResult result = req.ParseFromString(input) ? Run(req) : SetupFailed("cannot parse the RunRequest");
  std::string out = result.SerializeAsString();
  spawner::Stop(g_spawner, spawner_pid);
  return WriteAll(1, out.data(), out.size()) ? 0 : 2;
}
