"""reward_client.trl called exactly as TRL's GRPOTrainer calls reward
functions (checked against huggingface/trl main, 1.10.0.dev0, and v1.9.0:
GRPOTrainer._calculate_rewards): keyword arguments prompts=, completions=,
completion_ids=, every dataset column but prompt/completion/completion_ids as
a list, plus trainer_state, log_extra and log_metric; each prompt repeated
num_generations times consecutively (RepeatSampler); None read as NaN; async
functions gathered on a loop thread of the trainer's."""
import asyncio
import inspect
import math
import threading

import pytest

from reward_client import RewardError
from reward_client.trl import build_groups, reward_funcs
from reward_client.columns import make_reference_fn

NUM_GENERATIONS = 4
R1_ZERO = ["<think>2 + 3 = 5, 5 * 4 = 20</think>  <answer> 20</answer>",
           "<think>3 * 4 = 12, 2 + 12 = 14</think> <answer>14</answer>",
           "<answer>14</answer>",
           "<think>...</think>  <answer> 7<answer>"]
SECOND = ["<think>10 - 3 = 7</think><answer>7</answer>", "<think>hmm</think><answer>13</answer>",
          "<answer>\\boxed{7}</answer>", "I think it is 7"]
DATASET = [{"prompt": "What is 2 + 3 * 4?", "answer": "14", "source": "seed"},
           {"prompt": "What is 10 - 3?", "answer": "7", "source": "seed"}]
WANT = [0.1, 1.1, 1.0, 0, 1.1, 0.1, 1.0, 0]


def trainer_batch(dataset=DATASET, completions=(R1_ZERO, SECOND), conversational=False):
    """What GRPOTrainer holds when it computes rewards: `inputs` (each row
    repeated num_generations times, consecutive), prompts, completions, ids."""
    inputs, prompts, texts = [], [], []
    for row, outs in zip(dataset, completions):
        for text in outs:
            example = dict(row)
            if conversational:
                example["prompt"] = [{"role": "system", "content": "Answer in tags."},
                                     {"role": "user", "content": row["prompt"]}]
            inputs.append(example)
            prompts.append(example["prompt"])
            texts.append([{"role": "assistant", "content": text}] if conversational else text)
    completion_ids = [[ord(c) % 97 for c in (t if isinstance(t, str) else t[0]["content"])] for t in texts]
    return inputs, prompts, texts, completion_ids


def reward_kwargs_of(inputs):
    keys = [k for k in inputs[0] if k not in ("prompt", "completion", "completion_ids")]
    kwargs = {k: [example[k] for example in inputs] for k in keys}
    kwargs["trainer_state"] = object()
    kwargs["log_extra"] = lambda *a, **k: None
    kwargs["log_metric"] = lambda *a, **k: None
    return kwargs


