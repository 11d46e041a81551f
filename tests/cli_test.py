#!/usr/bin/python3
"""reward-cli against a live reward-server: help and flags as a Unix user
expects them, results in input order across a stream of batches, progress
only on a terminal, a batch that runs out of time failing alone (what came
before it stays printed), an interrupted run saying how far it got, the
summary, CSV, and diff's counts checked against two plain scorings.

No verdict depends on the machine's speed: the slow batch runs a program
that sleeps 100 s against a 10 s batch deadline, while the other batches
need milliseconds; everything else asserts order, content and counts.
"""
import csv
import io
import json
import os
import pathlib
import pty
import re
import signal
import subprocess
import sys
import time
import unittest

RUNFILES = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / os.environ.get("TEST_WORKSPACE", "reward_service")
sys.path.insert(0, str(RUNFILES / "tests"))

from integration_test import CALL_TIMEOUT, CLI, CODE_EXAMPLE, EXAMPLE, Result, Server, write_junit  # noqa: E402
from reward.v1 import reward_pb2  # noqa: E402

MATH_EXAMPLE = RUNFILES / "examples" / "math.jsonl"

# Code runs may take minutes here (the slow batch's program), and several
# such runs may be abandoned at once: workers to spare.
CONFIG = """
listen_address: "127.0.0.1:0"
threads: 8
drain_seconds: 2
verifier_timeout_ms { key: "code" value: 300000 }
profiles { name: "fmt" terms { verifier: "format" weight: 0.1 } }
"""

SCORE_FLAGS = {"input", "profile", "reward", "advantage", "json", "csv", "summary", "batch", "timeout", "progress",
               "address", "tls", "tls_ca", "tls_cert", "tls_key", "tls_server_name", "token_file"}
FORMAT_TAG_COUNT = '[{"verifier":"math","weight":1},{"verifier":"format","weight":0.1,"params":{"mode":"tag_count"}}]'
FORMAT_STRICT = '[{"verifier":"math","weight":1},{"verifier":"format","weight":0.1}]'


def seed(group_id):
    return dict(json.loads(EXAMPLE.read_text().splitlines()[0]), id=group_id)


def sleeper(group_id):
    """A code group whose program sleeps 100 s (its limit allows 200 s)."""
    return {"id": group_id, "prompt": "sleep", "profile": "code",
            "completions": [{"id": "s1", "text": "```python\nimport time\ntime.sleep(100)\n```"}],
            "reference": {"tests": {"language": "python", "io": [{"stdin": "", "stdout": ""}], "timeLimitMs": 200000}}}


