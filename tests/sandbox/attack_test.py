#!/usr/bin/python3
"""Hostile programs against the code verifier's sandbox, through the real
server. Each attack either must be blocked (the program prints SAFE when the
attempt fails and ESCAPED when it works; the test expects SAFE, so PASSED
means the sandbox held) or must end with a given status (resource attacks).
After the suite the host is checked (no leftover processes or files, the
server's secrets unseen) and the server must still answer health checks.

No verdict may depend on the machine's speed or load: a case whose expected
outcome is TIMEOUT never ends by itself (it loops, or sleeps 30 s and more)
and has a short limit; every other case has a limit far above what any
machine needs to reach its outcome (filling 256 MB on a machine whose memory
was never touched since boot can take seconds).
"""
import json
import os
import pathlib
import subprocess
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import integration_test as it  # noqa: E402  (Server, request, junit writer)

SECRET = "s3cr3t-" + str(os.getpid())
# Where the server's sandbox runner lives on the host (beside the server).
RUNNER_DIR = pathlib.Path(os.path.realpath(it.SERVER)).parent
HOST_MARKER = pathlib.Path("/tmp") / f"sandbox-escape-{os.getpid()}"

CONFIG = """
listen_address: "127.0.0.1:0"
threads: 2
"""

# name -> program. Blocked attempts print SAFE.
BLOCKED = {
    "tcp connect": "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 50051), 1)\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "udp send": "import socket\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.sendto(b'x', ('8.8.8.8', 53))\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "dns lookup": "import socket\ntry:\n    socket.getaddrinfo('example.com', 80)\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "ipv6 socket": "import socket\ntry:\n    socket.socket(socket.AF_INET6)\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "raw packet socket": "import socket\ntry:\n    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n    print('ESCAPED')\nexcept (OSError, AttributeError):\n    print('SAFE')",
    "netlink socket": "import socket\ntry:\n    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "read /etc/shadow": "try:\n    open('/etc/shadow').read()\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "read /etc/passwd": "try:\n    open('/etc/passwd').read()\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "list /home and /root": "import os\nprint('SAFE' if not os.path.exists('/home') and not os.path.exists('/root') else 'ESCAPED')",
    "server environ via /proc": "import os\nfound = False\nfor p in os.listdir('/proc'):\n    if p.isdigit():\n        try:\n            found |= b'" + SECRET + "' in open('/proc/%s/environ' % p, 'rb').read()\n        except OSError:\n            pass\nprint('ESCAPED' if found else 'SAFE')",
    "environment variables": "import os\nprint('ESCAPED' if any('" + SECRET + "' in v for v in os.environ.values()) else 'SAFE')",
    "see other processes": "import os\npids = [p for p in os.listdir('/proc') if p.isdigit()]\nprint('SAFE' if len(pids) <= 2 else 'ESCAPED')",
    "write outside /work": "try:\n    open('/usr/lib/evil', 'w').write('x')\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "write /dev": "import os\ntry:\n    open('/dev/evil', 'w').write('x')\n    print('ESCAPED')\nexcept OSError:\n    try:\n        os.mkdir('/dev/shm')\n        print('ESCAPED')\n    except OSError:\n        print('SAFE')",
    "write the root": "try:\n    open('/evil', 'w').write('x')\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "write host /tmp": "open('/tmp/" + HOST_MARKER.name + "', 'w').write('x')\nprint('SAFE')",
    "symlink escape": "import os\nos.symlink('/etc/shadow', 'l')\ntry:\n    open('l').read()\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "proc root escape": "import os\ntry:\n    print('ESCAPED' if os.path.exists('/proc/1/root/home') or os.listdir('/proc/1/root/root') else 'SAFE')\nexcept OSError:\n    print('SAFE')",
    "signal every process": "import os, signal\ntry:\n    os.kill(-1, signal.SIGTERM)\nexcept OSError:\n    pass\nprint('SAFE')",
    "ptrace": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('ESCAPED' if libc.ptrace(16, 1, None, None) == 0 else 'SAFE')",
    "unshare": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('ESCAPED' if libc.unshare(0x10000000) == 0 else 'SAFE')",
    "mount": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('ESCAPED' if libc.mount(b'none', b'/work', b'tmpfs', 0, None) == 0 else 'SAFE')",
    "chroot": "import os\ntry:\n    os.chroot('/work')\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "setuid binary": "import subprocess\nr = subprocess.run(['/usr/bin/su', '-c', 'id'], capture_output=True, stdin=subprocess.DEVNULL)\nprint('ESCAPED' if b'uid=0' in r.stdout else 'SAFE')",
    "become root": "import os\ntry:\n    os.setuid(0)\n    open('/usr/x', 'w')\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "raw disk": "import os\nprint('SAFE' if not any(os.path.exists(d) for d in ['/dev/sda', '/dev/vda', '/dev/mem', '/dev/kmsg']) else 'ESCAPED')",
    "sethostname": "import socket\ntry:\n    socket.sethostname('pwned')\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "clock setting": "import time\ntry:\n    time.clock_settime(time.CLOCK_REALTIME, 0)\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "reboot": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('ESCAPED' if libc.reboot(0x4321fedc) == 0 else 'SAFE')",
    "io_uring (sockets past the filter)": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nparams = ctypes.create_string_buffer(120)\nprint('ESCAPED' if libc.syscall(425, 8, params) >= 0 else 'SAFE')",
    "clone into new namespaces": "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nr = libc.syscall(56, 0x10000000 | 0x40000000 | 17, None, None, None, None)\nif r == 0:\n    os._exit(0)\nprint('ESCAPED' if r > 0 else 'SAFE')",
    "bpf and keyctl": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('ESCAPED' if libc.syscall(321, 0, None, 0) >= 0 or libc.syscall(250, 0, 0, 0) >= 0 else 'SAFE')",
    "too many files": "fs = []\ntry:\n    for i in range(100000):\n        fs.append(open('/dev/null'))\n    print('ESCAPED')\nexcept OSError:\n    print('SAFE')",
    "orphan outlives the run": "import subprocess\nsubprocess.Popen(['/bin/sleep', '637.5'], start_new_session=True)\nprint('SAFE')",
    "kill the parent": "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass\nprint('SAFE')",
    # kill(0) and kill(-pgid) reach a process group across PID namespaces:
    # the sandbox must be in a group of its own (it once killed the server).
    "kill the process group": "import os, signal\ntry:\n    os.kill(0, signal.SIGKILL)\nexcept OSError:\n    pass\nprint('SAFE')",
    # Nothing of the host's paths: the runner's command line is blanked in
    # every run's memory, and the cgroup namespace hides the groups' paths.
    "host paths in /proc": "import os, ctypes\nseen = open('/proc/1/cmdline', 'rb').read() + open('/proc/self/cgroup', 'rb').read()\n"
                           "seen += os.readlink('/proc/self/exe').encode() + open('/proc/self/maps', 'rb').read()\n"
                           "libc = ctypes.CDLL(None)\nlibc.getauxval.restype = ctypes.c_char_p\nseen += libc.getauxval(31) or b''\n"
                           "print('ESCAPED' if b'sandbox-runner' in seen or b'reward-sandbox' in seen or b'bazel' in seen "
                           "or " + repr(str(RUNNER_DIR).encode()) + " in seen else 'SAFE')",
    "kill a guessed group": "import os, signal\nfor g in range(2, 400):\n    try:\n        os.killpg(g, signal.SIGKILL)\n    except OSError:\n        pass\nprint('SAFE')",
}

