"""The `student` object: the only way graders reach learner code.

Two transports run the same graders. `SandboxStudent` sends each call to a fresh child process
(what `d2lkit check` uses); `InProcessStudent` calls objects that already live in this process
(nbgrader notebooks, where the learner's code is in the kernel). Both pass every argument and result
through `wire`, so a grader sees the same data either way.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import torch

from d2lkit.grading import child, wire
from d2lkit.grading.results import Detail
from d2lkit.grading.errors import (CheckFailed, Forbidden, LearnerCrashed, LearnerError,
                                   LearnerProblem, LearnerTimeout, NotImplementedYet)

# once a learner's code shows one of these, every later call of the same exercise would too:
# stop paying for them (a stub, a hang, a crash, a forbidden call)
STICKY = ("not_implemented", "timeout", "crashed", "forbidden")

PROBES_FILE = str(Path(__file__).with_name("probes.py"))


class Student:
    """What graders call. Subclasses decide where the learner's code runs."""

    def __init__(self, exercise, device: str = "cpu"):
        self.exercise = exercise
        self.device = torch.device(device)
        if self.device.type == "cuda" and self.device.index is None:
            self.device = torch.device("cuda", 0)
        self.outputs: list[str] = []
        self.warnings: list[Detail] = []
        self._sticky: LearnerProblem | None = None

    # ---------------------------------------------------------------- the grader-facing API
    def call(self, name: str, *args, mutates: bool | str = False, **kwargs):
        """`mutates=True`: the spec allows changing the inputs; `mutates="warn"`: allowed, but the
        learner is told (d2l's own masked_softmax mutates its argument)."""
        job = {"op": "call", "name": name, "needs": [name]}
        result = self._checked(job, args, kwargs)
        if mutates is not True:
            args_after, kwargs_after = result["args_after"]
            where = _mutated(args, kwargs, args_after, kwargs_after)
            if where is not None and mutates == "warn":
                self.warnings.append(Detail("input-mutated-warning", {"where": where, "function": name}))
            elif where is not None:
                raise CheckFailed("input-mutated", mistake="input-mutated", where=where, function=name)
        strayed = self._strayed_device(args, kwargs, result["value"])
        if strayed is not None:
            raise CheckFailed("device", what=f"{name}(...)", got=strayed, expected=str(self.device))
        return result["value"]

    def _strayed_device(self, args, kwargs, value) -> str | None:
        """The device of a result tensor that left the grading device although the inputs were
        on it (a tensor made on the CPU inside the learner's function); None if all is well.
        Graders then compare values wherever they computed their expectation."""
        if self.device.type == "cpu" or not any(
                t.device.type == self.device.type for t in _tensors((args, kwargs))):
            return None
        return next((str(t.device) for t in _tensors(value) if t.device.type != self.device.type),
                    None)

    def probe(self, fn, *args, **kwargs):
        if not getattr(fn, "__name__", "").startswith("probe_") or "<locals>" in fn.__qualname__:
            raise TypeError("a probe is a module-level function of the grader named probe_*")
        job = {"op": "probe", "probe_file": os.path.abspath(fn.__code__.co_filename),
               "probe": fn.__name__, "needs": []}
        return self._checked(job, args, kwargs, probe=fn)["value"]

    def module(self, name: str, *args, state_dict=None, inputs=(), kwargs=None, train=True,
               backward=False, dtype=torch.float64, strict=True):
        from d2lkit.grading import probes

        return self.probe(probes.probe_module, name, args, kwargs or {}, state_dict, tuple(inputs),
                          train, backward, dtype, strict, str(self.device))

    def train_then_eval(self, name: str, args, state_dict, X):
        """Build mod.<name>(*args), load state_dict, one forward in train mode and one in eval
        mode (compare with api.train_then_eval on the reference via api.expect_modes_close)."""
        from d2lkit.grading import probes

        return self.probe(probes.probe_train_then_eval, name, tuple(args), state_dict, X)

    # ---------------------------------------------------------------- transport
    def _checked(self, job, args, kwargs, probe=None) -> dict:
        if self._sticky is not None:
            raise self._sticky
        try:
            return self._run(job, args, kwargs, probe)
        except LearnerProblem as e:
            if e.status in STICKY:
                self._sticky = e
            raise

    def _run(self, job, args, kwargs, probe=None) -> dict:
        raise NotImplementedError

    def _interpret(self, result: dict | None, outcome=None) -> dict:
        """Turn what came back into a value, or into the exception that explains why not."""
        if outcome is not None and outcome.output:
            self.outputs.append(outcome.output)
        if outcome is not None and outcome.timed_out:
            raise LearnerTimeout("timeout", seconds=self.timeout)
        if result is None:
            sig = outcome.signal if outcome is not None else None
            if sig is not None:
                raise LearnerCrashed("crashed-signal", signal=signal.Signals(sig).name)
            code = (os.WEXITSTATUS(outcome.exit_status)
                    if outcome is not None and outcome.exit_status is not None else None)
            raise LearnerCrashed("crashed-exit", code=code, note=getattr(outcome, "note", ""))
        kind = result.get("kind")
        if kind == "ok":
            return result
        if kind == "forbidden":
            raise Forbidden("forbidden", name=result["name"])
        if kind == "missing":
            raise LearnerError("missing", names=result["names"], file=self.relpath)
        if kind == "syntax":
            raise LearnerError("syntax", **{k: result[k] for k in
                                            ("type", "message", "file", "line", "col", "text")})
        if kind == "signature":
            raise LearnerError("signature", function=result["function"], got=result["got"],
                               message=result["message"])
        if result.get("not_implemented"):
            frames = result.get("frames") or []
            where = frames[-1]["function"] if frames else ""
            raise NotImplementedYet("not-implemented", function=where)
        if result.get("type") == "SystemExit":
            raise LearnerCrashed("exited", message=result.get("message", ""))
        key = "import-error" if kind == "import_error" else "exception"
        raise LearnerError(key, type=result.get("type", ""), message=result.get("message", ""),
                           frames=result.get("frames") or [])


