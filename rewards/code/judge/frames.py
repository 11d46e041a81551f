# The judge, part 2 of 8 (rewards/code/BUILD joins them into code_harness.py):
# length-prefixed JSON frames between the judge and the program.

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


