"""Reward functions for TRL's GRPOTrainer, scored by the reward service.

    from reward_client.trl import reward_funcs
    trainer = GRPOTrainer(model=..., reward_funcs=reward_funcs(profile="r1", address="rm-host:50051"), ...)

Each function has TRL's reward-function signature,
`f(prompts, completions, completion_ids=None, **kwargs) -> list[float | None]`,
and is called as GRPOTrainer calls it: keyword arguments, the whole batch at
once, each prompt's `num_generations` completions consecutive, and every other
dataset column passed as a list in `kwargs` (with `trainer_state`,
`log_extra`, `log_metric`, which are ignored). Prompts and completions are
plain strings or conversations (lists of {"role", "content"} messages; the
prompt's last message and the completion's assistant messages are scored).

- Consecutive samples with an equal prompt and an equal reference form one
  group (the same prompt in two places of a batch is two groups).
- The reference comes from the dataset columns (reward_client.columns:
  answer/solution/ground_truth -> answer, target_language, tests, metadata);
  change it with `columns={...}` or `reference=lambda row: {...}`.
- One function for the profile (its weighted reward; named `reward_<profile>`),
  or with `per_verifier=True` one per verifier (its unweighted score, named
  after it), so that TRL applies its own `reward_weights` and logs each; the
  functions of one call share one request per batch. Their `weight`
  attributes hold the profile's weights.
- A sample the server could not score (too long, invalid UTF-8, a verifier's
  timeout, its group's error) gets None, which TRL leaves out; a request the
  server rejects raises RewardError.
- `asynchronous=True` gives `async def` functions, which TRL awaits
  concurrently with its other async reward functions.
"""
from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional

from .client import DEFAULT_ADDRESS, AsyncRewardClient, GroupResult, RewardClient
from .columns import Columns, ReferenceRule, make_reference_fn

# Keyword arguments GRPOTrainer adds that are not dataset columns.
_NOT_COLUMNS = {"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"}