# Per-test limits: SHORT for programs that never end (expected TIMEOUT), ROOM
# for everything else, so the outcome under test is reached on any machine.
SHORT_MS = 1500
ROOM_MS = 60000

# name -> (program, expected component status)
RESOURCES = {
    "fork bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", "TIMEOUT"),
    "memory bomb": ("x = []\nwhile True:\n    x.append(bytearray(10 << 20))", "MEMORY_LIMIT"),
    "cpu spin": ("while True:\n    pass", "TIMEOUT"),
    "sleep past the wall clock": ("import time\ntime.sleep(60)", "TIMEOUT"),
    "output flood": ("while True:\n    print('A' * 10000)", "OUTPUT_LIMIT"),
    "disk fill": ("f = open('/work/big', 'wb')\nwhile True:\n    f.write(b'x' * (1 << 20))", "RUNTIME_ERROR"),
    # The main thread fails to start more, then waits for the sleepers: killed at the wall clock.
    "thread explosion": ("import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(30,)).start()", "TIMEOUT"),
    "stdin starvation": ("import sys\nwhile True:\n    sys.stdin.read(1) or (_ for _ in ()).throw(EOFError())", "RUNTIME_ERROR"),
    # Python 3.11 stops reading the source at the NUL: it prints "a", not "done".
    "NUL bytes in source": ("print('a')\x00\x00", "WRONG_ANSWER"),
    "10 MB single line": ("x = '" + "a" * (10 << 20) + "'\nprint('done')", None),
}

