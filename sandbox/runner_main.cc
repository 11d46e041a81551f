// sandbox-runner: runs one untrusted program in fresh namespaces and reports
// how it ended. Single-threaded, so it may fork; the multithreaded server
// never forks itself but spawns this binary (sandbox/sandbox.h).
//
// Protocol: a serialized sandbox.v1.RunRequest on stdin (until EOF), a
// serialized sandbox.v1.RunResult on stdout; or, with --serve, one framed
// request after another (see Serve).
//
// Layers, each refused rather than half-built when it fails:
//   namespaces  user (a fresh unused uid when run as root), PID (the program is
//               PID 1: when it ends, every descendant is killed), network
//               (no interface but a down loopback), mount, IPC, UTS
//   mounts      a tmpfs root with read-only binds of /usr, /bin, /lib*, /sbin
//               and the few /etc files programs load; a fresh /proc; /dev
//               with null, zero, random, urandom; a size-capped tmpfs /work
//               as the only writable directory (/tmp points there)
//   limits      rlimits for CPU, address space, file size, open files,
//               processes; wall clock kill; output caps
//   seccomp     sandbox/seccomp_policy.h
// Then the program is exec'd, or, for `python3 -S` runs, run in this
// runner's preloaded interpreter (sandbox/python_zygote.h): the runner is
// the zygote, and each run is a fork of it that pays no interpreter start.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

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
#include "sandbox/seccomp_policy.h"

namespace {

namespace python_zygote = sandbox::python_zygote;
using sandbox::ReadFrame;
using sandbox::WriteAll;
using sandbox::WriteFile;
using sandbox::WriteFrame;
using sandbox::v1::Limits;
using sandbox::v1::RunRequest;
using sandbox::v1::RunResult;

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// ------------------------------------------------------------ the child

// The whole environment of a sandboxed program.
const std::vector<std::string>& SandboxEnvironment() {
  static const auto* env = new std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=/work", "TMPDIR=/work",
                                                        "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1"};
  return *env;
}

struct ChildArgs {
  const RunRequest* request;
  const python_zygote::WarmRun* warm;  // run in the preloaded interpreter, or exec argv
  int sync_read;   // parent writes one byte once the uid map is in place
  int error_write; // setup errors go here; closed by a successful exec or as the warm run starts
  int stdin_read, stdout_write, stderr_write;
};

[[noreturn]] void Fail(const ChildArgs& a, const std::string& message) {
  WriteAll(a.error_write, message.data(), message.size());
  _exit(127);
}

void Check(const ChildArgs& a, bool ok, const std::string& what) {
  if (!ok) Fail(a, ErrnoText(what));
}