def message_text(value: Any, field: str, role: Optional[str] = None) -> str:
    """The text of a plain string, or of a conversation: the content of its
    last message (role=None) or of all its messages of `role`, joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(m, Mapping) for m in value):
        raise ValueError(f"{field}: must be a string or a list of {{'role', 'content'}} messages, "
                         f"not {type(value).__name__}")
    def content(m, i):
        c = m.get("content")
        if c is None:
            return ""
        if isinstance(c, str):
            return c
        if isinstance(c, Sequence):  # multimodal parts: their text
            return "".join(p.get("text", "") for p in c if isinstance(p, Mapping) and p.get("type") == "text")
        raise ValueError(f"{field}[{i}].content: must be text")
    if role is None:
        return content(value[-1], len(value) - 1) if value else ""
    texts = [content(m, i) for i, m in enumerate(value) if m.get("role", role) == role]
    return "\n".join(texts)


def build_groups(prompts, completions, kwargs: Mapping[str, Any], reference_fn) -> list[dict]:
    """The batch as groups: consecutive equal prompts (with equal references)."""
    n = len(prompts)
    if len(completions) != n:
        raise ValueError(f"completions: {len(completions)} entries, prompts has {n}")
    columns = {k: v for k, v in kwargs.items()
               if k not in _NOT_COLUMNS and hasattr(v, "__len__") and not isinstance(v, (str, bytes, Mapping))
               and len(v) == n}
    groups: list[dict] = []
    previous = None
    for i in range(n):
        row = {k: v[i] for k, v in columns.items()}
        reference = reference_fn(row, f"row {i}")
        if previous is None or prompts[i] != previous[0] or reference != previous[1]:
            groups.append({"prompt": message_text(prompts[i], f"prompts[{i}]"), "completions": [],
                           "reference": reference})
            previous = (prompts[i], reference)
        groups[-1]["completions"].append(
            {"text": message_text(completions[i], f"completions[{i}]", role="assistant")})
    return groups


class _Batch:
    """Scores each batch once for all the functions of one reward_funcs()
    call (TRL calls them one after the other, or concurrently when async,
    with the same lists)."""

    def __init__(self, score, score_async, reference_fn):
        self._score, self._score_async, self._reference_fn = score, score_async, reference_fn
        self._lock = threading.Lock()
        self._key = None
        self._value = None  # (prompts, completions, results) or an asyncio future

    @staticmethod
    def _key_of(prompts, completions, kwargs):
        # The very objects (held, so that their ids are not reused): TRL
        # passes the same lists to each function of a step, new ones each step.
        return (prompts, completions) + tuple(kwargs[k] for k in sorted(kwargs))

    def _matches(self, key):
        return self._key is not None and len(key) == len(self._key) and all(
            a is b for a, b in zip(key, self._key))

    def results(self, prompts, completions, kwargs) -> list[GroupResult]:
        key = self._key_of(prompts, completions, kwargs)
        with self._lock:
            if not self._matches(key):
                groups = build_groups(prompts, completions, kwargs, self._reference_fn)
                self._key = None
                self._value = self._score(groups)
                self._key = key
            return self._value

    async def results_async(self, prompts, completions, kwargs) -> list[GroupResult]:
        key = self._key_of(prompts, completions, kwargs)
        if not self._matches(key) or self._value.get_loop() is not asyncio.get_running_loop():
            groups = build_groups(prompts, completions, kwargs, self._reference_fn)
            self._value = asyncio.ensure_future(self._score_async(groups))
            self._key = key
        return await asyncio.shield(self._value)


def _flatten(results: list[GroupResult], value: Callable) -> list[Optional[float]]:
    out: list[Optional[float]] = []
    for g in results:
        if not g.ok:
            warnings.warn(f"reward service: a group could not be scored: {g.error}", RuntimeWarning, stacklevel=3)
        out.extend(value(s) if s.ok else None for s in g.samples)
    return out


def reward_funcs(profile: Optional[str] = None, address=DEFAULT_ADDRESS, *,
                 reward: Optional[Sequence[Mapping]] = None, per_verifier: bool = False,
                 columns: Optional[Columns] = None, reference: ReferenceRule = None,
                 asynchronous: bool = False, **client_options) -> list[Callable]:
    """TRL reward functions scoring with `profile` (a profile of the server;
    None: its default) or an explicit `reward` list of weighted verifiers.
    `client_options` go to RewardClient/AsyncRewardClient (token, tls,
    timeout, retries, ...)."""
    if profile and reward:
        raise ValueError("profile, reward: set one, not both")
    reference_fn = make_reference_fn(reference, columns)
    sync_client: list[RewardClient] = []
    async_client: list[AsyncRewardClient] = []

    def client() -> RewardClient:
        if not sync_client:
            sync_client.append(RewardClient(address, **client_options))
        return sync_client[0]

    def score(groups):
        return client().score(groups, profile=profile, reward=reward)

    async def score_async(groups):
        if not async_client:
            async_client.append(AsyncRewardClient(address, **client_options))
        return await async_client[0].score(groups, profile=profile, reward=reward)

    batch = _Batch(score, score_async, reference_fn)
    if per_verifier:
        if reward:
            terms = [{"verifier": t["verifier"], "weight": t.get("weight", 1.0)} for t in reward]
        else:
            terms = list(client().list_verifiers().profile(profile).terms)
        targets = [(t["verifier"], float(t.get("weight", 1.0))) for t in terms]
    else:
        targets = [(None, 1.0)]

    funcs = []
    for verifier, weight in targets:
        if verifier is None:
            def value(s):
                return s.reward
            name = f"reward_{profile or 'default'}" if not reward else "reward"
        else:
            def value(s, v=verifier):
                c = s.component(v)
                return c.score if c is not None else None
            name = verifier
        if asynchronous:
            async def fn(prompts, completions, completion_ids=None, _value=value, **kwargs):
                return _flatten(await batch.results_async(prompts, completions, kwargs), _value)
        else:
            def fn(prompts, completions, completion_ids=None, _value=value, **kwargs):
                return _flatten(batch.results(prompts, completions, kwargs), _value)
        fn.__name__ = fn.__qualname__ = name
        fn.weight = weight
        funcs.append(fn)
    return funcs
