"""The shape trace: when a result has the wrong shape, or a shape error is raised inside the
learner's function, where did the shapes part ways with the reference's?

The same call is made twice more, once in the learner's child and once with the reference in
the supervisor, each under a `Recorder` — a torch function mode, the Python-level sibling of the
dispatcher-level guard of `tripwire` (a mode sees `Q @ K.T` as one call with its source line,
before torch decomposes it). Every tensor operation made directly by a line of the traced file is
recorded with that line and the shape of what it returned (or, when it raised, the shapes it was
given). Lines are then compared in order, and the report shows both sides up to the first line
where they differ: "line 7 `scores = Q @ K.T` → (2, 5, 5); the reference has (2, 4, 5) here".
Only shapes of the reference are shown, never its code.

A trace explains a verdict; it never makes one: any failure while tracing means no trace.
"""

from __future__ import annotations

import os
import sys

import torch
from torch.overrides import TorchFunctionMode

MAX_RECORDS = 400  # operations recorded per call (a loop over a long sequence stops here)
SHOWN_BEFORE = 5  # matching lines shown before the first difference
WINDOW = 12  # how far ahead in the reference's steps a learner's step may find its match
_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_HERE = __file__
SHAPE_ERRORS = ("size of tensor", "shape", "dimension", "mat1 and mat2", "must match",
                "Dimension out of range", "expanded size", "invalid for input of size",
                "Expected", "dims", "broadcast")


def _shape(x):
    if isinstance(x, torch.Tensor):
        return list(x.shape)
    if isinstance(x, (tuple, list)) and x and all(isinstance(t, torch.Tensor) for t in x):
        return [list(t.shape) for t in x][:8]
    return None


class Recorder(TorchFunctionMode):
    """Records [line, operation, output shape or None, input shapes, error] for each torch call
    made directly from a line of a file that `is_traced(filename)` accepts."""

    def __init__(self, is_traced):
        super().__init__()
        self.is_traced = is_traced
        self.records: list[list] = []

    def _line(self) -> int | None:
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if name == _HERE or name.startswith(_TORCH_DIR):
                frame = frame.f_back
                continue
            return frame.f_lineno if self.is_traced(name) else None
        return None

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in ("__get__", "__set__", "dim", "size", "numel") or len(self.records) >= MAX_RECORDS:
            return func(*args, **kwargs)
        line = self._line()
        if line is None:
            return func(*args, **kwargs)
        try:
            out = func(*args, **kwargs)
        except Exception as e:
            inputs = [s for s in (_shape(a) for a in args) if s is not None]
            self.records.append([line, name, None, inputs, f"{type(e).__name__}: {e}"[:300]])
            raise
        shape = _shape(out)
        if shape is not None:
            self.records.append([line, name, shape, [], ""])
        return out


def record(fn, args, kwargs, is_traced) -> dict:
    """Run fn(*args, **kwargs) under a Recorder: {"records": [...], "error": "" or the error}."""
    recorder = Recorder(is_traced)
    error = ""
    try:
        with recorder:
            fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the error is part of the trace
        error = f"{type(e).__name__}: {e}"[:300]
    return {"records": recorder.records, "error": error}


def looks_like_a_shape_error(message: str) -> bool:
    return any(s in message for s in SHAPE_ERRORS)


def _by_line(records) -> list[dict]:
    """Consecutive operations of one line as one step: the line's last result is what it made."""
    steps: list[dict] = []
    for rec in records:
        if not (isinstance(rec, list) and len(rec) == 5 and isinstance(rec[0], int)):
            continue  # a child's reply is data from learner-controlled memory: keep what fits
        line, op, shape, inputs, error = rec
        if steps and steps[-1]["line"] == line and not steps[-1]["error"]:
            steps[-1].update(op=str(op), shape=shape, inputs=inputs, error=str(error))
        else:
            steps.append({"line": line, "op": str(op), "shape": shape, "inputs": inputs,
                          "error": str(error)})
    return steps


def compare(learner: dict, reference: dict, source_lines: list[str]) -> dict | None:
    """Both traces side by side, up to the first step of the learner's whose shape the
    reference never makes at that point: {"rows": [{line, code, got, expected, error}],
    "diverged": True}, or None when there is nothing to explain.

    The two codes need not have the same lines: each learner step is matched with the next
    reference step (within a few) that made the same shape, preferring the same operation, so a
    helper the reference calls and the learner inlines does not throw the comparison off. At the
    first unmatched step, the reference's shape shown is that of its next step with the same
    operation (what `linear` made there), else of its next step."""
    mine = _by_line(learner.get("records") or [])
    theirs = _by_line(reference.get("records") or [])
    rows, j = [], 0
    for step in mine:
        code = (source_lines[step["line"] - 1].strip()
                if 0 < step["line"] <= len(source_lines) else "")
        window = range(j, min(j + WINDOW, len(theirs)))
        same_shape = [k for k in window if theirs[k]["shape"] == step["shape"]]
        match = next((k for k in same_shape if theirs[k]["op"] == step["op"]),
                     same_shape[0] if same_shape else None)
        if match is not None and not step["error"]:
            rows.append(_row(step, code, _text(step["shape"])))
            j = match + 1
            continue
        ref = next((theirs[k] for k in window if theirs[k]["op"] == step["op"]),
                   theirs[j] if j < len(theirs) else None)
        rows.append(_row(step, code, _text(ref["shape"]) if ref is not None else "—"))
        return {"rows": rows[-(SHOWN_BEFORE + 1):], "diverged": True}
    return None  # every step has its match: the trace does not explain this failure


def _row(step: dict, code: str, expected: str) -> dict:
    got = (_text(step["shape"]) if not step["error"]
           else f"raised with inputs {_texts(step['inputs'])}")
    return {"line": step["line"], "code": code[:100], "got": got, "expected": expected,
            "error": step["error"][:200]}


def _text(shape) -> str:
    if shape is None:
        return "—"
    if shape and isinstance(shape[0], list):
        return "(" + ", ".join(_text(s) for s in shape) + ")"
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")


def _texts(shapes) -> str:
    return ", ".join(_text(s) for s in shapes) if shapes else "—"
