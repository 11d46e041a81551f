"""A live reward-server (gRPC and HTTP) for the whole session, started by
tests/integration_test.py's Server. No verdict depends on the machine's
speed: waits poll, and their bounds only stop a hung test."""
import json
import os
import pathlib
import re
import sys
import urllib.error
import urllib.request

import pytest

RUNFILES = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / os.environ.get("TEST_WORKSPACE", "reward_service")
sys.path.insert(0, str(RUNFILES / "tests"))
import integration_test  # noqa: E402
from integration_test import CALL_TIMEOUT, EXAMPLE, START_TIMEOUT  # noqa: E402,F401

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


class Server(integration_test.Server):
    """integration_test's server (the real binary, ports it picks itself,
    read from its log), with the HTTP face on: its port is logged first."""

    def __init__(self, port=0, extra_config=""):
        super().__init__(CONFIG.format(port=port) + extra_config)
        self.http_port = int(re.search(r"\(http port (\d+)\)", self.read_log()).group(1))
        self.url = f"http://127.0.0.1:{self.http_port}"


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
