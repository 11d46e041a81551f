// Each isolation layer of the sandbox, tested through the real runner.
#include "sandbox/sandbox.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandbox {
namespace {

// Under make test-asan and make test-tsan every case runs: the runner is
// built without the sanitizers there (tools/unsanitized.bzl), so its runs
// do not carry a sanitizer's runtime into their limits; this side of the
// sandbox (sandbox.cc, io.cc) is sanitized.


using ::testing::HasSubstr;
using v1::RunResult;

const Sandbox& Box() {
  static const Sandbox* box = new Sandbox(
      absl::StrCat(std::getenv("TEST_SRCDIR"), "/", std::getenv("TEST_WORKSPACE"), "/sandbox/sandbox-runner"));
  return *box;
}

// Time limits for runs whose subject is not time: far above what any
// machine needs (a cold python3 after dropped caches, a loaded core), so no
// verdict depends on the machine's speed. Tests of a time limit set their own
// and make the program exceed it by far.
v1::Limits WithRoom(v1::Limits limits) {
  if (limits.wall_ms() == 0) limits.set_wall_ms(60000);
  if (limits.cpu_ms() == 0) limits.set_cpu_ms(30000);
  return limits;
}

// Joins a thread on every way out of a test (a failed assertion returns early).
struct JoinOnExit {
  std::thread* t;
  ~JoinOnExit() {
    if (t->joinable()) t->join();
  }
};

RunResult Shell(const std::string& script, v1::Limits limits = v1::Limits(), const std::string& stdin_data = "") {
  v1::RunRequest req;
  req.add_argv("/bin/sh");
  req.add_argv("-c");
  req.add_argv(script);
  req.set_stdin(stdin_data);
  *req.mutable_limits() = WithRoom(limits);
  auto r = Box().Run(req);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : RunResult();
}

RunResult Python(const std::string& code, v1::Limits limits = v1::Limits()) {
  v1::RunRequest req;
  req.add_argv("/usr/bin/python3");
  req.add_argv("-S");
  req.add_argv("-c");
  req.add_argv(code);
  *req.mutable_limits() = WithRoom(limits);
  auto r = Box().Run(req);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : RunResult();
}

TEST(SandboxTest, RunsAndCaptures) {
  RunResult r = Shell("read x; echo out $x; echo err >&2; exit 3", v1::Limits(), "in\n");
  EXPECT_EQ(r.outcome(), RunResult::EXITED) << r.error();
  EXPECT_EQ(r.exit_code(), 3);
  EXPECT_EQ(r.stdout(), "out in\n");
  EXPECT_EQ(r.stderr(), "err\n");
  EXPECT_GT(r.wall_ms(), 0);
  EXPECT_GT(r.setup_ms(), 0);  // the sandbox's share of the run
  EXPECT_LE(r.setup_ms(), r.wall_ms());
}

TEST(SandboxTest, PidNamespace) {
  EXPECT_EQ(Shell("echo $$").stdout(), "1\n");
  // Only the sandbox's own processes are visible.
  RunResult ps = Shell("ls /proc | grep -c '^[0-9]'");
  EXPECT_LE(std::atoi(ps.stdout().c_str()), 3);
}

TEST(SandboxTest, UserUtsAndEnvironment) {
  EXPECT_EQ(Shell("hostname").stdout(), "sandbox\n");
  RunResult env = Shell("env | sort");
  EXPECT_THAT(env.stdout(), HasSubstr("HOME=/work"));
  EXPECT_THAT(env.stdout(), ::testing::Not(HasSubstr("TEST_")));  // nothing of the caller's environment
}

TEST(SandboxTest, NetworkIsGone) {
  RunResult r = Python("import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 80))");
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.stderr(), HasSubstr("PermissionError"));
  RunResult udp = Python("import socket\nsocket.socket(socket.AF_INET6, socket.SOCK_DGRAM)");
  EXPECT_THAT(udp.stderr(), HasSubstr("PermissionError"));
  // AF_UNIX stays (multiprocessing needs it).
  EXPECT_EQ(Python("import socket\na, b = socket.socketpair()\nprint('ok')").stdout(), "ok\n");
}

