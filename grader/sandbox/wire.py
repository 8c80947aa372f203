"""Plain data across the sandbox boundary: JSON frames, arrays without pickle.

Both sides use this module. Arrays travel as dtype, shape and base64 bytes; a
dtype outside ``ARRAY_DTYPES`` (object arrays, structured arrays) never crosses.
Objects the child cannot encode stay in the child and cross as handles.
"""

import base64
import importlib
import json
import os
import re
import struct

import numpy as np

from grader.verdicts import WireError

ARRAY_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64".split()
)
_HEADER = struct.Struct("!Q")
# What a reply may hold: arrays travel as one string each, so replies are shallow and have few elements.
MAX_DEPTH = 64
MAX_ELEMENTS = 1_000_000
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_CHUNK = 1 << 22


class Handle:
    """An object that lives in the child; the parent refers to it by number."""

    __slots__ = ("id", "type_name")

    def __init__(self, id, type_name):
        self.id = id
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name} object in the submission>"


class Token:
    """A value the child builds itself: a seeded Generator, or a grader function."""

    __slots__ = ("kind", "value")

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value


def rng(seed):
    """A ``numpy.random.Generator`` made in the child from ``seed``."""
    return Token("rng", int(seed))


def function(module, name):
    """A grader-provided function, looked up in the child by module and name."""
    return Token("function", f"{module}:{name}")


def local(value):
    """``value`` with each token made in this process, as the child makes it.

    For calls that run here on the same arguments as the submission's, such as
    the reference's side of a comparison: ``rng(seed)`` becomes the same
    Generator, ``function(module, name)`` the same function.
    """
    if isinstance(value, Token):
        if value.kind == "rng":
            return np.random.default_rng(value.value)
        if value.kind == "function":
            module, name = value.value.split(":")
            return getattr(importlib.import_module(module), name)
        raise ValueError(f"unknown token {value.kind}")
    if isinstance(value, list):
        return [local(v) for v in value]
    if isinstance(value, tuple):
        return tuple(local(v) for v in value)
    if isinstance(value, dict):
        return {k: local(v) for k, v in value.items()}
    return value


def encode(value, store=None):
    """Turn ``value`` into JSON-ready data; unencodable objects go to ``store``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.name not in ARRAY_DTYPES:
            return _stored(value, store)
        return {"__nd__": [array.dtype.name, list(array.shape),
                           base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")]}
    if isinstance(value, int):
        return value if type(value) is int else int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, store) for v in value]}
    if isinstance(value, list):
        return [encode(v, store) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": [[k, encode(v, store)] for k, v in value.items()]}
    if isinstance(value, Handle):
        return {"__handle__": [value.id, value.type_name]}
    if isinstance(value, Token):
        return {"__token__": [value.kind, value.value]}
    return _stored(value, store)


def _stored(value, store):
    if store is None:
        raise WireError(f"cannot send a {type(value).__name__}")
    return {"__handle__": [store(value), type(value).__name__]}


def decode(data, resolve=None):
    """Inverse of ``encode``; ``resolve`` turns handles and tokens into objects (child side)."""
    if isinstance(data, list):
        return [decode(v, resolve) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) != 1:
        raise WireError("malformed value")
    (tag, body), = data.items()
    if tag == "__nd__":
        dtype, shape, payload = body
        if dtype not in ARRAY_DTYPES:
            raise WireError(f"array dtype {dtype!r} is not allowed")
        raw = base64.b64decode(payload)
        array = np.frombuffer(raw, dtype=dtype)
        if array.size != int(np.prod(shape, dtype=np.int64)):
            raise WireError("array size does not match its shape")
        return array.reshape(shape).copy()
    if tag == "__tuple__":
        return tuple(decode(v, resolve) for v in body)
    if tag == "__dict__":
        return {str(k): decode(v, resolve) for k, v in body}
    if tag == "__handle__":
        handle = Handle(int(body[0]), str(body[1]))
        return resolve(handle) if resolve else handle
    if tag == "__token__":
        token = Token(*body)
        if resolve is None:
            raise WireError("unexpected token")
        return resolve(token)
    raise WireError(f"unknown tag {tag!r}")


def send(fd, message, wait=None):
    """Write one frame: an 8-byte length, then UTF-8 JSON. ``wait(fd)`` (for a non-blocking ``fd``)
    may block until it is writable or raise TimeoutError."""
    payload = json.dumps(message, allow_nan=True).encode("utf-8")
    data = _HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        if wait is not None:
            wait(fd)
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        view = view[written:]


def read_exact(fd, n, wait=None):
    """Read ``n`` bytes into one buffer; ``wait(fd)`` may block until readable or raise TimeoutError."""
    buffer, got = bytearray(n), 0
    view = memoryview(buffer)
    while got < n:
        if wait is not None:
            wait(fd)
        try:
            count = os.readv(fd, [view[got:got + (1 << 20)]])
        except BlockingIOError:
            continue
        if not count:
            raise EOFError("the other side closed the pipe")
        got += count
    return buffer


def receive(fd, max_bytes=None, wait=None):
    """Read one frame; refuse a frame over ``max_bytes`` without reading it, and one nested deeper
    than ``MAX_DEPTH`` or holding more than ``MAX_ELEMENTS`` values without parsing it."""
    (size,) = _HEADER.unpack(read_exact(fd, _HEADER.size, wait))
    if max_bytes is not None and size > max_bytes:
        raise WireError(f"reply of {size} bytes is over the limit of {max_bytes}")
    payload = read_exact(fd, size, wait)
    check_shape(payload)
    try:
        return json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"malformed reply: {exc}") from None


def check_shape(payload):
    """``WireError`` unless the JSON text ``payload`` is within ``MAX_ELEMENTS`` and ``MAX_DEPTH``."""
    elements = payload.count(b",") + payload.count(b"[") + payload.count(b"{")  # commas in strings too: an upper bound
    if elements > MAX_ELEMENTS:
        raise WireError(f"reply of more than {MAX_ELEMENTS} values")
    bare = _STRING.sub(b"", payload)  # brackets inside strings do not nest
    depth = 0
    for start in range(0, len(bare), _CHUNK):
        chunk = np.frombuffer(bare, np.uint8, count=min(_CHUNK, len(bare) - start), offset=start)
        steps = np.isin(chunk, (91, 123)).astype(np.int32) - np.isin(chunk, (93, 125))
        levels = np.cumsum(steps) + depth
        if levels.size and levels.max() > MAX_DEPTH:
            raise WireError(f"reply nested more than {MAX_DEPTH} deep")
        depth = int(levels[-1]) if levels.size else depth
