"""Clients of reward.v1.RewardService: RewardClient (blocking) and
AsyncRewardClient (asyncio, grpc.aio).

Groups go in as dicts in the API's JSON shape (camelCase or snake_case
names; a completion may be a bare string) or as reward_pb2.Group messages:

    {"id": "q1", "prompt": "What is 2 + 3 * 4?",
     "completions": ["<think>…</think> <answer>14</answer>", {"id": "o2", "text": "…"}],
     "reference": {"answer": "14"}}

and come back as GroupResult objects in the same order. A big batch is split
into calls of at most `max_groups_per_call` groups / `max_bytes_per_call`
bytes, sent concurrently (to every address in turn), and put back in order;
a batch whose advantages depend on the whole batch (estimator batch_norm or
reinforce_pp_baseline, or scale "batch") is always sent whole.

Every call has a deadline (`timeout` seconds). A call the server rejects
raises RewardError with the gRPC code and the server's message, which names
the field (`groups[3].id: duplicate group id 'q1' (also groups[0].id)`).
UNAVAILABLE (server restarting, connection refused, no address answering) and
CANCELLED (a server shutting down before the call ran) are retried `retries`
times with exponential backoff and jitter, on the next address: scoring is
idempotent.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import json
import os
import random
import time
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from typing import Any, AsyncIterator, Optional, Union

import grpc
from google.protobuf import json_format

from ._stubs import health_pb2, health_pb2_grpc, reward_pb2, reward_pb2_grpc

DEFAULT_ADDRESS = "localhost:50051"
_MAX_MESSAGE = 64 << 20
_BATCH_WIDE_ESTIMATORS = ("batch_norm", "reinforce_pp_baseline")


class RewardError(Exception):
    """A call that failed as a whole: `code` is the grpc.StatusCode, `message`
    the server's (or the client's) explanation, naming the field."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


# ----------------------------------------------------------------- results

@dataclasses.dataclass(frozen=True)
class Component:
    verifier: str
    score: float
    weight: float
    weighted: float
    status: str
    reason: str


@dataclasses.dataclass(frozen=True)
class SampleResult:
    id: str
    reward: float
    advantage: float
    status: str
    components: tuple[Component, ...]

    @property
    def ok(self) -> bool:
        """False when the server could not score the sample (reward 0, left
        out of its group's statistics): INVALID_UTF8, TOO_LONG, TIMEOUT, or
        its group's error."""
        return self.status == "OK"

    def component(self, verifier: str) -> Optional[Component]:
        return next((c for c in self.components if c.verifier == verifier), None)


@dataclasses.dataclass(frozen=True)
class GroupResult:
    id: str
    mean: float
    std: float
    status: str
    error: str
    samples: tuple[SampleResult, ...]

    @property
    def ok(self) -> bool:
        return self.status == "OK"

    @property
    def rewards(self) -> list[float]:
        return [s.reward for s in self.samples]

    @property
    def advantages(self) -> list[float]:
        return [s.advantage for s in self.samples]


@dataclasses.dataclass(frozen=True)
class ScoreResult:
    """One answer of score_stream: the request's id and its groups, or the
    error that request failed with (the stream goes on)."""
    request_id: str
    groups: tuple[GroupResult, ...]
    error: Optional[RewardError] = None


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any
    doc: str


@dataclasses.dataclass(frozen=True)
class Verifier:
    name: str
    description: str
    params: tuple[Param, ...]
    timeout_ms: int


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    description: str
    terms: tuple[dict, ...]  # {"verifier": ..., "weight": ..., "params": {...}}

    @property
    def verifiers(self) -> list[str]:
        return [t["verifier"] for t in self.terms]


@dataclasses.dataclass(frozen=True)
class Verifiers:
    verifiers: tuple[Verifier, ...]
    profiles: tuple[Profile, ...]
    default_profile: str

    def profile(self, name: Optional[str] = None) -> Profile:
        """The named profile (None: the server's default); KeyError naming
        the known ones otherwise."""
        name = name or self.default_profile
        for p in self.profiles:
            if p.name == name:
                return p
        raise KeyError(f"profile: unknown profile '{name}' (known: {', '.join(p.name for p in self.profiles)})")