TEST(SandboxTest, FilesystemIsReadOnlyButWork) {
  RunResult r = Shell("cat /etc/shadow; echo x > /usr/x; echo x > /x; echo data > /work/f && cat /tmp/f");
  EXPECT_THAT(r.stderr(), HasSubstr("/etc/shadow: No such file"));
  EXPECT_THAT(r.stderr(), HasSubstr("/usr/x: Read-only file system"));
  EXPECT_THAT(r.stderr(), HasSubstr("/x: Read-only file system"));
  EXPECT_EQ(r.stdout(), "data\n");
  v1::RunRequest req;
  req.add_argv("/bin/cat");
  req.add_argv("prog.py");
  (*req.mutable_files())["prog.py"] = "print(1)\n";
  *req.mutable_limits() = WithRoom(v1::Limits());
  auto files = Box().Run(req);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->stdout(), "print(1)\n");
}

TEST(SandboxTest, WallClock) {
  v1::Limits l;
  l.set_wall_ms(300);
  // The program would take 100 s: ending anywhere below 30 s (100x the limit,
  // room for any machine's kill and reap) shows the wall clock stopped it.
  RunResult r = Shell("sleep 100", l);
  EXPECT_EQ(r.outcome(), RunResult::WALL_TIMEOUT);
  EXPECT_LT(r.wall_ms(), 30000);
}

TEST(SandboxTest, CpuTime) {
  v1::Limits l;
  l.set_cpu_ms(500);
  l.set_wall_ms(120000);  // a spinning loop on a shared core gets its 500 ms of CPU long before this
  EXPECT_EQ(Shell("while :; do :; done", l).outcome(), RunResult::CPU_TIMEOUT);
}

TEST(SandboxTest, Memory) {
  v1::Limits l;
  l.set_memory_mb(256);
  RunResult r = Python("x = bytearray(1 << 30)", l);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.stderr(), HasSubstr("MemoryError"));
}

TEST(SandboxTest, OutputFlood) {
  v1::Limits l;
  l.set_max_output_bytes(1000);
  RunResult r = Shell("yes", l);
  EXPECT_EQ(r.outcome(), RunResult::OUTPUT_LIMIT);
  EXPECT_TRUE(r.stdout_truncated());
  EXPECT_EQ(r.stdout().size(), 1000u);
}

// stderr may have a cap of its own below stdout's (the compiler's
// diagnostics): kept up to it, and writing 4 times it stops the run, while
// stdout keeps its own.
TEST(SandboxTest, StderrCapOfItsOwn) {
  v1::Limits l;
  l.set_max_output_bytes(100000);
  l.set_max_stderr_bytes(1000);
  RunResult kept = Shell("head -c 3000 /dev/zero | tr '\\0' e >&2; head -c 50000 /dev/zero | tr '\\0' o", l);
  EXPECT_EQ(kept.outcome(), RunResult::EXITED) << kept.error();
  EXPECT_EQ(kept.stderr().size(), 1000u);
  EXPECT_TRUE(kept.stderr_truncated());
  EXPECT_EQ(kept.stdout().size(), 50000u);
  EXPECT_FALSE(kept.stdout_truncated());
  RunResult flood = Shell("yes >&2", l);
  EXPECT_EQ(flood.outcome(), RunResult::OUTPUT_LIMIT);
  EXPECT_EQ(flood.stderr().size(), 1000u);
  // Not above stdout's: a higher stderr cap is stdout's.
  l.set_max_output_bytes(500);
  l.set_max_stderr_bytes(100000);
  EXPECT_EQ(Shell("head -c 3000 /dev/zero >&2", l).stderr().size(), 500u);
}

