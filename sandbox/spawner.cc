#include "sandbox/spawner.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>

#include "sandbox/errors.h"
#include "sandbox/ids.h"
#include "sandbox/io.h"
#include "sandbox/limits.h"
#include "sandbox/mounts.h"
#include "sandbox/python_zygote.h"
#include "sandbox/sandbox.pb.h"
#include "sandbox/seccomp_policy.h"

namespace sandbox {
namespace spawner {
namespace {

using v1::RunRequest;

// Control messages: one byte of kind, then fixed fields (see spawner.h).
constexpr char kCompile = 'C', kSpawn = 'S', kKill = 'K', kStarted = 'P', kExited = 'X';
// A trusted script larger than this is not sent; its runs compile it themselves.
constexpr size_t kMaxScript = 160 << 10;

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// The whole environment of a sandboxed program.
const std::vector<std::string>& SandboxEnvironment() {
  static const auto* env = new std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=/work", "TMPDIR=/work",
                                                        "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1"};
  return *env;
}

bool SendMessage(int ctl, const std::string& message, const int* fds = nullptr, int nfds = 0) {
  iovec iov{const_cast<char*>(message.data()), message.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))];
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(ctl, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(message.size());
}

// One message into `buf` (and up to 8 descriptors, close-on-exec); its
// length, 0 at EOF, -1 on error.
ssize_t ReceiveMessage(int ctl, std::vector<char>* buf, std::vector<int>* fds = nullptr) {
  iovec iov{buf->data(), buf->size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(ctl, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    std::vector<int> got(count);
    std::memcpy(got.data(), CMSG_DATA(c), count * sizeof(int));
    for (int fd : got) {
      if (fds != nullptr) {
        fds->push_back(fd);
      } else {
        close(fd);
      }
    }
  }
  if (n > 0 && (msg.msg_flags & MSG_TRUNC)) return -1;
  return n;
}

template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T Get(const char* at) {
  T v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

// ------------------------------------------------------------- the child
//
// A run: forked from the spawner, it reads its own request, builds its
// sandbox and becomes the program.

struct ChildArgs {
  RunRequest* request;
  int error_write;  // setup errors go here; closed by a successful exec or as the warm run starts
};

[[noreturn]] void Fail(const ChildArgs& a, const std::string& message) {
  WriteAll(a.error_write, message.data(), message.size());
  _exit(127);
}

// A session and process group of its own: kill(0, ...) and kill(-pgid, ...)
// reach every member of a process group whatever its PID namespace, so the
// program must not share one with the runner or the server. The hostname is
// cosmetic, and refused by some container seccomp profiles: best effort.
absl::Status EnterSession() {
  (void)sethostname("sandbox", 7);
  if (setsid() < 0) return ErrnoError("setsid");
  return absl::OkStatus();
}

// The CPU this process spent so far (building the sandbox, reading and
// writing a large binary): added to the program's CPU limit.
int64_t SetupCpuMs() {
  struct rusage u = {};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}

// The program's stdin, stdout and stderr; every other descriptor closes
// (the setup pipe, `keep`, on exec).
absl::Status ConnectStdio(const RunPipes& pipes, int keep_fd) {
  if (dup2(pipes.stdin_read, 0) < 0 || dup2(pipes.stdout_write, 1) < 0 || dup2(pipes.stderr_write, 2) < 0) {
    return ErrnoError("dup2");
  }
  const unsigned keep = static_cast<unsigned>(keep_fd);
  if ((keep > 3 && syscall(SYS_close_range, 3u, keep - 1, 0u) != 0) ||
      syscall(SYS_close_range, keep + 1, ~0u, 0u) != 0) {
    for (int fd = 3; fd < 65536; ++fd) {  // kernels before 5.9
      if (fd != keep_fd) close(fd);
    }
  }
  return absl::OkStatus();
}

// Not dumpable: no other process of the sandbox may read this one's memory
// or open its descriptors through /proc (exec resets it; the warm run keeps
// it, which shields a test harness from the program it forks).
absl::Status NotDumpable() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return ErrnoError("not dumpable");
  return absl::OkStatus();
}

[[noreturn]] void ChildMain(const RunPipes& pipes, int ctl) {
  close(ctl);  // the program must never reach the spawner
  ChildArgs a{nullptr, pipes.error_write};
  // The request arrives once the runner has mapped this namespace's user and
  // put this process in its cgroups. It is this run's own (its argv, files
  // and limits); stdin stays with the runner, which feeds it to the program.
  std::string frame;
  if (!ReadFrame(pipes.request_read, &frame)) Fail(a, "the runner sent no request");
  close(pipes.request_read);
  RunRequest request;
  if (!request.ParseFromString(frame)) Fail(a, "cannot parse the RunRequest");
  std::string().swap(frame);
  a.request = &request;
  std::optional<python_zygote::WarmRun> warm;
  if (python_zygote::Loaded()) warm = python_zygote::Plan(request);
  if (warm) python_zygote::FindCompiled(request, &*warm);

  // The rooms, in order; the first that fails refuses the run. The run
  // becomes the namespace's root (the mapped outer user, nobody when the
  // runner is root) and dies with the spawner; a cgroup namespace rooted at
  // its own groups shows no host path in /proc/self/cgroup (best effort:
  // kernels before 4.6 lack it); then its filesystem, session, rlimits,
  // descriptors, capabilities and seccomp policy.
  const RunLimits limits = ResolveLimits(request.limits());
  absl::Status s = BecomeMappedRoot();
  if (s.ok()) {
    (void)unshare(CLONE_NEWCGROUP);
    s = BuildFilesystem(&request, limits);
  }
  if (s.ok()) s = EnterSession();
  if (s.ok()) s = SetRlimits(limits, SetupCpuMs());
  if (s.ok()) s = ConnectStdio(pipes, a.error_write);
  if (s.ok()) s = DropCapabilities();
  if (s.ok()) s = NotDumpable();
  if (s.ok()) s = InstallSeccompPolicy();
  if (!s.ok()) Fail(a, std::string(s.message()));

  if (warm) {
    // The last word on the setup pipe: a warm start, with the trusted script
    // the spawner compiled or without. Then it closes: the program must not
    // reach it.
    const char started = warm->compiled != nullptr ? kWarmPrecompiled : kWarm;
    WriteAll(a.error_write, &started, 1);
    close(a.error_write);
    python_zygote::Run(*warm);
  }
  // The embedded interpreter ignores SIGPIPE and SIGXFSZ; an exec'd program
  // starts with every signal at its default, and none blocked.
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> argv;
  for (const auto& s : request.argv()) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& e : SandboxEnvironment()) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  execve(argv[0], argv.data(), env.data());
  Fail(a, ErrnoText(std::string("exec ") + argv[0]));
}

// ----------------------------------------------------------- the spawner

// Forks one run into fresh namespaces, reports its pid, kills it when told,
// and reports how it ended.
void SpawnOne(int ctl, const RunPipes& pipes) {
  const int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
  // Like fork (the child continues on a copy of this stack, which a warm
  // interpreter needs at full size), into new namespaces.
  python_zygote::BeforeFork();
  pid_t pid = static_cast<pid_t>(syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid == 0) ChildMain(pipes, ctl);
  const int clone_errno = errno;
  python_zygote::AfterForkInParent();
  for (int fd : {pipes.request_read, pipes.error_write, pipes.stdin_read, pipes.stdout_write, pipes.stderr_write}) {
    close(fd);
  }
  std::string started(1, kStarted);
  Put<int32_t>(&started, pid);
  Put<int32_t>(&started, pid < 0 ? clone_errno : 0);
  if (!SendMessage(ctl, started) && pid > 0) {
    kill(pid, SIGKILL);
  }
  if (pid < 0) return;
  // A pidfd wakes this loop the moment the run exits (Linux 5.3+); without
  // one it polls every 2 ms.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  std::vector<char> buf(64);
  int status = 0;
  struct rusage usage = {};
  for (;;) {
    pollfd p[2] = {{ctl, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int n = poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 2);
    if (n < 0 && errno != EINTR) {  // never report a run that may still be going
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &usage);
      break;
    }
    if (n > 0 && p[0].revents != 0) {
      ssize_t got = ReceiveMessage(ctl, &buf);
      if (got <= 0) {  // the runner is gone: so is the run, and this process
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        _exit(0);
      }
      if (buf[0] == kKill) kill(pid, SIGKILL);  // not reaped yet: the pid is still this run's
    }
    if (wait4(pid, &status, WNOHANG, &usage) == pid) break;
  }
  if (pidfd >= 0) close(pidfd);
  std::string exited(1, kExited);
  Put<int32_t>(&exited, status);
  Put<double>(&exited, (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3);
  SendMessage(ctl, exited);
}

[[noreturn]] void Main(int ctl) {
  // Dies with the runner; holds none of the runner's descriptors but the
  // control socket (stdin and stdout carry the runner's requests and results).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(null, 0);
  dup2(null, 1);
  if (null > 2) close(null);
  std::string error;
  python_zygote::Preload(SandboxEnvironment(), &error);  // on failure runs are exec'd
  std::vector<char> buf(kMaxScript + 4096);
  for (;;) {
    std::vector<int> fds;
    ssize_t n = ReceiveMessage(ctl, &buf, &fds);
    if (n <= 0) _exit(0);
    if (buf[0] == kSpawn && fds.size() == 5) {
      SpawnOne(ctl, RunPipes{fds[0], fds[1], fds[2], fds[3], fds[4]});
      continue;
    }
    for (int fd : fds) close(fd);
    if (buf[0] == kSpawn) {  // malformed: answer, so the runner does not wait forever
      std::string started(1, kStarted);
      Put<int32_t>(&started, -1);
      Put<int32_t>(&started, EBADMSG);
      SendMessage(ctl, started);
      continue;
    }
    if (buf[0] == kCompile) {  // kCompile, name, '\0', source, '\0'
      const char* name = buf.data() + 1;
      const size_t name_len = strnlen(name, static_cast<size_t>(n) - 1);
      if (name_len + 3 <= static_cast<size_t>(n) && buf[n - 1] == '\0') {
        python_zygote::CompileTrusted(std::string(name, name_len),
                                      std::string(name + name_len + 1, static_cast<size_t>(n) - name_len - 3));
      }
    }
  }
}

// The command line and environment the spawner inherited (the runner's path
// on the host, the caller's variables) are blanked: every run is a fork of
// this memory.
void BlankArguments(char** argv) {
  const size_t first = argv[0] != nullptr ? std::strlen(argv[0]) : 0;
  for (char** a = argv; *a != nullptr; ++a) std::memset(*a, 0, std::strlen(*a));
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) std::memset(*e, 0, std::strlen(*e));
  static const char kName[] = "sandbox";
  if (first > 0) std::memcpy(argv[0], kName, std::min(sizeof kName - 1, first));
}

}  // namespace