def _group_result(g) -> GroupResult:
    return GroupResult(
        id=g.id, mean=g.mean, std=g.std, status=g.status, error=g.error,
        samples=tuple(SampleResult(
            id=s.id, reward=s.reward, advantage=s.advantage, status=s.status,
            components=tuple(Component(c.verifier, c.score, c.weight, c.weighted, c.status, c.reason)
                             for c in s.components))
            for s in g.samples))


def _verifiers(resp) -> Verifiers:
    def default(text):
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text
    return Verifiers(
        verifiers=tuple(Verifier(v.name, v.description,
                                 tuple(Param(p.name, p.type, default(p.default), p.doc) for p in v.params),
                                 v.timeout_ms) for v in resp.verifiers),
        profiles=tuple(Profile(p.name, p.description,
                               tuple(json_format.MessageToDict(t) for t in p.terms)) for p in resp.profiles),
        default_profile=resp.default_profile)


# ---------------------------------------------------------------- requests

def group_message(group: Union[Mapping, "reward_pb2.Group"], field: str = "group") -> "reward_pb2.Group":
    """A reward_pb2.Group from a dict in the API's JSON shape (completions may
    be bare strings). ValueError naming the field when it does not fit."""
    if isinstance(group, reward_pb2.Group):
        return group
    if not isinstance(group, Mapping):
        raise ValueError(f"{field}: must be a dict in the Group JSON shape, not {type(group).__name__}")
    g = dict(group)
    completions = g.get("completions")
    if isinstance(completions, (list, tuple)):
        g["completions"] = [{"text": c} if isinstance(c, str) else c for c in completions]
    try:
        return json_format.ParseDict(g, reward_pb2.Group())
    except json_format.ParseError as e:
        raise ValueError(f"{field}: {e}") from None


def _request(groups, profile, reward, advantage, request_id) -> "reward_pb2.ScoreRequest":
    req = reward_pb2.ScoreRequest()
    if isinstance(groups, (Mapping, reward_pb2.Group)) or not isinstance(groups, Iterable):
        raise ValueError("groups: must be a list of groups")
    req.groups.extend(group_message(g, f"groups[{i}]") for i, g in enumerate(groups))
    if request_id:
        req.request_id = request_id
    if profile:
        req.profile = profile
    for name, value in (("reward", list(reward or [])), ("advantage", dict(advantage or {}))):
        if value:
            try:
                json_format.ParseDict({name: value}, req)
            except json_format.ParseError as e:
                raise ValueError(f"{name}: {e}") from None
    return req


def _stream_request(item, index) -> "reward_pb2.ScoreRequest":
    if isinstance(item, reward_pb2.ScoreRequest):
        return item
    if not isinstance(item, Mapping):
        raise ValueError(f"requests[{index}]: must be a dict in the ScoreRequest JSON shape")
    item = dict(item)
    groups = item.pop("groups", [])
    try:
        req = _request(groups, None, None, None, None)
        json_format.ParseDict(item, req)
    except (ValueError, json_format.ParseError) as e:
        raise ValueError(f"requests[{index}]: {e}") from None
    return req


def _batch_wide(req) -> bool:
    return req.advantage.estimator in _BATCH_WIDE_ESTIMATORS or req.advantage.scale == "batch"


def _split(req, max_groups: int, max_bytes: int) -> list:
    """The request as calls of at most max_groups groups and about max_bytes
    bytes each, in order (one call when advantages need the whole batch)."""
    if _batch_wide(req) or (len(req.groups) <= max_groups and req.ByteSize() <= max_bytes):
        return [req]
    head = reward_pb2.ScoreRequest()
    head.CopyFrom(req)
    del head.groups[:]
    calls, current, size = [], None, 0
    for g in req.groups:
        n = g.ByteSize()
        if current is None or len(current.groups) >= max_groups or (size + n > max_bytes and current.groups):
            current = reward_pb2.ScoreRequest()
            current.CopyFrom(head)
            calls.append(current)
            size = 0
        current.groups.append(g)
        size += n
    for i, call in enumerate(calls):
        if req.request_id:
            call.request_id = f"{req.request_id}/{i}"
    return calls


