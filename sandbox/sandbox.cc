#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace sandbox {

absl::StatusOr<v1::RunResult> Sandbox::Run(const v1::RunRequest& request) const {
  std::string input = request.SerializeAsString();
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
  char* argv[] = {const_cast<char*>(runner_path_.c_str()), nullptr};
  char* envp[] = {nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, runner_path_.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    return absl::InternalError(absl::StrCat("cannot start ", runner_path_, ": ", std::strerror(rc)));
  }
  // Write the request and read the result together (either may fill a pipe).
  std::string output;
  size_t sent = 0;
  int in_fd = to_child[1], out_fd = from_child[0];
  fcntl(in_fd, F_SETFL, O_NONBLOCK);
  while (out_fd >= 0) {
    pollfd p[2];
    int n = 0;
    p[n++] = {out_fd, POLLIN, 0};
    if (in_fd >= 0) p[n++] = {in_fd, POLLOUT, 0};
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_fd >= 0 && p[1].revents) {
      ssize_t w = write(in_fd, input.data() + sent, input.size() - sent);
      if (w > 0) sent += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN) || sent == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    if (p[0].revents) {
      char buf[65536];
      ssize_t r = read(out_fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        close(out_fd);
        out_fd = -1;
      } else {
        output.append(buf, r);
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  v1::RunResult result;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !result.ParseFromString(output)) {
    return absl::InternalError(absl::StrCat("sandbox runner failed (status ", status, ")"));
  }
  return result;
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
