"""RewardClient against a live server: typed results, health, verifiers,
big batches split and sent concurrently in order, errors with the gRPC code
and the server's message, UNAVAILABLE retried, a deadline on every call."""
import copy
import socket
import threading

import grpc
import pytest

import reward_client
from reward_client import RewardClient, RewardError
from reward_client import client as client_module
from conftest import Server


@pytest.fixture(scope="module")
def client(server):
    with RewardClient(server.address, timeout=120) as c:
        yield c


def fmt_groups(n):
    """n groups whose format rewards alternate 0.1 / 0."""
    good, bad = "<think>x</think><answer>1</answer>", "no tags"
    return [{"id": f"g{i}", "prompt": f"p{i}",
             "completions": [{"id": "a", "text": good if i % 2 == 0 else bad}, {"id": "b", "text": bad}]}
            for i in range(n)]


def test_worked_example(client, seed_group):
    [group] = client.score([seed_group], profile="r1_zero")
    assert group.ok and group.id == "q1"
    assert [s.id for s in group.samples] == ["o1", "o2", "o3", "o4"]
    assert [round(r, 9) for r in group.rewards] == [0.1, 1.1, 1.0, 0]
    assert group.mean == pytest.approx(0.55)
    assert [a > 0 for a in group.advantages] == [False, True, True, False]
    math = [s.component("math") for s in group.samples]
    assert math[0].reason == "20 ≠ 14 (answer_tag)" and math[0].status == "OK"
    assert "14 = 14" in math[1].reason
    assert group.samples[2].component("format").reason == "missing <think>, </think>"
    assert group.samples[1].component("format").weight == 0.1


def test_defaults_bare_completions_and_explicit_reward(client):
    [group] = client.score([{"prompt": "What is 2 + 3 * 4?", "reference": {"answer": "14"},
                             "completions": ["<think>x</think><answer>14</answer>", "<answer>14</answer>"]}])
    assert group.rewards == pytest.approx([1.1, 1.0])  # the default profile, r1_zero
    [group] = client.score([{"completions": ["<think>x</think><answer>1</answer>"]}],
                           reward=[{"verifier": "format", "weight": 0.5, "params": {"mode": "tag_count"}}],
                           advantage={"estimator": "none"})
    assert group.rewards == [0.5]


def test_list_verifiers_and_health(client):
    v = client.list_verifiers()
    names = [x.name for x in v.verifiers]
    assert {"format", "math", "language", "code"} <= set(names)
    fmt = next(x for x in v.verifiers if x.name == "format")
    assert next(p for p in fmt.params if p.name == "mode").default == "strict"
    assert v.default_profile == "r1_zero"
    assert v.profile("r1_zero").verifiers == ["math", "format"]
    assert [t.get("weight", 1) for t in v.profile().terms] == [1, 0.1]
    with pytest.raises(KeyError, match="unknown profile 'nope'"):
        v.profile("nope")
    assert client.health() == "SERVING"


def test_big_batch_is_split_sent_concurrently_and_kept_in_order(server):
    groups = fmt_groups(150)  # over the server's 64 groups per request
    with RewardClient([server.address, server.address], max_groups_per_call=7, max_concurrency=3,
                      timeout=120) as c:
        results = c.score(groups, profile="fmt")
    assert [g.id for g in results] == [g["id"] for g in groups]
    assert [g.rewards[0] for g in results] == [0.1 if i % 2 == 0 else 0 for i in range(150)]
    # And by bytes: one group a call.
    with RewardClient(server.address, max_bytes_per_call=10, timeout=120) as c:
        assert [g.id for g in c.score(groups[:5], profile="fmt")] == ["g0", "g1", "g2", "g3", "g4"]
    # Unsplit, the server refuses it, naming the limit.
    with RewardClient(server.address, max_groups_per_call=1000, timeout=120) as c:
        with pytest.raises(RewardError) as e:
            c.score(groups, profile="fmt")
    assert e.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "groups: 150 groups, the limit is 64" in e.value.message


def test_batch_wide_advantages_are_never_split(server):
    groups = fmt_groups(20)
    with RewardClient(server.address, max_groups_per_call=3, timeout=120) as split, \
            RewardClient(server.address, timeout=120) as whole:
        for advantage in ({"estimator": "batch_norm"}, {"estimator": "grpo", "scale": "batch"}):
            a = split.score(groups, profile="fmt", advantage=advantage)
            b = whole.score(groups, profile="fmt", advantage=advantage)
            assert [g.advantages for g in a] == [g.advantages for g in b]