# C++17: compiled in the sandbox, then run like the Python programs.
CPP_PRELUDE = ("#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <fcntl.h>\n#include <signal.h>\n"
               "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <sys/ptrace.h>\n#include <sys/syscall.h>\n"
               "#include <unistd.h>\n#include <sched.h>\n#include <vector>\n#include <thread>\n")
CPP_BLOCKED = {
    "c++ tcp connect": "int main() { int s = socket(AF_INET, SOCK_STREAM, 0); sockaddr_in a{}; a.sin_family = AF_INET; "
                       "a.sin_port = htons(50051); a.sin_addr.s_addr = htonl(0x7f000001); "
                       "puts(s >= 0 && connect(s, (sockaddr*)&a, sizeof a) == 0 ? \"ESCAPED\" : \"SAFE\"); }",
    "c++ read /etc/shadow": "int main() { puts(open(\"/etc/shadow\", O_RDONLY) >= 0 ? \"ESCAPED\" : \"SAFE\"); }",
    "c++ write outside /work": "int main() { puts(open(\"/usr/evil\", O_CREAT | O_WRONLY, 0644) >= 0 ? \"ESCAPED\" : \"SAFE\"); }",
    "c++ ptrace": "int main() { puts(ptrace(PTRACE_ATTACH, 1, nullptr, nullptr) == 0 ? \"ESCAPED\" : \"SAFE\"); }",
    "c++ raw unshare syscall": "int main() { puts(syscall(SYS_unshare, CLONE_NEWUSER) == 0 ? \"ESCAPED\" : \"SAFE\"); }",
    "c++ kill the process group": "int main() { kill(0, SIGKILL); kill(-1, SIGKILL); puts(\"SAFE\"); }",
}
CPP_RESOURCES = {
    "c++ fork bomb": ("int main() { for (;;) fork(); }", "TIMEOUT"),
    "c++ memory bomb": ("int main() { std::vector<char*> v; for (;;) { char* p = new char[10 << 20]; "
                        "memset(p, 1, 10 << 20); v.push_back(p); } }", "MEMORY_LIMIT"),
    "c++ cpu spin": ("int main() { volatile unsigned long x = 0; for (;;) ++x; }", "TIMEOUT"),
    "c++ output flood": ("int main() { for (;;) puts(\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"); }", "OUTPUT_LIMIT"),
    "c++ segfault": ("int main() { *(volatile int*)nullptr = 1; }", "RUNTIME_ERROR"),
    "c++ thread explosion": ("int main() { std::vector<std::thread> t; for (;;) t.emplace_back([] { sleep(30); }); }",
                             "RUNTIME_ERROR"),
    # The compiler runs in the sandbox too: it cannot read the host's files.
    "c++ include a host file": ("#include \"/etc/shadow\"\nint main() {}", "COMPILE_ERROR"),
}

# Tests run by the judge (check code, calls): a program that cannot solve
# the task must not pass them by tampering. name -> program (all score 0).
FAKES = {
    "exit before the checks": "import sys\nsys.exit(0)",
    "claim success": "print('all tests passed')\nimport os\nos._exit(0)",
    "equal to everything": "class A:\n    def __eq__(self, o): return True\ndef f(x):\n    return A()",
    "patch the comparison": "import json, operator, builtins\njson.dumps = repr\noperator.eq = lambda a, b: True\n"
                            "builtins.AssertionError = Exception\ndef f(x):\n    return None",
    "kill the judge": "import os, signal\ndef f(x):\n    for p in (1, os.getppid()):\n        os.kill(p, signal.SIGKILL)",
}


