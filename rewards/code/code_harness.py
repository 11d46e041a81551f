"""The test harness of the `code` verifier (rewards/code/judge.cc).

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


# ---------------------------------------------------------------- frames

def _write_frame(fd, obj):
    data = json.dumps(obj).encode()
    data = struct.pack("<I", len(data)) + data
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        raise _Died("the program's process is gone")


def _read_exact(fd, n, deadline):
    chunks, have = [], 0
    while have < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise _Timeout()
        chunk = os.read(fd, min(n - have, 1 << 20))
        if not chunk:
            raise _Died("the program's process ended")
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)


def _read_frame(fd, deadline=None):
    (n,) = struct.unpack("<I", _read_exact(fd, 4, deadline))
    if n > _MAX_FRAME:
        raise _Died("the program sent an oversized message")
    try:
        return json.loads(_read_exact(fd, n, deadline))
    except (ValueError, RecursionError):
        raise _Died("the program sent a malformed message")


# ----------------------------------------------------------- plain data

_MAX_NAME_BYTES = 1 << 20  # a larger global crosses as a handle
_CHUNK = 256  # items fetched per round trip when the judge iterates a program's object

def _encode(value, other, depth=0):
    """Plain data as JSON; `other(value)` encodes anything else. Subclasses
    of plain types cross as their plain values (a list subclass whose __eq__
    always answers True arrives as a plain list), Counter and OrderedDict as
    themselves, namedtuples as namedtuples, Fraction and Decimal exactly."""
    t = type(value)
    if t is bool or t is str or value is None:
        return value
    if depth > 100:
        return other(value)
    if t is int:
        return value if -(1 << 53) < value < (1 << 53) else {"int": hex(value)}
    if t is float:
        return {"float": float.hex(value)}
    if t is list:
        return [_encode(v, other, depth + 1) for v in value]
    if t is tuple:
        return {"tuple": [_encode(v, other, depth + 1) for v in value]}
    if t is dict:
        return {"dict": [[_encode(k, other, depth + 1), _encode(v, other, depth + 1)] for k, v in value.items()]}
    if t is set or t is frozenset:
        return {t.__name__: [_encode(v, other, depth + 1) for v in value]}
    if t is bytes:
        return {"bytes": value.hex()}
    if t is complex:
        return {"complex": [float.hex(value.real), float.hex(value.imag)]}
    if t is range:
        return {"range": [value.start, value.stop, value.step]}
    if t is fractions.Fraction:
        return {"fraction": [hex(value.numerator), hex(value.denominator)]}
    if t is decimal.Decimal:
        return {"decimal": str(value)}
    if isinstance(value, tuple) and isinstance(getattr(t, "_fields", None), tuple):
        fields = [str(f) for f in t._fields]
        return {"namedtuple": [str(t.__name__), fields, [_encode(v, other, depth + 1) for v in tuple(value)]]}
    if isinstance(value, (collections.Counter, collections.OrderedDict)):
        kind = "counter" if isinstance(value, collections.Counter) else "odict"
        return {kind: [[_encode(k, other, depth + 1), _encode(v, other, depth + 1)] for k, v in dict.items(value)]}
    for base in (bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset):
        if isinstance(value, base):
            return _encode(base(value), other, depth + 1)
    return other(value)


def _decode(data, ref, callback=None):
    """The inverse of _encode; `ref(id, type name)` resolves a handle and
    `callback(id)` a function of the check's (only the program gets those)."""
    if isinstance(data, list):
        return [_decode(v, ref, callback) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) != 1:
        raise ValueError("malformed value")
    ((kind, v),) = data.items()
    if kind == "int":
        return int(v, 16)
    if kind == "float":
        return float.fromhex(v)
    if kind == "tuple":
        return tuple(_decode(x, ref, callback) for x in v)
    if kind == "dict":
        return {_decode(k, ref, callback): _decode(x, ref, callback) for k, x in v}
    if kind == "set":
        return {_decode(x, ref, callback) for x in v}
    if kind == "frozenset":
        return frozenset(_decode(x, ref, callback) for x in v)
    if kind == "bytes":
        return bytes.fromhex(v)
    if kind == "complex":
        return complex(float.fromhex(v[0]), float.fromhex(v[1]))
    if kind == "range":
        return range(int(v[0]), int(v[1]), int(v[2]))
    if kind == "fraction":
        return fractions.Fraction(int(v[0], 16), int(v[1], 16))
    if kind == "decimal":
        return decimal.Decimal(str(v))
    if kind == "namedtuple":
        return collections.namedtuple(str(v[0]), [str(f) for f in v[1]])(*[_decode(x, ref, callback) for x in v[2]])
    if kind == "counter":
        return collections.Counter({_decode(k, ref, callback): _decode(x, ref, callback) for k, x in v})
    if kind == "odict":
        return collections.OrderedDict((_decode(k, ref, callback), _decode(x, ref, callback)) for k, x in v)
    if kind == "ref":
        return ref(int(v[0]), str(v[1]))
    if kind == "callback" and callback is not None:
        return callback(int(v))
    raise ValueError("malformed value")