# ---------------------------------------------------------------- channels

def _credentials(tls):
    if tls is None or tls is False:
        return None
    if tls is True:
        return grpc.ssl_channel_credentials()
    if isinstance(tls, grpc.ChannelCredentials):
        return tls
    if isinstance(tls, (str, os.PathLike)):
        with open(tls, "rb") as f:
            return grpc.ssl_channel_credentials(root_certificates=f.read())
    if isinstance(tls, Mapping) and set(tls) <= {"ca", "cert", "key"}:
        if ("cert" in tls) != ("key" in tls):
            raise ValueError("tls: 'cert' and 'key' go together")

        def read(key):
            if key not in tls:
                return None
            with open(tls[key], "rb") as f:
                return f.read()
        return grpc.ssl_channel_credentials(root_certificates=read("ca"), private_key=read("key"),
                                            certificate_chain=read("cert"))
    raise ValueError("tls: None/False (plaintext), True (system roots), a CA bundle path, "
                     "{'ca': path, 'cert': path, 'key': path} (mutual TLS), or grpc.ChannelCredentials")


# Round robin over every address a name resolves to (a Kubernetes headless
# Service), and gRPC's own retries before the client's: a call that never
# reached a server (UNAVAILABLE: replica gone) or that a server stopping
# cancelled before it ran (CANCELLED: a client of these classes never cancels
# its own calls) is resent at once to another.
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
_SERVICE_CONFIG = json.dumps({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
        "name": [{"service": "reward.v1.RewardService"}, {"service": "grpc.health.v1.Health"}],
        "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.05s", "maxBackoff": "2s", "backoffMultiplier": 2,
                        "retryableStatusCodes": ["UNAVAILABLE", "CANCELLED"]}}]})


def _options(address, options):
    return [("grpc.max_send_message_length", _MAX_MESSAGE), ("grpc.max_receive_message_length", _MAX_MESSAGE),
            ("grpc.service_config", _SERVICE_CONFIG), ("grpc.enable_retries", 1),
            # A retried call is resent from this buffer (gRPC's default,
            # 256 KiB, would leave big batches unretried).
            ("grpc.per_rpc_retry_buffer_size", _MAX_MESSAGE)] + list(options)


def _addresses(address) -> list[str]:
    addresses = [address] if isinstance(address, str) else list(address or [])
    if not addresses or not all(isinstance(a, str) and a for a in addresses):
        raise ValueError("address: 'host:port', 'dns:///name:port', or a list of them")
    return addresses


def _need_health():
    if health_pb2 is None:
        raise ImportError("health(): the grpc.health.v1 stubs are missing (pip install grpcio-health-checking)")


def _backoff(attempt: int) -> float:
    return min(0.1 * 2 ** attempt, 5.0) * (0.5 + random.random() / 2)


class _Base:
    def __init__(self, address, token, tls, timeout, retries, max_groups_per_call, max_bytes_per_call,
                 max_concurrency, options):
        self._addresses = _addresses(address)
        if timeout is None or not timeout > 0:
            raise ValueError("timeout: must be a number of seconds > 0 (every call has a deadline)")
        if retries < 0 or max_groups_per_call < 1 or max_bytes_per_call < 1 or max_concurrency < 1:
            raise ValueError("retries >= 0, max_groups_per_call, max_bytes_per_call and max_concurrency >= 1")
        self._credentials = _credentials(tls)
        self._timeout = float(timeout)
        self._retries = int(retries)
        self._max_groups = int(max_groups_per_call)
        self._max_bytes = int(max_bytes_per_call)
        self._max_concurrency = int(max_concurrency)
        self._options = tuple(options)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        self._turn = itertools.count()

    def _deadline(self, timeout):
        return self._timeout if timeout is None else float(timeout)


