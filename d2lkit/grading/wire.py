"""Data-only messages between the supervisor and a child: never pickle.

A message is a JSON header plus raw byte blobs (tensor storage). Decoding accepts a fixed set of
types and checks every tensor's size against its blob, so a hostile child can send wrong data but
never code, and never an object with behaviour of its own (an `__eq__` that always says True
arrives as an `Opaque` placeholder).
"""

from __future__ import annotations

import gc
import json
import math
import struct
import time
from dataclasses import dataclass

import numpy as np
import torch

MAX_MESSAGE = 512 * 1024 * 1024
# What one decoded message may cost the supervisor, whoever wrote it: a reply is untrusted data.
MAX_HEADER = 16 * 1024 * 1024  # bytes of JSON
MAX_ITEMS = 1_000_000  # values of any kind
MAX_DEPTH = 64  # nesting of lists, tuples and dicts
_DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.complex64,
    torch.complex128, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)}


class WireError(ValueError):
    """A message that does not decode: treated as a crash of the child."""


@dataclass(frozen=True)
class Gen:
    """A seeded torch.Generator, created in the child on the grading device."""
    seed: int


@dataclass(frozen=True)
class PyRandom:
    """A `random.Random(seed)`, created in the child."""
    seed: int


@dataclass(frozen=True)
class Shared:
    """A tensor argument that lives in memory the supervisor shares with the child (entry
    `index` of the job's shared table): the child computes on it in place, and the supervisor
    reads it back itself after the call."""
    index: int


@dataclass(frozen=True)
class Opaque:
    """Something the learner returned that is not data (shown by its type name)."""
    type: str
    repr: str

    def __repr__(self) -> str:
        return f"<{self.type}>"


def _plain(obj, kind):
    """The base-type value of an int/float/str subclass, ignoring overridden dunders."""
    return {int: int.__int__, float: float.__float__, str: str.__str__}[kind](obj)


class _Encoder:
    def __init__(self, device_for_gen=None):
        self.blobs: list[bytes] = []

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def enc(self, obj, depth=0):
        if depth > 64:
            raise WireError("nesting too deep")
        t = type(obj)
        if obj is None or t is bool:
            return obj
        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, int):
            return _plain(obj, int)
        if isinstance(obj, float):
            value = _plain(obj, float)
            return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
        if isinstance(obj, str):
            return _plain(obj, str)
        if isinstance(obj, complex):
            return {"$": "complex", "re": self.enc(obj.real), "im": self.enc(obj.imag)}
        if isinstance(obj, (bytes, bytearray)):
            return {"$": "bytes", "blob": self.blob(bytes(obj))}
        if isinstance(obj, torch.Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray):
            arr = np.ascontiguousarray(obj)
            if arr.dtype == object:
                return {"$": "list", "items": [self.enc(x, depth + 1) for x in arr.tolist()]}
            return {"$": "ndarray", "dtype": arr.dtype.str, "shape": list(arr.shape),
                    "blob": self.blob(arr.tobytes())}
        if isinstance(obj, np.generic):
            return self.enc(obj.item(), depth + 1)
        if isinstance(obj, torch.dtype):
            return {"$": "dtype", "name": str(obj).removeprefix("torch.")}
        if isinstance(obj, torch.device):
            return {"$": "device", "name": str(obj)}
        if isinstance(obj, torch.Size):
            return {"$": "size", "items": [int(x) for x in obj]}
        if isinstance(obj, Gen):
            return {"$": "gen", "seed": int(obj.seed)}
        if isinstance(obj, PyRandom):
            return {"$": "pyrandom", "seed": int(obj.seed)}
        if isinstance(obj, Opaque):
            return {"$": "opaque", "type": obj.type, "repr": obj.repr}
        if isinstance(obj, Shared):
            return {"$": "shared", "index": int(obj.index)}
        if t in (list, tuple) or isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {"$": kind, "items": [self.enc(x, depth + 1) for x in list.__iter__(list(obj))]}
        if isinstance(obj, dict):
            items = list(dict.items(obj))
            return {"$": "dict", "keys": [self.enc(k, depth + 1) for k, _ in items],
                    "values": [self.enc(v, depth + 1) for _, v in items]}
        return {"$": "opaque", "type": _safe_type_name(obj), "repr": _safe_repr(obj)}

    def tensor(self, t: torch.Tensor):
        t = torch.Tensor.detach(t)
        if t.is_sparse or t.layout != torch.strided:
            t = t.to_dense()
        name = str(t.dtype).removeprefix("torch.")
        if name not in _DTYPES:
            return {"$": "opaque", "type": f"Tensor[{name}]", "repr": ""}
        device = str(t.device)
        # clone, not contiguous(): a (1,)-shaped view with stride (4,) counts as contiguous but
        # cannot be reinterpreted as bytes
        flat = t.cpu().clone(memory_format=torch.contiguous_format).reshape(-1)
        data = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        return {"$": "tensor", "dtype": name, "shape": list(t.shape), "device": device,
                "blob": self.blob(data)}


def _safe_type_name(obj) -> str:
    try:
        return type.__getattribute__(type(obj), "__qualname__")
    except Exception:
        return "object"


def _safe_repr(obj) -> str:
    try:
        return object.__repr__(obj)[:200]
    except Exception:
        return ""


def encode(obj) -> bytes:
    enc = _Encoder()
    header = json.dumps({"v": enc.enc(obj), "blobs": [len(b) for b in enc.blobs]},
                        ensure_ascii=False).encode()
    return b"".join([struct.pack("<Q", len(header)), header, *enc.blobs])