// A serialized request sent ahead of the run's own (a compiled program shared
// by many runs) is merged into it: its files are there, the run's fields
// come from the request.
TEST(SandboxTest, PrefixIsMergedIntoTheRequest) {
  v1::RunRequest prefix;
  (*prefix.mutable_files())["tool"] = "#!/bin/sh\necho from-prefix \"$1\"\n";
  prefix.add_executable("tool");
  v1::RunRequest req;
  req.add_argv("/bin/sh");
  req.add_argv("-c");
  req.add_argv("./tool arg; cat data");
  (*req.mutable_files())["data"] = "from-request\n";
  *req.mutable_limits() = WithRoom(v1::Limits());
  auto r = Box().Run(req, prefix.SerializeAsString());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stdout(), "from-prefix arg\nfrom-request\n") << r->stderr() << r->error();
}

// /dev holds the four devices, usable, and nothing else can be put there.
TEST(SandboxTest, DevIsReadOnlyAndItsDevicesWork) {
  RunResult r = Shell(
      "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c; "
      "touch /dev/new 2>/dev/null || echo no-new; mkdir /dev/shm 2>/dev/null || echo no-dir; "
      "rm -f /dev/null 2>/dev/null; test -c /dev/null && echo kept; ls /dev | tr '\\n' ' '",
      v1::Limits());
  EXPECT_EQ(r.stdout(), "4\n4\nno-new\nno-dir\nkept\nnull random urandom zero ") << r.stderr();
}

TEST(SandboxTest, FileSizeAndDisk) {
  v1::Limits l;
  l.set_file_size_mb(1);
  RunResult r = Shell("head -c 2000000 /dev/zero > /work/big; echo rc=$?", l);
  EXPECT_NE(r.stdout(), "rc=0\n");
  v1::Limits w;
  w.set_workdir_mb(1);
  w.set_file_size_mb(64);
  RunResult full = Shell("head -c 3000000 /dev/zero > /work/big; echo rc=$?", w);
  EXPECT_THAT(full.stderr(), HasSubstr("No space left"));
}

TEST(SandboxTest, BackgroundProcessesEndWithTheRun) {
  // The sleeper would last 100 s and the wall limit is 60 s: a run that ends
  // EXITED in under 30 s ended with its main process, whatever the machine.
  RunResult r = Shell("sleep 100 & echo started");
  EXPECT_EQ(r.outcome(), RunResult::EXITED);
  EXPECT_EQ(r.stdout(), "started\n");
  EXPECT_LT(r.wall_ms(), 30000);
}

TEST(SandboxTest, SeccompDeniesNamespaceAndMountCalls) {
  RunResult r = Python(
      "import ctypes, os\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "print(libc.unshare(0x10000000), ctypes.get_errno())\n"          // CLONE_NEWUSER
      "print(libc.mount(b'none', b'/work', b'tmpfs', 0, None), ctypes.get_errno())\n"
      "print(libc.ptrace(0, 0, None, None), ctypes.get_errno())\n"
      "print(libc.syscall(425, 8, None), ctypes.get_errno())\n"                   // io_uring_setup
      "print(libc.syscall(56, 0x10000000 | 17, None, None, None, None), ctypes.get_errno())\n"  // clone NEWUSER
      "print(libc.syscall(56, 0x40000000 | 17, None, None, None, None), ctypes.get_errno())\n"  // clone NEWNET
      "print(libc.syscall(433, -100, b'/', 0), ctypes.get_errno())\n"             // fspick
      "print(libc.syscall(431, 0, 0, None, None, 0), ctypes.get_errno())\n"       // fsconfig
      "print(libc.syscall(442, -100, b'/', 0, None, 0), ctypes.get_errno())\n"    // mount_setattr
      "print(libc.syscall(458, None, None, 0, 0), ctypes.get_errno())\n"          // listmount
      "print(libc.syscall(154, 0, None, 0), ctypes.get_errno())\n"                // modify_ldt
      "import os, threading\n"
      "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"          // threads (clone3 -> clone)
      "pid = os.fork()\nif pid == 0: os._exit(0)\nprint(os.waitpid(pid, 0)[1])\n");  // plain fork
  EXPECT_EQ(r.stdout(), "-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n-1 1\n0\n") << r.stderr();
}