# -------------------------------------------------------------- blocking

class RewardClient(_Base):
    """Blocking client; thread-safe. Use as a context manager or close()."""

    def __init__(self, address: Union[str, Sequence[str]] = DEFAULT_ADDRESS, *, token: Optional[str] = None,
                 tls=None, timeout: float = 60.0, retries: int = 4, max_groups_per_call: int = 256,
                 max_bytes_per_call: int = 16 << 20, max_concurrency: int = 4, options=()):
        super().__init__(address, token, tls, timeout, retries, max_groups_per_call, max_bytes_per_call,
                         max_concurrency, options)
        self._channels = []
        for a in self._addresses:
            opts = _options(a, self._options)
            self._channels.append(grpc.secure_channel(a, self._credentials, options=opts) if self._credentials
                                  else grpc.insecure_channel(a, options=opts))
        self._stubs = [reward_pb2_grpc.RewardServiceStub(c) for c in self._channels]
        self._health = [health_pb2_grpc.HealthStub(c) for c in self._channels] if health_pb2_grpc else None
        self._pool = concurrent.futures.ThreadPoolExecutor(self._max_concurrency, thread_name_prefix="reward-client")

    def _call(self, stubs, method, request, timeout):
        for attempt in itertools.count():
            stub = stubs[next(self._turn) % len(stubs)]  # the next address, also on a retry
            try:
                return getattr(stub, method)(request, timeout=timeout, metadata=self._metadata)
            except grpc.RpcError as e:
                if e.code() in _RETRYABLE and attempt < self._retries:
                    time.sleep(_backoff(attempt))
                    continue
                raise RewardError(e.code(), e.details() or "") from None

    def score(self, groups, profile: Optional[str] = None, reward: Optional[Sequence[Mapping]] = None,
              advantage: Optional[Mapping] = None, *, request_id: Optional[str] = None,
              timeout: Optional[float] = None) -> list[GroupResult]:
        """Scores the groups with a profile of the server, or a list of
        weighted verifiers (`[{"verifier": "format", "weight": 0.1,
        "params": {...}}]`), or the server's default profile."""
        req = _request(groups, profile, reward, advantage, request_id)
        timeout = self._deadline(timeout)
        calls = _split(req, self._max_groups, self._max_bytes)
        if len(calls) == 1:
            responses = [self._call(self._stubs, "Score", calls[0], timeout)]
        else:
            futures = [self._pool.submit(self._call, self._stubs, "Score", c, timeout) for c in calls]
            responses = [f.result() for f in futures]
        return [_group_result(g) for resp in responses for g in resp.groups]

    def list_verifiers(self, *, timeout: Optional[float] = None) -> Verifiers:
        return _verifiers(self._call(self._stubs, "ListVerifiers", reward_pb2.ListVerifiersRequest(),
                                     self._deadline(timeout)))

    def health(self, *, timeout: Optional[float] = None) -> str:
        """"SERVING", or "NOT_SERVING" while the server drains."""
        _need_health()
        resp = self._call(self._health, "Check", health_pb2.HealthCheckRequest(), self._deadline(timeout))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)

    def close(self):
        self._pool.shutdown(wait=False)
        for c in self._channels:
            c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- asyncio

