"""What a grader imports. A grader reads like the spec in CATALOGUE.md (see docs/AUTHORING.md)."""

from __future__ import annotations

import contextlib
import importlib.util
import math
import sys
import types
from pathlib import Path

import pytest
import torch

from d2lkit.grading.errors import (CheckFailed, Forbidden, LearnerCrashed, LearnerError,  # noqa: F401
                                   LearnerTimeout, Mistake, NotImplementedYet)
from d2lkit.grading.wire import Gen, Opaque, PyRandom  # noqa: F401

FLOATS = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
TOLERANCES = {torch.float64: (1e-7, 1e-9), torch.float32: (1e-4, 1e-5),
              torch.complex128: (1e-7, 1e-9), torch.complex64: (1e-4, 1e-5),
              torch.float16: (1e-2, 1e-3), torch.bfloat16: (2e-2, 1e-2)}


def grades(exercise_id: str, *, en: str, zh: str):
    """Mark a test as one check of an exercise, with its title in both languages."""
    return pytest.mark.d2lkit(exercise_id, en=en, zh=zh)


# ------------------------------------------------------------------------------ checks
def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"Tensor{tuple(x.shape)} {str(x.dtype).removeprefix('torch.')}"
    if isinstance(x, Opaque):
        return f"<{x.type}>"
    text = x if isinstance(x, str) else repr(x)  # a grader's own words, shown without quotes
    return text if len(text) <= 200 else text[:200] + "…"


