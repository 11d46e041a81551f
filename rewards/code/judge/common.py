"""The test harness of the `code` verifier (rewards/code/judge.cc), joined by
the build from rewards/code/judge/*.py (this is part 1 of 8).

It runs inside one sandbox as three processes, so that nothing the program
does can make a test pass that its functions did not pass:

  judge     this process (PID 1 of the sandbox). It alone holds the
            completion token, the check code and the expected values, and it
            never runs the program's code: it runs the check code and compares
            call results itself. The program's functions stand in as proxies;
            a call travels to the program's process and its result comes back
            as data (see _encode). Anything else (an object whose __eq__
            always answers True, say) stays in the program's process and
            comes back as a handle (_Remote) that equals only itself.
  template  forked before the judge reads anything secret; forks a fresh
            program process whenever the judge asks for one.
  program   runs solution.py, then answers the judge's calls. A test in which
            it dies or runs past the time limit fails, and the next test gets
            a fresh program process.

Every process of the sandbox is undumpable, so the program cannot read the
judge's memory or open its descriptors through /proc. The judge's input is
"<token>\\n<json>" on stdin; its only output is lines "\\n<token> <json>" on
stdout: {"plan"}, then {"test"} as each test ends, then {"done"}.
"""
import ast
import builtins
import collections
import contextlib
import decimal
import errno
import fractions
import io
import json
import operator
import os
import select
import signal
import socket
import struct
import sys
import time
import traceback
import types

_MAX_FRAME = 64 << 20
_DETAIL = 300
_DETAILED_FAILURES = 8  # failures reported with their detail; later ones with name and status


class _Timeout(BaseException):
    """The program did not answer within the test's time limit."""


class _Died(BaseException):
    """The program's process ended (or broke the protocol) during a test."""


class _Mismatch(AssertionError):
    """A call returned something other than the expected value."""


def _clip(text, n=_DETAIL):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


