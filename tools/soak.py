#!/usr/bin/python3
"""Soak at saturation: the real reward-server under mixed load, then checks
that nothing failed and nothing leaked.

Starts the server (2 worker threads, its own TMPDIR) and drives it from
several concurrent clients, each with a call always in flight: r1_zero and r1
batches (math, format, language) and code batches (programs run in the
sandbox, io tests, calls and asserts through the judge). The run is:

  warm-up (--warmup s)  -> quiesce -> baseline: RSS, open fds, the server's
                                      descendant processes, its tmp entries
  load (--seconds s)    -> quiesce -> the same again, then SIGTERM

and it fails unless
  - every call succeeded, and no sample came back with an error status
    (TIMEOUT, INTERNAL, SANDBOX_ERROR, ...: a verdict on a program such as
    WRONG_ANSWER is not an error);
  - RSS grew by less than --rss_growth (10%) from baseline to the end, both
    measured quiesced (no call in flight, after a settle time); for short runs
    --rss_floor_mb also allows that much absolute growth (allocator caches and
    gRPC's buffers take a few MB to reach their steady state, which a long
    warm-up hides but 10 s does not);
  - open fds, descendant processes and TMPDIR entries are back to baseline;
  - after SIGTERM the server and every process it ever started are gone, and
    so are the cgroups of their runs (".../reward-sandbox/run-<runner pid>-*").

Nothing here depends on the machine's speed: throughput is reported, never
asserted, and every wait is bounded far above its need.

  /usr/bin/python3 tools/soak.py --server bazel-bin/server/reward-server \\
      --stubs bazel-bin/proto/py --seconds 600 --warmup 180
"""
import argparse
import glob
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

CONFIG = """
listen_address: "127.0.0.1:0"
threads: 2
"""

CODE_PROGRAMS = [
    # right
    "def sort42(xs):\n    return [x for x in xs if x == 42] + sorted(x for x in xs if x != 42)\n\n"
    "if __name__ == '__main__':\n    import sys\n    print(*sort42([int(t) for t in sys.stdin.read().split()]))\n",
    # wrong
    "def sort42(xs):\n    return sorted(xs)\n\n"
    "if __name__ == '__main__':\n    import sys\n    print(*sort42([int(t) for t in sys.stdin.read().split()]))\n",
    # crashes
    "def sort42(xs):\n    return xs[99]\n\n"
    "if __name__ == '__main__':\n    import sys\n    print(*sort42([int(t) for t in sys.stdin.read().split()]))\n",
]
CODE_TESTS = {"language": "python",
              "io": [{"stdin": "3 42 1\n", "stdout": "42 1 3\n"}, {"stdin": "5 4\n", "stdout": "4 5\n"}],
              "calls": [{"function": "sort42", "args": "[[3, 42, 1]]", "expected": "[42, 1, 3]"}],
              "check": "assert sort42([42, 42, 0]) == [42, 42, 0]"}

PROSE = ("First compute the product of three and four, which gives twelve. Then add two to that result, "
         "so the sum is fourteen. Let me check it once more from the left. ")