def expect_close(got, expected, rtol: float | None = None, atol: float | None = None,
                 what: str = "output", mistake: str | None = None):
    """A tensor of the expected shape, dtype and device whose values are close."""
    if not isinstance(got, torch.Tensor):
        raise CheckFailed("not-a-tensor", mistake=mistake, what=what, got=_describe(got))
    if got.shape != expected.shape:
        raise CheckFailed("shape", mistake=mistake, what=what, got=tuple(got.shape),
                          expected=tuple(expected.shape))
    if got.dtype != expected.dtype:
        raise CheckFailed("dtype", mistake=mistake, what=what, got=str(got.dtype).removeprefix("torch."),
                          expected=str(expected.dtype).removeprefix("torch."))
    # No device comparison here: student.call already refuses results that left the grading
    # device, and an expectation computed on the CPU is as good as one computed on the GPU.
    default_rtol, default_atol = TOLERANCES.get(expected.dtype, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if got.numel() == 0:
        return
    g, e = got.detach().cpu(), expected.detach().cpu()
    if not (g.is_floating_point() or g.is_complex()):
        ok = g == e
    else:
        ok = torch.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if bool(ok.all()):
        return
    bad = (~ok).nonzero()[0].tolist()
    diff = (g.to(torch.complex128 if g.is_complex() else torch.float64)
            - e.to(torch.complex128 if e.is_complex() else torch.float64)).abs()
    finite = torch.isfinite(diff)
    max_abs = float(diff[finite].max()) if bool(finite.any()) else math.inf
    denom = e.to(diff.dtype).abs().clamp_min(1e-300) if not e.is_complex() else e.abs().double().clamp_min(1e-300)
    rel = (diff / denom)[finite]
    raise CheckFailed(
        "values", mistake=mistake, what=what, index=tuple(bad), got=_scalar(g[tuple(bad)]),
        expected=_scalar(e[tuple(bad)]), max_abs=max_abs,
        max_rel=float(rel.max()) if rel.numel() else math.inf, rtol=rtol, atol=atol,
        mismatched=int((~ok).sum()), total=int(ok.numel()))


def _scalar(t: torch.Tensor):
    v = t.item()
    return complex(v) if isinstance(v, complex) else float(v) if isinstance(v, float) else v


def is_close(got, expected, what: str = "output", **tolerance) -> bool:
    """expect_close as a question: for diagnosing which catalogued mistake a wrong answer is."""
    try:
        expect_close(got, expected, what=what, **tolerance)
    except CheckFailed:
        return False
    return True


def shown(x):
    """Small tensors as their rounded values, so that a mistake's message shows the numbers."""
    if isinstance(x, torch.Tensor) and x.numel() <= 16 and x.is_floating_point():
        return x.detach().cpu().double().round(decimals=4).tolist()
    return x


def on_cpu(x):
    """x with every tensor (inside tuples, lists and dicts too) moved to the CPU: for arithmetic
    with expectations computed there when grading runs on a GPU."""
    if isinstance(x, torch.Tensor):
        return x.cpu()
    if isinstance(x, (tuple, list)):
        return type(x)(on_cpu(v) for v in x)
    if isinstance(x, dict):
        return {k: on_cpu(v) for k, v in x.items()}
    return x


def on_cpu_call(student, name: str, *args, **kwargs):
    """student.call with the result brought to the CPU."""
    return on_cpu(student.call(name, *args, **kwargs))


def module_on_cpu(student, device, name: str, *args, inputs=(), **kwargs):
    """student.module with the inputs sent to the grading device and the output and tensor
    attributes brought back to the CPU."""
    res = student.module(name, *args, inputs=tuple(
        x.to(device) if isinstance(x, torch.Tensor) else x for x in inputs), **kwargs)
    res["output"] = on_cpu(res["output"])
    res["attrs"] = on_cpu(res["attrs"])
    return res


def train_then_eval(module, X) -> dict:
    """The reference side of `student.train_then_eval`: outputs in train mode, the state after
    that step, and the output in eval mode."""
    with torch.no_grad():
        y_train = module.train()(X)
        state = {k: v.clone() for k, v in module.state_dict().items()}
        y_eval = module.eval()(X)
    return {"train": y_train, "state": state, "eval": y_eval}


def expect_modes_close(got: dict, expected: dict, what: str, **tolerance):
    """Compare two train_then_eval results: train output, floating state, eval output."""
    if not tolerance and expected["train"].dtype == torch.float64:
        tolerance = {"rtol": 1e-6}  # a stack of convolutions is a chain of matmuls (CATALOGUE §2)
    expect_close(got["train"], expected["train"], **tolerance, what=f"{what} in train mode")
    for k, v in expected["state"].items():
        if v.is_floating_point():
            expect_close(got["state"][k], v, **tolerance, what=f"{k} after a training step")
    expect_close(got["eval"], expected["eval"], **tolerance, what=f"{what} in eval mode")


def expect_equal(got, expected, what: str = "output", mistake: str | None = None):
    """Exact equality; tensors by torch.equal (shape and dtype included)."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise CheckFailed("not-a-tensor", mistake=mistake, what=what, got=_describe(got))
        if got.dtype != expected.dtype or got.shape != expected.shape:
            expect_close(got, expected, what=what, mistake=mistake)  # says which one differs
        if not torch.equal(got.cpu(), expected.cpu()):
            expect_close(got, expected, rtol=0.0, atol=0.0, what=what, mistake=mistake)
        return
    if type(got) is not type(expected) and not (_is_number(got) and _is_number(expected)):
        raise CheckFailed("type", mistake=mistake, what=what, got=type(got).__name__,
                          expected=type(expected).__name__)
    if got != expected:
        raise CheckFailed("not-equal", mistake=mistake, what=what, got=_describe(got),
                          expected=_describe(expected))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def expect(condition, what: str, expected=None, got=None, mistake: str | None = None):
    """Anything else: fail with `what` (and expected/got when given) unless condition holds."""
    if not bool(condition):
        raise CheckFailed("expect", mistake=mistake, what=what,
                          expected=None if expected is None else _describe(expected),
                          got=None if got is None else _describe(got))


def mistake_if(condition, mistake: str, got=None, expected=None, what: str = ""):
    """The symptom of a catalogued mistake was seen: fail this check, naming it."""
    if bool(condition):
        raise Mistake(mistake, what=what, got=None if got is None else _describe(got),
                      expected=None if expected is None else _describe(expected))


@contextlib.contextmanager
def mistake_on_error(mistake: str, match: str = ""):
    """Inside: a LearnerError whose message contains `match` is reported as `mistake`."""
    try:
        yield
    except LearnerError as e:
        if match in e.message or match in e.type:
            err = Mistake(mistake, what=f"{e.type}: {e.message}"[:300])
            err.detail.params["error"] = e.detail.params
            raise err from None
        raise


# ------------------------------------------------------------------------------ references
class _Reference(types.ModuleType):
    """The reference solution for a grader file, imported on first use, in the supervisor only.

    Children import grader files to find their probes; a lazy module keeps the solutions out of
    a process that runs learner code.
    """

    def __init__(self, path: Path):
        super().__init__(f"d2lkit_reference.{path.parent.name}.{path.stem}")
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_module", None)

    def __getattr__(self, name):
        if IN_CHILD:
            raise RuntimeError("reference solutions are not available to learner code")
        module = object.__getattribute__(self, "_module")
        if module is None:
            module = load_solution_module(object.__getattribute__(self, "_path"))
            object.__setattr__(self, "_module", module)
        return getattr(module, name)


IN_CHILD = False


def load_solution_module(path: Path):
    """Import solutions/chNN/<topic>.py as a member of a package for its chapter folder."""
    pkg_name = f"d2lkit_reference.{path.parent.name}"
    if "d2lkit_reference" not in sys.modules:
        root = types.ModuleType("d2lkit_reference")
        root.__path__ = []
        sys.modules["d2lkit_reference"] = root
    if pkg_name not in sys.modules:
        pkg = types.ModuleType(pkg_name)
        pkg.__path__ = [str(path.parent)]
        sys.modules[pkg_name] = pkg
    full = f"{pkg_name}.{path.stem}"
    if full in sys.modules:
        return sys.modules[full]
    spec = importlib.util.spec_from_file_location(full, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    spec.loader.exec_module(module)
    return module


def reference(grader_file: str) -> types.ModuleType:
    """`ref = reference(__file__)`: the solution module this grader file grades."""
    from d2lkit.paths import content_dir

    p = Path(grader_file)
    return _Reference(content_dir("solutions") / p.parent.name / (p.stem.removeprefix("test_") + ".py"))
