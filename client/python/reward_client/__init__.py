"""Python client of the reward service (reward.v1.RewardService), with
adapters for trainers: `reward_client.trl` (TRL's GRPOTrainer reward
functions) and `reward_client.verl` (verl's custom reward function).

    from reward_client import RewardClient
    with RewardClient("localhost:50051") as client:
        groups = client.score([{"prompt": "What is 2 + 3 * 4?",
                                "completions": ["<think>…</think> <answer>14</answer>"],
                                "reference": {"answer": "14"}}], profile="r1_zero")
        groups[0].samples[0].reward   # 1.1
"""
from .client import (DEFAULT_ADDRESS, AsyncRewardClient, Component, GroupResult, Param, Profile,
                     RewardClient, RewardError, SampleResult, ScoreResult, Verifier, Verifiers)
from .columns import DEFAULT_COLUMNS, reference_from_row

__all__ = ["DEFAULT_ADDRESS", "AsyncRewardClient", "Component", "GroupResult", "Param", "Profile",
           "RewardClient", "RewardError", "SampleResult", "ScoreResult", "Verifier", "Verifiers",
           "DEFAULT_COLUMNS", "reference_from_row"]
__version__ = "0.1.0"