def test_errors_carry_the_code_and_the_servers_message(client, seed_group):
    one = {"id": "q", "completions": [{"id": "a", "text": "x"}]}
    cases = [
        ({"groups": [one], "profile": "nope"}, grpc.StatusCode.INVALID_ARGUMENT, "profile: unknown profile 'nope'"),
        ({"groups": [one, dict(one, id="r"), one]}, grpc.StatusCode.INVALID_ARGUMENT,
         "groups[2].id: duplicate group id 'q' (also groups[0].id)"),
        ({"groups": [dict(one, completions=[{"id": "a"}, {"id": "a"}])]}, grpc.StatusCode.INVALID_ARGUMENT,
         "groups[0].completions[1].id: duplicate sample id 'a' (also groups[0].completions[0].id)"),
        ({"groups": [one], "reward": [{"verifier": "format", "params": {"strict": True}}]},
         grpc.StatusCode.INVALID_ARGUMENT, "reward[0].params: unknown parameter 'strict'"),
        ({"groups": [one], "reward": [{"verifier": "format"}], "advantage": {"estimator": "ppo"}},
         grpc.StatusCode.INVALID_ARGUMENT, "advantage.estimator: unknown estimator 'ppo'"),
        ({"groups": [{"id": "q"}]}, grpc.StatusCode.INVALID_ARGUMENT, "groups[0].completions: the group is empty"),
    ]
    for kwargs, code, message in cases:
        with pytest.raises(RewardError) as e:
            client.score(**kwargs)
        assert e.value.code == code, e.value
        assert message in e.value.message
        assert message in str(e.value) and code.name in str(e.value)
    # A group the server cannot score is reported on the group, the rest scored.
    results = client.score([seed_group, dict(copy.deepcopy(seed_group), id="q2", reference={})], profile="r1_zero")
    assert results[0].ok and not results[1].ok
    assert results[1].status == "INVALID_ARGUMENT" and "groups[1].reference: answer is missing" in results[1].error
    assert [s.ok for s in results[1].samples] == [False] * 4
    # What does not fit the API is refused before sending, naming the field.
    for groups, message in ((["text"], "groups[0]: must be a dict"), ([{"prompt": 3, "completions": []}], "groups[0]"),
                            ([{"completions": [{"txt": "a"}]}], "groups[0]"), ({"id": "q"}, "groups: must be a list")):
        with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
            client.score(groups)
    with pytest.raises(ValueError, match="advantage"):
        client.score([one], reward=[{"verifier": "format"}], advantage={"estimatr": "grpo"})
    assert client.health() == "SERVING"


def test_a_deadline_is_always_set(server):
    for timeout in (None, 0, -1):
        with pytest.raises(ValueError, match="timeout"):
            RewardClient(server.address, timeout=timeout)
    with pytest.raises(ValueError, match="address"):
        RewardClient([])
    # A server that takes connections and never answers: the call ends at its
    # deadline (no call waits forever), whatever the machine's speed.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = "127.0.0.1:%d" % silent.getsockname()[1]
        with RewardClient(address, timeout=1, retries=0) as c:
            for call in (c.health, lambda: c.score([{"completions": ["x"]}])):
                with pytest.raises(RewardError) as e:
                    call()
                assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unavailable_is_retried_with_backoff(monkeypatch):
    port = free_port()
    with RewardClient(f"127.0.0.1:{port}", retries=2, timeout=120) as c:
        with pytest.raises(RewardError) as e:
            c.health()
    assert e.value.code == grpc.StatusCode.UNAVAILABLE
    # A server that comes up while the client retries: the call succeeds. It
    # starts only once a first attempt has failed (no guess at timing).
    failed = threading.Event()
    backoff = client_module._backoff
    monkeypatch.setattr(client_module, "_backoff", lambda attempt: (failed.set(), backoff(attempt))[1])
    got = {}
    with RewardClient(f"127.0.0.1:{port}", retries=1000, timeout=120, token="secret") as c:
        t = threading.Thread(target=lambda: got.update(v=c.score([{"completions": ["x"]}], profile="fmt")))
        t.start()
        assert failed.wait(120)
        late = Server(port)
        try:
            t.join(600)
        finally:
            late.stop()
    assert got["v"][0].rewards == [0]


def test_package_exports():
    assert reward_client.RewardClient is RewardClient
    assert reward_client.DEFAULT_ADDRESS == "localhost:50051"