class AsyncRewardClient(_Base):
    """asyncio client (grpc.aio) with the same options. Its channels belong to
    the event loop they were first used in; used from another loop (TRL runs
    async reward functions on a loop thread of its own) it opens new ones."""

    def __init__(self, address: Union[str, Sequence[str]] = DEFAULT_ADDRESS, *, token: Optional[str] = None,
                 tls=None, timeout: float = 60.0, retries: int = 4, max_groups_per_call: int = 256,
                 max_bytes_per_call: int = 16 << 20, max_concurrency: int = 4, options=()):
        super().__init__(address, token, tls, timeout, retries, max_groups_per_call, max_bytes_per_call,
                         max_concurrency, options)
        self._loop = None
        self._channels = []

    def _ensure(self):
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._channels = []
            for a in self._addresses:
                opts = _options(a, self._options)
                self._channels.append(grpc.aio.secure_channel(a, self._credentials, options=opts)
                                      if self._credentials else grpc.aio.insecure_channel(a, options=opts))
            self._stubs = [reward_pb2_grpc.RewardServiceStub(c) for c in self._channels]
            self._health = [health_pb2_grpc.HealthStub(c) for c in self._channels] if health_pb2_grpc else None
            self._loop = loop

    async def _call(self, stubs, method, request, timeout):
        for attempt in itertools.count():
            stub = stubs[next(self._turn) % len(stubs)]
            try:
                return await getattr(stub, method)(request, timeout=timeout, metadata=self._metadata)
            except grpc.aio.AioRpcError as e:
                if e.code() in _RETRYABLE and attempt < self._retries:
                    await asyncio.sleep(_backoff(attempt))
                    continue
                raise RewardError(e.code(), e.details() or "") from None

    async def score(self, groups, profile: Optional[str] = None, reward: Optional[Sequence[Mapping]] = None,
                    advantage: Optional[Mapping] = None, *, request_id: Optional[str] = None,
                    timeout: Optional[float] = None) -> list[GroupResult]:
        """As RewardClient.score; the calls of a split batch run concurrently."""
        self._ensure()
        req = _request(groups, profile, reward, advantage, request_id)
        timeout = self._deadline(timeout)
        limit = asyncio.Semaphore(self._max_concurrency)

        async def one(call):
            async with limit:
                return await self._call(self._stubs, "Score", call, timeout)
        responses = await asyncio.gather(*(one(c) for c in _split(req, self._max_groups, self._max_bytes)))
        return [_group_result(g) for resp in responses for g in resp.groups]

    async def score_stream(self, requests: Union[Iterable, AsyncIterable], *,
                           timeout: Optional[float] = None) -> AsyncIterator[ScoreResult]:
        """Sends requests (dicts in the ScoreRequest JSON shape, with a
        requestId each, or ScoreRequest messages) on one ScoreStream and
        yields each answer as it is ready, in the order they finish. A request
        that fails alone is yielded with its `error`; a failing stream raises
        RewardError. `timeout` bounds the whole stream."""
        self._ensure()

        failed: list[Exception] = []  # what the request iterator raised (gRPC only cancels the call)
        if not isinstance(requests, AsyncIterable):
            requests = [_stream_request(item, i) for i, item in enumerate(requests)]  # refused before sending

        async def produce():
            try:
                if isinstance(requests, AsyncIterable):
                    i = 0
                    async for item in requests:
                        yield _stream_request(item, i)
                        i += 1
                else:
                    for item in requests:
                        yield item
            except Exception as e:
                failed.append(e)
                raise

        stub = self._stubs[next(self._turn) % len(self._stubs)]
        call = stub.ScoreStream(produce(), timeout=self._deadline(timeout), metadata=self._metadata)
        try:
            async for resp in call:
                error = None
                if resp.error_code:
                    code = getattr(grpc.StatusCode, resp.error_code, grpc.StatusCode.UNKNOWN)
                    error = RewardError(code, resp.error_message)
                yield ScoreResult(resp.request_id, tuple(_group_result(g) for g in resp.groups), error)
        except (grpc.aio.AioRpcError, asyncio.CancelledError) as e:
            if failed:
                raise failed[0] from None
            if isinstance(e, asyncio.CancelledError):
                raise
            raise RewardError(e.code(), e.details() or "") from None

    async def list_verifiers(self, *, timeout: Optional[float] = None) -> Verifiers:
        self._ensure()
        return _verifiers(await self._call(self._stubs, "ListVerifiers", reward_pb2.ListVerifiersRequest(),
                                           self._deadline(timeout)))

    async def health(self, *, timeout: Optional[float] = None) -> str:
        _need_health()
        self._ensure()
        resp = await self._call(self._health, "Check", health_pb2.HealthCheckRequest(), self._deadline(timeout))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)

    async def close(self):
        for c in self._channels:
            await c.close()
        self._channels, self._loop = [], None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
