"""What a grader imports. A grader reads like the spec in CATALOGUE.md (see docs/AUTHORING.md)."""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import math
import sys
import types
from pathlib import Path

import pytest
import torch

from d2lkit.grading.errors import (CheckFailed, Forbidden, LearnerCrashed, LearnerError,  # noqa: F401
                                   LearnerTimeout, Mistake, NotImplementedYet)
from d2lkit.grading.probes import probe_calls  # noqa: F401  (graders use it from here)
from d2lkit.grading.wire import Gen, Opaque, PyRandom  # noqa: F401

# True in a child process (d2lkit.grading.child sets it before it loads grader files for probes).
IN_CHILD = False

FLOATS = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
TOLERANCES = {torch.float64: (1e-7, 1e-9), torch.float32: (1e-4, 1e-5),
              torch.complex128: (1e-7, 1e-9), torch.complex64: (1e-4, 1e-5),
              torch.float16: (1e-2, 1e-3), torch.bfloat16: (2e-2, 1e-2)}


VISIBILITIES = ("visible", "hidden")


class UnknownExercise(ValueError):
    """`@grades` names an id the catalogue does not have."""


def grades(exercise_id: str, *, en: str, zh: str, visibility: str = "visible"):
    """Mark a test as one check of an exercise, with its title in both languages.

    `visibility="hidden"` marks a check whose inputs the learner is not shown. The id must be a
    catalogue exercise: the runner only collects checks of the exercises it grades, so a mistyped
    id would drop the check silently and let the exercise pass without it.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"@grades({exercise_id!r}): visibility must be one of "
                         f"{', '.join(VISIBILITIES)}, not {visibility!r}")
    if not IN_CHILD:  # a child loads grader files for their probes only; the supervisor checks
        _require_known(exercise_id)
    return pytest.mark.d2lkit(exercise_id, en=en, zh=zh, visibility=visibility)


def _require_known(exercise_id: str):
    from d2lkit import catalogue

    known = catalogue.load().by_id
    if exercise_id not in known:
        near = difflib.get_close_matches(exercise_id, list(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise UnknownExercise(f"@grades({exercise_id!r}): no such exercise in the catalogue{hint}")


# ------------------------------------------------------------------------------ checks
def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return describe_tensor(x)
    if isinstance(x, Opaque):
        return f"<{x.type}>"
    text = x if isinstance(x, str) else repr(x)  # a grader's own words, shown without quotes
    return text if len(text) <= 200 else text[:200] + "…"


def describe_tensor(t: torch.Tensor) -> str:
    """A tensor as a learner should see it in a message, got and expected alike: its values when
    it is small, else its range; NaN and inf always visible."""
    head = f"{tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}"
    if t.device.type == "meta":
        return f"Tensor{head}"
    v = t.detach().cpu()
    if v.is_complex() or v.dtype == torch.bool or not v.is_floating_point():
        if v.numel() <= 16:
            return f"{v.tolist()} {head}"
        return f"Tensor{head}"
    if v.numel() <= 16:
        return f"{v.double().round(decimals=4).tolist()} {head}"
    finite = v[torch.isfinite(v)].double()
    parts = [f"Tensor{head}"]
    if finite.numel():
        parts.append(f"values in [{float(finite.min()):.4g}, {float(finite.max()):.4g}]")
    for name, count in (("NaN", int(torch.isnan(v).sum())), ("inf", int(torch.isinf(v).sum()))):
        if count:
            parts.append(f"{count} {name}")
    return ", ".join(parts)


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


def is_close(got, expected: torch.Tensor, rtol: float | None = None, atol: float | None = None
             ) -> bool:
    """expect_close as a question: is `got` a tensor of expected's shape and dtype whose values
    are within tolerance (NaN matching NaN)? For diagnosing which catalogued mistake a wrong
    answer is, by comparing it with what each mistake would give. Devices may differ.

    Tolerances default to expect_close's for the dtype (CATALOGUE §2).
    """
    try:
        expect_close(got, expected, rtol=rtol, atol=atol)
    except CheckFailed:
        return False
    return True


def shown(x):
    """Small tensors as their rounded values, so that a mistake's message shows the numbers."""
    if isinstance(x, torch.Tensor) and x.numel() <= 16 and x.is_floating_point():
        return x.detach().cpu().double().round(decimals=4).tolist()
    return x


def shape_of(x) -> tuple | None:
    """x's shape as a tuple, or None when x is not a tensor (for messages and mistake symptoms)."""
    return tuple(x.shape) if isinstance(x, torch.Tensor) else None


def as_number(x) -> float | None:
    """A one-element tensor or a real number as a float; None for anything else (so that a
    symptom test on a wrong kind of answer is simply False)."""
    if isinstance(x, torch.Tensor) and x.numel() == 1:
        return float(x)
    if _is_number(x):
        return float(x)
    return None


