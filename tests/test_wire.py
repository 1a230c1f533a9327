"""The wire codec carries data only, and refuses anything that is not."""

import math
import struct

import numpy as np
import pytest
import torch

from d2lkit.grading import wire
from d2lkit.grading.wire import Gen, Opaque, PyRandom, WireError, decode, encode, materialize


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.int64, torch.bool,
                                   torch.complex64, torch.bfloat16, torch.uint8])
def test_tensors_round_trip_exactly(dtype):
    x = (torch.randn(3, 4, 5) * 10).to(dtype)
    y = decode(encode(x))
    assert y.dtype == dtype and y.shape == x.shape and torch.equal(y, x)


def test_views_and_empty_and_scalar_tensors():
    x = torch.arange(12.0).reshape(3, 4).t()  # non-contiguous view
    assert torch.equal(decode(encode(x)), x)
    assert decode(encode(torch.zeros(0, 3))).shape == (0, 3)
    assert decode(encode(torch.tensor(2.5))).shape == ()


def test_nested_python_data():
    value = {"a": [1, 2.5, float("nan"), float("-inf"), "s", None, True], (1, 2): ("x", b"\x00\x01"),
             3: complex(1, -2), "dt": torch.float32, "dev": torch.device("cpu"),
             "size": torch.Size([2, 3]), "np": np.arange(4.0)}
    out = decode(encode(value))
    assert out["a"][:2] == [1, 2.5] and math.isnan(out["a"][2]) and out["a"][3] == -math.inf
    assert out[(1, 2)] == ("x", b"\x00\x01") and out[3] == complex(1, -2)
    assert out["dt"] is torch.float32 and out["size"] == torch.Size([2, 3])
    assert np.array_equal(out["np"], np.arange(4.0))


def test_objects_with_behaviour_arrive_as_opaque():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    out = decode(encode([AlwaysEqual(), lambda: 1]))
    assert all(isinstance(o, Opaque) for o in out)
    assert out[0] != 42  # the placeholder has no lying __eq__


def test_int_subclass_cannot_smuggle_its_eq():
    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    out = decode(encode(Liar(3)))
    assert type(out) is int and out == 3 and out != 4


def test_generators_become_real_generators_in_the_child():
    g1 = materialize(decode(encode(Gen(7))))
    g2 = materialize(decode(encode(Gen(7))))
    assert torch.equal(torch.rand(5, generator=g1), torch.rand(5, generator=g2))
    assert materialize(decode(encode(PyRandom(3)))).random() == materialize(PyRandom(3)).random()


@pytest.mark.parametrize("bad", [b"", b"\x01\x00", struct.pack("<Q", 1000) + b"{}",
                                 struct.pack("<Q", 2) + b"{]"])
def test_malformed_messages_are_refused(bad):
    with pytest.raises(WireError):
        decode(bad)


def test_tensor_whose_size_does_not_match_its_data_is_refused():
    msg = encode(torch.zeros(4))
    header_len = struct.unpack("<Q", msg[:8])[0]
    header = msg[8:8 + header_len].replace(b'"shape": [4]', b'"shape": [400]')
    forged = struct.pack("<Q", len(header)) + header + msg[8 + header_len:]
    with pytest.raises(WireError):
        decode(forged)


def test_strided_views_that_claim_contiguity_are_sent():
    theta = torch.linalg.solve(torch.eye(3, dtype=torch.float64) * 2, torch.ones(3, 1, dtype=torch.float64))
    last = theta.t().contiguous().t()[-1]  # shape (1,), stride (3,)
    assert torch.equal(decode(encode(last)), last)


# ------------------------------------------------------------------ limits on what a reply costs
def _forged(value, blobs=()):
    """A message as a hostile child could write it, header and blobs by hand."""
    import json
    import struct

    header = json.dumps({"v": value, "blobs": [len(b) for b in blobs]}).encode()
    return b"".join([struct.pack("<Q", len(header)), header, *blobs])


def test_a_blob_referenced_twice_is_refused():
    import pytest

    from d2lkit.grading.wire import WireError, decode

    blob = bytes(8 * 4)
    one = {"$": "tensor", "dtype": "float64", "shape": [4], "blob": 0}
    assert decode(_forged(one, [blob])).shape == (4,)
    with pytest.raises(WireError, match="twice"):
        decode(_forged({"$": "list", "items": [one] * 96}, [blob]))


def test_too_many_values_or_too_deep_nesting_is_refused():
    import pytest

    from d2lkit.grading import wire

    with pytest.raises(wire.WireError, match="too many"):
        wire.decode(_forged({"$": "list", "items": [0] * (wire.MAX_ITEMS + 1)}))
    deep = 0
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"$": "list", "items": [deep]}
    with pytest.raises(wire.WireError):
        wire.decode(_forged(deep))


def test_decoding_stops_at_the_deadline():
    import time

    import pytest

    from d2lkit.grading.wire import WireError, decode

    message = _forged({"$": "list", "items": list(range(100_000))})
    assert len(decode(message)) == 100_000
    with pytest.raises(WireError, match="deadline"):
        decode(message, deadline=time.monotonic() - 1)


def test_a_header_of_millions_of_tiny_values_is_refused_before_it_is_parsed():
    """json.loads cannot be interrupted: a 16 MiB header of empty lists once kept the supervisor
    4 s past a call's deadline. Its values are counted first (in C) and the frame refused."""
    import struct
    import time

    n = (wire.MAX_HEADER - 64) // 3
    header = ('{"v":{"$":"list","items":[%s]},"blobs":[]}' % ",".join(["[]"] * n)).encode()
    start = time.perf_counter()
    with pytest.raises(wire.WireError, match="too many values"):
        wire.decode(struct.pack("<Q", len(header)) + header)
    assert time.perf_counter() - start < 0.5
