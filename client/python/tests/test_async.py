"""AsyncRewardClient (grpc.aio) against a live server: score (a split batch's
calls concurrent, results in order), score_stream (answers matched by
request id, a bad request answered in the stream), errors, health."""
import asyncio

import grpc
import pytest

from reward_client import AsyncRewardClient, RewardError
from test_client import fmt_groups


def run(coro):
    return asyncio.run(coro)


def test_async_score_worked_example_and_split_batch(server, seed_group):
    async def main():
        async with AsyncRewardClient(server.address, timeout=120, max_groups_per_call=5) as c:
            [group] = await c.score([seed_group], profile="r1_zero")
            many = await c.score(fmt_groups(40), profile="fmt")
            return group, many
    group, many = run(main())
    assert [round(r, 9) for r in group.rewards] == [0.1, 1.1, 1.0, 0]
    assert [g.id for g in many] == [f"g{i}" for i in range(40)]
    assert [g.rewards[0] for g in many] == [0.1 if i % 2 == 0 else 0 for i in range(40)]


def test_async_score_stream(server, seed_group):
    requests = [
        {"requestId": "a", "groups": [seed_group], "profile": "r1_zero"},
        {"requestId": "bad", "groups": [seed_group], "reward": [{"verifier": "nope"}]},
        {"requestId": "c", "groups": fmt_groups(3), "profile": "fmt"},
    ]

    async def main(source):
        async with AsyncRewardClient(server.address, timeout=120) as c:
            return {r.request_id: r async for r in c.score_stream(source)}

    async def generated():  # an async iterable, as an asynchronous trainer would feed it
        for r in requests:
            yield r
    for source in (requests, generated()):
        got = run(main(source))
        assert sorted(got) == ["a", "bad", "c"]
        assert got["a"].error is None
        assert [round(r, 9) for r in got["a"].groups[0].rewards] == [0.1, 1.1, 1.0, 0]
        assert got["bad"].error.code == grpc.StatusCode.INVALID_ARGUMENT
        assert "reward[0].verifier: unknown verifier 'nope'" in got["bad"].error.message
        assert [g.id for g in got["c"].groups] == ["g0", "g1", "g2"]


def test_async_errors_health_and_verifiers(server):
    async def main():
        async with AsyncRewardClient(server.address, timeout=120) as c:
            assert await c.health() == "SERVING"
            assert (await c.list_verifiers()).profile("fmt").verifiers == ["format"]
            with pytest.raises(RewardError) as e:
                await c.score([{"id": "q", "completions": ["a"]}, {"id": "q", "completions": ["b"]}])
            assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
            assert "groups[1].id: duplicate group id 'q'" in e.value.message
            async def bad():
                yield {"requestId": "ok", "groups": [{"completions": ["a"]}]}
                yield {"groups": [], "requestid": "x"}
            for source in ([{"groups": [], "requestid": "x"}], bad()):
                with pytest.raises(ValueError, match=r"requests\[\d\]: .*requestid"):
                    async for _ in c.score_stream(source):
                        pass
        async with AsyncRewardClient("127.0.0.1:1", timeout=120, retries=1) as c:
            with pytest.raises(RewardError) as e:
                await c.health()
            assert e.value.code == grpc.StatusCode.UNAVAILABLE
    run(main())