def math_request(profile, index, groups, per_group, text_bytes):
    req = {"requestId": f"{profile}-{index}", "profile": profile, "groups": []}
    for g in range(groups):
        completions = []
        for s in range(per_group):
            answer = ["14", "14.0", "\\frac{28}{2}", "15"][(index + s) % 4]
            think = (PROSE * (text_bytes // len(PROSE) + 1))[:text_bytes]
            completions.append({"id": f"o{s}", "text": f"<think>{think}</think> <answer>{answer}</answer>"})
        req["groups"].append({"id": f"q{g}", "prompt": "What is 2 + 3 * 4?", "completions": completions,
                              "reference": {"answer": "14", "targetLanguage": "en"}})
    return req


def code_request(index, groups, per_group):
    req = {"requestId": f"code-{index}", "profile": "code", "groups": []}
    for g in range(groups):
        completions = []
        for s in range(per_group):
            program = CODE_PROGRAMS[(index + g + s) % len(CODE_PROGRAMS)]
            # a comment makes every program text distinct (no compile-cache shortcut across calls)
            completions.append({"id": f"c{s}", "text": f"<think>Sort.</think>\n<answer>```python\n# {index}-{g}-{s}\n"
                                                       f"{program}```</answer>"})
        req["groups"].append({"id": f"p{g}", "prompt": "Write sort42.", "completions": completions,
                              "reference": {"tests": CODE_TESTS}})
    return req


def descendants(pid):
    """The pids of every process below `pid` (via /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for f in glob.glob(f"/proc/{p}/task/*/children"):
            try:
                kids = [int(x) for x in pathlib.Path(f).read_text().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return sorted(set(out))


def rss_kb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def run_cgroups(runner_pids):
    """Cgroup directories of runs by these runner processes, anywhere under /sys/fs/cgroup."""
    found = []
    for d in glob.glob("/sys/fs/cgroup/**/reward-sandbox/run-*", recursive=True):
        m = re.search(r"/run-(\d+)-\d+$", d)
        if m and int(m.group(1)) in runner_pids:
            found.append(d)
    return found


class Soak:
    def __init__(self, args, grpc, reward_pb2, json_format):
        self.args = args
        self.grpc = grpc
        self.pb2 = reward_pb2
        self.json_format = json_format
        self.dir = tempfile.TemporaryDirectory(prefix="reward-soak-")
        self.tmp = pathlib.Path(self.dir.name) / "tmp"
        self.tmp.mkdir()
        config = pathlib.Path(self.dir.name) / "config.textproto"
        config.write_text(CONFIG)
        self.log = open(pathlib.Path(self.dir.name) / "server.log", "w+")
        env = dict(os.environ, TMPDIR=str(self.tmp))
        self.proc = subprocess.Popen([args.server, "--config", str(config)], stderr=self.log, env=env)
        self.port = None
        deadline = time.time() + 120
        while time.time() < deadline and self.port is None:
            self.log.seek(0)
            m = re.search(r"\(port (\d+)\)", self.log.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("the server did not start: " + self.server_log())
        self.lock = threading.Lock()
        self.calls = {}
        self.completions = {}
        self.failures = []
        self.in_flight = 0
        self.gate = threading.Event()
        self.stop = False
        self.seen_pids = set()
        self.cgroups_seen = set()
        # Run cgroups already there (other servers', earlier runs'): pids are
        # reused, so a runner of this server may share a pid with their maker.
        self.cgroups_before = set(glob.glob("/sys/fs/cgroup/**/reward-sandbox/run-*", recursive=True))
        self.rss_samples = []  # (time, kb, phase)
        self.phase = "warm-up"

    def server_log(self):
        self.log.seek(0)
        return self.log.read()[-4000:]

    def fail(self, what):
        with self.lock:
            if len(self.failures) < 20:
                self.failures.append(what)
            else:
                self.failures.append("...")

    def client(self, kind, index):
        channel = self.grpc.insecure_channel(f"127.0.0.1:{self.port}", options=[
            ("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)])
        score = channel.unary_unary("/reward.v1.RewardService/Score")  # raw bytes in and out
        requests = []
        for i in range(4):
            if kind == "code":
                obj = code_request(index * 10 + i, groups=2, per_group=4)
            else:
                obj = math_request(kind, index * 10 + i, groups=16, per_group=16, text_bytes=1000)
            requests.append((self.json_format.ParseDict(obj, self.pb2.ScoreRequest()).SerializeToString(),
                             sum(len(g["completions"]) for g in obj["groups"])))
        n = 0
        while not self.stop:
            if not self.gate.wait(timeout=0.2):
                continue
            with self.lock:
                self.in_flight += 1
            data, completions = requests[n % len(requests)]
            n += 1
            try:
                raw = score(data, timeout=300)
                resp = self.pb2.ScoreResponse.FromString(raw)
                bad = [(s.status, [c.reason for c in s.components if c.status not in ("OK",)][:1])
                       for g in resp.groups for s in g.samples if s.status != "OK"]
                bad += [(g.status, g.error) for g in resp.groups if g.status not in ("", "OK")]
                if resp.error_code or bad or len(resp.groups) != (2 if kind == "code" else 16):
                    self.fail(f"{kind}: {resp.error_code} {resp.error_message} {bad[:3]}")
                with self.lock:
                    self.calls[kind] = self.calls.get(kind, 0) + 1
                    self.completions[kind] = self.completions.get(kind, 0) + completions
            except self.grpc.RpcError as e:
                self.fail(f"{kind}: {e.code()} {e.details()}")
            finally:
                with self.lock:
                    self.in_flight -= 1
        channel.close()

    def sampler(self):
        start = time.time()
        n = 0
        while self.proc.poll() is None and not self.stop_sampler:
            try:
                self.seen_pids.update(descendants(self.proc.pid))
                self.rss_samples.append((time.time() - start, rss_kb(self.proc.pid), self.phase))
                if n % 10 == 0:  # the runs' cgroups exist at all here (else that check proves nothing)
                    self.cgroups_seen.update(run_cgroups(self.seen_pids))
            except OSError:
                pass
            n += 1
            time.sleep(0.5)

    def quiesce(self):
        """Stops the clients, waits for the calls in flight, then lets the server settle."""
        self.gate.clear()
        deadline = time.time() + 600
        while time.time() < deadline:
            with self.lock:
                if self.in_flight == 0:
                    break
            time.sleep(0.05)
        # The server's sockets of finished calls, runs being torn down: settle
        # until the counts stop falling (bounded).
        last = None
        for _ in range(40):
            time.sleep(0.5)
            now = (fd_count(self.proc.pid), len(descendants(self.proc.pid)))
            if now == last:
                break
            last = now
        return {"rss_kb": rss_kb(self.proc.pid), "fds": fd_count(self.proc.pid),
                "processes": len(descendants(self.proc.pid)), "tmp": sorted(os.listdir(self.tmp))}

    def wait_back(self, baseline, seconds=30):
        """The end state once fds and processes are back to baseline (or `seconds` passed)."""
        deadline = time.time() + seconds
        while True:
            state = self.quiesce()
            if (state["fds"] <= baseline["fds"] and state["processes"] <= baseline["processes"]
                    and state["tmp"] == baseline["tmp"]) or time.time() > deadline:
                return state
            time.sleep(1)

    def run(self):
        a = self.args
        kinds = ["r1_zero"] * a.math_clients + ["r1"] * a.math_clients + ["code"] * a.code_clients
        self.stop_sampler = False
        sampler = threading.Thread(target=self.sampler)
        sampler.start()
        threads = [threading.Thread(target=self.client, args=(k, i)) for i, k in enumerate(kinds)]
        for t in threads:
            t.start()
        started = time.time()
        self.gate.set()
        time.sleep(a.warmup)
        self.phase = "baseline"
        baseline = self.quiesce()
        calls_before = dict(self.calls)
        completions_before = dict(self.completions)
        self.phase = "load"
        load_start = time.time()
        self.gate.set()
        time.sleep(a.seconds)
        load_seconds = time.time() - load_start
        self.phase = "end"
        end = self.wait_back(baseline)
        self.stop = True
        for t in threads:
            t.join(timeout=600)
        runners = set(self.seen_pids)
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            self.fail("the server did not stop within 120 s of SIGTERM")
        self.stop_sampler = True
        sampler.join()
        # Every process the server ever started is gone, and so are the cgroups of their runs.
        deadline = time.time() + 30
        alive = []
        while time.time() < deadline:
            alive = [p for p in runners if os.path.exists(f"/proc/{p}") and self.was_ours(p)]
            if not alive:
                break
            time.sleep(0.2)
        cgroups = [d for d in run_cgroups(runners) if d not in self.cgroups_before]
        tmp_left = sorted(os.listdir(self.tmp))

        load_calls = {k: self.calls.get(k, 0) - calls_before.get(k, 0) for k in self.calls}
        load_completions = {k: self.completions.get(k, 0) - completions_before.get(k, 0) for k in self.completions}
        growth = (end["rss_kb"] - baseline["rss_kb"]) / max(1, baseline["rss_kb"])
        under_load = [kb for _, kb, phase in self.rss_samples if phase == "load"]
        # RSS over time: the largest sample of each tenth of the run, in MB.
        span = max((t for t, _, _ in self.rss_samples), default=0) + 1e-9
        series = [0.0] * 10
        for t, kb, _ in self.rss_samples:
            series[min(9, int(10 * t / span))] = max(series[min(9, int(10 * t / span))], round(kb / 1024, 1))
        report = {
            "seconds": {"warmup": a.warmup, "load": round(load_seconds, 1), "total": round(time.time() - started, 1)},
            "calls": load_calls,
            "completions_per_s": {k: round(v / load_seconds, 1) for k, v in load_completions.items()},
            "failed": len(self.failures),
            "failures": self.failures[:10],
            "rss_mb": {"baseline": round(baseline["rss_kb"] / 1024, 1), "end": round(end["rss_kb"] / 1024, 1),
                       "growth_pct": round(100 * growth, 2),
                       "max_under_load": round(max(under_load, default=0) / 1024, 1),
                       "max_per_tenth_of_the_run": series},
            "fds": {"baseline": baseline["fds"], "end": end["fds"]},
            "processes": {"baseline": baseline["processes"], "end": end["processes"],
                          "ever_started": len(runners), "alive_after_exit": alive},
            "tmp_entries": {"baseline": len(baseline["tmp"]), "end": len(end["tmp"]), "after_exit": tmp_left},
            "run_cgroups_seen_during_run": len(self.cgroups_seen),
            "run_cgroups_after_exit": cgroups,
            "server_exit": code,
        }
        problems = []
        if self.failures:
            problems.append(f"{len(self.failures)} failed calls or samples")
        if sum(load_calls.get(k, 0) for k in ("r1_zero", "r1", "code")) == 0 or any(
                load_calls.get(k, 0) == 0 for k in set(kinds)):
            problems.append(f"a kind of client made no call during the load: {load_calls}")
        sanitizer = os.environ.get("TEST_SANITIZER")
        if sanitizer:
            # Under ASan freed memory is held back on purpose (its quarantine,
            # 256 MB) and TSan keeps shadow and history per allocation: RSS
            # says nothing about leaks there. ASan's LeakSanitizer checks the
            # server at exit instead (a leak makes the exit status non-zero).
            report["rss_mb"]["not_checked"] = f"under {sanitizer}"
        elif growth >= a.rss_growth and (end["rss_kb"] - baseline["rss_kb"]) >= a.rss_floor_mb * 1024:
            problems.append(f"RSS grew {100 * growth:.1f}% ({baseline['rss_kb']} -> {end['rss_kb']} kB)")
        if end["fds"] > baseline["fds"]:
            problems.append(f"open fds {baseline['fds']} -> {end['fds']}")
        if end["processes"] > baseline["processes"]:
            problems.append(f"descendant processes {baseline['processes']} -> {end['processes']}")
        if end["tmp"] != baseline["tmp"] or tmp_left:
            problems.append(f"TMPDIR entries left: {end['tmp'] or tmp_left}")
        if alive:
            problems.append(f"processes alive after the server exited: {alive}")
        if cgroups:
            problems.append(f"run cgroups left: {cgroups[:5]}")
        if code != 0:
            problems.append(f"the server exited with {code}")
        report["problems"] = problems
        return report

    @staticmethod
    def was_ours(pid):
        """A pid seen below the server, still one of the runner's (not reused by another program)."""
        try:
            cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return b"sandbox-runner" in cmd or b"python3" in cmd or b"reward-server" in cmd

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.dir.cleanup()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True)
    p.add_argument("--stubs", required=True, help="directory of the generated reward/v1/reward_pb2.py")
    p.add_argument("--seconds", type=float, default=600, help="load after the warm-up")
    p.add_argument("--warmup", type=float, default=180)
    p.add_argument("--math_clients", type=int, default=2, help="clients per math profile (r1_zero, r1)")
    p.add_argument("--code_clients", type=int, default=2)
    p.add_argument("--rss_growth", type=float, default=0.10)
    p.add_argument("--rss_floor_mb", type=float, default=0)
    p.add_argument("--report", help="also write the report (JSON) here")
    args = p.parse_args()
    sys.path.insert(0, args.stubs)
    import grpc
    from google.protobuf import json_format
    from reward.v1 import reward_pb2

    soak = Soak(args, grpc, reward_pb2, json_format)
    try:
        report = soak.run()
    except Exception:
        sys.stderr.write(soak.server_log())
        raise
    finally:
        soak.close()
    text = json.dumps(report, indent=1)
    print(text)
    if args.report:
        pathlib.Path(args.report).write_text(text + "\n")
    if report["problems"]:
        print("SOAK FAILED: " + "; ".join(report["problems"]))
        return 1
    print("soak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
