"""A live reward-server (gRPC and HTTP) for the whole session, started as
tests/integration_test.py starts it: the real binary on ports it picks itself,
read from its log. No verdict depends on the machine's speed: waits poll, and
their bounds only stop a hung test."""
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

RUNFILES = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / os.environ.get("TEST_WORKSPACE", "reward_service")
SERVER = pathlib.Path(os.environ.get("REWARD_SERVER", RUNFILES / "server" / "reward-server"))
EXAMPLE = RUNFILES / "examples" / "r1_zero.jsonl"
START_TIMEOUT = 120  # a cold start loads the binary and its libraries from disk
CALL_TIMEOUT = 120

CONFIG = """
listen_address: "127.0.0.1:{port}"
http_listen_address: "127.0.0.1:0"
threads: 2
limits {{
  max_request_bytes: 1048576
  max_groups_per_request: 64
  max_completion_bytes: 65536
}}
profiles {{ name: "fmt" terms {{ verifier: "format" weight: 0.1 }} }}
"""


class Server:
    def __init__(self, port=0, extra_config=""):
        self.dir = tempfile.TemporaryDirectory()
        config = pathlib.Path(self.dir.name) / "config.textproto"
        config.write_text(CONFIG.format(port=port) + extra_config)
        self.log = open(pathlib.Path(self.dir.name) / "server.log", "w+")
        self.proc = subprocess.Popen([str(SERVER), "--config", str(config)], stderr=self.log)
        self.port = self.http_port = None
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline and self.port is None:
            text = self.read_log()
            m, h = re.search(r"\(port (\d+)\)", text), re.search(r"\(http port (\d+)\)", text)
            if m and h:
                self.port, self.http_port = int(m.group(1)), int(h.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("server did not start: " + self.read_log())
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://127.0.0.1:{self.http_port}"

    def read_log(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=CALL_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.dir.cleanup()


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def seed_group():
    """The README's worked example: "What is 2 + 3 * 4?", four completions,
    r1_zero rewards 0.1, 1.1, 1.0, 0."""
    return json.loads(EXAMPLE.read_text().splitlines()[0])


def http(method, url, body=None, raw=None):
    """(status, parsed JSON) of one HTTP call, sent as trainers send JSON
    (aiohttp's json=: a UTF-8 body with Content-Type application/json)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=CALL_TIMEOUT) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
