"""Tensor arguments shared between the supervisor and a child, so that the supervisor sees for
itself whether a call changed its inputs.

The supervisor copies each CPU tensor argument into one anonymous shared memory file (memfd),
sends the child the file's descriptor with the request and a table of (offset, dtype, shape),
and keeps the original bytes. The child's tensors are views of that memory, so an in-place
change by the learner's function lands there; after the reply the supervisor compares the
memory with its own copy. A child cannot make the supervisor believe its inputs were left alone
by writing a report — the supervisor does not read one. (It could still undo its own changes
before replying; then, as far as any caller could tell, nothing was changed.)
"""

from __future__ import annotations

import mmap
import os

import torch

from d2lkit.grading.wire import _DTYPES, Shared

ALIGN = 64


def _dtype_name(t: torch.Tensor) -> str | None:
    name = str(t.dtype).removeprefix("torch.")
    return name if name in _DTYPES else None


class SharedInputs:
    """Supervisor side: the arguments with their CPU tensors moved into shared memory."""

    def __init__(self, args: tuple, kwargs: dict):
        self.table: list[tuple[int, str, tuple, bool]] = []  # offset, dtype, shape, requires_grad
        self.where: list[str] = []  # which argument each entry belongs to ("#1", "valid_lens")
        self._tensors: list[torch.Tensor] = []
        size = 0

        def share(value, label):
            nonlocal size
            if (isinstance(value, torch.Tensor) and value.device.type == "cpu"
                    and value.layout == torch.strided and not value.is_sparse
                    and _dtype_name(value) is not None and value.numel() > 0):
                index = len(self.table)
                t = value.detach().contiguous()
                self.table.append((size, _dtype_name(t), tuple(t.shape), value.requires_grad))
                self.where.append(label)
                self._tensors.append(t)
                size += -(-t.numel() * t.element_size() // ALIGN) * ALIGN
                return Shared(index)
            if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
                return type(value)(share(v, label) for v in value)
            if type(value) is dict:
                return {k: share(v, label) for k, v in value.items()}
            return value

        self.args = tuple(share(a, f"#{i + 1}") for i, a in enumerate(args))
        self.kwargs = {k: share(v, k) for k, v in kwargs.items()}
        self.fd: int | None = None
        self.memory: mmap.mmap | None = None
        self.original = b""
        if self.table:
            self.fd = os.memfd_create("d2lkit-inputs", os.MFD_CLOEXEC)
            os.ftruncate(self.fd, size)
            self.memory = mmap.mmap(self.fd, size)
            for (offset, _, _, _), t in zip(self.table, self._tensors):
                data = t.reshape(-1).view(torch.uint8).numpy().tobytes()
                self.memory[offset:offset + len(data)] = data
            self.original = bytes(self.memory)

    def changed(self) -> str | None:
        """The first argument whose shared tensor the call changed, or None."""
        if self.memory is None:
            return None
        for i, (offset, dtype, shape, _) in enumerate(self.table):
            n = _DTYPES[dtype].itemsize
            for s in shape:
                n *= s
            before = self.original[offset:offset + n]
            after = self.memory[offset:offset + n]
            if before != after and not _same_floats(before, after, dtype):
                return self.where[i]
        return None

    def close(self):
        if self.memory is not None:
            self.memory.close()
            self.memory = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _same_floats(before: bytes, after: bytes, dtype: str) -> bool:
    """Bytes differ, values do not: NaNs with another payload (or -0.0 written as 0.0)."""
    dt = _DTYPES[dtype]
    if not dt.is_floating_point:
        return False
    a = torch.frombuffer(bytearray(before), dtype=dt)
    b = torch.frombuffer(bytearray(after), dtype=dt)
    return bool(((a == b) | (torch.isnan(a) & torch.isnan(b))).all())


def attach(fd: int, table) -> list[torch.Tensor]:
    """Child side: the shared tensors, as views of the supervisor's memory."""
    size = os.fstat(fd).st_size
    memory = mmap.mmap(fd, size)
    os.close(fd)
    tensors = []
    for offset, dtype, shape, requires_grad in table:
        dt = _DTYPES[str(dtype)]
        count = 1
        for s in shape:
            count *= int(s)
        t = torch.frombuffer(memory, dtype=dt, count=count, offset=int(offset)).reshape(
            tuple(int(s) for s in shape))
        if requires_grad and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_(True)
        tensors.append(t)
    return tensors