def group(name, program, stdout="SAFE\n", language="python", status=None):
    fence = "cpp" if language == "cpp" else "python"
    limit = SHORT_MS if status == "TIMEOUT" else ROOM_MS
    return {"id": name, "prompt": "attack",
            "completions": [{"id": "attack", "text": "```" + fence + "\n" + program + "\n```"}],
            "reference": {"tests": {"language": language, "io": [{"stdin": "", "stdout": stdout}],
                                    "timeLimitMs": limit, "memoryLimitMb": 256}}}


def judged_group(name, program):
    # The fakes that hang are killed at the limit; the honest program needs
    # a few milliseconds of it.
    return {"id": name, "prompt": "attack",
            "completions": [{"id": "attack", "text": "```python\n" + program + "\n```"}],
            "reference": {"tests": {"check": "assert f(2) == 4\nassert f(3) == 9",
                                    "calls": [{"function": "f", "args": "[5]", "expected": "25"}],
                                    "timeLimitMs": 10000}}}


def host_sleepers():
    return it.host_processes("sleep 637.5")


class AttackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["ATTACK_TEST_SECRET"] = SECRET  # inherited by the server
        cls.server = it.Server(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def score(self, groups, params=None):
        term = {"verifier": "code", "params": params or {}}
        resp = self.server.stub.Score(it.request({"groups": groups, "reward": [term]}), timeout=600)
        return {g.id: g.samples[0] for g in resp.groups}

    def test_blocked_attacks(self):
        self.assertGreaterEqual(len(BLOCKED) + len(RESOURCES) + len(CPP_BLOCKED) + len(CPP_RESOURCES) + len(FAKES), 30)
        got = self.score([group(n, p) for n, p in BLOCKED.items()])
        for name in BLOCKED:
            c = got[name].components[0]
            with self.subTest(name):
                self.assertEqual(c.status, "PASSED", f"{name}: {c.status} {c.reason}")
                self.assertNotIn(SECRET, c.reason)
        self.assertFalse(HOST_MARKER.exists(), "a file reached the host's /tmp")
        # The orphan would live 637.5 s; the kernel reaps a killed run's
        # processes in milliseconds. Waiting up to 30 s for them to go keeps a
        # slow reap from failing the test and still catches an orphan that
        # outlived its run, on any machine.
        deadline = time.time() + 30
        while host_sleepers() and time.time() < deadline:
            time.sleep(0.1)
        left = host_sleepers()
        if left:
            subprocess.run(["pkill", "-f", "sleep 637.5"])
        self.assertEqual(left, [], "a background process outlived its run")

    def test_resource_attacks(self):
        got = self.score([group(n, p, "done\n", status=st) for n, (p, st) in RESOURCES.items()])
        for name, (_, status) in RESOURCES.items():
            c = got[name].components[0]
            with self.subTest(name):
                if status is None:  # refused before any run
                    self.assertEqual(got[name].status, "TOO_LONG", c.reason)
                else:
                    self.assertEqual(c.status, status, f"{name}: {c.reason}")
                self.assertEqual(got[name].reward, 0)

    def test_cpp_attacks(self):
        # The compiler gets the most room the verifier allows (110 s, not the
        # 30 s default): a loaded machine once took 32 s to compile these.
        got = self.score([group(n, CPP_PRELUDE + p, language="cpp") for n, p in CPP_BLOCKED.items()] +
                         [group(n, CPP_PRELUDE + p, "done\n", "cpp", st) for n, (p, st) in CPP_RESOURCES.items()],
                         params={"compile_time_limit_ms": 110000})
        for name in CPP_BLOCKED:
            c = got[name].components[0]
            with self.subTest(name):
                self.assertEqual(c.status, "PASSED", f"{name}: {c.status} {c.reason}")
        for name, (_, status) in CPP_RESOURCES.items():
            c = got[name].components[0]
            with self.subTest(name):
                self.assertEqual(c.status, status, f"{name}: {c.reason}")
                self.assertEqual(got[name].reward, 0)

    def test_cannot_fake_judged_tests(self):
        got = self.score([judged_group(n, p) for n, p in FAKES.items()] +
                         [judged_group("honest", "def f(x):\n    return x * x")])
        for name in FAKES:
            with self.subTest(name):
                self.assertEqual(got[name].reward, 0, f"{name}: {got[name].components[0].reason}")
        self.assertEqual(got["honest"].reward, 1.0, got["honest"].components[0].reason)
        self.assertEqual(got["honest"].components[0].reason, "3/3 tests passed")

    def test_hog_does_not_starve_others(self):
        hogs = [group(f"hog{i}", "while True:\n    pass", "done\n", status="TIMEOUT") for i in range(2)]
        fast = [group(f"fast{i}", "print('SAFE')") for i in range(6)]
        got = self.score(hogs + fast)
        for i in range(6):
            self.assertEqual(got[f"fast{i}"].components[0].status, "PASSED")
        for i in range(2):
            self.assertEqual(got[f"hog{i}"].components[0].status, "TIMEOUT")

    def test_many_process_hog_gets_one_runs_share(self):
        # Thirty spinning children, each in a session of its own, beside
        # honest programs that need 0.5 s of CPU each (counted in CPU time,
        # so the same on any machine): with one CPU weight per run they get
        # about half the machine and finish in about a second; without, 1/16
        # of a core, 8 s, past their 6 s limit. The hog ends at its own limit.
        hog = group("hog", "import os\nfor i in range(30):\n    if os.fork() == 0:\n        os.setsid()\n"
                           "        break\nwhile True:\n    pass", "done\n", status="TIMEOUT")
        hog["reference"]["tests"]["timeLimitMs"] = 20000
        honest = [group(f"honest{i}", "import time\nwhile time.process_time() < 0.5:\n    pass\nprint('SAFE')")
                  for i in range(6)]
        for g in honest:
            g["reference"]["tests"]["timeLimitMs"] = 6000
        got = self.score([hog] + honest)
        self.assertEqual(got["hog"].components[0].status, "TIMEOUT")
        for i in range(6):
            c = got[f"honest{i}"].components[0]
            self.assertEqual(c.status, "PASSED", f"honest{i}: {c.reason}")

    def test_hogs_on_a_64_thread_server(self):
        # 58 runs of 30 spinning processes each beside 6 honest runs, all at
        # once on a server with 64 workers: each run has the same CPU weight,
        # so an honest run gets 1/64 of the machine, and its few milliseconds
        # of CPU take well under a second (1/1800 without weights: 10 s and
        # more). The hogs end at their 15 s limit.
        server = it.Server(CONFIG.replace("threads: 2", "threads: 64"))
        try:
            honest = [group(f"honest{i}", "print('SAFE')") for i in range(6)]
            for g in honest:
                g["reference"]["tests"]["timeLimitMs"] = 10000
            hogs = []
            for i in range(58):
                hog = group(f"hog{i}", "import os\nfor i in range(30):\n    if os.fork() == 0:\n        os.setsid()\n"
                                       "        break\nwhile True:\n    pass", "done\n", status="TIMEOUT")
                hog["reference"]["tests"]["timeLimitMs"] = 15000
                hogs.append(hog)
            resp = server.stub.Score(it.request({"groups": honest + hogs, "reward": [{"verifier": "code"}]}),
                                     timeout=600)
            got = {g.id: g.samples[0] for g in resp.groups}
        finally:
            server.stop()
        for i in range(6):
            c = got[f"honest{i}"].components[0]
            self.assertEqual(c.status, "PASSED", f"honest{i}: {c.reason}")
        self.assertEqual({got[f"hog{i}"].components[0].status for i in range(58)}, {"TIMEOUT"})

    def test_memory_holds_nothing_of_other_runs_or_the_judge(self):
        # Markers planted where a run must never find them: a previous run's
        # stdin and stdout, the request's prompt, the judge's check code and
        # expected values, and the runner's directory on the host. Scanners
        # read every readable page of their own memory (as a program can,
        # with ctypes) and look for each marker by its two halves, so the
        # whole marker never exists in their own code.
        halves = {kind: (f"mk{kind}{os.urandom(4).hex()}", os.urandom(5).hex()) for kind in
                  ("in", "prompt", "spec", "want")}
        marker = {kind: a + b for kind, (a, b) in halves.items()}
        halves["out"] = tuple(h.upper() for h in halves["in"])  # what the leaker prints
        runner_dir = str(RUNNER_DIR)  # the runner's place on the host
        halves["runner"] = (runner_dir[:len(runner_dir) // 2], runner_dir[len(runner_dir) // 2:])
        needles = sorted(halves.items())
        scanner = (
            "import ctypes\n"
            f"NEEDLES = {[(k, a.encode(), b.encode()) for k, (a, b) in needles]!r}\n"
            "found = set()\n"
            "for line in open('/proc/self/maps').read().splitlines():\n"
            "    parts = line.split()\n"
            "    if not parts[1].startswith('r') or parts[-1].startswith(('[vvar', '[vsyscall')):\n"
            "        continue\n"
            "    if len(parts) > 5 and parts[5].startswith('/') and 'w' not in parts[1]:\n"
            "        continue  # a file's read-only pages: its content (reading past its end faults)\n"
            "    lo, hi = (int(x, 16) for x in parts[0].split('-'))\n"
            "    for at in range(lo, hi, 1 << 22):\n"
            "        data = ctypes.string_at(at, min(hi - at, (1 << 22) + 64))\n"
            "        for kind, a, b in NEEDLES:\n"
            "            j = data.find(a)\n"
            "            while j >= 0:\n"
            "                if data[j + len(a):j + len(a) + len(b)] == b:\n"
            "                    found.add(kind)\n"
            "                j = data.find(a, j + 1)\n"
            "        del data\n"
            "RESULT = 'CLEAN' if not found else 'FOUND ' + ' '.join(sorted(found))\n")
        leaker = group("leaker", "print(input().upper())", marker["in"].upper() + "\n")
        leaker["reference"]["tests"]["io"][0]["stdin"] = marker["in"] + "\n"
        leaker["prompt"] = "echo " + marker["prompt"]
        judged = judged_group("judged", scanner + "def f(x):\n    return RESULT")
        judged["reference"]["tests"]["check"] = f"assert f(1) == 'CLEAN', '{marker['spec']}'"
        judged["reference"]["tests"]["calls"][0]["expected"] = json.dumps(marker["want"])
        first = self.score([leaker, judged])
        self.assertEqual(first["leaker"].components[0].status, "PASSED", first["leaker"].components[0].reason)
        # The judged program scanned its own process: it passes the check only
        # if its memory was clean (the call wants the judge's marker: fails).
        self.assertTrue(first["judged"].components[0].reason.startswith("1/2 passed"),
                        first["judged"].components[0].reason)
        # Scanners after those runs, on every runner the server keeps.
        scans = [group(f"scan{i}", scanner + "print(RESULT)", "CLEAN\n") for i in range(6)]
        for g in scans:
            g["prompt"] = marker["prompt"]
        got = self.score(scans + [judged])
        for i in range(6):
            c = got[f"scan{i}"].components[0]
            self.assertEqual(c.status, "PASSED", f"scan{i}: {c.reason}")
        self.assertTrue(got["judged"].components[0].reason.startswith("1/2 passed"), got["judged"].components[0].reason)

    def test_descriptors_left_in_flight_do_not_fail_the_next_sample(self):
        # Sockets sent over themselves leave descriptors in flight that no
        # process can receive; the kernel counts them against the uid every
        # run of a runner shares until its collector runs. The next judged
        # sample on that runner once could not pass its pipes (ETOOMANYREFS)
        # and timed out: scored 0 for another sample's program (red team).
        hostile = group("hostile", "import os, socket\ntry:\n    for i in range(25):\n"
                        "        a, b = socket.socketpair()\n        for k in range(40):\n"
                        "            socket.send_fds(a, [b'x'], [a.fileno(), b.fileno()])\n"
                        "except OSError:\n    pass\nprint('SAFE', flush=True)\nos._exit(0)")
        honest = judged_group("honest", "def f(x):\n    return x * x")
        honest["reference"]["tests"]["timeLimitMs"] = 2000  # the default limit
        for attempt in range(4):
            self.assertEqual(self.score([hostile])["hostile"].components[0].status, "PASSED")
            c = self.score([honest])["honest"].components[0]
            self.assertEqual(c.status, "PASSED", f"attempt {attempt}: {c.reason}")

    def test_zz_server_still_healthy(self):
        resp = self.server.health.Check(it.health_pb2.HealthCheckRequest(), timeout=it.CALL_TIMEOUT)
        self.assertEqual(resp.status, it.health_pb2.HealthCheckResponse.SERVING)


if __name__ == "__main__":
    it.main(sys.modules[__name__], sys.argv[1:])
