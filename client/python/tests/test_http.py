"""The HTTP face of the same server: POST /v1/score (the ScoreRequest's JSON
shape), GET /v1/verifiers, GET /healthz, and the requests OpenRLHF and slime
send, shaped exactly as they send them (checked against OpenRLHF main, 0.11:
SingleTurnAgentExecutor._fetch_rewards_via_http posts {"query": [...],
"prompts": [...], "labels": [...]} with the query the decoded prompt + response
tokens, special tokens kept, and reads "rewards", "scores", "extra_logs"; and
THUDM/slime main, 0.3.1: rm_hub.remote_rm posts {"prompt", "response",
"label"} and takes the JSON answer as the reward). Bad input on each path is
a 4xx naming the field, and the server stays up."""
import json
import signal
import subprocess
import threading
import time

import pytest

from conftest import CALL_TIMEOUT, START_TIMEOUT, Server, http
from test_trl import R1_ZERO, SECOND

WANT = [0.1, 1.1, 1.0, 0, 1.1, 0.1, 1.0, 0]
# A chat-templated prompt as OpenRLHF and slime hold it (Qwen's template).
TEMPLATE = "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
QUESTIONS = [("What is 2 + 3 * 4?", "14", R1_ZERO), ("What is 10 - 3?", "7", SECOND)]


def test_health_verifiers_and_score(server, seed_group):
    assert http("GET", server.url + "/healthz") == (200, {"status": "SERVING"})
    status, body = http("GET", server.url + "/v1/verifiers")
    assert status == 200 and body["defaultProfile"] == "r1_zero"
    assert {"format", "math"} <= {v["name"] for v in body["verifiers"]}
    status, body = http("POST", server.url + "/v1/score", {"requestId": "s1", "groups": [seed_group],
                                                           "profile": "r1_zero"})
    assert status == 200 and body["requestId"] == "s1"
    [group] = body["groups"]
    assert [round(s["reward"], 9) for s in group["samples"]] == [0.1, 1.1, 1.0, 0]
    assert group["samples"][0]["components"][0]["reason"] == "20 ≠ 14 (answer_tag)"


def test_openrlhf_one_sample_a_request(server):
    """OpenRLHF 0.11 posts each sample alone, to each URL of --remote_rm_url."""
    got, logs = [], []
    for question, answer, responses in QUESTIONS:
        prompt = TEMPLATE.format(question)
        for r in responses:
            query = prompt + r + "<|im_end|>"  # decoded with skip_special_tokens=False
            status, body = http("POST", server.url + "/openrlhf?profile=r1_zero",
                                {"query": [query], "prompts": [prompt], "labels": [answer]})
            assert status == 200, body
            assert body["scores"] == body["rewards"] and len(body["rewards"]) == 1
            got.append(body["rewards"][0])
            logs.append(body["extra_logs"])
    assert [round(r, 9) for r in got] == WANT
    assert [l["math"][0] for l in logs] == [0, 1, 1, 0, 1, 0, 1, 0]
    assert [l["format"][0] for l in logs] == [1, 1, 0, 0, 1, 1, 0, 0]


def test_openrlhf_batch(server):
    """Older OpenRLHF (remote_rm_fn) posts a whole batch, samples of a prompt together."""
    queries, prompts, labels = [], [], []
    for question, answer, responses in QUESTIONS:
        prompt = TEMPLATE.format(question)
        for r in responses:
            queries.append(prompt + r + "<|endoftext|>")
            prompts.append(prompt)
            labels.append(answer)
    status, body = http("POST", server.url + "/openrlhf", {"query": queries, "prompts": prompts, "labels": labels})
    assert status == 200, body
    assert [round(r, 9) for r in body["rewards"]] == WANT  # the server's default profile, r1_zero


def test_slime_remote_rm(server):
    got = []
    for question, answer, responses in QUESTIONS:
        for r in responses:
            status, body = http("POST", server.url + "/slime?profile=r1_zero",
                                {"prompt": TEMPLATE.format(question), "response": r, "label": answer})
            assert status == 200
            got.append(body)  # the reward itself, a bare number
    assert [round(r, 9) for r in got] == WANT
    # A prompt as chat messages (slime without its chat template), and a Reference object as label.
    status, body = http("POST", server.url + "/slime", {
        "prompt": [{"role": "user", "content": "What is 2 + 3 * 4?"}], "response": R1_ZERO[1],
        "label": {"answer": "14", "metadata": {"source": "seed"}}})
    assert (status, round(body, 9)) == (200, 1.1)