TEST(SandboxTest, CgroupWhereTheMachineAllowsIt) {
  v1::Limits l;
  l.set_max_processes(8);
  if (Shell("true", l).cgroup().empty()) GTEST_SKIP() << "no writable cgroup hierarchy here (rlimits only)";
  // The sleepers outlive the loop on any machine (they would last 60 s), so
  // the 9th process meets eight live ones; the shell's builtin kill ends
  // them (no fork is left for anything else).
  RunResult r = Shell(
      "cat /proc/self/cgroup; p=; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 60 & p=\"$p $!\"; done; "
      "kill $p 2>/dev/null; wait",
      l);
  EXPECT_THAT(r.cgroup(), HasSubstr("pids"));
  // A cgroup namespace rooted at the run's groups: no host path shows.
  EXPECT_THAT(r.stdout(), HasSubstr(":pids:/\n"));
  EXPECT_THAT(r.stdout(), ::testing::Not(HasSubstr("reward-sandbox")));
  EXPECT_THAT(r.stderr(), HasSubstr("fork"));  // the 9th process is refused
}

TEST(SandboxTest, MemoryCgroupCapsAllProcessesTogether) {
  v1::Limits l;
  l.set_memory_mb(64);
  l.set_workdir_mb(16);
  const std::string probe = Shell("true", l).cgroup();
  if (probe.find("memory") == std::string::npos) GTEST_SKIP() << "no memory cgroup here: " << probe;
  // Each process holds its memory for 10 s, hundreds of times what starting
  // the six takes on any machine, so they overlap; the wall clock only needs
  // room (the run lasts as long as the survivors sleep).
  l.set_wall_ms(120000);
  l.set_cpu_ms(120000);
  // Six processes of 35 MB each: every one is within its own 64 MB address
  // space, which is all rlimits can bound; together they are far over the
  // run's 80 MB (memory + working directory), which the cgroup bounds.
  RunResult r = Shell(
      "for i in 1 2 3 4 5 6; do /usr/bin/python3 -S -c \"x = b'x' * (35 << 20); import time; time.sleep(10)\" & "
      "done; wait; echo done",
      l);
  if (r.cgroup().find("memory") == std::string::npos) GTEST_SKIP() << "no memory cgroup here: " << r.cgroup();
  EXPECT_EQ(r.outcome(), RunResult::MEMORY_LIMIT) << r.stderr();
}

// A run of thirty spinning processes (each in a session of its own) gets
// no more CPU than a run of one. Measured as shares, not times: each
// program spins for 3 s of wall clock and prints the fraction of it it got
// on a CPU; with a CPU weight per run the single process gets many times
// what each of the thirty-one gets, on any machine and under any outside
// load (which lowers both alike); without, they all get about the same.
TEST(SandboxTest, EveryRunGetsTheSameCpuWeight) {
  v1::Limits l;
  l.set_wall_ms(120000);
  l.set_cpu_ms(120000);
  l.set_max_processes(40);
  const std::string probe = Shell("true", l).cgroup();
  if (probe.find("cpu") == std::string::npos) GTEST_SKIP() << "no cpu cgroup here: " << probe;
  const std::string mark = "cpushare-" + std::to_string(getpid());
  const std::string spin_and_report =
      "t0, c0 = time.monotonic(), time.process_time()\n"
      "while time.monotonic() - t0 < 3:\n"
      "    pass\n"
      "print((time.process_time() - c0) / (time.monotonic() - t0), flush=True)\n";
  RunResult hog;
  std::thread hog_thread;
  JoinOnExit joiner{&hog_thread};
  hog_thread = std::thread([&] {
    hog = Python("import os, time\n"
                 "for i in range(30):\n"
                 "    if os.fork() == 0:\n"
                 "        os.setsid()\n"
                 "        os.execv('/bin/sh', ['/bin/sh', '-c', 'while :; do :; done', '" + mark + "'])\n" +
                     spin_and_report + "time.sleep(15)\n",
                 l);
  });
  // The single run starts once the thirty spin (seen from the host).
  auto spinners = [&] {
    int n = 0;
    DIR* proc = opendir("/proc");
    while (dirent* e = proc ? readdir(proc) : nullptr) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      n += cmdline.find(mark) != std::string::npos;
    }
    if (proc) closedir(proc);
    return n;
  };
  for (int i = 0; i < 600 && spinners() < 30; ++i) absl::SleepFor(absl::Milliseconds(100));
  RunResult one = Python("import time\n" + spin_and_report, l);
  hog_thread.join();
  ASSERT_EQ(one.outcome(), RunResult::EXITED) << one.stderr();
  ASSERT_EQ(hog.outcome(), RunResult::EXITED) << hog.stderr();
  const double mine = std::strtod(one.stdout().c_str(), nullptr);
  const double each_of_theirs = std::strtod(hog.stdout().c_str(), nullptr);
  ASSERT_GT(each_of_theirs, 0) << hog.stdout();
  EXPECT_GT(mine, 4 * each_of_theirs) << "one process: " << mine << " of a CPU; each of 31: " << each_of_theirs;
}

