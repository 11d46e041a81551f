# The judge, part 4 of 8: the program's process and the template that forks it.

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