BAD = [
    ("/v1/score", b"{not json", 400, "request: not a reward.v1.ScoreRequest in JSON"),
    ("/v1/score", {"grops": []}, 400, "grops"),
    ("/v1/score", {"groups": []}, 400, "groups: the request has no groups"),
    ("/v1/score", {"groups": [{"id": "a", "completions": [{"text": "x"}]}] * 2}, 400,
     "groups[1].id: duplicate group id 'a' (also groups[0].id)"),
    ("/v1/score", {"groups": [{"completions": [{"text": "x"}]}], "reward": [{"verifier": "nope"}]}, 400,
     "reward[0].verifier: unknown verifier 'nope'"),
    ("/v1/score", {"groups": [{"completions": [{"text": "x"}]}] * 65}, 429,
     "groups: 65 groups, the limit is 64"),
    ("/openrlhf", b"[", 400, "request: not a JSON object"),
    ("/openrlhf", {"query": "one text"}, 400, "query: must be a list, not a string"),
    ("/openrlhf", {"query": ["a", 3]}, 400, "query[1]: must be a string, not a number"),
    ("/openrlhf", {"query": ["a"], "prompts": ["a"], "labels": ["1", "2"]}, 400, "labels: 2 entries, query has 1"),
    ("/openrlhf", {"query": ["a"], "prompts": ["a"], "labels": [True]}, 400,
     "labels[0]: must be a string, an object or null, not a boolean"),
    ("/openrlhf", {"query": ["a"], "prompts": ["a"], "labels": [None]}, 400,
     "labels[0]: groups[0].reference: answer is missing"),
    ("/openrlhf?profile=nope", {"query": ["a"], "labels": ["1"]}, 400, "profile: unknown profile 'nope'"),
    ("/openrlhf", {"queries": ["a"]}, 400, "queries: unknown field (known: query, prompts, labels)"),
    ("/slime", {"prompt": "p", "label": "1"}, 400, "response: missing"),
    ("/slime", {"prompt": "p", "response": ["r"], "label": "1"}, 400, "response: must be a string, not a list"),
    ("/slime", {"prompt": 7, "response": "r", "label": "1"}, 400, "prompt: must be a string or a list of messages"),
    ("/slime", {"prompt": "p", "response": "r", "label": {"answr": "1"}}, 400, "label: not a reward.v1.Reference"),
    ("/slime", {"prompt": "p", "response": "r"}, 400, "label: groups[0].reference: answer is missing"),
    ("/slime", b"\xff\xfe", 400, "request: not a JSON object"),
]


@pytest.mark.parametrize("path,body,status,message", BAD, ids=[f"{p} {m[:40]}" for p, _, _, m in BAD])
def test_bad_input_is_a_4xx_naming_the_field(server, path, body, status, message):
    raw = body if isinstance(body, bytes) else None
    got, answer = http("POST", server.url + path, None if raw else body, raw=raw)
    assert got == status, answer
    assert message in answer["error"]["message"]
    assert answer["error"]["code"] in ("INVALID_ARGUMENT", "RESOURCE_EXHAUSTED")


def test_routes_methods_and_size(server):
    status, body = http("GET", server.url + "/v1/nothing")
    assert status == 404 and "GET /v1/nothing: no such route" in body["error"]["message"]
    status, body = http("GET", server.url + "/v1/score")
    assert status in (404, 405) and "no such route" in body["error"]["message"]
    big = json.dumps({"groups": [{"completions": [{"text": "a" * (2 << 20)}]}]}).encode()
    try:
        status, body = http("POST", server.url + "/v1/score", raw=big)
        assert status == 413 and "over max_request_bytes" in body["error"]["message"]
    except (ConnectionError, OSError):
        pass  # the server may close the connection before reading the whole body
    assert http("GET", server.url + "/healthz") == (200, {"status": "SERVING"})


def host_processes(fragment):
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if fragment in line]


def test_sigterm_drains_http_calls_and_reports_not_serving():
    # An HTTP call whose program sleeps 20 s is running when SIGTERM comes
    # (the signal waits until its sleeper is on the host): /healthz turns 503
    # at once (milliseconds against 20 s), the call still completes, and the
    # server exits 0.
    server = Server(extra_config="drain_seconds: 300\n")
    try:
        program = "```python\nimport subprocess\nsubprocess.run(['/bin/sleep', '20.25'])\nprint(input())\n```"
        body = {"groups": [{"id": "sleeper", "prompt": "echo", "completions": [{"id": "a", "text": program}],
                            "reference": {"tests": {"io": [{"stdin": "x\n", "stdout": "x\n"}],
                                                    "timeLimitMs": 60000}}}],
                "reward": [{"verifier": "code"}]}
        got = {}
        call = threading.Thread(target=lambda: got.update(r=http("POST", server.url + "/v1/score", body)))
        call.start()
        deadline = time.time() + START_TIMEOUT
        while not host_processes("sleep 20.25") and time.time() < deadline and call.is_alive():
            time.sleep(0.02)
        assert host_processes("sleep 20.25"), "the call never started running"
        server.proc.send_signal(signal.SIGTERM)
        deadline = time.time() + CALL_TIMEOUT
        while "draining" not in server.read_log() and time.time() < deadline:
            time.sleep(0.02)
        assert http("GET", server.url + "/healthz") == (503, {"status": "NOT_SERVING"})
        call.join(CALL_TIMEOUT + 60)
        status, answer = got["r"]
        assert status == 200, answer
        assert answer["groups"][0]["samples"][0]["components"][0]["status"] == "PASSED"
        assert server.proc.wait(timeout=CALL_TIMEOUT) == 0
    finally:
        server.stop()