// The documented one-shot mode: a RunRequest on stdin until EOF (stdin at
// EOF is not a client gone), the RunResult on stdout.
TEST(SandboxTest, OneShotMode) {
  v1::RunRequest req;
  for (const char* a : {"/bin/sh", "-c", "echo hi"}) req.add_argv(a);
  *req.mutable_limits() = WithRoom(v1::Limits());
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  {
    std::ofstream out(dir + "/oneshot.req", std::ios::binary);
    out << req.SerializeAsString();
  }
  ASSERT_EQ(std::system((Box().runner_path() + " < " + dir + "/oneshot.req > " + dir + "/oneshot.res").c_str()), 0);
  std::ifstream in(dir + "/oneshot.res", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RunResult r;
  ASSERT_TRUE(r.ParseFromString(bytes));
  EXPECT_EQ(r.outcome(), RunResult::EXITED) << r.error();
  EXPECT_EQ(r.stdout(), "hi\n");
}

// A spawner killed during a run takes its run with it (no orphan), and the
// runner gives no answer, so the client runs the program again on a fresh
// runner and gets a true result.
TEST(SandboxTest, ARunDiesWithItsSpawnerAndIsRunAgain) {
  const std::string mark = "20." + std::to_string(getpid() % 10000);
  auto field = [](int pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(key + ":", 0) == 0) return std::atoi(line.c_str() + key.size() + 1);
    }
    return 0;
  };
  auto sleepers = [&] {
    std::vector<int> out;
    DIR* proc = opendir("/proc");
    while (dirent* e = proc ? readdir(proc) : nullptr) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.find("sleep") != std::string::npos && cmdline.find(mark) != std::string::npos) {
        out.push_back(std::atoi(e->d_name));
      }
    }
    if (proc) closedir(proc);
    return out;
  };
  RunResult r;
  std::thread t([&] { r = Shell("/bin/sleep " + mark + "; echo done"); });
  JoinOnExit joiner{&t};
  std::vector<int> first;
  for (int i = 0; i < 600 && first.empty(); ++i) {
    first = sleepers();
    if (first.empty()) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_FALSE(first.empty()) << "the run never started";
  const int run = field(first[0], "PPid");  // the shell, PID 1 of the run
  const int spawner = field(run, "PPid");
  ASSERT_GT(spawner, 1);
  ASSERT_EQ(kill(spawner, SIGKILL), 0);
  // Alive: it exists and is not a zombie (this machine's init may not reap).
  auto alive = [](int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("State:", 0) == 0) return line.find('Z') == std::string::npos;
    }
    return false;
  };
  // Killed at once by the kernel; 10 s only bounds a broken case (the
  // sleeper alone would last 20 s).
  for (int i = 0; i < 100 && alive(first[0]); ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(alive(first[0])) << "the run outlived its spawner";
  t.join();
  EXPECT_EQ(r.outcome(), RunResult::EXITED) << r.error();
  EXPECT_EQ(r.stdout(), "done\n");
}