class _Decoder:
    def __init__(self, blobs: list[memoryview], device_map=None, deadline=None):
        self.blobs = blobs
        self.device_map = device_map  # the child maps tensors onto its grading device
        self.deadline = deadline  # time.monotonic() by which decoding must be done
        self.items = 0
        self.used: set[int] = set()  # each blob backs one value: 96 references cost 96 copies

    def blob(self, index) -> memoryview:
        if not isinstance(index, int) or index in self.used:
            raise WireError("a blob referenced twice")
        self.used.add(index)
        return self.blobs[index]

    def dec(self, v, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("nesting too deep")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError("too many values")
        if self.deadline is not None and self.items % 4096 == 0 and time.monotonic() > self.deadline:
            raise WireError("decoding ran past the call's deadline")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            raise WireError("bare list")
        kind = v.get("$")
        if kind == "float":
            return float(v["v"])
        if kind == "complex":
            return complex(self.dec(v["re"]), self.dec(v["im"]))
        if kind == "bytes":
            return bytes(self.blob(v["blob"]))
        if kind in ("list", "tuple"):
            items = [self.dec(x, depth + 1) for x in v["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            keys = [self.dec(k, depth + 1) for k in v["keys"]]
            return dict(zip(keys, (self.dec(x, depth + 1) for x in v["values"]), strict=True))
        if kind == "tensor":
            return self.tensor(v)
        if kind == "ndarray":
            dt = np.dtype(v["dtype"])
            if dt == object:
                raise WireError("object arrays are not data")
            shape = tuple(int(s) for s in v["shape"])
            return np.frombuffer(bytes(self.blob(v["blob"])), dtype=dt).reshape(shape).copy()
        if kind == "dtype":
            if v["name"] not in _DTYPES:
                raise WireError(f"unknown dtype {v['name']!r}")
            return _DTYPES[v["name"]]
        if kind == "device":
            return torch.device(v["name"])
        if kind == "size":
            return torch.Size(int(x) for x in v["items"])
        if kind == "gen":
            return Gen(int(v["seed"]))
        if kind == "pyrandom":
            return PyRandom(int(v["seed"]))
        if kind == "opaque":
            return Opaque(str(v["type"])[:100], str(v["repr"])[:200])
        if kind == "shared":
            return Shared(int(v["index"]))
        raise WireError(f"unknown kind {kind!r}")

    def tensor(self, v):
        name = v["dtype"]
        if name not in _DTYPES:
            raise WireError(f"unknown dtype {name!r}")
        dtype = _DTYPES[name]
        shape = [int(s) for s in v["shape"]]
        if any(s < 0 for s in shape):
            raise WireError("negative size")
        data = self.blob(v["blob"])
        numel = math.prod(shape)
        if len(data) != numel * dtype.itemsize:
            raise WireError("tensor size does not match its data")
        if numel == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(dtype).reshape(shape)
        device = self.device_map or v.get("device", "cpu")
        return t.to(device) if str(device) != "cpu" else t


def decode(message: bytes | memoryview, device=None, deadline: float | None = None):
    """Decode a message; `device` (child side) puts every tensor on the grading device. Limits
    on size, values, nesting and blob references bound what a hostile message can cost, and
    decoding stops at `deadline` (a time.monotonic() value)."""
    mv = memoryview(message)
    if len(mv) < 8:
        raise WireError("truncated message")
    (hlen,) = struct.unpack("<Q", mv[:8])
    if hlen > len(mv) - 8:
        raise WireError("truncated header")
    if hlen > MAX_HEADER:
        raise WireError("header too large")
    raw = bytes(mv[8:8 + hlen])
    # json.loads cannot be stopped once started, so its work is bounded before it starts: every
    # value but the first follows a comma or opens a container (counted in C, in milliseconds)
    if raw.count(b",") + raw.count(b"[") + raw.count(b"{") > MAX_ITEMS:
        raise WireError("too many values")
    if deadline is not None and time.monotonic() > deadline:
        raise WireError("deadline passed before decoding")
    gc_was_on = gc.isenabled()
    gc.disable()  # a million fresh containers would set off full collections of this heap
    try:
        header = json.loads(raw)
        sizes = [int(n) for n in header["blobs"]]
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise WireError(f"bad header: {e}") from None
    finally:
        if gc_was_on:
            gc.enable()
    if len(sizes) > MAX_ITEMS:
        raise WireError("too many blobs")
    blobs, pos = [], 8 + hlen
    for n in sizes:
        if n < 0 or pos + n > len(mv):
            raise WireError("truncated blob")
        blobs.append(mv[pos:pos + n])
        pos += n
    try:
        return _Decoder(blobs, device, deadline).dec(header["v"])
    except (KeyError, TypeError, IndexError, ValueError, RecursionError) as e:
        if isinstance(e, WireError):
            raise
        raise WireError(f"malformed value: {e}") from None


def materialize(obj, device=None, shared=()):
    """Child side: turn Gen/PyRandom placeholders into real generators, and Shared ones into the
    tensors of the shared table."""
    import random
    if isinstance(obj, Shared):
        return shared[obj.index]
    if isinstance(obj, Gen):
        g = torch.Generator(device=device or "cpu")
        g.manual_seed(obj.seed)
        return g
    if isinstance(obj, PyRandom):
        return random.Random(obj.seed)
    if isinstance(obj, list):
        return [materialize(x, device, shared) for x in obj]
    if isinstance(obj, tuple):
        return tuple(materialize(x, device, shared) for x in obj)
    if isinstance(obj, dict):
        return {k: materialize(v, device, shared) for k, v in obj.items()}
    return obj
