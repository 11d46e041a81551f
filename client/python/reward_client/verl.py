"""verl custom reward functions scored by the reward service.

    custom_reward_function.path=pkg://reward_client.verl
    custom_reward_function.name=compute_score          # NaiveRewardManager (one sample a call)
    +custom_reward_function.reward_kwargs.address=rm-host:50051
    +custom_reward_function.reward_kwargs.profile=r1_zero

or `name=compute_score_batch` with `reward_model.reward_manager=batch` (lists
in, list out), or `name=compute_score_async` for verl's asynchronous reward
loop. verl calls them as
`compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)`
and `compute_score_batch(data_sources=..., solution_strs=..., ground_truths=...,
extra_infos=...)`, with the config's reward_kwargs as further keywords.

- ground_truth: text or a number is the reference answer; a dict is a
  Reference in its JSON shape ({"answer": ..., "tests": {...}}); a list is the
  answer's values ("3, 5").
- extra_info: its "question" or "prompt" (text), if any, is the group's prompt;
  its "target_language", if any, the reference's.
- Returns the reward as a float; with `return_dict=True` a dict of "score" and
  each verifier's unweighted score (for verl's reward_extra_info). A sample
  the server could not score gets 0.0 (verl has no "no reward").
- Further keywords verl may pass (e.g. sandbox settings) are ignored.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any, Optional, Union

from .client import DEFAULT_ADDRESS, AsyncRewardClient, GroupResult, RewardClient
from .columns import _plain

_clients: dict = {}
_lock = threading.Lock()


def _address(address: Optional[str]) -> str:
    return address or os.environ.get("REWARD_SERVICE_ADDRESS") or DEFAULT_ADDRESS


def _client(cls, address, token, tls, timeout):
    key = (cls, _address(address), token, str(tls), timeout)
    with _lock:
        if key not in _clients:
            _clients[key] = cls(_address(address), token=token, tls=tls, timeout=timeout)
        return _clients[key]


def reference_of(ground_truth: Any, extra_info: Optional[Mapping] = None, field: str = "ground_truth") -> dict:
    ground_truth = _plain(ground_truth)
    if ground_truth is None:
        ref: dict = {}
    elif isinstance(ground_truth, Mapping):
        ref = dict(ground_truth)
    elif isinstance(ground_truth, (list, tuple)):
        ref = {"answer": ", ".join(str(v) for v in ground_truth)}
    elif isinstance(ground_truth, (str, int, float)) and not isinstance(ground_truth, bool):
        ref = {"answer": str(ground_truth)}
    else:
        raise ValueError(f"{field}: text, a number, a list or a Reference dict, not {type(ground_truth).__name__}")
    language = (extra_info or {}).get("target_language")
    if isinstance(language, str) and "targetLanguage" not in ref and "target_language" not in ref:
        ref["targetLanguage"] = language
    return ref


def _group(solution_str, ground_truth, extra_info, i: Optional[int] = None) -> dict:
    suffix = "" if i is None else f"s[{i}]"
    if not isinstance(solution_str, str):
        raise ValueError(f"solution_str{suffix}: must be text, not {type(solution_str).__name__}")
    if extra_info is not None and not isinstance(extra_info, Mapping):
        raise ValueError(f"extra_info{suffix}: must be a dict")
    prompt = next((v for k in ("question", "prompt") if isinstance(v := (extra_info or {}).get(k), str)), "")
    return {"prompt": prompt, "completions": [{"text": solution_str}],
            "reference": reference_of(ground_truth, extra_info, f"ground_truth{suffix}")}


def _value(group: GroupResult, return_dict: bool) -> Union[float, dict]:
    sample = group.samples[0]
    reward = sample.reward if sample.ok else 0.0
    if not return_dict:
        return reward
    out = {"score": reward}
    for c in sample.components:
        out[c.verifier] = c.score if sample.ok else 0.0
    return out


def compute_score(data_source: Any = None, solution_str: str = "", ground_truth: Any = None,
                  extra_info: Optional[Mapping] = None, *, profile: Optional[str] = None,
                  address: Optional[str] = None, reward=None, return_dict: bool = False,
                  token: Optional[str] = None, tls=None, timeout: float = 60.0, **_ignored) -> Union[float, dict]:
    """One sample, as verl's NaiveRewardManager calls it."""
    client = _client(RewardClient, address, token, tls, timeout)
    groups = client.score([_group(solution_str, ground_truth, extra_info)], profile=profile, reward=reward)
    return _value(groups[0], return_dict)


async def compute_score_async(data_source: Any = None, solution_str: str = "", ground_truth: Any = None,
                              extra_info: Optional[Mapping] = None, *, profile: Optional[str] = None,
                              address: Optional[str] = None, reward=None, return_dict: bool = False,
                              token: Optional[str] = None, tls=None, timeout: float = 60.0,
                              **_ignored) -> Union[float, dict]:
    """compute_score as a coroutine (verl awaits a coroutine function)."""
    client = _client(AsyncRewardClient, address, token, tls, timeout)
    groups = await client.score([_group(solution_str, ground_truth, extra_info)], profile=profile, reward=reward)
    return _value(groups[0], return_dict)


def compute_score_batch(data_sources=None, solution_strs=(), ground_truths=None, extra_infos=None, *,
                        profile: Optional[str] = None, address: Optional[str] = None, reward=None,
                        return_dict: bool = False, token: Optional[str] = None, tls=None,
                        timeout: float = 60.0, **_ignored) -> list:
    """A batch, as verl's BatchRewardManager calls it: one request for all
    (split and sent concurrently when big), a list in the same order."""
    solution_strs = list(_plain(solution_strs))
    n = len(solution_strs)
    ground_truths = [None] * n if ground_truths is None else list(_plain(ground_truths))
    extra_infos = [None] * n if extra_infos is None else list(extra_infos)
    for name, values in (("ground_truths", ground_truths), ("extra_infos", extra_infos)):
        if len(values) != n:
            raise ValueError(f"{name}: {len(values)} entries, solution_strs has {n}")
    if n == 0:
        return []
    groups = [_group(s, g, e, i) for i, (s, g, e) in enumerate(zip(solution_strs, ground_truths, extra_infos))]
    results = _client(RewardClient, address, token, tls, timeout).score(groups, profile=profile, reward=reward)
    return [_value(g, return_dict) for g in results]