def _describe(e):
    return _clip(traceback.format_exception_only(type(e), e)[-1].strip())


def _rebuilt_exception(reply):
    """An exception the other process raised ({"raised", "message",
    "bases"}), as one that can be caught here: the first built-in exception
    class among its bases (a NegError(ValueError) is a ValueError).
    StopIteration becomes RuntimeError, as PEP 479 does for generators: it
    must not end the receiver's own loops."""
    name, message = str(reply["raised"]), str(reply.get("message", ""))
    bases = reply.get("bases") if type(reply.get("bases")) is list else [name]
    cls = RuntimeError
    for base in bases:
        candidate = getattr(builtins, str(base), None)
        if isinstance(candidate, type) and issubclass(candidate, Exception):
            if not issubclass(candidate, (StopIteration, StopAsyncIteration)):
                cls = candidate
            break
    try:
        return cls(message if cls.__name__ == name else "%s: %s" % (name, message))
    except Exception:
        return RuntimeError("%s: %s" % (name, message))


# -------------------------------------------------------------- program

def _program(requests, replies):
    """Runs solution.py, then serves the judge's requests. Never returns."""
    refs = []

    def keep(value):
        refs.append(value)
        return {"ref": [len(refs) - 1, type(value).__name__]}

    def lookup(i, _type):
        return refs[i]

    def arg(data):
        if isinstance(data, dict) and len(data) == 1 and "slice" in data:
            return slice(*[_decode(x, lookup, _Callback) for x in data["slice"]])
        return _decode(data, lookup, _Callback)

    class _Callback:
        """A function of the check's, passed to the program (a key function,
        a function to apply or memoize): calling it asks the judge, which
        may call back into the program meanwhile."""

        __slots__ = ("id",)

        def __init__(self, callback_id):
            self.id = callback_id

        def __call__(self, *args, **kwargs):
            _write_frame(replies, {"callback": self.id, "args": [_encode(a, keep) for a in args],
                                   "kwargs": {str(k): _encode(v, keep) for k, v in kwargs.items()}})
            while True:
                message = _read_frame(requests)
                if "op" in message:
                    _write_frame(replies, serve(message))
                    continue
                if "raised" in message:
                    raise _rebuilt_exception(message)
                return arg(message.get("value"))

    os.dup2(2, 1)  # the program's prints go to stderr, never to the judge's stdout
    sys.path.insert(0, "/work")  # as for a script in /work (the judge has it removed)
    # Not "__main__": a program's `if __name__ == "__main__":` block (which
    # often reads stdin) is for running it as a script, not for its tests.
    g = {"__name__": "solution", "__builtins__": builtins}
    try:
        with open("solution.py", "rb") as f:
            source = f.read()
        exec(compile(source, "solution.py", "exec"), g)
    except BaseException as e:  # SystemExit too: it ended before any test ran
        _write_frame(replies, {"error": _describe(e), "type": type(e).__name__})
        os._exit(1)
    names = {}
    for name, value in list(g.items()):
        if (name.startswith("__") and name.endswith("__")) or isinstance(value, types.ModuleType):
            continue
        encoded = _encode(value, keep)
        if len(json.dumps(encoded)) > _MAX_NAME_BYTES:
            encoded = keep(value)
        names[name] = encoded
    _write_frame(replies, {"names": names})

    def serve(request):
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                target = refs[request["ref"]]
                op = request["op"]
                if op == "call":
                    args = [arg(a) for a in request["args"]]
                    kwargs = {k: arg(a) for k, a in request["kwargs"].items()}
                    value = target(*args, **kwargs)
                    reply = {"value": _encode(value, keep), "args": [_encode(a, keep) for a in args],
                             "kwargs": {k: _encode(a, keep) for k, a in kwargs.items()}}
                elif op == "getattr":
                    reply = {"value": _encode(getattr(target, request["name"]), keep)}
                elif op == "setattr":
                    setattr(target, request["name"], arg(request["value"]))
                    reply = {"value": None}
                elif op == "getitem":
                    reply = {"value": _encode(target[arg(request["key"])], keep)}
                elif op == "setitem":
                    target[arg(request["key"])] = arg(request["value"])
                    reply = {"value": None}
                elif op == "delitem":
                    del target[arg(request["key"])]
                    reply = {"value": None}
                elif op == "bool":
                    reply = {"value": bool(target)}
                elif op == "isinstance":
                    reply = {"value": isinstance(arg(request["value"]), target)}
                elif op == "repr":
                    reply = {"value": repr(target)}
                elif op == "len":
                    reply = {"value": len(target)}
                elif op == "str":
                    reply = {"value": str(target)}
                elif op == "iter":
                    reply = {"value": keep(iter(target))}
                elif op == "next":
                    items, done = [], False
                    for _ in range(max(1, min(int(request.get("n", 1)), _CHUNK))):
                        try:
                            items.append(_encode(next(target), keep))
                        except StopIteration:
                            done = True
                            break
                    reply = {"value": items, "done": done}
                else:
                    raise ValueError("unknown request")
        except BaseException as e:
            reply = {"raised": type(e).__name__, "message": _clip(e),
                     "bases": [c.__name__ for c in type(e).__mro__]}
        reply["printed"] = printed.getvalue()[:1 << 20]
        return reply

    while True:
        _write_frame(replies, serve(_read_frame(requests)))