int Start(char** argv, pid_t* spawner_pid) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
  pid_t pid = fork();
  *spawner_pid = pid;
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  if (pid == 0) {
    close(sv[0]);
    BlankArguments(argv);
    Main(sv[1]);
  }
  close(sv[1]);
  return sv[0];
}

void Stop(int ctl, pid_t pid) {
  if (ctl >= 0) close(ctl);
  if (pid > 0) waitpid(pid, nullptr, 0);
}

bool Compile(int ctl, const std::string& name, const std::string& source) {
  if (source.size() > kMaxScript || name.size() > 1024 || name.find('\0') != std::string::npos) return true;
  std::string m(1, kCompile);
  m += name;
  m += '\0';
  m += source;
  m += '\0';
  return SendMessage(ctl, m);
}

bool Spawn(int ctl, const RunPipes& pipes, Started* started) {
  const int fds[5] = {pipes.request_read, pipes.error_write, pipes.stdin_read, pipes.stdout_write,
                      pipes.stderr_write};
  if (!SendMessage(ctl, std::string(1, kSpawn), fds, 5)) return false;
  std::vector<char> buf(64);
  ssize_t n = ReceiveMessage(ctl, &buf);
  if (n != 1 + 4 + 4 || buf[0] != kStarted) return false;
  started->pid = Get<int32_t>(buf.data() + 1);
  started->error = Get<int32_t>(buf.data() + 5);
  return true;
}

bool Kill(int ctl) { return SendMessage(ctl, std::string(1, kKill)); }

bool ReadExited(int ctl, Exited* exited) {
  std::vector<char> buf(64);
  ssize_t n = ReceiveMessage(ctl, &buf);
  if (n != 1 + 4 + 8 || buf[0] != kExited) return false;
  exited->status = Get<int32_t>(buf.data() + 1);
  exited->cpu_ms = Get<double>(buf.data() + 5);
  return true;
}

}  // namespace spawner
}  // namespace sandbox
