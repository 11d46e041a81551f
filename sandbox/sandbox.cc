#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "sandbox/io.h"

namespace sandbox {
namespace {

constexpr size_t kMaxIdle = 64;
// How long a stopped runner may take to exit by itself before it is killed.
constexpr auto kStopGrace = std::chrono::seconds(2);

}  // namespace

Sandbox::~Sandbox() {
  std::lock_guard<std::mutex> lock(mu_);
  // All at once: each exits at EOF (removing the cgroups of runs whose
  // processes left late), within one shared grace.
  for (const Runner& r : idle_) {
    close(r.to);
    close(r.from);
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  for (const Runner& r : idle_) Reap(r.pid, deadline);
  idle_.clear();
}

absl::StatusOr<Sandbox::Runner> Sandbox::Start() const {
  // Writing to a runner that died must fail with EPIPE, not kill this
  // process: SIGPIPE is ignored process-wide (as servers do anyway).
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { signal(SIGPIPE, SIG_IGN); });
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  // The runner gets a session of its own, away from the server's process
  // group (signals to a group cross PID namespaces).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  // argv[0] is the program's name, not its path: every run is a fork of the
  // runner, and the path on the host once reached runs' memory (copies of
  // the argument area the runner's own code had read).
  char* argv[] = {const_cast<char*>("sandbox-runner"), const_cast<char*>("--serve"), nullptr};
  char* envp[] = {nullptr};
  Runner r;
  int rc = posix_spawn(&r.pid, runner_path_.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    return absl::InternalError(absl::StrCat("cannot start ", runner_path_, ": ", std::strerror(rc)));
  }
  r.to = to_child[1];
  r.from = from_child[0];
  return r;
}

void Sandbox::Reap(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  // A serving runner exits at EOF, after removing what cgroups its runs
  // left busy (sandbox/cgroup.h); killed at once, it left them for good
  // (the soak found one after the server's exit). Killed only past the grace.
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid, nullptr, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void Sandbox::Stop(const Runner& r) {
  close(r.to);  // a serving runner exits at EOF
  close(r.from);
  Reap(r.pid, std::chrono::steady_clock::now() + kStopGrace);
}

bool Sandbox::Exchange(const Runner& r, absl::string_view prefix, const std::string& request,
                       std::string* response) {
  return WriteFrame(r.to, prefix, request) && ReadFrame(r.from, response);
}

Sandbox::Stats Sandbox::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats stats;
  stats.busy = busy_;
  stats.idle = static_cast<int>(idle_.size());
  stats.runs = runs_;
  return stats;
}

absl::StatusOr<v1::RunResult> Sandbox::Run(const v1::RunRequest& request) const {
  return Run(request, absl::string_view());
}

absl::StatusOr<v1::RunResult> Sandbox::Run(const v1::RunRequest& request, absl::string_view prefix) const {
  absl::StatusOr<v1::RunResult> result = RunOnRunner(prefix, request);
  std::lock_guard<std::mutex> lock(mu_);
  ++runs_[result.ok() ? v1::RunResult::Outcome_Name(result->outcome()) : "RUNNER_FAILED"];
  return result;
}

absl::StatusOr<v1::RunResult> Sandbox::RunOnRunner(absl::string_view prefix, const v1::RunRequest& request) const {
  const std::string bytes = request.SerializeAsString();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++busy_;
  }
  struct Done {
    const Sandbox* box;
    ~Done() {
      std::lock_guard<std::mutex> lock(box->mu_);
      --box->busy_;
    }
  } done{this};
  // A warm runner if one is idle; a runner that breaks is replaced once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    Runner runner;
    bool have = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty() && attempt == 0) {
        runner = idle_.back();
        idle_.pop_back();
        have = true;
      }
    }
    if (!have) {
      absl::StatusOr<Runner> started = Start();
      if (!started.ok()) return started.status();
      runner = *started;
    }
    std::string response;
    if (!Exchange(runner, prefix, bytes, &response)) {
      Stop(runner);
      continue;
    }
    v1::RunResult result;
    if (!result.ParseFromString(response)) {
      Stop(runner);
      return absl::InternalError("sandbox runner answered nonsense");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(runner);
    } else {
      Stop(runner);
    }
    return result;
  }
  return absl::InternalError(absl::StrCat("sandbox runner ", runner_path_, " failed twice"));
}

Sandbox& SharedSandbox(const std::string& runner_path) {
  static std::mutex mu;
  static auto* boxes = new std::map<std::string, std::unique_ptr<Sandbox>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& box = (*boxes)[runner_path];
  if (!box) box = std::make_unique<Sandbox>(runner_path);
  return *box;
}

std::string RunnerBesideExecutable() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  self[n] = 0;
  std::string dir(self);
  dir.resize(dir.rfind('/') + 1);
  std::string path = dir + "sandbox-runner";
  return access(path.c_str(), X_OK) == 0 ? path : "";
}

}  // namespace sandbox