def as_list(x):
    """A tensor as nested lists (to compare with a literal, or for a message); anything else as
    it is."""
    return x.tolist() if isinstance(x, torch.Tensor) else x


def pair(v) -> tuple:
    """An int-or-tuple argument (kernel_size, stride, padding) as a (height, width) tuple."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def expect_tensor(got, what: str) -> torch.Tensor:
    """got, once the check has failed unless it is a tensor (so that .shape and the like are
    safe to use)."""
    expect(isinstance(got, torch.Tensor), what=what, expected="a tensor", got=got)
    return got


def expect_tensors(got, count: int, what: str) -> tuple:
    """got as a tuple, once the check has failed unless it is a tuple or list of `count` tensors
    (an `(output, attention_weights)` pair, say)."""
    ok = (isinstance(got, (tuple, list)) and len(got) == count
          and all(isinstance(t, torch.Tensor) for t in got))
    found = (f"{type(got).__name__} of {len(got)}" if isinstance(got, (tuple, list))
             else type(got).__name__)
    expect(ok, what=what, expected="(" + ", ".join(["Tensor"] * count) + ")", got=found)
    return tuple(got)


def chain_tolerance(dtype: torch.dtype) -> dict:
    """Tolerance keywords for a chain of matmuls (a stack of layers): CATALOGUE §2 loosens float64
    to rtol=1e-6; float32 keeps expect_close's default."""
    return {"rtol": 1e-6} if dtype == torch.float64 else {}


def child_types(res: dict) -> list[str]:
    """The class names of the children of a `student.module` result, in order."""
    return [tuple(c)[1] for c in res["children"]]


def randomized(module, gen: torch.Generator, dtype: torch.dtype, device, *, scale: float = 0.4):
    """The reference `module` in dtype on device, every floating state entry redrawn from gen:
    weights, biases and BatchNorm's affine parameters and running means as N(0, scale²), running
    variances uniform in [0.5, 1.5) (a variance must be positive). Random state makes a wrong
    layer order or a missing layer visible where the default initialisation would hide it."""
    module = module.to(dtype)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen, dtype=dtype) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen, dtype=dtype) * scale)
    return module.to(device)


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
    tolerance = tolerance or chain_tolerance(expected["train"].dtype)  # a stack of layers
    expect_close(got["train"], expected["train"], **tolerance, what=f"{what} in train mode")
    state = {k: v for k, v in expected["state"].items() if v.is_floating_point()}
    expect_each_close({k: got["state"].get(k) for k in state}, state,
                      what=f"{what}: the state after a training step", **tolerance)
    expect_close(got["eval"], expected["eval"], **tolerance, what=f"{what} in eval mode")


def expect_each_close(got, expected, what: str, rtol: float | None = None,
                      atol: float | None = None, mistake: str | None = None):
    """Several tensors judged together — the gradient of each parameter, each state, each
    weight: `got` and `expected` are dicts (by name) or sequences (by position). Every one is
    compared, and a failure lists them all (`blame`): exact, close, or how it differs (max abs
    difference and first bad index, or shape/dtype), so a learner sees that W1.grad is right
    and b1.grad is twice too big, not just the first mismatch."""
    if not isinstance(expected, dict):
        expected = {f"[{i}]": e for i, e in enumerate(expected)}
        got = {f"[{i}]": g for i, g in enumerate(got)} if isinstance(got, (list, tuple)) else got
    if not isinstance(got, dict):
        raise CheckFailed("not-equal", mistake=mistake, what=what, got=_describe(got),
                          expected=f"{len(expected)} tensors")
    rows, bad = [], 0
    for name, e in expected.items():
        row = _blame_row(name, got.get(name), e, rtol, atol)
        bad += row["verdict"] not in ("exact", "close")
        rows.append(row)
    if bad:
        raise CheckFailed("blame", mistake=mistake, what=what, rows=rows, bad=bad,
                          total=len(rows))


def _blame_row(name: str, got, expected: torch.Tensor, rtol, atol) -> dict:
    row = {"name": name, "verdict": "", "max_abs": None, "index": None, "got": None,
           "expected": None}
    if got is None:
        return {**row, "verdict": "missing"}
    try:
        expect_close(got, expected, rtol=rtol, atol=atol, what=name)
    except CheckFailed as failure:
        p = failure.detail.params
        key = failure.detail.key
        if key == "values":
            return {**row, "verdict": "differs", "max_abs": p["max_abs"], "index": list(p["index"]),
                    "got": p["got"], "expected": p["expected"]}
        verdict = {"shape": "shape", "dtype": "dtype", "not-a-tensor": "not a tensor"}.get(key, key)
        return {**row, "verdict": verdict, "got": str(p.get("got")), "expected": str(p.get("expected"))}
    exact = torch.equal(got.detach().cpu(), expected.detach().cpu())
    return {**row, "verdict": "exact" if exact else "close"}


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