def calculate_rewards(funcs, inputs, prompts, completions, completion_ids):
    """One column per function, as the trainer fills rewards_per_func."""
    kwargs = reward_kwargs_of(inputs)
    columns = [None] * len(funcs)
    async_funcs = []
    for i, f in enumerate(funcs):
        if inspect.iscoroutinefunction(f):
            async_funcs.append((i, f))
        else:
            out = f(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
            columns[i] = [r if r is not None else math.nan for r in out]
    if async_funcs:
        loop = asyncio.new_event_loop()  # the trainer's async loop runs on a thread of its own
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        try:
            async def invoke(i, f):
                out = await f(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
                return i, [r if r is not None else math.nan for r in out]

            async def gather():
                return await asyncio.gather(*(invoke(i, f) for i, f in async_funcs))
            for i, out in asyncio.run_coroutine_threadsafe(gather(), loop).result():
                columns[i] = out
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
    return columns


def rounded(values):
    return [v if v is None or math.isnan(v) else round(v, 9) for v in values]


@pytest.mark.parametrize("conversational", [False, True])
@pytest.mark.parametrize("asynchronous", [False, True])
def test_two_prompts_four_completions(server, conversational, asynchronous):
    funcs = reward_funcs(profile="r1_zero", address=server.address, asynchronous=asynchronous)
    assert len(funcs) == 1 and funcs[0].__name__ == "reward_r1_zero"
    assert inspect.iscoroutinefunction(funcs[0]) == asynchronous
    [column] = calculate_rewards(funcs, *trainer_batch(conversational=conversational))
    assert rounded(column) == WANT  # the R1-Zero prompt: the worked example's 0.1, 1.1, 1.0, 0


@pytest.mark.parametrize("asynchronous", [False, True])
def test_one_function_per_verifier(server, asynchronous):
    funcs = reward_funcs(profile="r1_zero", address=server.address, per_verifier=True, asynchronous=asynchronous)
    assert [f.__name__ for f in funcs] == ["math", "format"]
    assert [f.weight for f in funcs] == [1.0, 0.1]  # for GRPOConfig(reward_weights=...)
    math_scores, format_scores = calculate_rewards(funcs, *trainer_batch())
    assert math_scores == [0, 1, 1, 0, 1, 0, 1, 0]
    assert format_scores == [1, 1, 0, 0, 1, 1, 0, 0]
    weighted = [m * funcs[0].weight + f * funcs[1].weight for m, f in zip(math_scores, format_scores)]
    assert rounded(weighted) == WANT


def test_explicit_reward_and_column_rules(server):
    inputs, prompts, completions, ids = trainer_batch(
        dataset=[{"prompt": "What is 2 + 3 * 4?", "final": "14"}, {"prompt": "What is 10 - 3?", "final": 7}])
    funcs = reward_funcs(address=server.address, reward=[{"verifier": "math"}], columns={"answer": "final"})
    assert funcs[0].__name__ == "reward"
    assert calculate_rewards(funcs, inputs, prompts, completions, ids)[0] == [0, 1, 1, 0, 1, 0, 1, 0]
    funcs = reward_funcs(address=server.address, reward=[{"verifier": "math"}],
                         reference=lambda row: {"answer": str(row["final"])})
    assert calculate_rewards(funcs, inputs, prompts, completions, ids)[0] == [0, 1, 1, 0, 1, 0, 1, 0]
    # A solution column serves as the answer (its \boxed{} value).
    inputs, prompts, completions, ids = trainer_batch(
        dataset=[{"prompt": "What is 2 + 3 * 4?", "solution": "3 * 4 = 12, so \\boxed{14}."},
                 {"prompt": "What is 10 - 3?", "solution": "#### 7"}])
    funcs = reward_funcs(profile="r1_zero", address=server.address)
    assert rounded(calculate_rewards(funcs, inputs, prompts, completions, ids)[0]) == WANT


def test_groups_are_consecutive_equal_prompts():
    ref = make_reference_fn()
    groups = build_groups(["a", "a", "b", "b", "a"], ["1", "2", "3", "4", "5"],
                          {"answer": ["x", "x", "y", "y", "x"], "trainer_state": object()}, ref)
    assert [(g["prompt"], len(g["completions"])) for g in groups] == [("a", 2), ("b", 2), ("a", 1)]
    assert groups[0]["reference"] == {"answer": "x"}
    # Equal prompts with different references are different groups.
    groups = build_groups(["a", "a"], ["1", "2"], {"answer": ["x", "y"]}, ref)
    assert len(groups) == 2
    # Conversational: the prompt's last message, the completion's assistant text.
    [g] = build_groups([[{"role": "user", "content": "q"}]], [[{"role": "assistant", "content": "c"}]], {}, ref)
    assert g["prompt"] == "q" and g["completions"] == [{"text": "c"}]


def test_unscorable_samples_are_none(server):
    inputs, prompts, completions, ids = trainer_batch()
    completions = list(completions)
    completions[1] = "a" * 70000  # over the server's max_completion_bytes: TOO_LONG
    funcs = reward_funcs(profile="r1_zero", address=server.address)
    column = calculate_rewards(funcs, inputs, prompts, completions, ids)[0]
    assert math.isnan(column[1])
    assert rounded(column[:1] + column[2:]) == [0.1, 1.0, 0, 1.1, 0.1, 1.0, 0]
    # A group the server cannot score (no answer column): None for its samples, and a warning.
    inputs = [{k: v for k, v in row.items() if k != "answer"} for row in inputs]
    with pytest.warns(RuntimeWarning, match="answer is missing"):
        column = calculate_rewards(funcs, inputs, prompts, completions, ids)[0]
    assert all(math.isnan(v) for v in column)


def test_bad_input(server):
    f = reward_funcs(profile="r1_zero", address=server.address)[0]
    with pytest.raises(ValueError, match=r"completions: 1 entries, prompts has 2"):
        f(prompts=["a", "a"], completions=["x"])
    with pytest.raises(ValueError, match=r"prompts\[0\]: must be a string or a list"):
        f(prompts=[3], completions=["x"])
    with pytest.raises(ValueError, match=r"row 0\['answer'\]: an answer must be text"):
        f(prompts=["a"], completions=["x"], answer=[{"x": 1}])
    with pytest.raises(RewardError, match="profile: unknown profile 'nope'"):
        reward_funcs(profile="nope", address=server.address)[0](prompts=["a"], completions=["x"], answer=["1"])
    with pytest.raises(KeyError, match="unknown profile 'nope'"):
        reward_funcs(profile="nope", address=server.address, per_verifier=True)
    with pytest.raises(ValueError, match="columns: unknown Reference field 'anwser'"):
        reward_funcs(profile="r1_zero", address=server.address, columns={"anwser": "a"})
    with pytest.raises(ValueError, match="profile, reward: set one"):
        reward_funcs(profile="r1_zero", reward=[{"verifier": "math"}], address=server.address)
