"""What may cross the sandbox boundary, and how."""

import os

import numpy as np
import pytest

from grader.sandbox import wire
from grader.verdicts import WireError


@pytest.mark.parametrize("value", [
    1, 2.5, float("inf"), "text", None, True, [1, 2], (1, (2.0, "x")), {"a": np.arange(3)},
    np.zeros((2, 3), dtype=np.float32), np.array(7, dtype=np.int64), np.float32(1.5),
])
def test_round_trip(value):
    back = wire.decode(wire.encode(value))
    assert type(back) is type(value) or isinstance(value, (np.ndarray, np.generic))
    np.testing.assert_equal(back if not isinstance(value, dict) else back["a"],
                            value if not isinstance(value, dict) else value["a"])


def test_object_arrays_never_cross_as_data():
    with pytest.raises(WireError):
        wire.encode(np.array([object()]))
    with pytest.raises(WireError):
        wire.decode({"__nd__": ["object", [1], ""]})


def test_unencodable_objects_become_handles_where_the_child_keeps_them():
    kept = []
    data = wire.encode({"layer": object()}, store=lambda obj: kept.append(obj) or len(kept))
    handle = wire.decode(data)["layer"]
    assert isinstance(handle, wire.Handle) and handle.id == 1 and handle.type_name == "object"


def test_frames_over_the_limit_are_refused_unread():
    read, write = os.pipe()
    wire.send(write, {"ok": "x" * 1000})
    with pytest.raises(WireError, match="over the limit"):
        wire.receive(read, max_bytes=100)
    os.close(read), os.close(write)