# ------------------------------------------------------------------------------ pictures
def record_series(student, what: str, learner, reference, x: str = "step"):
    """Attach a curve to this check's result: the learner's per-step (or per-epoch, `x`) values
    of `what` ("loss", "train-accuracy", "test-accuracy", "perplexity") next to the reference's,
    for the terminal's chart and the notebook's figure. Call it as soon as both runs are known,
    before the checks that may fail: a failing run is the one worth a picture. The learner's
    values came from the child: anything that is not a list of numbers (one-element tensors
    count) records nothing, and grading goes on (grading.series says what is kept)."""
    from d2lkit.grading import series

    made = series.line(what, _numbers(learner), _numbers(reference), x=x)
    if made is not None:
        _series_of(student).append(made)


def record_heatmap(student, learner, reference, what: str = "attention"):
    """Attach a matrix to this check's result: the learner's attention weights for one input next
    to the expected ones (2-d tensors, or the first matrix of a batch of them), as the book's
    show_heatmaps draws them. Anything else from the learner records nothing."""
    from d2lkit.grading import series

    made = series.heatmap(_matrix(learner), _matrix(reference), what=what)
    if made is not None:
        _series_of(student).append(made)


def _series_of(student) -> list:
    if not isinstance(getattr(student, "series", None), list):
        student.series = []
    return student.series


def _numbers(xs):
    """A sequence of numbers (a tensor of any shape, flattened, or a list of numbers and
    one-element tensors) as a list of floats; None for anything else."""
    if isinstance(xs, torch.Tensor):
        return [float(v) for v in xs.detach().cpu().double().reshape(-1).tolist()] \
            if not xs.is_complex() and xs.numel() <= 100_000 else None
    if not isinstance(xs, (list, tuple)) or len(xs) > 100_000:
        return None
    out = [as_number(v) for v in xs]
    return None if None in out else out


def _matrix(m):
    """A 2-d tensor (or the first matrix of a stack of them) as nested floats; None otherwise."""
    if not isinstance(m, torch.Tensor) or m.dim() < 2 or m.is_complex() or m.numel() == 0:
        return None
    while m.dim() > 2:
        m = m[0]
    return m.detach().cpu().double()[:32, :32].tolist()


# ------------------------------------------------------------------------------ references
class _Reference(types.ModuleType):
    """The reference solution for a grader file, imported on first use, in the supervisor only
    (a lazy module: importing a grader file loads no solution). Its plain functions answer from
    the expected-value memo (grading/expected.py) when the same inputs come again."""

    def __init__(self, path: Path):
        super().__init__(f"d2lkit_reference.{path.parent.name}.{path.stem}")
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_module", None)
        object.__setattr__(self, "_remembered", {})

    def __getattr__(self, name):
        if IN_CHILD:
            raise RuntimeError("reference solutions are not available to learner code")
        module = object.__getattribute__(self, "_module")
        if module is None:
            module = load_solution_module(object.__getattribute__(self, "_path"))
            object.__setattr__(self, "_module", module)
        value = getattr(module, name)
        if not isinstance(value, types.FunctionType):
            return value  # classes and constants as they are
        wrappers = object.__getattribute__(self, "_remembered")
        if name not in wrappers:
            from d2lkit.grading.expected import remembered

            wrappers[name] = remembered(value, f"{module.__name__}.{name}")
        return wrappers[name]


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
    return _import_file(f"{pkg_name}.{path.stem}", path)


def _import_file(name: str, path: Path) -> types.ModuleType:
    """Import the file at `path` as module `name`, once per process."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def probes_for(grader_file: str) -> types.ModuleType:
    """`probes = probes_for(__file__)`: the probes module beside a grader file
    (`grader/chNN/probes_<topic>.py`). Probes run in the child, next to the learner's module, and
    live apart from the graders because a child may read them but never the graders."""
    p = Path(grader_file)
    return load_probes(p.with_name("probes_" + p.stem.removeprefix("test_") + ".py"))


def load_probes(path) -> types.ModuleType:
    """Import a probes file by path, once per process (in the supervisor and in a child)."""
    path = Path(path)
    return _import_file(f"d2lkit_probes.{path.parent.name}.{path.stem}", path)


def reference(grader_file: str) -> types.ModuleType:
    """`ref = reference(__file__)`: the solution module this grader file grades."""
    from d2lkit.paths import content_dir

    p = Path(grader_file)
    return _Reference(content_dir("solutions") / p.parent.name / (p.stem.removeprefix("test_") + ".py"))
