#!/usr/bin/python3
"""End-to-end: starts the real reward-server binary on a free port and drives
it with the real reward-cli and with a Python gRPC client (as a trainer would),
including a table of bad requests after which the server must still be healthy,
and a graceful SIGTERM.

Run by Bazel (tests/BUILD) with the binaries and generated Python stubs as
runfiles; writes a JUnit report to $XML_OUTPUT_FILE so each case counts.

No verdict here may depend on the machine's speed or load (a freshly booted
machine, or one whose other core is busy, is several times slower): every
wait has a bound far above what it needs, and where time is what a test is
about, the program exceeds or undercuts the limit by far.
"""
import collections
import gzip
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

RUNFILES = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / os.environ.get("TEST_WORKSPACE", "reward_service")
sys.path.insert(0, str(RUNFILES / "proto" / "py"))

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from reward.v1 import reward_pb2, reward_pb2_grpc  # noqa: E402

SERVER = RUNFILES / "server" / "reward-server"
CLI = RUNFILES / "client" / "reward-cli"
EXAMPLE = RUNFILES / "examples" / "r1_zero.jsonl"
CODE_EXAMPLE = RUNFILES / "examples" / "code.jsonl"
HUMANEVAL = RUNFILES / "tests" / "data" / "HumanEval.jsonl.gz"

CONFIG = """
listen_address: "127.0.0.1:0"
threads: 2
limits {
  max_request_bytes: 1048576
  max_completions_per_group: 64
  max_completion_bytes: 65536
  max_json_bytes: 65536
}
profiles { name: "fmt" terms { verifier: "format" weight: 0.1 } }
profiles { name: "broken" terms { verifier: "no_such_verifier" weight: 1 } }
"""

# Deadlines of calls and commands whose subject is not time: they only stop a
# hung test, so they are far above what any machine needs (milliseconds here).
CALL_TIMEOUT = 120
START_TIMEOUT = 120  # a cold start after dropped caches loads the binary and libpython from disk


SANITIZER_REPORT = re.compile(
    r"^(WARNING: ThreadSanitizer|==\d+==ERROR: (AddressSanitizer|LeakSanitizer)|.*: runtime error: )", re.M)


def sanitizer_report(log):
    """The first sanitizer report in a log (from its first line, at most 60
    lines), or "" if there is none."""
    m = SANITIZER_REPORT.search(log)
    return "\n".join(log[m.start():].splitlines()[:60]) if m else ""