def jsonl(groups):
    return "".join(json.dumps(g) + "\n" for g in groups)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def cli(self, *args, stdin=None):
        return self.server.cli(*args, stdin=stdin)

    def score_json(self, *args):
        out = self.cli("score", "--input", str(MATH_EXAMPLE), "--json", *args)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json_lines(out.stdout)

    # ------------------------------------------------------ the command line

    def test_help_is_clean_and_exits_0(self):
        for args in (["--help"], ["-h"], ["help"]):
            out = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=CALL_TIMEOUT)
            self.assertEqual(out.returncode, 0, args)
            self.assertEqual(out.stderr, "", args)
            for command in ("score", "diff", "verifiers", "health", "help"):
                self.assertIn(f"  {command} ", out.stdout, args)
            self.assertNotIn("No flags matched", out.stdout)

    def test_every_flag_of_a_command_is_described(self):
        for args in (["help", "score"], ["score", "--help"]):
            out = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=CALL_TIMEOUT)
            self.assertEqual(out.returncode, 0, out.stderr)
            described = dict(re.findall(r"^  --(\w+)\s+(\S.*)$", out.stdout, re.M))
            self.assertEqual(set(described), SCORE_FLAGS, out.stdout)
            self.assertTrue(all(len(text) > 10 for text in described.values()), described)
        diff = subprocess.run([str(CLI), "help", "diff"], capture_output=True, text=True, timeout=CALL_TIMEOUT)
        self.assertEqual(diff.returncode, 0)
        self.assertIn("--profile", diff.stdout)
        self.assertIn("--reward", diff.stdout)

    def test_usage_errors_exit_2(self):
        for args, message in ((["score", "--frobnicate"], "unknown flag --frobnicate"),
                              ([], "usage:"),
                              (["score", "--input"], "--input needs a value"),
                              (["frobnicate"], "unknown command 'frobnicate'")):
            out = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=CALL_TIMEOUT)
            self.assertEqual(out.returncode, 2, args)
            self.assertIn(message, out.stderr, args)

    def test_stdin_dash_without_abseil_noise(self):
        out = self.cli("score", "--input", "-", "--profile", "fmt", stdin=EXAMPLE.read_text())
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "")  # no "Did you really mean ...", and no progress: not a terminal
        self.assertIn("group q1", out.stdout)

    # ---------------------------------------------------------- the stream

    def test_order_kept_across_batches_and_no_progress_off_a_terminal(self):
        # Code groups (a sandbox run each) between math groups (microseconds):
        # on one stream with two batches in flight, answers come back out of
        # order; the output must not.
        code = json.loads(CODE_EXAMPLE.read_text().splitlines()[0])
        groups = []
        for i in range(12):
            groups.append(dict(code, id=f"c{i:02d}", profile="code"))
            groups.append(seed(f"m{i:02d}"))
        out = self.cli("score", "--input", "-", "--batch", "1", "--json", stdin=jsonl(groups))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "")
        results = json_lines(out.stdout)
        self.assertEqual([g["id"] for g in results], [g["id"] for g in groups])
        for g in results:
            rewards = [round(s["reward"], 9) for s in g["samples"]]
            if g["id"].startswith("m"):
                self.assertEqual(rewards, [0.1, 1.1, 1.0, 0], g["id"])  # r1_zero, the server's default
            else:
                self.assertEqual(rewards[3], 1.1, g["id"])  # code 1 + format 0.1: the correct program

    def test_progress_on_a_terminal(self):
        master, slave = pty.openpty()
        proc = subprocess.Popen([str(CLI), "score", "--address", self.server.address, "--input", str(MATH_EXAMPLE),
                                 "--batch", "1", "--json"], stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the CLI is done
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=CALL_TIMEOUT), 0)
        text = seen.decode()
        self.assertRegex(text, r"samples \d+/20 \(")
        self.assertTrue(text.endswith("\r\x1b[K"), repr(text[-80:]))  # the line is cleared at the end
        quiet = subprocess.Popen([str(CLI), "score", "--address", self.server.address, "--input", str(MATH_EXAMPLE),
                                  "--noprogress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.assertEqual(quiet.communicate(timeout=CALL_TIMEOUT)[1], b"")

    def test_slow_batch_fails_alone_and_earlier_results_stay(self):
        groups = [seed("m1"), seed("m2"), sleeper("slow"), seed("m3")]
        out = self.cli("score", "--input", "-", "--batch", "1", "--timeout", "10", "--json", stdin=jsonl(groups))
        self.assertEqual(out.returncode, 1, out.stderr)
        results = json_lines(out.stdout)
        self.assertEqual([g["id"] for g in results], ["m1", "m2", "slow", "m3"])
        self.assertEqual([g["status"] for g in results], ["OK", "OK", "DEADLINE_EXCEEDED", "OK"])
        for g in (results[0], results[1], results[3]):
            self.assertEqual([round(s["reward"], 9) for s in g["samples"]], [0.1, 1.1, 1.0, 0])
        self.assertIn("batch 3 of 4 (input line 3) failed: DEADLINE_EXCEEDED", out.stderr)
        self.assertIn("1 of 4 batches failed", out.stderr)
        # The table says the same, and its summary counts the failed group.
        table = self.cli("score", "--input", "-", "--batch", "1", "--timeout", "10", stdin=jsonl(groups))
        self.assertEqual(table.returncode, 1, table.stderr)
        self.assertIn("group slow  mean 0.0000  std 0.0000  (grpo)  DEADLINE_EXCEEDED", table.stdout)
        self.assertIn("summary: 4 groups (OK 3, DEADLINE_EXCEEDED 1), 12 samples (OK 12)", table.stdout)

    def test_server_applies_a_request_timeout_to_that_request_alone(self):
        def req(request_id, group, timeout_ms):
            r = reward_pb2.ScoreRequest(request_id=request_id, timeout_ms=timeout_ms)
            r.groups.append(json_format_group(group))
            return r
        answers = list(self.server.stub.ScoreStream(
            iter([req("slow", sleeper("s"), 2000), req("fast", seed("f"), 2000)]), timeout=CALL_TIMEOUT))
        by_id = {a.request_id: a for a in answers}
        self.assertEqual(by_id["slow"].error_code, "DEADLINE_EXCEEDED")
        self.assertEqual(by_id["fast"].error_code, "")
        self.assertEqual(round(by_id["fast"].groups[0].samples[1].reward, 9), 1.1)

    def test_interrupted_run_keeps_output_and_says_how_far(self):
        groups = [seed("m1"), seed("m2"), sleeper("slow"), seed("m3")]
        proc = subprocess.Popen([str(CLI), "score", "--address", self.server.address, "--input", "-", "--batch", "1",
                                 "--timeout", "300", "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.stdin.write(jsonl(groups))
        proc.stdin.close()
        proc.stdin = None  # communicate() below must not flush it
        printed = [proc.stdout.readline(), proc.stdout.readline()]  # m1 and m2, flushed as they come
        self.assertEqual([json.loads(line)["id"] for line in printed], ["m1", "m2"])
        proc.send_signal(signal.SIGINT)  # the slow batch has 100 s to go
        rest, err = proc.communicate(timeout=CALL_TIMEOUT)
        self.assertEqual(proc.returncode, 130, err)
        self.assertEqual(json_lines(rest), [])
        self.assertIn("interrupted: printed 2 of 4 groups (8 of 13 samples, input lines 1-2)", err)

    # ------------------------------------------------- summary, CSV, diff

    def test_summary_matches_the_scores(self):
        groups = self.score_json("--profile", "r1_zero")
        out = self.cli("score", "--input", str(MATH_EXAMPLE), "--profile", "r1_zero", "--summary")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.startswith("summary: 5 groups (OK 5), 20 samples (OK 20)\n"), out.stdout)
        self.assertNotIn("group add", out.stdout)  # the summary alone
        rows = {m[0]: (int(m[1]), float(m[2]), int(m[3]))
                for m in re.findall(r"^  (\w+)\s+(\d+)\s+([\d.]+)\s+(\d+) \(", out.stdout, re.M)}
        for verifier in ("math", "format"):
            scores = [c["score"] for g in groups for s in g["samples"] for c in s["components"]
                      if c["verifier"] == verifier]
            self.assertEqual(rows[verifier], (20, round(sum(scores) / 20, 4), scores.count(1)), verifier)
        means = {g["id"]: g["mean"] for g in groups}
        for gid, mean in re.findall(r"^    (\w+)\s+mean ([\d.]+)", out.stdout, re.M):
            self.assertAlmostEqual(float(mean), means[gid], places=4)
        flat = [g["id"] for g in groups if len({round(s["reward"], 9) for s in g["samples"]}) == 1]
        self.assertIn(f"{len(flat)} of 5 with no spread", out.stdout)
        # The table ends with the same summary.
        table = self.cli("score", "--input", str(MATH_EXAMPLE), "--profile", "r1_zero")
        self.assertTrue(table.stdout.endswith(out.stdout), table.stdout[-400:])

    def test_csv_one_row_per_component(self):
        groups = self.score_json("--profile", "r1")
        out = self.cli("score", "--input", str(MATH_EXAMPLE), "--profile", "r1", "--csv")
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = list(csv.DictReader(io.StringIO(out.stdout)))
        want = [(g["id"], s["id"], c["verifier"], c["reason"]) for g in groups for s in g["samples"]
                for c in s["components"]]
        self.assertEqual([(r["group"], r["sample"], r["component"], r["reason"]) for r in rows], want)
        self.assertEqual(len(rows), 60)
        rewards = {(g["id"], s["id"]): s["reward"] for g in groups for s in g["samples"]}
        for r in rows:
            self.assertAlmostEqual(float(r["reward"]), rewards[(r["group"], r["sample"])])

    def expected_diff(self, a_args, b_args):
        a = self.score_json(*a_args)
        b = self.score_json(*b_args)
        changed, components = 0, {}
        for ga, gb in zip(a, b):
            for sa, sb in zip(ga["samples"], gb["samples"]):
                if abs(sa["reward"] - sb["reward"]) > 1e-9:
                    changed += 1
                ca = {c["verifier"]: c for c in sa["components"]}
                cb = {c["verifier"]: c for c in sb["components"]}
                for name in set(ca) | set(cb):
                    counts = components.setdefault(name, {"changed": 0, "onlyA": 0, "onlyB": 0})
                    if name not in cb:
                        counts["onlyA"] += 1
                    elif name not in ca:
                        counts["onlyB"] += 1
                    elif abs(ca[name]["weighted"] - cb[name]["weighted"]) > 1e-9 or ca[name]["status"] != cb[name]["status"]:
                        counts["changed"] += 1
        return changed, components

    def test_diff_counts_match_two_scorings(self):
        cases = [
            (["--profile", "r1_zero"], ["--profile", "r1"]),  # + language 0.2
            (["--reward", FORMAT_STRICT], ["--reward", FORMAT_TAG_COUNT]),  # one parameter of one term
            (["--profile", "r1_zero"], ["--reward", FORMAT_STRICT]),  # the same reward, spelled out
        ]
        for a_args, b_args in cases:
            changed, components = self.expected_diff(a_args, b_args)
            out = self.cli("diff", "--input", str(MATH_EXAMPLE), *a_args, *b_args, "--json")
            self.assertEqual(out.returncode, 0, out.stderr)
            lines = json_lines(out.stdout)
            counts = lines[-1]
            self.assertEqual(counts["changed"], changed, (a_args, b_args))
            self.assertEqual(counts["samples"], 20)
            self.assertEqual(counts["components"], components, (a_args, b_args))
            self.assertEqual(len(lines) - 1, changed)  # one line per changed sample
            for line in lines[:-1]:
                self.assertNotAlmostEqual(line["a"]["reward"], line["b"]["reward"])
            table = self.cli("diff", "--input", str(MATH_EXAMPLE), *a_args, *b_args)
            self.assertEqual(table.returncode, 0, table.stderr)
            self.assertIn(f"diff: {changed} of 20 samples change", table.stdout)
            self.assertEqual(len(re.findall(r"^\S+ / \S+  reward ", table.stdout, re.M)), changed)
        # The known answers on examples/math.jsonl: language adds 0.2 to 18
        # samples; tag_count gives 3 badly formatted samples half marks.
        self.assertEqual(self.expected_diff(*cases[0])[0], 18)
        self.assertEqual(self.expected_diff(*cases[1])[0], 3)
        self.assertEqual(self.expected_diff(*cases[2])[0], 0)

    def test_diff_needs_two_specs(self):
        out = self.cli("diff", "--input", str(MATH_EXAMPLE), "--profile", "r1")
        self.assertEqual(out.returncode, 2)
        self.assertIn("diff needs two reward specs", out.stderr)

    def test_bad_reward_stops_with_the_servers_message(self):
        out = self.cli("score", "--input", str(MATH_EXAMPLE), "--batch", "1", "--reward", '[{"verifier":"nope"}]')
        self.assertEqual(out.returncode, 1)
        self.assertIn("batch 1 of 5 (input line 1) failed: INVALID_ARGUMENT", out.stderr)
        self.assertIn("reward[0].verifier: unknown verifier 'nope'", out.stderr)
        self.assertEqual(out.stderr.count("failed"), 1)  # stopped: the other batches would fail the same way


def json_format_group(group):
    from google.protobuf import json_format
    return json_format.ParseDict(group, reward_pb2.Group())


if __name__ == "__main__":
    start = time.time()
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, resultclass=Result).run(suite)
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit(result, os.environ["XML_OUTPUT_FILE"], time.time() - start)
    sys.exit(0 if result.wasSuccessful() else 1)
