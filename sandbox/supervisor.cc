#include "sandbox/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include "sandbox/errors.h"
#include "sandbox/ids.h"
#include "sandbox/io.h"
#include "sandbox/python_zygote.h"

namespace sandbox {

using Clock = std::chrono::steady_clock;
using v1::RunRequest;
using v1::RunResult;

namespace {

// Building the sandbox (writing a large binary into it) has a bound of its
// own; the wall clock counts from the program's start.
constexpr int kSetupMs = 60000;
// After the program (PID 1 of the run) ends, the rest of its namespace is
// killed by the kernel: what they wrote is drained this long.
constexpr int kDrainMs = 200;

double MsSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// A run can leave descriptors in flight in unix sockets no process will read
// again (a socket sent over itself: SCM_RIGHTS in a cycle). The kernel frees
// them only in its collection of such sockets, which the close of a unix
// socket starts; until then they count against the uid that every run of
// this runner shares (RLIMIT_NOFILE descriptors in flight), and the next
// run's judge could not pass its pipes (ETOOMANYREFS) and would time out: a
// sample scored 0 for another's program. So each run's end starts it.
void CollectUnreachableUnixSockets() {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
    close(pair[0]);
    close(pair[1]);
  }
}

}  // namespace

RunResult SetupFailed(const std::string& why) {
  RunResult r;
  r.set_outcome(RunResult::SETUP_FAILED);
  r.set_error(why);
  return r;
}

void Supervisor::DropSpawner() {
  if (spawner_ >= 0) close(spawner_);
  spawner_ = -1;
}

void Supervisor::KillRun() {
  if (!spawner::Kill(spawner_)) DropSpawner();
}

RunResult Supervisor::Run(RunRequest& req) {
  if (req.argv_size() == 0 || req.argv(0).empty() || req.argv(0)[0] != '/') {
    return SetupFailed("argv[0] must be an absolute path");
  }
  if (spawner_ < 0) return SetupFailed("the spawner is gone");
  Live run;
  run.limits = ResolveLimits(req.limits());
  run.input = std::move(*req.mutable_stdin());
  req.clear_stdin();
  absl::Status started = Start(req, &run);
  if (!started.ok()) return SetupFailed(std::string(started.message()));
  Supervise(&run);
  CollectUnreachableUnixSockets();
  return Result(&run);
}

