# The judge, part 8 of 8: the entry point.

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


if __name__ == "__main__":  # as the sandbox runs it; a test imports it
    main()