void BindReadOnly(const ChildArgs& a, const std::string& from, const std::string& to, bool is_dir) {
  struct stat st;
  if (lstat(from.c_str(), &st) != 0) return;  // not on this system
  if (S_ISLNK(st.st_mode)) {                  // /bin -> usr/bin on merged-/usr systems
    char target[4096];
    ssize_t n = readlink(from.c_str(), target, sizeof target - 1);
    Check(a, n > 0, "readlink " + from);
    target[n] = 0;
    Check(a, symlink(target, to.c_str()) == 0, "symlink " + to);
    return;
  }
  if (is_dir) {
    Check(a, mkdir(to.c_str(), 0755) == 0, "mkdir " + to);
  } else {
    int fd = open(to.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    Check(a, fd >= 0, "create " + to);
    close(fd);
  }
  Check(a, mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0, "bind " + from);
  Check(a,
        mount(nullptr, to.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0,
        "read-only " + to);
}

void BuildFilesystem(const ChildArgs& a) {
  const Limits& l = a.request->limits();
  Check(a, mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, "make / private");
  const std::string root = "/tmp";  // any existing directory serves as a mount point
  Check(a, mount("sandbox-root", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0,
        "tmpfs root");
  for (const char* dir : {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"}) {
    BindReadOnly(a, dir, root + dir, true);
  }
  Check(a, mkdir((root + "/etc").c_str(), 0755) == 0, "mkdir /etc");
  for (const char* file : {"/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"}) {
    struct stat st;
    if (stat(file, &st) == 0) BindReadOnly(a, file, root + file, S_ISDIR(st.st_mode));
  }
  // /proc of the new PID namespace: it shows only the sandbox's processes.
  Check(a, mkdir((root + "/proc").c_str(), 0555) == 0, "mkdir /proc");
  // Containers that mask parts of their own /proc (podman, docker) forbid a
  // fresh proc mount; then the sandbox has an empty /proc, which reveals even
  // less (Python and compilers run without it).
  if (mount("proc", (root + "/proc").c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 &&
      errno != EPERM) {
    Fail(a, ErrnoText("mount /proc"));
  }
  // A minimal /dev.
  Check(a, mkdir((root + "/dev").c_str(), 0755) == 0, "mkdir /dev");
  Check(a, mount("sandbox-dev", (root + "/dev").c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755") == 0,
        "tmpfs /dev");
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"}) {
    std::string to = root + dev;
    int fd = open(to.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    Check(a, fd >= 0, "create " + to);
    close(fd);
    Check(a, mount(dev, to.c_str(), nullptr, MS_BIND, nullptr) == 0, std::string("bind ") + dev);
  }
  // The only writable place.
  Check(a, mkdir((root + "/work").c_str(), 0777) == 0, "mkdir /work");
  std::string size = "size=" + std::to_string(l.workdir_mb() ? l.workdir_mb() : 16) + "m,mode=0777";
  Check(a, mount("sandbox-work", (root + "/work").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, size.c_str()) == 0,
        "tmpfs /work");
  Check(a, symlink("work", (root + "/tmp").c_str()) == 0, "symlink /tmp");
  for (const auto& [name, content] : a.request->files()) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      Fail(a, "bad file name '" + name + "'");
    }
    std::string path = root + "/work/" + name;
    bool executable = false;
    for (const auto& e : a.request->executable()) executable = executable || e == name;
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, executable ? 0755 : 0644);
    Check(a, fd >= 0 && WriteAll(fd, content.data(), content.size()), "write " + name);
    close(fd);
  }
  // Enter it: the old root is detached and gone.
  Check(a, chdir(root.c_str()) == 0, "chdir new root");
  Check(a, syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root");
  Check(a, umount2(".", MNT_DETACH) == 0, "detach old root");
  Check(a, chdir("/") == 0, "chdir /");
  Check(a, mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0,
        "read-only root");
  Check(a, chdir("/work") == 0, "chdir /work");
}

void SetLimit(const ChildArgs& a, int resource, rlim_t soft, rlim_t hard, const char* name) {
  struct rlimit r = {soft, hard};
  Check(a, setrlimit(resource, &r) == 0, std::string("setrlimit ") + name);
}

void DropCapabilities(const ChildArgs& a) {
  // uid 0 inside the namespace must not regain capabilities on exec.
  Check(a,
        prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED) == 0,
        "securebits");
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  Check(a, syscall(SYS_capset, &hdr, data) == 0, "capset");
  Check(a, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
}

[[noreturn]] void ChildMain(const ChildArgs* arg) {
  const ChildArgs& a = *arg;
  char byte;
  if (read(a.sync_read, &byte, 1) != 1) Fail(a, "parent did not map the user");
  close(a.sync_read);
  // Become the namespace's root, i.e. the mapped outer user (nobody when the
  // runner is root): files are created, and permissions checked, as that user.
  Check(a, setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) == 0, "switch to the mapped user");
  BuildFilesystem(a);
  // Cosmetic, and refused by some container seccomp profiles: best effort.
  (void)sethostname("sandbox", 7);
  // A session and process group of its own: kill(0, ...) and kill(-pgid, ...)
  // reach every member of a process group whatever its PID namespace, so the
  // program must not share one with the runner or the server.
  Check(a, setsid() >= 0, "setsid");

  const Limits& l = a.request->limits();
  rlim_t cpu_s = (l.cpu_ms() + 999) / 1000;
  if (cpu_s == 0) cpu_s = 1;
  SetLimit(a, RLIMIT_CPU, cpu_s, cpu_s + 1, "cpu");
  rlim_t mem = static_cast<rlim_t>(l.memory_mb() ? l.memory_mb() : 256) << 20;
  SetLimit(a, RLIMIT_AS, mem, mem, "as");
  rlim_t fsize = static_cast<rlim_t>(l.file_size_mb() ? l.file_size_mb() : 16) << 20;
  SetLimit(a, RLIMIT_FSIZE, fsize, fsize, "fsize");
  rlim_t files = l.max_files() ? l.max_files() : 64;
  SetLimit(a, RLIMIT_NOFILE, files, files, "nofile");
  rlim_t procs = l.max_processes() ? l.max_processes() : 32;
  SetLimit(a, RLIMIT_NPROC, procs, procs, "nproc");
  SetLimit(a, RLIMIT_CORE, 0, 0, "core");

  Check(a, dup2(a.stdin_read, 0) >= 0 && dup2(a.stdout_write, 1) >= 0 && dup2(a.stderr_write, 2) >= 0, "dup2");
  // Every other descriptor closes (the error pipe on exec).
  for (int fd = 3; fd < 1024; ++fd) {
    if (fd != a.error_write) close(fd);
  }
  DropCapabilities(a);
  // Not dumpable: no other process of the sandbox may read this one's memory
  // or open its descriptors through /proc (exec resets it; the warm run
  // keeps it, which shields a test harness from the program it forks).
  Check(a, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0, "not dumpable");
  std::string seccomp_error = sandbox::InstallSeccompPolicy();
  if (!seccomp_error.empty()) Fail(a, seccomp_error);

  if (a.warm != nullptr) {
    close(a.error_write);  // setup is complete; the program must not reach this pipe
    python_zygote::Run(*a.warm);
  }
  // The embedded interpreter ignores SIGPIPE and SIGXFSZ; an exec'd program
  // starts with every signal at its default, and none blocked.
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> argv;
  for (const auto& s : a.request->argv()) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& e : SandboxEnvironment()) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  execve(argv[0], argv.data(), env.data());
  Fail(a, ErrnoText(std::string("exec ") + argv[0]));
}

// ----------------------------------------------------------- the parent

RunResult SetupFailed(const std::string& why) {
  RunResult r;
  r.set_outcome(RunResult::SETUP_FAILED);
  r.set_error(why);
  return r;
}

RunResult Run(const RunRequest& req) {
  if (req.argv_size() == 0 || req.argv(0).empty() || req.argv(0)[0] != '/') {
    return SetupFailed("argv[0] must be an absolute path");
  }
  const Limits& l = req.limits();
  const size_t max_out = l.max_output_bytes() ? l.max_output_bytes() : (1u << 20);
  const int wall_ms = l.wall_ms() ? static_cast<int>(l.wall_ms()) : 5000;

  int sync[2], err[2], in[2], out[2], errout[2];
  if (pipe2(sync, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
      pipe2(errout, O_CLOEXEC)) {
    return SetupFailed(ErrnoText("pipe"));
  }
  // Python runs fork the warm interpreter when it loads (else they exec).
  std::optional<python_zygote::WarmRun> warm = python_zygote::Plan(req);
  std::string preload_error;
  if (warm && !python_zygote::Preload(SandboxEnvironment(), &preload_error)) warm.reset();
  if (warm) python_zygote::CompileTrusted(req, &*warm);
  ChildArgs args{&req, warm ? &*warm : nullptr, sync[0], err[1], in[0], out[1], errout[1]};
  const int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
  auto start = std::chrono::steady_clock::now();
  // Like fork (the child continues on a copy of this stack, which a warm
  // interpreter needs at full size), into new namespaces.
  python_zygote::BeforeFork();
  pid_t pid = static_cast<pid_t>(syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid == 0) ChildMain(&args);
  python_zygote::AfterForkInParent();
  if (pid < 0) return SetupFailed(ErrnoText("clone with new namespaces"));
  close(sync[0]);
  close(err[1]);
  close(in[0]);
  close(out[1]);
  close(errout[1]);
  // Before the child goes on: everything it starts is counted in the group.
  const long max_procs = l.max_processes() ? l.max_processes() : 32;
  const long long memory = (static_cast<long long>(l.memory_mb() ? l.memory_mb() : 256) +
                            (l.workdir_mb() ? l.workdir_mb() : 16)) << 20;
  sandbox::RunCgroup cgroup("run-" + std::to_string(getpid()) + "-" + std::to_string(pid), max_procs, memory);
  cgroup.Add(pid);

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
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return SetupFailed(why);
  }
  if (write(sync[1], "x", 1) != 1) {
    kill(pid, SIGKILL);
  }
  close(sync[1]);

  RunResult result;
  std::string out_buf, err_buf, setup_error;
  size_t in_sent = 0, out_total = 0, err_total = 0;
  const std::string& input = req.stdin();
  int in_fd = in[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  int fds[3] = {out[0], errout[0], err[0]};
  bool killed_wall = false, killed_output = false, exited = false;
  int status = 0;
  struct rusage usage = {};
  auto deadline = start + std::chrono::milliseconds(wall_ms);
  // A pidfd wakes the loop the moment the program exits (Linux 5.3+); without
  // one the loop polls every millisecond once the pipes are closed.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  while (true) {
    std::vector<pollfd> p;
    for (int fd : fds) {
      if (fd >= 0) p.push_back({fd, POLLIN, 0});
    }
    if (in_fd >= 0) p.push_back({in_fd, POLLOUT, 0});
    if (p.empty() && exited) break;
    if (!exited && pidfd >= 0) p.push_back({pidfd, POLLIN, 0});
    auto now = std::chrono::steady_clock::now();
    int timeout = exited ? 50 : static_cast<int>(std::max<long>(
                                    0, std::min<long>(20, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                              deadline - now).count())));
    int n = p.empty() ? (usleep(1000), 0) : poll(p.data(), p.size(), timeout);
    if (n < 0 && errno != EINTR) break;
    for (const pollfd& q : p) {
      if (q.revents == 0 || q.fd == pidfd) continue;
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
          result.set_setup_ms(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
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
        kill(pid, SIGKILL);
      }
    }
    if (!exited) {
      pid_t w = wait4(pid, &status, WNOHANG, &usage);
      if (w == pid) {
        exited = true;
        result.set_wall_ms(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        // PID 1 is gone: the kernel kills the rest of the namespace. Drain
        // what they wrote, briefly.
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      } else if (std::chrono::steady_clock::now() >= deadline) {
        killed_wall = true;
        kill(pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
        exited = true;
        result.set_wall_ms(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      }
    } else if (std::chrono::steady_clock::now() >= deadline) {
      break;  // descendants still hold the pipes: stop reading
    }
  }
  if (!exited) {  // the loop failed: never leave a child behind
    kill(pid, SIGKILL);
    wait4(pid, &status, 0, &usage);
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (in_fd >= 0) close(in_fd);
  if (pidfd >= 0) close(pidfd);

  double cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  result.set_cpu_ms(cpu_ms);
  result.set_stdout(out_buf);
  result.set_stderr(err_buf);
  result.set_stdout_truncated(out_total > max_out);
  result.set_stderr_truncated(err_total > max_out);
  result.set_cgroup(cgroup.description());
  result.set_warm(warm.has_value());
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
  for (std::string input; ReadFrame(0, &input);) {
    RunRequest req;
    RunResult result = req.ParseFromString(input) ? Run(req) : SetupFailed("cannot parse the RunRequest");
    if (!WriteFrame(1, result.SerializeAsString())) return 2;
  }
  return 0;  // the client closed
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--serve") == 0) return Serve();
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
  return WriteAll(1, out.data(), out.size()) ? 0 : 2;
}