def _template(sock):
    """Forks program processes on request. Holds nothing secret."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    while True:
        msg, fds, _, _ = socket.recv_fds(sock, 16, 2)
        if not msg or len(fds) != 2:
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            sock.close()
            try:
                _program(fds[0], fds[1])
            finally:
                os._exit(1)
        for fd in fds:
            os.close(fd)
        sock.send(struct.pack("<i", pid))
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass


# ---------------------------------------------------------------- judge

_LOCAL_REPR = [0]  # > 0 while the judge formats its own messages


class _Remote:
    """A function or object of the program, seen from the judge. What it
    yields is data computed by the program (calls, attributes, items, len,
    str, repr, its own truth); comparisons with the judge's values, whose
    answer a program could fake without knowing them, are not forwarded:
    == is identity, `in` iterates the object, <, > refuse."""

    __slots__ = ("_judge", "_generation", "_ref", "_type", "_name")

    def __init__(self, judge, ref, type_name):
        object.__setattr__(self, "_name", None)  # a top-level name of the program, if it is one
        object.__setattr__(self, "_judge", judge)
        object.__setattr__(self, "_generation", judge.generation)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args, **kwargs):
        return self._judge.call(self, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._judge.ask_value(self, {"op": "getattr", "name": name})

    def __setattr__(self, name, value):
        self._judge.ask_value(self, {"op": "setattr", "name": name, "value": self._judge.send(value)})

    def __getitem__(self, key):
        return self._judge.ask_value(self, {"op": "getitem", "key": self._judge.send_key(key)})

    def __len__(self):
        n = self._judge.ask_value(self, {"op": "len"})
        if type(n) is not int or n < 0:
            raise TypeError("len() of a %s object of the program is not a count" % self._type)
        return n

    def __str__(self):
        text = self._judge.ask_value(self, {"op": "str"})
        if type(text) is not str:
            raise TypeError("str() of a %s object of the program is not a string" % self._type)
        return text

    def __iter__(self):
        return _RemoteIterator(self._judge.ask_value(self, {"op": "iter"}))

    def __next__(self):
        items, done = self._judge.next_items(self, 1)
        if done and not items:
            raise StopIteration
        return items[0]

    def __setitem__(self, key, value):
        self._judge.ask_value(self, {"op": "setitem", "key": self._judge.send_key(key),
                                     "value": self._judge.send(value)})

    def __delitem__(self, key):
        self._judge.ask_value(self, {"op": "delitem", "key": self._judge.send_key(key)})

    def __bool__(self):
        # The object's own truth (a tree node, a linked list): no value of the
        # judge's is involved, so the program learns nothing and decides
        # nothing it could not by returning True or False.
        truth = self._judge.ask_value(self, {"op": "bool"})
        if type(truth) is not bool:
            raise TypeError("bool() of a %s object of the program is not a bool" % self._type)
        return truth

    def __instancecheck__(self, obj):
        # isinstance(x, ProgramClass): asked of the program, about its own class.
        truth = self._judge.ask_value(self, {"op": "isinstance", "value": self._judge.send(obj)})
        return truth is True

    def __repr__(self):
        if _LOCAL_REPR[0]:
            return "<%s object of the program>" % self._type
        text = self._judge.ask_value(self, {"op": "repr"})
        if type(text) is not str:
            raise TypeError("repr() of a %s object of the program is not a string" % self._type)
        return text


class _RemoteIterator:
    """Iterating a program's object: its items come in chunks."""

    def __init__(self, remote):
        if type(remote) is not _Remote:
            raise TypeError("iter() of a program's object gave no iterator")
        self.remote, self.buffer, self.done = remote, collections.deque(), False

    def __iter__(self):
        return self

    def __next__(self):
        if not self.buffer and not self.done:
            items, self.done = self.remote._judge.next_items(self.remote, _CHUNK)
            self.buffer.extend(items)
        if not self.buffer:
            raise StopIteration
        return self.buffer.popleft()