TEST(SandboxTest, SetupErrorsAreReported) {
  v1::RunRequest req;
  req.add_argv("/no/such/program");
  auto r = Box().Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome(), RunResult::SETUP_FAILED);
  EXPECT_THAT(r->error(), HasSubstr("exec /no/such/program"));
  v1::RunRequest relative;
  relative.add_argv("python3");
  EXPECT_THAT(Box().Run(relative)->error(), HasSubstr("absolute path"));
  v1::RunRequest bad_file;
  bad_file.add_argv("/bin/true");
  (*bad_file.mutable_files())["../escape"] = "x";
  EXPECT_THAT(Box().Run(bad_file)->error(), HasSubstr("bad file name"));
}

// The warm interpreter (python_zygote.h) must be indistinguishable from an
// exec'd one: the same program gives the same output, status and errors.
TEST(PythonZygoteTest, WarmRunsBehaveLikeColdOnes) {
  struct Case {
    std::vector<std::string> args;  // after "/usr/bin/python3 -S"
    std::string stdin_data;
  };
  const std::string probe = "print(__name__, __file__, sys.argv, sys.path[0], os.getcwd(), os.getpid())";
  const Case kCases[] = {
      {{"-c", "import os, sys; print(sys.argv, repr(sys.path[0]), os.getcwd(), os.getpid(), sys.flags.no_site, "
              "sys.executable, sorted(os.environ.items()))",
        "x", "y"}},
      {{"prog.py", "a", "b"}},
      {{"-c", "raise SystemExit(3)"}},
      {{"-c", "import sys; sys.exit('bye')"}},
      {{"-c", "1/0"}},
      {{"-c", "print(input()[::-1]); print(len(__import__('sys').stdin.read()))"}, "abc\nrest of it\n"},
      {{"-c", "import atexit; atexit.register(lambda: print('at exit')); print('x', end='')"}},
      {{"-c", "import threading, time; threading.Thread(target=lambda: (time.sleep(0.05), print('thread'))).start()"}},
      {{"-c", "import os; os._exit(7)"}},
      {{"-c", "def f(n): return n and f(n - 1)\nimport sys; sys.setrecursionlimit(30000); print(f(20000))"}},
      {{"missing.py"}},
      {{"-c", "import sys; print(sorted(m for m in ('json', 'site') if m in sys.modules and m == 'site'))"}},
  };
  for (const Case& c : kCases) {
    // Warm; exec'd; warm with the script compiled once in the zygote.
    RunResult runs[3];
    for (int variant = 0; variant < 3; ++variant) {
      v1::RunRequest req;
      req.add_argv("/usr/bin/python3");
      req.add_argv("-S");
      for (const auto& a : c.args) req.add_argv(a);
      (*req.mutable_files())["prog.py"] = "import os, sys\n" + probe + "\n";
      req.set_stdin(c.stdin_data);
      *req.mutable_limits() = WithRoom(v1::Limits());
      req.set_exec_only(variant == 1);
      req.set_trusted_script(variant == 2);
      auto r = Box().Run(req);
      ASSERT_TRUE(r.ok()) << r.status();
      runs[variant] = *r;
    }
    const std::string what = c.args[0] + " " + (c.args.size() > 1 ? c.args[1] : "");
    EXPECT_TRUE(runs[0].warm()) << what;
    EXPECT_FALSE(runs[1].warm()) << what;
    for (int variant : {1, 2}) {
      EXPECT_EQ(runs[0].outcome(), runs[variant].outcome()) << what << " variant " << variant;
      EXPECT_EQ(runs[0].exit_code(), runs[variant].exit_code()) << what << " variant " << variant;
      EXPECT_EQ(runs[0].stdout(), runs[variant].stdout()) << what << " variant " << variant;
      EXPECT_EQ(runs[0].stderr(), runs[variant].stderr()) << what << " variant " << variant;
    }
  }
  // A trusted script that raises and one that exits: as from a file.
  for (const char* script : {"import sys\nprint('x')\nraise KeyError(3)\n", "raise SystemExit(4)\n"}) {
    RunResult twice[2];
    for (int trusted = 0; trusted < 2; ++trusted) {
      v1::RunRequest req;
      for (const char* a : {"/usr/bin/python3", "-S", "t.py"}) req.add_argv(a);
      (*req.mutable_files())["t.py"] = script;
      *req.mutable_limits() = WithRoom(v1::Limits());
      req.set_trusted_script(trusted == 1);
      twice[trusted] = *Box().Run(req);
    }
    EXPECT_EQ(twice[0].exit_code(), twice[1].exit_code()) << script;
    EXPECT_EQ(twice[0].stdout(), twice[1].stdout()) << script;
    EXPECT_EQ(twice[0].stderr(), twice[1].stderr()) << script;
  }
}

