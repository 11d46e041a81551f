"""reward_client.verl called exactly as verl calls a custom reward function
(checked against volcengine/verl main, 0.8.0.dev: the function loaded by
get_custom_reward_fn from custom_reward_function.path/name, reward_kwargs
merged in as keywords; NaiveRewardManager: compute_score(data_source=,
solution_str=, ground_truth=, extra_info=) per sample, a dict's "score" the
reward and every key into reward_extra_info; BatchRewardManager:
compute_score(data_sources=, solution_strs=, ground_truths=, extra_infos=,
**reward_kwargs); the reward loop awaits a coroutine function)."""
import asyncio
import importlib
import inspect
from collections import defaultdict
from functools import partial

import pytest

from reward_client import RewardError
from test_trl import R1_ZERO, SECOND


def load_custom_reward_fn(path, name, reward_kwargs):
    """custom_reward_function.path=pkg://reward_client.verl, .name, .reward_kwargs."""
    assert path.startswith("pkg://")
    module = importlib.import_module(path[len("pkg://"):].replace("/", "."))
    raw = getattr(module, name)
    if inspect.iscoroutinefunction(raw):
        async def call_async(*args, **kwargs):
            return await raw(*args, **{**kwargs, **reward_kwargs})
        return call_async
    return partial(lambda fn, extra, *args, **kwargs: fn(*args, **{**kwargs, **extra}), raw, reward_kwargs)


def naive_manager(compute_score, samples):
    rewards, extra = [], defaultdict(list)
    for s in samples:
        extra_info = dict(s.get("extra_info", {}))
        extra_info["num_turns"] = None
        extra_info["rollout_reward_scores"] = {}
        score = compute_score(data_source=s["data_source"], solution_str=s["response"],
                              ground_truth=s["reward_model"]["ground_truth"], extra_info=extra_info)
        if isinstance(score, dict):
            rewards.append(score["score"])
            for k, v in score.items():
                extra[k].append(v)
        else:
            rewards.append(score)
    return rewards, dict(extra)


def samples():
    out = []
    for question, answer, responses in (("What is 2 + 3 * 4?", "14", R1_ZERO), ("What is 10 - 3?", "7", SECOND)):
        for i, r in enumerate(responses):
            out.append({"data_source": "openai/gsm8k", "response": r, "reward_model": {"ground_truth": answer},
                        "extra_info": {"index": i, "split": "train", "question": question}})
    return out


WANT = [0.1, 1.1, 1.0, 0, 1.1, 0.1, 1.0, 0]


def test_naive_reward_manager(server):
    fn = load_custom_reward_fn("pkg://reward_client.verl", "compute_score",
                               {"address": server.address, "profile": "r1_zero"})
    rewards, extra = naive_manager(fn, samples())
    assert [round(r, 9) for r in rewards] == WANT
    assert extra == {}
    fn = load_custom_reward_fn("pkg://reward_client.verl", "compute_score",
                               {"address": server.address, "profile": "r1_zero", "return_dict": True})
    rewards, extra = naive_manager(fn, samples())
    assert [round(r, 9) for r in rewards] == WANT
    assert extra["math"] == [0, 1, 1, 0, 1, 0, 1, 0] and extra["format"] == [1, 1, 0, 0, 1, 1, 0, 0]
    assert extra["score"] == rewards


def test_batch_reward_manager(server):
    fn = load_custom_reward_fn("pkg://reward_client.verl", "compute_score_batch",
                               {"address": server.address, "profile": "r1_zero"})
    s = samples()
    extras = [x["extra_info"] | {"rollout_reward_scores": {}} for x in s]
    scores = fn(data_sources=[x["data_source"] for x in s], solution_strs=[x["response"] for x in s],
                ground_truths=[x["reward_model"].get("ground_truth", None) for x in s], extra_infos=extras)
    assert [round(r, 9) for r in scores] == WANT
    fn = load_custom_reward_fn("pkg://reward_client.verl", "compute_score_batch",
                               {"address": server.address, "profile": "r1_zero", "return_dict": True})
    scores = fn(data_sources=["a"] * 2, solution_strs=R1_ZERO[:2], ground_truths=["14", "14"],
                extra_infos=[{}, {}])
    assert scores == [{"score": 0.1, "math": 0, "format": 1}, {"score": pytest.approx(1.1), "math": 1, "format": 1}]


def test_reward_loop_awaits_the_async_form(server):
    fn = load_custom_reward_fn("pkg://reward_client.verl", "compute_score_async",
                               {"address": server.address, "profile": "r1_zero"})
    assert inspect.iscoroutinefunction(fn)

    async def main():
        return await asyncio.gather(*(fn(data_source=s["data_source"], solution_str=s["response"],
                                         ground_truth=s["reward_model"]["ground_truth"], extra_info=s["extra_info"])
                                      for s in samples()))
    assert [round(r, 9) for r in asyncio.run(main())] == WANT


def test_ground_truth_forms_and_bad_input(server):
    from reward_client.verl import compute_score, compute_score_batch
    kw = {"address": server.address, "profile": "r1_zero"}
    good = R1_ZERO[1]
    assert round(compute_score("d", good, 14, None, **kw), 9) == 1.1  # a number
    assert round(compute_score("d", good, {"answer": "14"}, {}, **kw), 9) == 1.1  # a Reference dict
    assert compute_score("d", good, "14", {}, reward=[{"verifier": "math"}], address=server.address,
                         sandbox_fusion_url=None) == 1.0  # further keywords verl may pass are ignored
    assert compute_score("d", "a" * 70000, "14", {}, **kw) == 0.0  # unscorable: 0
    with pytest.raises(ValueError, match="ground_truth: text, a number"):
        compute_score("d", good, object(), {}, **kw)
    with pytest.raises(ValueError, match="solution_str: must be text"):
        compute_score("d", None, "14", {}, **kw)
    with pytest.raises(ValueError, match=r"ground_truths: 1 entries, solution_strs has 2"):
        compute_score_batch(["d", "d"], [good, good], ["14"], None, **kw)
    with pytest.raises(ValueError, match=r"ground_truths\[1\]"):
        compute_score_batch(["d", "d"], [good, good], ["14", object()], None, **kw)
    with pytest.raises(ValueError, match=r"groups\[0\]: .*answr"):
        compute_score("d", good, {"answr": "14"}, {}, **kw)
    with pytest.raises(RewardError, match="INVALID_ARGUMENT: profile: unknown profile 'nope'"):
        compute_score("d", good, "14", {}, address=server.address, profile="nope")
    assert compute_score_batch([], [], [], [], **kw) == []
