# The judge, part 3 of 8: plain data across the process boundary.

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