class Server:
    """The real binary on a port it picks itself (listen_address ...:0)."""

    def __init__(self, config_text):
        self.dir = tempfile.TemporaryDirectory()
        config = pathlib.Path(self.dir.name) / "config.textproto"
        config.write_text(config_text)
        self.log = open(pathlib.Path(self.dir.name) / "server.log", "w+")
        self.proc = subprocess.Popen([str(SERVER), "--config", str(config)], stderr=self.log)
        self.port = self.logged_port("port")
        self.address = f"127.0.0.1:{self.port}"
        self.channel = grpc.insecure_channel(self.address, options=[
            ("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)])
        self.stub = reward_pb2_grpc.RewardServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def read_log(self):
        self.log.seek(0)
        return self.log.read()

    def logged_port(self, label):
        """The port the server printed as "(LABEL N)" ("port", "http port",
        "metrics port"), once it has; an error if it exits first."""
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            m = re.search(rf"\({label} (\d+)\)", self.read_log())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"server did not start ({label}): " + self.read_log())

    def cli(self, *args, stdin=None):
        return subprocess.run([str(CLI), "--address", self.address, *args], input=stdin,
                              capture_output=True, text=True, timeout=CALL_TIMEOUT)

    def stop(self):
        """SIGTERM, wait, clean up; an error if the server's log holds a
        sanitizer's report (make test-asan / test-tsan), so that a report
        printed while the server drains or exits is not missed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=CALL_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        report = sanitizer_report(self.read_log())
        self.channel.close()
        self.log.close()
        self.dir.cleanup()
        if report:
            raise AssertionError("the server's log holds a sanitizer report:\n" + report)


def seed_group():
    return json.loads(EXAMPLE.read_text().splitlines()[0])


def request(obj):
    return json_format.ParseDict(obj, reward_pb2.ScoreRequest())


def raw_request(obj):
    """The request's bytes with invalid UTF-8 in place of every "QQQQ", as a
    client that does not validate its strings would send them (Python's
    protobuf refuses to build such strings)."""
    return request(obj).SerializeToString().replace(b"QQQQ", b"\xff\xfe\xc0\xaf")


def nested_list(depth):
    """[[[...[1]...]]], built without recursion."""
    value = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


BAD = "\ufffd"  # U+FFFD, what invalid bytes become in the server's messages


class IntegrationTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assert_healthy(self):
        resp = self.server.health.Check(health_pb2.HealthCheckRequest(), timeout=CALL_TIMEOUT)
        self.assertEqual(resp.status, health_pb2.HealthCheckResponse.SERVING)

    def test_health_via_cli(self):
        out = self.server.cli("health")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "SERVING")

    def test_cli_table_for_seed_example(self):
        out = self.server.cli("score", "--input", str(EXAMPLE), "--reward", '[{"verifier":"format","weight":0.1}]')
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = {}
        for line in out.stdout.splitlines():
            m = re.match(r"\s+(o\d)\s+(\S+)\s+(\S+)\s+format\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
            if m:
                rows[m.group(1)] = (float(m.group(2)), float(m.group(3)), m.group(6), m.group(7))
        self.assertEqual(sorted(rows), ["o1", "o2", "o3", "o4"], out.stdout)
        self.assertEqual([rows[k][0] for k in ("o1", "o2", "o3", "o4")], [0.1, 0.1, 0.0, 0.0])
        self.assertGreater(rows["o1"][1], 0)
        self.assertGreater(rows["o2"][1], 0)
        self.assertLess(rows["o3"][1], 0)
        self.assertLess(rows["o4"][1], 0)
        self.assertIn("missing <think>", rows["o3"][3])
        self.assertIn("missing </answer>", rows["o4"][3])
        self.assertIn("group q1", out.stdout)

    def test_r1_zero_worked_example(self):
        # DeepSeek-R1-Zero: accuracy (math) 1 + format 0.1 -> 0.1, 1.1, 1.0, 0.
        out = self.server.cli("score", "--input", str(EXAMPLE), "--profile", "r1_zero", "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        group = json.loads(out.stdout.splitlines()[0])
        samples = group["samples"]
        self.assertEqual([round(s["reward"], 9) for s in samples], [0.1, 1.1, 1.0, 0])
        self.assertAlmostEqual(group["mean"], 0.55)
        adv = [s["advantage"] for s in samples]
        self.assertLess(adv[0], 0)
        self.assertGreater(adv[1], 0)
        self.assertGreater(adv[2], 0)
        self.assertLess(adv[3], 0)
        math = [next(c for c in s["components"] if c["verifier"] == "math") for s in samples]
        self.assertEqual(math[0]["reason"], "20 ≠ 14 (answer_tag)")
        self.assertIn("14 = 14", math[1]["reason"])
        self.assertIn("14 = 14", math[2]["reason"])
        self.assertIn("no answer found", math[3]["reason"])
        # The table shows the same, and the default profile is r1_zero.
        table = self.server.cli("score", "--input", str(EXAMPLE))
        self.assertEqual(table.returncode, 0, table.stderr)
        rewards = re.findall(r"^\s+(o\d)\s+(\S+)\s+\S+\s+math", table.stdout, re.M)
        self.assertEqual(rewards, [("o1", "0.1000"), ("o2", "1.1000"), ("o3", "1.0000"), ("o4", "0.0000")])

    def test_r1_language_example(self):
        # The seed's second example: accuracy 1 + language 0.2, target en.
        reward = '[{"verifier":"math","weight":1},{"verifier":"language","weight":0.2}]'
        out = self.server.cli("score", "--input", str(EXAMPLE), "--reward", reward, "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        samples = json.loads(out.stdout.splitlines()[0])["samples"]
        self.assertAlmostEqual(samples[0]["reward"], 0.2)
        self.assertAlmostEqual(samples[1]["reward"], 1.2)
        lang = next(c for c in samples[1]["components"] if c["verifier"] == "language")
        self.assertEqual(lang["reason"], "no words to count in think (target en)")
        # The r1 profile (math 1 + format 0.1 + language 0.2) is served too.
        r1 = self.server.cli("score", "--input", str(EXAMPLE), "--profile", "r1", "--json")
        self.assertEqual(r1.returncode, 0, r1.stderr)
        self.assertAlmostEqual(json.loads(r1.stdout.splitlines()[0])["samples"][1]["reward"], 1.3)

    def test_code_profile_four_completions(self):
        # Not code, code that does not solve it, code failing a test, correct code.
        out = self.server.cli("score", "--input", str(CODE_EXAMPLE), "--profile", "code", "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        samples = json.loads(out.stdout.splitlines()[0])["samples"]
        code = [next(c for c in s["components"] if c["verifier"] == "code") for s in samples]
        self.assertEqual([c["status"] for c in code], ["NO_CODE", "WRONG_ANSWER", "WRONG_ANSWER", "PASSED"])
        scores = [c["score"] for c in code]
        self.assertEqual(scores[0], 0)
        self.assertLess(scores[1], scores[2])
        self.assertLess(scores[2], 1)
        self.assertEqual(scores[3], 1)
        self.assertAlmostEqual(samples[3]["reward"], 1.1)
        self.assertGreater(samples[3]["advantage"], 0)
        self.assertLess(samples[0]["advantage"], 0)
        self.assert_healthy()

    def test_humaneval_canonical_solutions_pass(self):
        # All 164 canonical solutions score 1.0 through the running server; a
        # wrong variant of each (the body replaced by `return None`) scores < 1.
        problems = [json.loads(l) for l in gzip.open(HUMANEVAL, "rt")]
        self.assertEqual(len(problems), 164)
        groups = []
        for p in problems:
            tests = {"language": "python", "check": p["test"] + "\ncheck(" + p["entry_point"] + ")\n",
                     "timeLimitMs": 10000}
            right = "```python\n" + p["prompt"] + p["canonical_solution"] + "\n```"
            wrong = "```python\n" + p["prompt"] + "    return None\n```"
            groups.append({"id": p["task_id"], "prompt": p["prompt"], "reference": {"tests": tests},
                           "completions": [{"id": "canonical", "text": right}, {"id": "wrong", "text": wrong}]})
        start = time.time()
        resp = self.server.stub.Score(request({"groups": groups, "reward": [{"verifier": "code"}]}), timeout=600)
        elapsed = time.time() - start
        failed = [(g.id, g.samples[0].components[0].reason) for g in resp.groups if g.samples[0].reward != 1.0]
        self.assertEqual(failed, [])
        fooled = [g.id for g in resp.groups if g.samples[1].reward >= 1.0]
        self.assertEqual(fooled, [])
        print(f"HumanEval: 164 canonical pass, 164 wrong variants fail, {elapsed:.1f} s for 328 programs",
              file=sys.stderr)

    def test_queue_time_never_counts_against_run_limits(self):
        # 300 runs of a program that sleeps 200 ms (30x inside its 6 s limit)
        # on the server's 2 workers: at least 30 s in all on any machine, so
        # the last runs wait five limits' worth in the queue, and none may
        # time out. (With 2 s limits and 100 ms sleeps, a machine at load 65
        # to 100 from other builds once timed a few runs out.)
        program = "```python\nimport time\ntime.sleep(0.2)\nprint(sum(map(int, input().split())))\n```"
        groups = [{"id": f"q{i}", "prompt": "add",
                   "reference": {"tests": {"io": [{"stdin": f"{i} 1\n", "stdout": f"{i + 1}\n"}], "timeLimitMs": 6000}},
                   "completions": [{"id": str(j), "text": program} for j in range(4)]} for i in range(75)]
        start = time.time()
        resp = self.server.stub.Score(request({"groups": groups, "reward": [{"verifier": "code"}]}), timeout=600)
        elapsed = time.time() - start
        statuses = collections.Counter(s.components[0].status for g in resp.groups for s in g.samples)
        self.assertEqual(statuses, collections.Counter({"PASSED": 300}))
        print(f"300 runs with a 6 s limit: all PASSED in {elapsed:.1f} s", file=sys.stderr)
        self.assertGreater(elapsed, 4 * 6.0)  # the last runs waited several limits' worth in the queue

    def test_bad_code_tests_fail_that_group_alone(self):
        good = json.loads(CODE_EXAMPLE.read_text().splitlines()[0])
        rust = dict(good, id="rust", reference={"tests": {"language": "rust", "io": [{"stdin": "", "stdout": "1"}]}})
        empty = dict(good, id="empty", reference={"tests": {"language": "python"}})
        bad_args = dict(good, id="args", reference={"tests": {"calls": [
            {"function": "f", "args": "[1]", "expected": "1"}, {"function": "f", "args": "1, 2", "expected": "3"}]}})
        resp = self.server.stub.Score(request({"groups": [good, rust, empty, bad_args],
                                               "reward": [{"verifier": "code"}]}), timeout=120)
        self.assertEqual([g.status for g in resp.groups], ["OK"] + ["INVALID_ARGUMENT"] * 3)
        self.assertIn("tests.language: 'rust' is not one of python, cpp", resp.groups[1].error)
        self.assertIn("tests has no io, check or calls", resp.groups[2].error)
        self.assertIn("tests.calls[1].args: '1, 2' is not a JSON array of arguments", resp.groups[3].error)
        self.assertEqual(resp.groups[0].samples[3].reward, 1.0)

    def test_missing_reference_fails_that_group_alone(self):
        group = seed_group()
        no_ref = dict(group, id="q2", reference={})
        resp = self.server.stub.Score(request({"groups": [group, no_ref], "profile": "r1_zero"}), timeout=CALL_TIMEOUT)
        self.assertEqual(resp.groups[0].status, "OK")
        self.assertEqual(round(resp.groups[0].samples[1].reward, 9), 1.1)
        self.assertEqual(resp.groups[1].status, "INVALID_ARGUMENT")
        self.assertIn("groups[1].reference: answer is missing", resp.groups[1].error)
        self.assertEqual([s.status for s in resp.groups[1].samples], ["INVALID_ARGUMENT"] * 4)

    def test_cli_json_and_stdin(self):
        out = self.server.cli("score", "--input", "-", "--profile", "fmt", "--json", "--advantage", "dr_grpo",
                              stdin=EXAMPLE.read_text())
        self.assertEqual(out.returncode, 0, out.stderr)
        group = json.loads(out.stdout.splitlines()[0])
        self.assertEqual(group["id"], "q1")
        self.assertEqual([s["id"] for s in group["samples"]], ["o1", "o2", "o3", "o4"])
        self.assertEqual([s["reward"] for s in group["samples"]], [0.1, 0.1, 0, 0])
        self.assertAlmostEqual(group["samples"][0]["advantage"], 0.05)  # dr_grpo: r - mean
        comp = group["samples"][0]["components"][0]
        self.assertEqual(set(comp), {"verifier", "score", "weight", "weighted", "status", "reason"})

    def test_cli_errors(self):
        out = self.server.cli("score", "--input", str(EXAMPLE), "--reward", '[{"verifier":"nope"}]')
        self.assertEqual(out.returncode, 1)
        self.assertIn("INVALID_ARGUMENT", out.stderr)
        self.assertIn("reward[0].verifier: unknown verifier 'nope'", out.stderr)
        bad = self.server.cli("score", "--input", "-", stdin="{not json\n")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("line 1", bad.stderr)
        self.assertEqual(self.server.cli("frobnicate").returncode, 2)

    def test_verifiers(self):
        resp = self.server.stub.ListVerifiers(reward_pb2.ListVerifiersRequest(), timeout=CALL_TIMEOUT)
        names = [v.name for v in resp.verifiers]
        self.assertIn("format", names)
        fmt = resp.verifiers[names.index("format")]
        params = {p.name: p for p in fmt.params}
        self.assertEqual(params["mode"].type, "enum(strict|tag_count)")
        self.assertEqual(params["mode"].default, '"strict"')
        self.assertTrue(params["pattern"].doc)
        profiles = {p.name: p for p in resp.profiles}
        self.assertEqual([(t.verifier, t.weight) for t in profiles["r1_zero"].terms], [("math", 1.0), ("format", 0.1)])
        self.assertEqual(resp.default_profile, "r1_zero")
        out = self.server.cli("verifiers")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("prefilled_think", out.stdout)

    def test_python_trainer_call(self):
        req = request({"requestId": "step-7", "groups": [seed_group()],
                       "reward": [{"verifier": "format", "weight": 0.1}],
                       "advantage": {"estimator": "grpo", "epsilon": 1e-6, "std": "unbiased"}})
        resp = self.server.stub.Score(req, timeout=CALL_TIMEOUT)
        self.assertEqual(resp.request_id, "step-7")
        rewards = [s.reward for s in resp.groups[0].samples]
        self.assertEqual([round(r, 9) for r in rewards], [0.1, 0.1, 0, 0])

    def test_bad_sample_does_not_spoil_the_batch(self):
        group = seed_group()
        group["completions"][1]["text"] = "<think>QQQQ</think><answer>14</answer>"
        group["completions"][2]["text"] = "x" * 70000  # over max_completion_bytes
        raw = raw_request({"groups": [group], "reward": [{"verifier": "format"}]})
        resp = self.score_raw(raw)
        samples = resp.groups[0].samples
        self.assertEqual([s.id for s in samples], ["o1", "o2", "o3", "o4"])
        self.assertEqual([s.status for s in samples], ["OK", "INVALID_UTF8", "TOO_LONG", "OK"])
        self.assertEqual(samples[0].reward, 1.0)
        self.assertEqual(samples[1].advantage, 0.0)
        self.assertGreater(samples[0].advantage, 0)

    def score_raw(self, raw):
        call = self.server.channel.unary_unary("/reward.v1.RewardService/Score",
                                               request_serializer=lambda b: b,
                                               response_deserializer=reward_pb2.ScoreResponse.FromString)
        return call(raw, timeout=CALL_TIMEOUT)

    def test_bad_reference_fails_that_group_alone(self):
        """Review findings 1-3: JSON in tests.calls bounded (size, depth) before
        anything parses it; group errors valid UTF-8 and cut on characters;
        a reference.metadata protobuf refuses (invalid UTF-8, nesting past
        its limit) fails its group, not the call. One request: the first group
        must still be scored."""
        good = seed_group()
        fmt = [{"verifier": "format"}]
        code = [{"verifier": "code"}]

        def calls(args="[1]", expected="1", function="f", reward=fmt):
            return {"id": "g", "reward": reward, "completions": [{"id": "a", "text": "x"}],
                    "reference": {"tests": {"calls": [{"function": "f", "args": "[1]", "expected": "1"},
                                                      {"function": function, "args": args, "expected": expected}]}}}

        emoji_args = "[" + "1" * 56 + "\U0001F389, oops]"  # a 4-byte emoji at bytes 57-60 of the quote
        cases = [
            # 30,000 levels (60 KB) once kept a gRPC thread busy for a minute; the check is a linear scan.
            ("deep args", calls(args="[" * 30000 + "]" * 30000), "INVALID_ARGUMENT",
             "groups[1].reference.tests.calls[1].args: JSON nested deeper than 100 levels"),
            ("deep expected", calls(expected="[" * 30000 + "]" * 30000), "INVALID_ARGUMENT",
             "groups[2].reference.tests.calls[1].expected: JSON nested deeper than 100 levels"),
            ("oversized args", calls(args="[" + "1," * 35000 + "1]"), "RESOURCE_EXHAUSTED",
             "groups[3].reference.tests.calls[1].args: 70003 bytes, the limit is 65536"),
            ("quote cut across an emoji", calls(args=emoji_args, reward=code), "INVALID_ARGUMENT",
             "groups[4].reference: tests.calls[1].args: '[" + "1" * 56 + "...' is not a JSON array of arguments (code)"),
            ("invalid bytes quoted", calls(function="fQQQQ", reward=code), "INVALID_ARGUMENT",
             "groups[5].reference: tests.calls[1].function: 'f" + BAD * 4 + "' is not a Python identifier (code)"),
            ("metadata not UTF-8", dict(good, reference={"answer": "14", "metadata": {"source": "QQQQ"}}),
             "INVALID_ARGUMENT", "groups[6].reference.metadata: a string is not valid UTF-8"),
            ("metadata key not UTF-8", dict(good, reference={"answer": "14", "metadata": {"QQQQ": 1}}),
             "INVALID_ARGUMENT", "groups[7].reference.metadata: a key is not valid UTF-8"),
            ("deep metadata", dict(good, reference={"answer": "14", "metadata": {"k": nested_list(60)}}),
             "INVALID_ARGUMENT", "groups[8].reference.metadata: nested deeper than protobuf's limit of 100 messages"),
            # Reference answers are parsed on the request's thread (ms per KB when hostile): bounded.
            ("overlong math answer", dict(good, reward=[{"verifier": "math"}],
                                          reference={"answer": "#### " + "2^" * 10000 + "2"}),
             "RESOURCE_EXHAUSTED", "groups[9].reference: answer is 20001 bytes, the limit is 10000 (math)"),
        ]
        groups = [dict(good, id="good")] + [dict(g, id=name) for name, g, _, _ in cases]
        resp = self.score_raw(raw_request({"groups": groups, "reward": fmt}))
        self.assertEqual(resp.groups[0].status, "OK")
        self.assertEqual([round(s.reward, 9) for s in resp.groups[0].samples], [1, 1, 0, 0])
        self.assertGreater(resp.groups[0].samples[0].advantage, 0)
        for (name, _, status, error), got in zip(cases, resp.groups[1:]):
            with self.subTest(name):
                self.assertEqual(got.id, name)
                self.assertEqual(got.status, status, got.error)
                self.assertEqual(got.error, error)
                self.assertEqual({s.status for s in got.samples}, {status})
        self.assertNotIn(BAD, resp.groups[4].error)  # cut before the emoji, not through it
        self.assert_healthy()

    def test_stream_survives_requests_protobuf_refuses(self):
        """ScoreStream decodes each request itself: one protobuf refuses is
        answered (its request_id kept where it can be read) and the stream
        goes on."""
        group = seed_group()
        fmt = [{"verifier": "format"}]
        bad_metadata = dict(group, id="m", reference={"answer": "14", "metadata": {"QQQQ": 1}})
        reqs = [
            raw_request({"requestId": "a", "groups": [group, bad_metadata], "reward": fmt}),
            raw_request({"requestId": "p", "groups": [group], "reward": [{"verifier": "format",
                                                                          "params": {"pattern": "QQQQ"}}]}),
            b"\xff\xff\xff",
            raw_request({"requestId": "c", "groups": [group], "reward": fmt}),
        ]
        call = self.server.channel.stream_stream("/reward.v1.RewardService/ScoreStream",
                                                 request_serializer=lambda b: b,
                                                 response_deserializer=reward_pb2.ScoreResponse.FromString)
        got = list(call(iter(reqs), timeout=CALL_TIMEOUT))
        self.assertEqual(len(got), 4)
        by_id = {r.request_id: r for r in got}
        self.assertEqual(sorted(by_id), ["", "a", "c", "p"])
        self.assertEqual([g.status for g in by_id["a"].groups], ["OK", "INVALID_ARGUMENT"])
        self.assertEqual(by_id["a"].groups[0].samples[0].reward, 1.0)
        self.assertEqual(by_id["p"].error_code, "INVALID_ARGUMENT")
        self.assertEqual(by_id["p"].error_message, "reward[0].params: a string is not valid UTF-8")
        self.assertEqual(by_id[""].error_code, "INVALID_ARGUMENT")
        self.assertEqual(by_id["c"].groups[0].samples[0].reward, 1.0)

    def test_bad_requests_table(self):
        one = {"id": "q", "completions": [{"id": "a", "text": "<think>x</think><answer>1</answer>"}]}
        fmt = [{"verifier": "format"}]
        C = grpc.StatusCode
        cases = [
            ("no groups", {"groups": []}, C.INVALID_ARGUMENT, "groups: the request has no groups"),
            ("empty group", {"groups": [{"id": "q"}]}, C.INVALID_ARGUMENT, "groups[0].completions: the group is empty"),
            ("unknown verifier", {"groups": [one], "reward": [{"verifier": "nope"}]}, C.INVALID_ARGUMENT,
             "reward[0].verifier: unknown verifier 'nope'"),
            ("unknown profile", {"groups": [one], "profile": "nope"}, C.INVALID_ARGUMENT,
             "profile: unknown profile 'nope'"),
            ("profile with a missing verifier", {"groups": [one], "profile": "broken"}, C.FAILED_PRECONDITION,
             "unknown verifier 'no_such_verifier'"),
            ("math parameter", {"groups": [one], "reward": [{"verifier": "math", "params": {"extract": ["guess"]}}]},
             C.INVALID_ARGUMENT, "reward[0].params: parameter 'extract': unknown rule 'guess'"),
            ("language target", {"groups": [one], "reward": [{"verifier": "language", "params": {"target": "english!"}}]},
             C.INVALID_ARGUMENT, "parameter 'target' must be a BCP-47 language tag"),
            ("language region", {"groups": [one], "reward": [{"verifier": "language", "params": {"region": "body"}}]},
             C.INVALID_ARGUMENT, "parameter 'region' must be one of think|answer|all"),
            ("code extract", {"groups": [one], "reward": [{"verifier": "code", "params": {"extract": "last"}}]},
             C.INVALID_ARGUMENT, "parameter 'extract' must be one of fenced|answer"),
            ("code time limit", {"groups": [one], "reward": [{"verifier": "code", "params": {"time_limit_ms": 0}}]},
             C.INVALID_ARGUMENT, "parameter 'time_limit_ms' must be a number in [10, 60000]"),
            ("code float tolerance", {"groups": [one], "reward": [{"verifier": "code",
                                                                   "params": {"float_tolerance": -1}}]},
             C.INVALID_ARGUMENT, "parameter 'float_tolerance' must be a number in [0, 1]"),
            ("code max tests", {"groups": [one], "reward": [{"verifier": "code", "params": {"max_tests": 0}}]},
             C.INVALID_ARGUMENT, "parameter 'max_tests' must be a number in [1, 10000]"),
            ("code compile limit", {"groups": [one], "reward": [{"verifier": "code",
                                                                 "params": {"compile_time_limit_ms": 100}}]},
             C.INVALID_ARGUMENT, "parameter 'compile_time_limit_ms' must be a number in [500, 110000]"),
            ("math tolerance type", {"groups": [one], "reward": [{"verifier": "math", "params": {"rel_tol": "x"}}]},
             C.INVALID_ARGUMENT, "parameter 'rel_tol' must be a finite number"),
            ("unknown parameter", {"groups": [one], "reward": [{"verifier": "format", "params": {"strict": True}}]},
             C.INVALID_ARGUMENT, "reward[0].params: unknown parameter 'strict'"),
            ("ill-typed parameter", {"groups": [one], "reward": [{"verifier": "format", "params": {"mode": 3}}]},
             C.INVALID_ARGUMENT, "parameter 'mode' must be one of strict|tag_count"),
            ("invalid regex", {"groups": [one], "reward": [{"verifier": "format", "params": {"pattern": "a("}}]},
             C.INVALID_ARGUMENT, "not a valid RE2 pattern: missing )"),
            ("profile and reward", {"groups": [one], "profile": "fmt", "reward": fmt}, C.INVALID_ARGUMENT,
             "profile, reward: set one, not both"),
            ("group override error", {"groups": [dict(one, reward=[{"verifier": "x"}])]}, C.INVALID_ARGUMENT,
             "groups[0].reward[0].verifier: unknown verifier 'x'"),
            ("unknown estimator", {"groups": [one], "reward": fmt, "advantage": {"estimator": "ppo"}},
             C.INVALID_ARGUMENT, "advantage.estimator: unknown estimator 'ppo'"),
            ("negative epsilon", {"groups": [one], "reward": fmt, "advantage": {"epsilon": -1}},
             C.INVALID_ARGUMENT, "advantage.epsilon"),
            ("bad std", {"groups": [one], "reward": fmt, "advantage": {"std": "sample"}},
             C.INVALID_ARGUMENT, "advantage.std"),
            ("infinite weight", {"groups": [one], "reward": [{"verifier": "format", "weight": "Infinity"}]},
             C.INVALID_ARGUMENT, "reward[0].weight: must be a finite number"),
            ("too many completions", {"groups": [{"id": "q", "completions": [{"text": "a"}] * 65}], "reward": fmt},
             C.RESOURCE_EXHAUSTED, "groups[0].completions: 65 completions, the limit is 64"),
            ("oversized request", {"groups": [{"id": "q", "completions": [{"text": "a" * 60000}] * 30}],
                                   "reward": fmt}, C.RESOURCE_EXHAUSTED, ""),
            # Struct params protobuf refuses (too deep, not UTF-8) fail the request like other params errors.
            ("deep params", {"groups": [one], "reward": [{"verifier": "format",
                                                          "params": {"pattern": nested_list(60)}}]},
             C.INVALID_ARGUMENT, "reward[0].params: nested deeper than protobuf's limit of 100 messages"),
            ("deep group params", {"groups": [dict(one, reward=[{"verifier": "format",
                                                                 "params": {"mode": nested_list(60)}}])]},
             C.INVALID_ARGUMENT, "groups[0].reward[0].params: nested deeper than protobuf's limit of 100 messages"),
            ("params not UTF-8", raw_request({"groups": [one], "reward": [{"verifier": "format",
                                                                           "params": {"pattern": "QQQQ"}}]}),
             C.INVALID_ARGUMENT, "reward[0].params: a string is not valid UTF-8"),
            # RE2 compiles on the request's thread and cannot be stopped; this 1 KB pattern took it 25 s.
            ("slow regex", {"groups": [one], "reward": [{"verifier": "format",
                                                         "params": {"pattern": "a{2,1000}" * 114}}]},
             C.INVALID_ARGUMENT, "counted repetitions ({n,m}) add up to 114000, the limit is 1000"),
            # Clients match results by id: a non-empty id occurs once (empty ids are matched by position).
            ("duplicate group id", {"groups": [one, dict(one, id="r"), one], "reward": fmt}, C.INVALID_ARGUMENT,
             "groups[2].id: duplicate group id 'q' (also groups[0].id)"),
            ("duplicate sample id", {"groups": [dict(one, completions=[{"id": "a"}, {}, {}, {"id": "a"}])],
                                     "reward": fmt}, C.INVALID_ARGUMENT,
             "groups[0].completions[3].id: duplicate sample id 'a' (also groups[0].completions[0].id)"),
            ("not protobuf", b"\xff\xff\xff", C.INVALID_ARGUMENT,
             "request: not a valid reward.v1.ScoreRequest in protobuf's wire format"),
            ("error quoting invalid bytes", raw_request({"groups": [one], "profile": "QQQQ"}), C.INVALID_ARGUMENT,
             "profile: unknown profile '" + BAD * 4 + "'"),
        ]
        for name, body, code, message in cases:
            with self.subTest(name):
                with self.assertRaises(grpc.RpcError) as cm:
                    if isinstance(body, bytes):
                        self.score_raw(body)
                    else:
                        self.server.stub.Score(request(body), timeout=CALL_TIMEOUT)
                self.assertEqual(cm.exception.code(), code, f"{name}: {cm.exception.details()}")
                self.assertIn(message, cm.exception.details(), name)
        self.assert_healthy()
        # And it still scores.
        ok = self.server.stub.Score(request({"groups": [one], "reward": fmt}), timeout=CALL_TIMEOUT)
        self.assertEqual(ok.groups[0].samples[0].reward, 1.0)

    def test_stream_answers_each_request(self):
        group = seed_group()
        reqs = [
            request({"requestId": "a", "groups": [group], "reward": [{"verifier": "format", "weight": 0.1}]}),
            request({"requestId": "bad", "groups": [group], "reward": [{"verifier": "nope"}]}),
            request({"requestId": "c", "groups": [group, dict(group, id="q2")], "profile": "fmt"}),
        ]
        got = {r.request_id: r for r in self.server.stub.ScoreStream(iter(reqs), timeout=CALL_TIMEOUT)}
        self.assertEqual(sorted(got), ["a", "bad", "c"])
        self.assertEqual(got["a"].error_code, "")
        self.assertEqual([round(s.reward, 9) for s in got["a"].groups[0].samples], [0.1, 0.1, 0, 0])
        self.assertEqual(got["bad"].error_code, "INVALID_ARGUMENT")
        self.assertIn("unknown verifier 'nope'", got["bad"].error_message)
        self.assertEqual(len(got["c"].groups), 2)
        self.assert_healthy()

    def test_reflection_is_served(self):
        # grpc.reflection.v1alpha is registered: an unknown method of it gives
        # a stream error other than UNIMPLEMENTED-for-service.
        call = self.server.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=lambda b: b, response_deserializer=lambda b: b)
        # field 7 (list_services) = "" -> the response lists our service by name.
        responses = list(call(iter([b"\x3a\x00"]), timeout=CALL_TIMEOUT))
        self.assertTrue(any(b"reward.v1.RewardService" in r for r in responses))


def host_processes(fragment):
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if fragment in line]


class ShutdownTest(unittest.TestCase):
    def test_sigterm_drains_and_exits(self):
        # The signal comes only once the call is known to be running (its
        # programs' sleepers are on the host), never after a fixed pause a
        # slow machine might not have sent the call in.
        server = Server(CONFIG)
        try:
            program = ("```python\nimport subprocess\nsubprocess.run(['/bin/sleep', '3.25'])\n"
                       "print(input())\n```")
            code = {"id": "sleepers", "prompt": "echo",
                    "reference": {"tests": {"io": [{"stdin": "x\n", "stdout": "x\n"}], "timeLimitMs": 30000}},
                    "completions": [{"id": str(j), "text": program} for j in range(4)],
                    "reward": [{"verifier": "code"}]}
            fmt = dict(seed_group(), reward=[{"verifier": "format"}])
            big = request({"groups": [code] + [dict(fmt, id=f"f{i}") for i in range(500)]})
            future = server.stub.Score.future(big, timeout=600)
            deadline = time.time() + START_TIMEOUT
            while not host_processes("sleep 3.25") and time.time() < deadline and not future.done():
                time.sleep(0.02)
            self.assertTrue(host_processes("sleep 3.25"), "the call never started running")
            server.proc.send_signal(signal.SIGTERM)
            resp = future.result()  # the call in flight completes
            self.assertEqual(len(resp.groups), 501)
            self.assertEqual([s.components[0].status for s in resp.groups[0].samples], ["PASSED"] * 4)
            self.assertEqual(server.proc.wait(timeout=CALL_TIMEOUT), 0)
            self.assertIn("draining", server.read_log())
            self.assertIn("stopped", server.read_log())
        finally:
            server.stop()


class DrainBoundTest(unittest.TestCase):
    def test_sigterm_drain_is_bounded(self):
        # A call that would run for 60 s more when SIGTERM comes: the server
        # waits its 2 s of drain_seconds, ends the call, and exits; the run
        # is killed with it. 30 s is far above 2 s on any machine and far
        # below the program's 100 s.
        server = Server(CONFIG + "drain_seconds: 2\n")
        try:
            program = "```python\nimport subprocess\nsubprocess.run(['/bin/sleep', '100.25'])\n```"
            group = {"id": "long", "prompt": "wait",
                     "reference": {"tests": {"io": [{"stdin": "", "stdout": "x\n"}], "timeLimitMs": 60000}},
                     "completions": [{"id": "a", "text": program}]}
            future = server.stub.Score.future(request({"groups": [group], "reward": [{"verifier": "code"}]}),
                                              timeout=600)
            deadline = time.time() + START_TIMEOUT
            while not host_processes("sleep 100.25") and time.time() < deadline and not future.done():
                time.sleep(0.02)
            self.assertTrue(host_processes("sleep 100.25"), "the call never started running")
            start = time.time()
            server.proc.send_signal(signal.SIGTERM)
            server.proc.wait(timeout=CALL_TIMEOUT)
            self.assertLess(time.time() - start, 30)
            with self.assertRaises(grpc.RpcError):
                future.result()
            deadline = time.time() + 30
            while host_processes("sleep 100.25") and time.time() < deadline:
                time.sleep(0.1)
            self.assertEqual(host_processes("sleep 100.25"), [], "the run outlived the server")
        finally:
            subprocess.run(["pkill", "-f", "sleep 100.25"])
            server.stop()


def write_junit(result, path, elapsed):
    suite = ET.Element("testsuite", name="integration", tests=str(result.testsRun),
                       failures=str(len(result.failures)), errors=str(len(result.errors)), time=f"{elapsed:.2f}")
    bad = {id(t): ("failure", msg) for t, msg in result.failures}
    bad.update({id(t): ("error", msg) for t, msg in result.errors})
    skipped = {id(t): reason for t, reason in result.skipped}
    for test in result.all_tests:
        case = ET.SubElement(suite, "testcase", classname=type(test).__name__, name=test._testMethodName)
        if id(test) in skipped:
            ET.SubElement(case, "skipped", message=skipped[id(test)][:200])
        elif id(test) in bad:
            kind, msg = bad[id(test)]
            ET.SubElement(case, kind, message=msg.splitlines()[-1][:200]).text = msg
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


class Result(unittest.TextTestResult):
    def startTest(self, test):
        super().startTest(test)
        self.all_tests = getattr(self, "all_tests", []) + [test]


def main(module, names=()):
    """Runs `module`'s tests (or those `names` name), writes the JUnit report
    to $XML_OUTPUT_FILE, and exits with the result."""
    start = time.time()
    loader = unittest.defaultTestLoader
    suite = loader.loadTestsFromNames(names, module) if names else loader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2, resultclass=Result).run(suite)
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit(result, os.environ["XML_OUTPUT_FILE"], time.time() - start)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main(sys.modules[__name__], sys.argv[1:])