class SandboxStudent(Student):
    def __init__(self, exercise, workspace: Path, sandbox, timeout: float = 10.0, device="cpu"):
        super().__init__(exercise, device)
        self.workspace = str(Path(workspace).resolve())
        self.relpath = exercise.relpath
        self.sandbox = sandbox
        self.timeout = timeout

    def _run(self, job, args, kwargs, probe=None) -> dict:
        job = {**job, "workspace": self.workspace, "relpath": self.relpath,
               "forbid": list(self.exercise.forbid)}
        outcome = self.sandbox.run(job, args, kwargs, timeout=self.timeout)
        return self._interpret(outcome.result, outcome)


class InProcessStudent(Student):
    """Runs graders against objects in this process (a notebook kernel). No timeout of its own:
    nbgrader's per-cell timeout bounds it."""

    def __init__(self, exercise, namespace: dict, device="cpu"):
        super().__init__(exercise, device)
        self.namespace = namespace
        self.relpath = "<notebook>"
        self.timeout = None
        files = set()
        for obj in namespace.values():
            code = getattr(obj, "__code__", None)
            if code is not None:
                files.add(code.co_filename)
            for member in vars(obj).values() if isinstance(obj, type) else ():
                code = getattr(member, "__code__", None)
                if code is not None:
                    files.add(code.co_filename)
        self.learner_files = sorted(files)

    def _run(self, job, args, kwargs, probe=None) -> dict:
        import types

        module = types.SimpleNamespace(**self.namespace)
        job = {**job, "workspace": os.path.join(os.sep, "nonexistent-d2lkit-workspace"),
               "learner_files": self.learner_files, "forbid": list(self.exercise.forbid)}
        # the same data round trip as the sandbox, so the learner cannot touch the grader's copies
        args = wire.materialize(wire.decode(wire.encode(tuple(args))), self.device)
        kwargs = wire.materialize(wire.decode(wire.encode(kwargs)), self.device)
        start = time.monotonic()
        result = child.run(job, args, kwargs, probe_fn=probe, module=module)
        result = wire.decode(wire.encode(result))
        del start
        return self._interpret(result)


def _tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors(v)


def _mutated(args, kwargs, args_after, kwargs_after) -> str | None:
    """The first argument (by position or keyword) whose tensors the learner changed."""
    for i, (a, b) in enumerate(zip(args, args_after)):
        if _differs(a, b):
            return f"#{i + 1}"
    for k, v in kwargs.items():
        if _differs(v, kwargs_after.get(k)):
            return k
    return None


def _differs(before, after) -> bool:
    if isinstance(before, torch.Tensor):
        if not isinstance(after, torch.Tensor) or before.shape != after.shape:
            return True
        a, b = before.cpu(), after.cpu()
        same = (a == b) | (torch.isnan(a) & torch.isnan(b)) if a.is_floating_point() else (a == b)
        return not bool(same.all())
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        return len(before) != len(after) or any(_differs(x, y) for x, y in zip(before, after))
    if isinstance(before, dict) and isinstance(after, dict):
        return any(_differs(v, after.get(k)) for k, v in before.items())
    return False