_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_OP_SYMBOLS = {"Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=", "Is": "is",
               "IsNot": "is not", "In": "in", "NotIn": "not in"}


class _ShowValues(ast.NodeTransformer):
    """assert a OP b  ->  assert _h_compare(a, "OP", b), which notes a and b when false."""

    def visit_Assert(self, node):
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARE:
            call = ast.Call(ast.Name("_h_compare", ast.Load()),
                            [test.left, ast.Constant(type(test.ops[0]).__name__), test.comparators[0]], [])
            node.test = ast.copy_location(call, test)
        return node


class _Judge:
    def __init__(self, template_sock, spec):
        self.sock = template_sock
        self.limit = max(0.01, spec.get("timeLimitMs", 2000) / 1000.0)
        self.generation = 0
        self.program = None  # (pid, requests fd, replies fd)
        self.load_error = None
        self.names = {}
        self.deadline = None
        self.last_compare = None
        self.fatal = None  # a timeout or death during the current test
        self.callbacks = []  # the check's functions passed to the program
        self.callback_failure = None  # an assertion that failed in one of them
        self.check_lines = spec.get("check", "").splitlines()  # for the reasons of failed asserts

    # --- the program's process
    def spawn(self):
        self.generation += 1
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        try:
            # ETOOMANYREFS: the kernel counts descriptors in flight per user
            # (every sandbox of this service shares one) against
            # RLIMIT_NOFILE: other runs' descriptors not yet received, or of
            # killed runs not yet collected. They drain as those runs go on,
            # so this call is retried with backoff for as long as a loaded
            # machine may need (30 s), never a fixed number of tries.
            deadline = time.monotonic() + 30
            pause = 0.01
            while True:
                try:
                    socket.send_fds(self.sock, [b"spawn"], [req_r, rep_w])
                    break
                except OSError as e:
                    if e.errno != errno.ETOOMANYREFS or time.monotonic() > deadline:
                        os.close(req_w)
                        os.close(rep_r)
                        raise
                    time.sleep(pause)
                    pause = min(pause * 2, 0.5)
        finally:
            os.close(req_r)
            os.close(rep_w)
        pid_bytes = self.sock.recv(4)
        if len(pid_bytes) != 4:
            os.close(req_w)
            os.close(rep_r)
            raise _Died("cannot start the program's process")
        self.program = (struct.unpack("<i", pid_bytes)[0], req_w, rep_r)
        loaded = _read_frame(rep_r, time.monotonic() + self.limit)
        if "error" in loaded:
            self.load_error = loaded
            raise _Died(loaded["error"])
        self.names = {k: _decode(v, self.remote) for k, v in loaded["names"].items()}
        for k, v in self.names.items():
            if type(v) is _Remote:
                object.__setattr__(v, "_name", k)

    def kill(self):
        if self.program:
            pid, req_w, rep_r = self.program
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.close(req_w)
            os.close(rep_r)
            self.program = None

    def remote(self, ref, type_name):
        return _Remote(self, ref, type_name)

    def current(self, obj):
        """`obj` in the current program process: a top-level function or
        class of an earlier one (`from solution import f`, then a restart)
        is found again by name; other objects died with their process."""
        if obj._generation == self.generation:
            return obj
        fresh = self.names.get(obj._name) if obj._name is not None else None
        if type(fresh) is _Remote:
            return fresh
        raise RuntimeError("an object of an earlier program process")

    def send(self, value):
        def other(v):
            if type(v) is _Remote:
                v = self.current(v)
                return {"ref": [v._ref, v._type]}
            if callable(v):
                self.callbacks.append(v)  # the program may call it: see ask
                return {"callback": len(self.callbacks) - 1}
            raise TypeError("cannot pass %s to the program (data, functions or its own objects only)" %
                            type(v).__name__)
        return _encode(value, other)

    def send_key(self, key):
        """An index or key for the program; slices too (the program's `arg`)."""
        if type(key) is slice:
            return {"slice": [self.send(key.start), self.send(key.stop), self.send(key.step)]}
        return self.send(key)

    def answer_callback(self, message):
        """Runs a function of the check's that the program called; the answer
        goes back to the program. An assertion failing in it fails the test
        whatever the program does with the exception."""
        try:
            fn = self.callbacks[int(message["callback"])]
            args = [self.decoded(a) for a in message.get("args", [])]
            kwargs = {str(k): self.decoded(v) for k, v in dict(message.get("kwargs", {})).items()}
        except (KeyError, TypeError, ValueError, IndexError):
            raise self.broken("callback")
        try:
            answer = {"value": self.send(fn(*args, **kwargs))}
        except (_Timeout, _Died):
            raise
        except AssertionError as e:
            self.callback_failure = e
            answer = {"raised": "AssertionError", "message": _clip(e)}
        except Exception as e:
            answer = {"raised": type(e).__name__, "message": _clip(e)}
        _write_frame(self.program[1], answer)

    def ask(self, request):
        """One request to the program; its reply. A timeout, a dead program
        or a malformed reply fails the test even if the check code swallows
        the exception (a bare `except:`): see run_test."""
        try:
            if self.program is None:
                raise _Died("the program's process is gone")
            _write_frame(self.program[1], request)
            reply = _read_frame(self.program[2], self.deadline)
            while type(reply) is dict and "callback" in reply:
                self.answer_callback(reply)
                reply = _read_frame(self.program[2], self.deadline)
            if type(reply) is not dict or not ("raised" in reply or "value" in reply):
                raise _Died("the program sent a malformed reply")
        except (_Timeout, _Died) as e:
            self.fatal = e
            raise
        printed = reply.get("printed")
        if type(printed) is str and printed:
            sys.stdout.write(printed)  # where the check code's redirect_stdout (if any) wants it
        if "raised" in reply:
            error = _rebuilt_exception(reply)
            error.h_from_program = True
            raise error
        return reply

    def broken(self, what):
        """The program broke the protocol: the test fails (see ask)."""
        self.fatal = _Died("the program sent a malformed " + what)
        return self.fatal

    def decoded(self, data):
        try:
            return _decode(data, self.remote)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError, IndexError):
            raise self.broken("reply")

    def ask_value(self, obj, request):
        obj = self.current(obj)
        request["ref"] = obj._ref
        return self.decoded(self.ask(request)["value"])

    def next_items(self, obj, n):
        obj = self.current(obj)
        reply = self.ask({"op": "next", "ref": obj._ref, "n": n})
        items = self.decoded(reply["value"])
        if type(items) is not list:
            raise self.broken("reply")
        return items, bool(reply.get("done"))

    def call(self, fn, args, kwargs):
        fn = self.current(fn)
        kwargs = {str(k): v for k, v in kwargs.items()}
        reply = self.ask({"op": "call", "ref": fn._ref, "args": [self.send(a) for a in args],
                          "kwargs": {k: self.send(v) for k, v in kwargs.items()}})
        # A function that works in place (it returns None) changes the
        # arguments here too. One that returns a value does not: else it
        # could empty the list a check later derives its expectation from
        # (`assert my_sorted(xs) == sorted(xs)`).
        if reply.get("value") is not None:
            return self.decoded(reply["value"])
        after_kwargs = reply.get("kwargs") if type(reply.get("kwargs")) is dict else {}
        pairs = list(zip(args, reply.get("args") or []))
        pairs += [(v, after_kwargs[k]) for k, v in kwargs.items() if k in after_kwargs]
        for before, after in pairs:
            if type(before) not in (list, dict, set):
                continue
            after = self.decoded(after)
            if type(before) is list and type(after) is list:
                before[:] = after
            elif type(before) is type(after):
                before.clear()
                before.update(after)
        return self.decoded(reply["value"])

    def compare(self, a, op, b):
        result = _COMPARE[getattr(ast, op)](a, b)
        if not result:
            self.last_compare = (a, op, b)
        return result

    # --- one test
    def run_test(self, name, body):
        """body() raises on failure. Returns {"name", "status", "detail"}."""
        if self.load_error is not None:
            return self.result(name, *self.load_failure())
        if self.program is None:
            self.deadline = None
            try:
                self.spawn()
            except _Timeout:
                self.kill()
                self.load_error = {"type": "Timeout", "error": "the program did not finish loading in time"}
                return self.result(name, *self.load_failure())
            except _Died as e:
                self.kill()
                if self.load_error is not None:
                    return self.result(name, *self.load_failure())
                return self.result(name, "RUNTIME_ERROR", str(e))
        self.deadline = time.monotonic() + self.limit
        self.last_compare = None
        self.fatal = None
        self.callbacks = []
        self.callback_failure = None
        try:
            body()
            if self.fatal is not None:  # swallowed by the check code
                raise self.fatal
            if self.callback_failure is not None:  # swallowed by the program
                raise self.callback_failure
            return self.result(name, "PASSED", "")
        except _Timeout:
            self.kill()
            return self.result(name, "TIMEOUT", "time limit (%d ms)" % (self.limit * 1000))
        except _Died as e:
            self.kill()
            return self.result(name, "RUNTIME_ERROR", str(e))
        except _Mismatch as e:
            return self.result(name, "WRONG_ANSWER", str(e))
        except Exception as e:
            if getattr(e, "h_from_program", False):  # raised by the program's code
                status = "MEMORY_LIMIT" if isinstance(e, MemoryError) else "RUNTIME_ERROR"
                return self.result(name, status, "%s: %s" % (type(e).__name__, e))
            if isinstance(e, AssertionError):
                return self.result(name, "WRONG_ANSWER", self.explain_assert(e, name))
            return self.result(name, "RUNTIME_ERROR", _describe(e))

    def load_failure(self):
        kind = self.load_error.get("type")
        status = {"SyntaxError": "SYNTAX_ERROR", "IndentationError": "SYNTAX_ERROR", "TabError": "SYNTAX_ERROR",
                  "MemoryError": "MEMORY_LIMIT", "Timeout": "TIMEOUT"}.get(kind, "RUNTIME_ERROR")
        return status, self.load_error["error"]

    def explain_assert(self, e, test_name):
        line = None
        for frame, lineno in traceback.walk_tb(e.__traceback__):
            if frame.f_code.co_filename == "check.py":
                line = lineno
        text = "assertion failed"
        if line is not None and 0 < line <= len(self.check_lines):
            text = self.check_lines[line - 1].strip()
            if test_name != "check.py line %d" % line:
                text = "line %d: %s" % (line, text)
        if str(e):
            text += " (%s)" % _clip(e, 80)
        if self.last_compare is not None:
            a, op, b = self.last_compare
            text += " -- got %s, want %s %s" % (_safe_repr(a), _OP_SYMBOLS[op], _safe_repr(b))
        return text

    @staticmethod
    def result(name, status, detail):
        return {"name": name, "status": status, "detail": _clip(detail)}


