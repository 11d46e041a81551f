# The judge, part 7 of 8: comparisons and text.

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