// A trusted script is compiled once, in the spawner, and each warm run of it
// runs that code object (a bug once sent the script with a stray NUL: every
// run compiled it again, 40 ms per judge run).
TEST(PythonZygoteTest, TrustedScriptsRunPrecompiled) {
  for (int trusted = 0; trusted < 2; ++trusted) {
    for (int run = 0; run < 2; ++run) {
      v1::RunRequest req;
      for (const char* a : {"/usr/bin/python3", "-S", "t.py"}) req.add_argv(a);
      (*req.mutable_files())["t.py"] = "print('ok')\n";
      *req.mutable_limits() = WithRoom(v1::Limits());
      req.set_trusted_script(trusted == 1);
      auto r = Box().Run(req);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->stdout(), "ok\n");
      EXPECT_TRUE(r->warm());
      EXPECT_EQ(r->precompiled(), trusted == 1) << "run " << run;
    }
  }
  RunResult cold = Shell("/usr/bin/python3 -S -c 'print(1)'");
  EXPECT_FALSE(cold.warm());
  EXPECT_FALSE(cold.precompiled());
}

TEST(PythonZygoteTest, EachRunStartsFresh) {
  // Every run is a fork of the same pristine zygote: what one run changes is
  // gone in the next, and random state is reseeded per run.
  RunResult a = Python("import random, json; json.dumps = None; print(random.random())");
  RunResult b = Python("import random, json; print(json.dumps is not None, random.random())");
  ASSERT_TRUE(a.warm() && b.warm());
  EXPECT_THAT(b.stdout(), ::testing::StartsWith("True "));
  EXPECT_NE(a.stdout(), b.stdout().substr(5));
  // Only python3 -S goes warm; anything else is exec'd.
  v1::RunRequest site;
  site.add_argv("/usr/bin/python3");
  site.add_argv("-c");
  site.add_argv("import sys; print('site' in sys.modules)");
  *site.mutable_limits() = WithRoom(v1::Limits());
  auto r = Box().Run(site);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->warm());
  EXPECT_EQ(r->stdout(), "True\n");
}

TEST(PythonZygoteTest, WarmRunsAreIsolatedAndLimited) {
  RunResult r = Python(
      "import os\n"
      "print(os.getpid(), os.listdir('/work'), sorted(os.environ))\n"
      "print(open('/proc/self/status').read().count('NoNewPrivs:\\t1'))\n");
  ASSERT_TRUE(r.warm());
  EXPECT_EQ(r.stdout(), "1 [] ['HOME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'TMPDIR']\n1\n") << r.stderr();
  v1::Limits l;
  l.set_cpu_ms(300);
  l.set_wall_ms(120000);  // CPU time is the limit under test; the wall clock only needs room
  RunResult spin = Python("while True: pass", l);
  EXPECT_TRUE(spin.warm());
  EXPECT_EQ(spin.outcome(), RunResult::CPU_TIMEOUT);
  // The setup-error pipe is closed before the program runs: it cannot fake a
  // sandbox failure (which would make its sample sit out).
  RunResult fds = Python("import os; print(sorted(os.listdir('/proc/self/fd')))");
  EXPECT_EQ(fds.stdout(), "['0', '1', '2', '3']\n") << fds.stderr();  // 3: the listing itself
}

}  // namespace
}  // namespace sandbox