def _check_units(source):
    """The check code as tests: each top-level assert (with the statements
    before it) is one; check code without top-level asserts is one test.
    Also the names the check code binds at module level."""
    tree = _ShowValues().visit(ast.parse(source, "check.py"))
    units, pending = [], []
    for stmt in tree.body:
        pending.append(stmt)
        if isinstance(stmt, ast.Assert):
            units.append(("check.py line %d" % stmt.lineno, pending))
            pending = []
    if not units:
        units = [("check", pending)]
    elif pending:  # statements after the last assert run with it
        units[-1] = (units[-1][0], units[-1][1] + pending)
    compiled = [(name, compile(ast.fix_missing_locations(ast.Module(body, [])), "check.py", "exec"))
                for name, body in units]
    return compiled, _bound_names(tree)


def _bound_names(tree):
    """Names bound at module level (assignments, imports, `from m import *`,
    defs, loop and with targets, except-as, match captures, walrus targets
    also inside comprehensions) or declared `global` anywhere."""
    bound = set()

    def visit(node, top, in_function):
        if isinstance(node, ast.Global):
            bound.update(node.names)
        if isinstance(node, ast.NamedExpr) and not in_function and isinstance(node.target, ast.Name):
            bound.add(node.target.id)  # a walrus in a comprehension binds in the enclosing scope
        if top:
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            elif isinstance(node, ast.Import):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.name == "*":
                        bound.update(_star_names(node))
                    else:
                        bound.add(a.asname or a.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                bound.add(node.rest)
        function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
        nested = function or isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))
        for child in ast.iter_child_nodes(node):
            visit(child, top and not nested, in_function or function)

    visit(tree, True, False)
    return bound