absl::Status Supervisor::Start(RunRequest& req, Live* run) {
  // Python runs fork the spawner's warm interpreter (else they exec); a
  // trusted script is compiled there once.
  std::optional<python_zygote::WarmRun> warm = python_zygote::Plan(req);
  std::string script_name;
  if (warm) {
    if (const std::string* script = python_zygote::TrustedScript(req, *warm, &script_name)) {
      if (!spawner::Compile(spawner_, script_name, *script)) DropSpawner();
    }
  }
  int request[2], err[2], in[2], out[2], errout[2];
  if (pipe2(request, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
      pipe2(errout, O_CLOEXEC)) {
    return ErrnoError("pipe");
  }
  spawner::Started started;
  const bool spawned =
      spawner_ >= 0 && spawner::Spawn(spawner_, {request[0], err[1], in[0], out[1], errout[1]}, &started);
  // The run's clock starts at its clone: a fresh spawner's loading of the
  // interpreter, which the first Spawn waits for, is not the program's time.
  run->start = Clock::now();
  for (int fd : {request[0], err[1], in[0], out[1], errout[1]}) close(fd);  // the run's ends
  auto close_ours = [&] {
    for (int fd : {request[1], err[0], in[1], out[0], errout[0]}) close(fd);
  };
  // Ends a run that never got its request, with `why`.
  auto abandon = [&](absl::Status why) {
    close_ours();
    spawner::Exited ignored;
    if (!spawner::Kill(spawner_) || !spawner::ReadExited(spawner_, &ignored)) DropSpawner();
    return why;
  };
  if (!spawned) {
    DropSpawner();
    close_ours();
    return absl::InternalError("the spawner is gone");
  }
  if (started.pid < 0) {
    close_ours();
    errno = started.error;
    return ErrnoError("clone with new namespaces");
  }
  run->pid = started.pid;
  // Before the run goes on: everything it starts is counted in its groups
  // (never a run outside its limits: it would count against the service's).
  const long long memory = (run->limits.memory_mb + run->limits.workdir_mb) << 20;
  run->cgroup = std::make_unique<RunCgroup>("run-" + std::to_string(getpid()) + "-" + std::to_string(run->pid),
                                            run->limits.max_processes, memory);
  absl::Status s = run->cgroup->Add(run->pid);
  if (!s.ok()) return abandon(s);
  s = MapRunUser(run->pid);
  if (!s.ok()) return abandon(s);
  // The run's own request: it builds its sandbox from it. (A run that died
  // before reading it all gives EPIPE here; its end is reported later.)
  WriteFrame(request[1], req.SerializeAsString());
  close(request[1]);
  run->setup_read = err[0];
  run->stdout_read = out[0];
  run->stderr_read = errout[0];
  run->stdin_write = in[1];
  if (run->input.empty()) {
    close(run->stdin_write);
    run->stdin_write = -1;
  } else {
    fcntl(run->stdin_write, F_SETFL, O_NONBLOCK);
  }
  run->deadline = run->start + std::chrono::milliseconds(kSetupMs + run->limits.wall_ms);
  return absl::OkStatus();
}

void Supervisor::Finish(Live* run) {
  if (!spawner::ReadExited(spawner_, &run->ended)) {
    DropSpawner();
    run->ended.status = SIGKILL;  // as killed: the spawner, and so the run, is gone
  }
  run->exited = true;
  run->wall_ms = MsSince(run->start);
  run->deadline = Clock::now() + std::chrono::milliseconds(kDrainMs);
}

std::vector<pollfd> Supervisor::PollSet(const Live& run, int ctl) const {
  std::vector<pollfd> p;
  for (int fd : {run.stdout_read, run.stderr_read, run.setup_read}) {
    if (fd >= 0) p.push_back({fd, POLLIN, 0});
  }
  if (run.stdin_write >= 0) p.push_back({run.stdin_write, POLLOUT, 0});
  if (run.exited) return p;
  p.push_back({ctl, POLLIN, 0});
  // A client never writes while a run is going: our stdin becoming readable
  // means it closed it (the server exited).
  if (watch_client_ && !client_gone_) p.push_back({0, POLLIN, 0});
  return p;
}

void Supervisor::Transfer(Live* run, int fd) {
  if (fd == 0) {
    client_gone_ = true;
    KillRun();
    return;
  }
  if (fd == run->stdin_write) {
    ssize_t w = write(fd, run->input.data() + run->in_sent, run->input.size() - run->in_sent);
    if (w > 0) run->in_sent += static_cast<size_t>(w);
    if (w < 0 && errno != EAGAIN) run->in_sent = run->input.size();
    if (run->in_sent >= run->input.size()) {
      close(run->stdin_write);
      run->stdin_write = -1;
    }
    return;
  }
  char buf[65536];
  ssize_t r = read(fd, buf, sizeof buf);
  int* slot = fd == run->stdout_read ? &run->stdout_read : fd == run->stderr_read ? &run->stderr_read : &run->setup_read;
  if (r <= 0) {
    close(fd);
    *slot = -1;
    // The setup pipe closes when the program starts (exec, or the warm run
    // begins): the sandbox's own cost; the wall clock starts.
    if (slot == &run->setup_read && run->setup_ms == 0) {
      run->setup_ms = std::max(1e-3, MsSince(run->start));
      if (!run->exited) run->deadline = Clock::now() + std::chrono::milliseconds(run->limits.wall_ms);
    }
    return;
  }
  if (slot == &run->setup_read) {
    run->setup_error.append(buf, r);
    return;
  }
  const bool is_stdout = slot == &run->stdout_read;
  const size_t max_out =
      static_cast<size_t>(is_stdout ? run->limits.max_output_bytes : run->limits.max_stderr_bytes);
  std::string& dst = is_stdout ? run->out : run->err;
  size_t& total = is_stdout ? run->out_total : run->err_total;
  total += static_cast<size_t>(r);
  if (dst.size() < max_out) dst.append(buf, std::min(static_cast<size_t>(r), max_out - dst.size()));
  if (total > 4 * max_out && !run->killed_output && !run->exited) {
    run->killed_output = true;
    KillRun();
  }
}

void Supervisor::Supervise(Live* run) {
  while (true) {
    // The control socket as it is now (a failed Kill below may drop it).
    const int ctl = spawner_;
    std::vector<pollfd> p = PollSet(*run, ctl);
    if (p.empty() && run->exited) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(run->deadline - Clock::now()).count();
    const int timeout = run->exited ? 50 : static_cast<int>(std::max<long>(0, std::min<long>(20, left)));
    int n = p.empty() ? (usleep(1000), 0) : poll(p.data(), p.size(), timeout);
    if (n < 0 && errno != EINTR) break;
    bool ended_now = false;
    for (const pollfd& q : p) {
      if (q.revents == 0) continue;
      if (q.fd == ctl) {
        ended_now = !run->exited;
      } else {
        Transfer(run, q.fd);
      }
    }
    if (!run->exited) {
      if (ended_now || spawner_ < 0) {
        Finish(run);
      } else if (Clock::now() >= run->deadline) {
        run->killed_wall = true;
        KillRun();
        Finish(run);
      }
    } else if (Clock::now() >= run->deadline) {
      break;  // descendants still hold the pipes: stop reading
    }
  }
  if (!run->exited) {  // the loop failed: never leave a run behind
    KillRun();
    Finish(run);
  }
  for (int* fd : {&run->stdout_read, &run->stderr_read, &run->setup_read, &run->stdin_write}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

RunResult Supervisor::Result(Live* run) const {
  const size_t max_out = static_cast<size_t>(run->limits.max_output_bytes);
  RunResult result;
  const int status = run->ended.status;
  const double cpu_ms = run->ended.cpu_ms;
  result.set_wall_ms(run->wall_ms);
  result.set_setup_ms(run->setup_ms);
  result.set_cpu_ms(cpu_ms);
  result.set_stdout(run->out);
  result.set_stderr(run->err);
  result.set_stdout_truncated(run->out_total > max_out);
  result.set_stderr_truncated(run->err_total > static_cast<size_t>(run->limits.max_stderr_bytes));
  result.set_cgroup(run->cgroup->description());
  std::string& setup_error = run->setup_error;
  if (setup_error.size() == 1 && (setup_error[0] == spawner::kWarm || setup_error[0] == spawner::kWarmPrecompiled)) {
    result.set_warm(true);
    result.set_precompiled(setup_error[0] == spawner::kWarmPrecompiled);
    setup_error.clear();
  }
  if (!setup_error.empty()) {
    result.set_outcome(RunResult::SETUP_FAILED);
    result.set_error(setup_error);
  } else if (run->killed_output) {
    result.set_outcome(RunResult::OUTPUT_LIMIT);
  } else if (run->killed_wall) {
    result.set_outcome(RunResult::WALL_TIMEOUT);
  } else if (run->cgroup->OutOfMemory()) {
    result.set_outcome(RunResult::MEMORY_LIMIT);
    if (WIFSIGNALED(status)) result.set_signal(WTERMSIG(status));
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    result.set_signal(sig);
    bool cpu = sig == SIGXCPU || (sig == SIGKILL && cpu_ms >= run->limits.cpu_ms);
    result.set_outcome(cpu ? RunResult::CPU_TIMEOUT : RunResult::SIGNALED);
  } else {
    result.set_outcome(RunResult::EXITED);
    result.set_exit_code(WEXITSTATUS(status));
  }
  return result;
}

}  // namespace sandbox
