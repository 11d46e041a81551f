# The judge, part 5 of 8: the judge proper (checks and calls, handles to the program's objects).

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
            # machine may need (30 s), never a fixed number of tries. Each
            # retry first closes a unix socket, which starts the kernel's
            # collection of descriptors no process can receive any more (a
            # program that sent sockets over themselves).
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
                    for s in socket.socketpair():
                        s.close()
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