def _star_names(node):
    """The names `from module import *` binds (the check's import, done now)."""
    if node.level or not node.module:
        return set()
    try:
        module = __import__(node.module, fromlist=["*"])
    except Exception:
        return set()
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return {n for n in names if isinstance(n, str)}


def _same(got, want, tolerance=0.0):
    """Equality of plain data, with JSON's view of the expected value: lists
    match lists or tuples, numbers match across int and float (an expected
    float within `tolerance`, relative and absolute below 1), bools only
    bools, and dict keys compare as JSON would write them."""
    if type(got) is bool or type(want) is bool:
        return type(got) is type(want) and got == want
    if type(got) in (int, float) and type(want) in (int, float):
        if got == want or (got != got and want != want):
            return True
        # A tolerance only where a float is expected: an integer answer is exact.
        return type(want) is float and abs(got - want) <= tolerance * max(1.0, abs(want))
    # `got` was built here from data, so its dict and tuple subclasses
    # (Counter, OrderedDict, namedtuples) are the judge's own.
    if type(want) is list:
        return (isinstance(got, (list, tuple)) and len(got) == len(want) and
                all(_same(g, w, tolerance) for g, w in zip(got, want)))
    if type(want) is dict:
        if not isinstance(got, dict):
            return False
        keys = {}
        for k, v in got.items():
            keys[k if type(k) is str else json.dumps(k) if type(k) in (int, float, bool) or k is None else None] = v
        return keys.keys() == want.keys() and all(_same(keys[k], want[k], tolerance) for k in want)
    return type(got) is type(want) and got == want


def _safe_repr(value, n=100):
    """repr for the judge's own messages: never asks the program (handles
    show their type), never fails."""
    _LOCAL_REPR[0] += 1
    try:
        return _clip(repr(value), n)
    except BaseException:  # e.g. an int too long to print
        return "<%s>" % type(value).__name__
    finally:
        _LOCAL_REPR[0] -= 1


def _valid_text(obj):
    if isinstance(obj, str):
        return obj.encode("utf-8", "replace").decode("utf-8")
    if isinstance(obj, dict):
        return {_valid_text(k): _valid_text(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_valid_text(v) for v in obj]
    return obj


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # not dumpable (the warm sandbox is already; an exec'd one is not)
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except Exception:
        pass
    # Nothing the program writes may be imported here: /work (the script's
    # directory) leaves the import path before any check code runs.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", "/work", os.getcwd())]
    judge_sock, template_sock = socket.socketpair()
    if os.fork() == 0:
        judge_sock.close()
        try:
            _template(template_sock)
        finally:
            os._exit(0)
    template_sock.close()
    # Only now the secrets: the template, and every program it forks, has none.
    token = sys.stdin.readline().strip()
    spec = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdin = open(os.devnull)
    # The check code's prints (and the program's, forwarded) go to stderr,
    # even if it restores sys.stdout from sys.__stdout__.
    sys.stdout = sys.__stdout__ = sys.stderr

    def report(obj):
        # One line per event, so that the tests done count even if the judge
        # is killed later (memory, time): "\n<token> <json>". Strings are
        # made valid UTF-8 first (a lone surrogate from the program's error
        # message would make the line unreadable).
        out.write("\n%s %s\n" % (token, json.dumps(_valid_text(obj))))
        out.flush()

    judge = _Judge(judge_sock, spec)
    check = spec.get("check", "")
    budget = int(spec.get("maxTests", 1 << 30))
    tolerance = float(spec.get("floatTolerance", 0.0))
    stop_first = bool(spec.get("stopOnFirstFailure", False))
    try:
        units, check_bound = _check_units(check) if check.strip() else ([], set())
    except BaseException as e:  # SyntaxError, but also RecursionError, MemoryError: the tests' problem
        report({"testError": "the check code does not compile: " + _describe(e)})
        os._exit(0)
    g = {"__name__": "__check__", "__builtins__": builtins, "_h_compare": judge.compare}
    applied = {"generation": 0, "values": {}}

    solution = types.ModuleType("solution")  # `from solution import f` in check code
    solution.__all__ = []  # `from solution import *`: the public names set below
    sys.modules["solution"] = solution

    def program_names():
        # The program's functions, classes and values, refreshed for each new
        # program process; never over a built-in or a name the check binds,
        # and on a refresh only where the previous program's value still
        # stands (whatever the check rebound stays the check's).
        if applied["generation"] != judge.generation:
            before = applied["values"]
            values = {}
            for k, v in judge.names.items():
                # Identifiers only, and none with two leading underscores
                # (a `__builtins__` entry would replace the check's built-ins).
                if type(k) is not str or not k.isidentifier() or k.startswith("__"):
                    continue
                if hasattr(builtins, k) or k.startswith("_h_"):
                    continue  # not even on `solution`: `from solution import *` must not bring them
                setattr(solution, k, v)
                if not k.startswith("_") and k not in solution.__all__:
                    solution.__all__.append(k)
                if k in check_bound:
                    continue
                if k not in g or (k in before and g[k] is before[k]):
                    g[k] = v
                    values[k] = v
            applied.update(generation=judge.generation, values=values)

    def run_unit(code):
        def body():
            program_names()
            exec(code, g)
        return body

    def run_call(call):
        def body():
            fn = judge.names.get(call["function"])
            if fn is None:
                raise NameError("the program defines no %r" % call["function"])
            if type(fn) is not _Remote:
                raise TypeError("%r is not a function" % call["function"])
            got = fn(*json.loads(call["args"]))
            want = json.loads(call["expected"])
            if not _same(got, want, tolerance):
                raise _Mismatch("%s(%s) returned %s, expected %s" % (
                    call["function"], _clip(call["args"][1:-1], 60), _safe_repr(got, 80), _clip(call["expected"], 80)))
        return body

    plan = [(name, run_unit(code)) for name, code in units]
    plan += [("call %d" % i, run_call(c)) for i, c in enumerate(spec.get("calls", []))]
    report({"plan": min(len(plan), budget), "notRun": max(0, len(plan) - budget)})
    failures = 0
    for name, body in plan[:budget]:
        try:
            result = judge.run_test(name, body)
        except BaseException as e:  # the judge's own failure: this test fails, the rest still run
            judge.kill()
            result = _Judge.result(name, "RUNTIME_ERROR", "the judge failed: " + _safe_repr(e, 200))
        # The report fits the run's output whatever the number of tests: a
        # pass is its status alone, and only the first failures say why (the
        # verdict's reason shows the first).
        if result["status"] == "PASSED":
            result = {"status": "PASSED"}
        else:
            failures += 1
            if failures > _DETAILED_FAILURES:
                result = {"name": result["name"], "status": result["status"]}
        report({"test": result})
        if stop_first and result["status"] != "PASSED":
            break
    judge.kill()
    report({"done": True})
    os._exit(0)


main()
