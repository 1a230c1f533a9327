"""Equivalent mutants: the reviewed record `d2lkit/curriculum/mutation/chNN.equivalents.toml`, and
the differential test that backs each entry.

A mutant that no grader can reject because it computes the same thing as the reference
(`dim=0` → `dim=-1` on a 1-D tensor) is recorded, one entry per mutant:

    schema = 1

    [[equivalent]]
    id = "ch2.inverse_cdf_sample:const:9ae15872"
    exercise = "ch2.inverse_cdf_sample"
    before = "cdf = torch.cumsum(probs / probs.sum(), dim=0)"
    after = "cdf = torch.cumsum(probs / probs.sum(), dim=-1)"
    reason = "probs has shape (k,): dim 0 is dim -1"

    [equivalent.test]
    call = "inverse_cdf_sample"
    dims = { k = [1, 8] }
    args = [
      { strategy = "tensor", shape = ["k"], min = 0.0, max = 1.0, nonzero = true },
      { strategy = "tensor", shape = [[0, 5], 3], min = 0.0, max = 0.999 },
    ]

`test` is the differential test that `d2lkit dev mutate` runs before it accepts the entry: the
reference module and the mutant, both imported in this process (both are the kit's own code), are
called on `examples` (200) hypothesis-generated inputs (strategies.py) under the same seeds, and
must agree within the grader's tolerance for the result's dtype (`grading.api.TOLERANCES`; `rtol`
and `atol` override it, in plain sight) — on the result, on the arguments afterwards (a function
may change them, or draw from a generator it is given; `compare_arguments = false` leaves them
out, for a mutant that only draws differently, which its reason must say), and on a module's
state. `call` names a function of the module, or a class when
`init` (its constructor's arguments) is given; the instance is then called (or its `method`).
`args` is one spec per argument, or a single spec of a tuple of them (arguments that must fit
together, e.g. `{ strategy = "one_of", options = [{ strategy = "tuple", items = [...] }, ...] }`).
Where the reference raises, the mutant must raise the same exception, and at least half of the
examples must be valid for the reference, so that a test cannot pass by feeding both nonsense.
An entry whose test finds a disagreement is not an equivalence but a grader hole.

The file is checked like the catalogue (typed, versioned): an unknown key, a value of the wrong
type, an unknown strategy is an `EquivalentsError` naming the file and the key.

Diagnoses are reviewed the same way, in `chNN.diagnoses.toml` beside it. A grader names a
catalogued mistake only when the symptom proves it, so an auto-generated mutant that the grader
rejects *with a catalogued mistake id* is either that mistake (removing `/ 2` from a loss is
`missing-half`), recorded here with a one-line reason, or a wrong diagnosis, which `dev check`
lists until the grader's `mistake_if` is tightened:

    schema = 1

    [[diagnosis]]
    id = "ch4.l2_penalty:const:db79967e"
    exercise = "ch4.l2_penalty"
    mistake = "missing-half"
    before = "return torch.sum(w ** 2) / 2"
    after = "return torch.sum(w ** 2) / 1"
    reason = "dividing by 1 drops the 1/2"
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
import signal
import sys
import tempfile
from d2lkit.compat import ExceptionGroup, tomllib
import types
from dataclasses import dataclass
from pathlib import Path

from d2lkit.authoring import strategies
from d2lkit.catalogue import CatalogueError, _Reader
from d2lkit.paths import content_dir

SCHEMA = 1
FILE_KEYS = ("schema", "equivalent")
RECORD_KEYS = ("id", "exercise", "before", "after", "reason", "test")
TEST_KEYS = ("call", "init", "init_kwargs", "method", "args", "kwargs", "dims", "examples",
             "rtol", "atol", "compare_arguments")
DEFAULT_EXAMPLES = 200
TEST_SECONDS = 180  # one record's differential test, at most
_ID = re.compile(r"ch(\d+)\.\w+:[a-z]+:[0-9a-f]{8}")


class EquivalentsError(CatalogueError):
    """An equivalents file that does not follow the schema; the message names the file and key."""


@dataclass(frozen=True)
class Test:
    call: str
    args: tuple | dict = ()  # one spec per argument, or one spec of a tuple of all of them
    kwargs: dict | None = None
    init: tuple | None = None  # present: `call` is a class, built with these arguments
    init_kwargs: dict | None = None
    method: str | None = None
    dims: dict | None = None
    examples: int = DEFAULT_EXAMPLES
    rtol: float | None = None
    atol: float | None = None
    compare_arguments: bool = True  # false: the arguments after the call may differ


@dataclass(frozen=True)
class Record:
    id: str
    exercise: str
    before: str
    after: str
    reason: str
    test: Test
    digest: str  # of what the differential test depends on: id, snippets and test


class _FileReader(_Reader):
    def fail(self, key: str, problem: str):
        raise EquivalentsError(self.path, key, problem)

    def read(self, data: dict, chapter: int | None) -> list[Record]:
        self.keys("", data, FILE_KEYS, required=("schema",))
        if data["schema"] != SCHEMA:
            self.fail("schema", f"unsupported version {data['schema']!r} (this d2lkit reads "
                      f"{SCHEMA})")
        raw = data.get("equivalent", [])
        self.check("", "equivalent", raw, isinstance(raw, list), "an array of tables")
        records, seen = [], set()
        for i, entry in enumerate(raw):
            record = self.record(f"equivalent[{i}]", entry, chapter)
            if record.id in seen:
                self.fail(f"equivalent[{i}].id", f"{record.id} is recorded twice")
            seen.add(record.id)
            records.append(record)
        return records

    def record(self, where: str, raw, chapter: int | None) -> Record:
        self.keys(where, raw, RECORD_KEYS, required=RECORD_KEYS)
        for key in ("id", "exercise", "before", "after", "reason"):
            self.check(where, key, raw[key], isinstance(raw[key], str) and raw[key].strip() != "",
                       "a non-empty string")
        m = _ID.fullmatch(raw["id"])
        self.check(where, "id", raw["id"], m is not None and raw["id"].startswith(
            raw["exercise"] + ":"), '"<exercise>:<operator>:<8 hex digits>", as `dev mutate` '
            "prints it")
        if chapter is not None:
            self.check(where, "id", raw["id"], int(m.group(1)) == chapter,
                       f"a mutant of ch{chapter} (this file's chapter)")
        self.check(where, "reason", raw["reason"], "\n" not in raw["reason"].strip(), "one line")
        test = self.test(f"{where}.test", raw["test"])
        digest = hashlib.sha256(json.dumps(
            {k: raw[k] for k in ("id", "before", "after", "test")}, sort_keys=True,
            ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
        return Record(raw["id"], raw["exercise"], raw["before"], raw["after"],
                      raw["reason"].strip(), test, digest)

    def test(self, where: str, raw) -> Test:
        self.keys(where, raw, TEST_KEYS, required=("call", "args"))
        for key in ("call", "method"):
            if key in raw:
                self.check(where, key, raw[key], isinstance(raw[key], str)
                           and raw[key].isidentifier(), "a Python name")
        dims = raw.get("dims", {})
        self.check(where, "dims", dims, isinstance(dims, dict), "a table of name = [lo, hi]")
        for name, bounds in dims.items():
            self.check(f"{where}.dims", name, bounds, isinstance(bounds, list) and len(bounds) == 2
                       and all(strategies._int(b) and b >= 0 for b in bounds)
                       and bounds[0] <= bounds[1], "[lo, hi], two sizes with lo <= hi")
        examples = raw.get("examples", DEFAULT_EXAMPLES)
        self.check(where, "examples", examples, strategies._int(examples)
                   and 1 <= examples <= 10_000, "an integer from 1 to 10000")
        for key in ("rtol", "atol"):
            if key in raw:
                self.check(where, key, raw[key], strategies._number(raw[key]) and raw[key] >= 0,
                           "a number >= 0")
        if "compare_arguments" in raw:
            self.check(where, "compare_arguments", raw["compare_arguments"],
                       isinstance(raw["compare_arguments"], bool), "true or false")
        self.check(where, "args", raw["args"], isinstance(raw["args"], (list, dict)),
                   "an array of specs (one per argument) or one spec of a tuple of them")
        if "init" in raw:
            self.check(where, "init", raw["init"], isinstance(raw["init"], list),
                       "an array of specs")
        for key in ("kwargs", "init_kwargs"):
            if key in raw:
                self.check(where, key, raw[key], isinstance(raw[key], dict), "a table of specs")
        args = raw["args"]
        specs = ([("args", args)] if isinstance(args, dict) else
                 [(f"args[{i}]", s) for i, s in enumerate(args)])
        specs = (specs
                 + [(f"init[{i}]", s) for i, s in enumerate(raw.get("init", []))]
                 + [(f"kwargs.{k}", s) for k, s in raw.get("kwargs", {}).items()]
                 + [(f"init_kwargs.{k}", s) for k, s in raw.get("init_kwargs", {}).items()])
        for at, spec in specs:
            try:
                strategies.validate(spec, f"{where}.{at}", dims)
            except strategies.SpecError as e:
                self.fail(e.key, str(e).removeprefix(e.key + ": "))
        if "method" in raw and "init" not in raw:
            self.fail(f"{where}.method", "needs init (a method is called on an instance)")
        return Test(raw["call"], args if isinstance(args, dict) else tuple(args), raw.get("kwargs"),
                    tuple(raw["init"]) if "init" in raw else None, raw.get("init_kwargs"),
                    raw.get("method"), dims, examples, raw.get("rtol"), raw.get("atol"),
                    raw.get("compare_arguments", True))


def read(path: Path) -> list[Record]:
    """The records of one chNN.equivalents.toml (none when there is no file)."""
    if not path.is_file():
        return []
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise EquivalentsError(path, "toml", str(e)) from None
    m = re.fullmatch(r"ch(\d+)\.equivalents\.toml", path.name)
    return _FileReader(path).read(data, int(m.group(1)) if m else None)


# ============================================================================== diagnoses
DIAGNOSIS_FILE_KEYS = ("schema", "diagnosis")
DIAGNOSIS_KEYS = ("id", "exercise", "mistake", "before", "after", "reason")


@dataclass(frozen=True)
class Diagnosis:
    """An auto-generated mutant whose change *is* the catalogued mistake the grader names for it
    (dropping `/ 2` from a loss is `missing-half`): reviewed, so that `dev check` does not list it
    as a wrong diagnosis."""
    id: str
    exercise: str
    mistake: str
    before: str
    after: str
    reason: str


class _DiagnosisReader(_FileReader):
    def read(self, data: dict, chapter: int | None) -> list[Diagnosis]:
        self.keys("", data, DIAGNOSIS_FILE_KEYS, required=("schema",))
        if data["schema"] != SCHEMA:
            self.fail("schema", f"unsupported version {data['schema']!r} (this d2lkit reads "
                      f"{SCHEMA})")
        raw = data.get("diagnosis", [])
        self.check("", "diagnosis", raw, isinstance(raw, list), "an array of tables")
        records, seen = [], set()
        for i, entry in enumerate(raw):
            where = f"diagnosis[{i}]"
            self.keys(where, entry, DIAGNOSIS_KEYS, required=DIAGNOSIS_KEYS)
            for key in DIAGNOSIS_KEYS:
                self.check(where, key, entry[key], isinstance(entry[key], str)
                           and entry[key].strip() != "", "a non-empty string")
            m = _ID.fullmatch(entry["id"])
            self.check(where, "id", entry["id"], m is not None and entry["id"].startswith(
                entry["exercise"] + ":"), '"<exercise>:<operator>:<8 hex digits>", as `dev '
                'mutate` prints it')
            if chapter is not None:
                self.check(where, "id", entry["id"], int(m.group(1)) == chapter,
                           f"a mutant of ch{chapter} (this file's chapter)")
            self.check(where, "reason", entry["reason"], "\n" not in entry["reason"].strip(),
                       "one line")
            if entry["id"] in seen:
                self.fail(f"{where}.id", f"{entry['id']} is recorded twice")
            seen.add(entry["id"])
            records.append(Diagnosis(entry["id"], entry["exercise"], entry["mistake"],
                                     entry["before"], entry["after"], entry["reason"].strip()))
        return records


def read_diagnoses(path: Path) -> list[Diagnosis]:
    """The records of one chNN.diagnoses.toml (none when there is no file)."""
    if not path.is_file():
        return []
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise EquivalentsError(path, "toml", str(e)) from None
    m = re.fullmatch(r"ch(\d+)\.diagnoses\.toml", path.name)
    return _DiagnosisReader(path).read(data, int(m.group(1)) if m else None)


# ============================================================================== differential test
_packages = itertools.count()


def _load(relpath: str, source: str | None, into: Path) -> types.ModuleType:
    """A fresh import of the chapter's solution module (or of `source` in its place), under a
    package of its own so that its relative imports find its chapter."""
    import importlib.util

    chapter = Path(relpath).parent
    folder = into / f"m{next(_packages)}"
    shutil.copytree(content_dir("solutions") / chapter, folder / chapter,
                    ignore=shutil.ignore_patterns("__pycache__"))
    if source is not None:
        (folder / relpath).write_text(source, "utf-8")
    pkg = f"d2lkit_equivalence_{folder.name}"
    for name, path in ((pkg, []), (f"{pkg}.{chapter}", [str(folder / chapter)])):
        module = types.ModuleType(name)
        module.__path__ = path
        sys.modules[name] = module
    name = f"{pkg}.{chapter}.{Path(relpath).stem}"
    spec = importlib.util.spec_from_file_location(name, folder / relpath)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _unload(prefix: str = "d2lkit_equivalence_"):
    for name in [n for n in sys.modules if n.startswith(prefix)]:
        del sys.modules[name]


def _clone(x):
    import copy
    import random

    import torch

    if isinstance(x, torch.Tensor):
        y = x.detach().clone().requires_grad_(x.requires_grad)
        if x.grad is not None:
            y.grad = x.grad.detach().clone()
        return y
    if isinstance(x, torch.Generator):
        return torch.Generator().set_state(x.get_state())
    if isinstance(x, (list, tuple)):
        return type(x)(_clone(v) for v in x)
    if isinstance(x, dict):
        return {k: _clone(v) for k, v in x.items()}
    if isinstance(x, random.Random):
        r = random.Random()
        r.setstate(x.getstate())
        return r
    return copy.deepcopy(x)


def _reset(seed: int):
    import random

    import numpy as np
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)


@dataclass
class _Ran:
    value: object = None
    error: str | None = None  # the exception's type name, when it raised
    args: list | None = None
    kwargs: dict | None = None
    instance: object = None


def _run(module, test: Test, seed: int, case: dict) -> _Ran:
    import torch

    args, kwargs = _clone(case["args"]), _clone(case["kwargs"])
    ran = _Ran(args=args, kwargs=kwargs)
    _reset(seed)
    try:
        target = getattr(module, test.call)
        if test.init is not None:
            ran.instance = target(*_clone(case["init"]), **_clone(case["init_kwargs"]))
            torch.manual_seed(seed)
            target = getattr(ran.instance, test.method) if test.method else ran.instance
        value = target(*args, **kwargs)
        if isinstance(value, types.GeneratorType):  # a data iterator: what it yields
            value = list(itertools.islice(value, 10_000))
        ran.value = value
    except _Timeout:
        raise
    except Exception as e:  # noqa: BLE001  (an exception is an outcome to compare)
        ran.error = type(e).__name__
    return ran


def _tolerance(test: Test, dtype) -> tuple[float, float]:
    from d2lkit.grading.api import TOLERANCES

    rtol, atol = TOLERANCES.get(dtype, (0.0, 0.0))
    return (rtol if test.rtol is None else test.rtol, atol if test.atol is None else test.atol)


def differ(a, b, test: Test, where: str = "result") -> str | None:
    """Where `a` (the reference's) and `b` (the mutant's) disagree, or None."""
    import math
    import random

    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return f"{where}: {type(a).__name__} vs {type(b).__name__}"
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"{where}: {tuple(a.shape)} {a.dtype} vs {tuple(b.shape)} {b.dtype}"
        x, y = a.detach().cpu(), b.detach().cpu()
        if x.is_floating_point() or x.is_complex():
            rtol, atol = _tolerance(test, x.dtype)
            ok = torch.isclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
        else:
            ok = x == y
        if not bool(ok.all()):
            i = tuple((~ok).nonzero()[0].tolist())
            return f"{where}[{', '.join(map(str, i))}]: {x[i].item()!r} vs {y[i].item()!r}"
        if (a.grad is None) != (b.grad is None):
            return f"{where}.grad: set on one side only"
        return None if a.grad is None else differ(a.grad, b.grad, test, f"{where}.grad")
    if isinstance(a, torch.nn.Module) or isinstance(b, torch.nn.Module):
        if type(a).__name__ != type(b).__name__ or str(a) != str(b):
            return f"{where}: modules {a} vs {b}"[:400]
        return differ(dict(a.state_dict()), dict(b.state_dict()), test, f"{where}.state_dict()")
    # the reference's and the mutant's classes are distinct objects of the same name
    if type(a).__qualname__ != type(b).__qualname__ and not (
            isinstance(a, (int, float)) and isinstance(b, (int, float))
            and isinstance(a, bool) == isinstance(b, bool)):
        return f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, float) or isinstance(b, float):
        rtol, atol = _tolerance(test, torch.float64)
        if not (math.isclose(a, b, rel_tol=rtol, abs_tol=atol) or (a != a and b != b)):
            return f"{where}: {a!r} vs {b!r}"
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: {len(a)} items vs {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b))
                     if (d := differ(x, y, test, f"{where}[{i}]"))), None)
    if isinstance(a, dict):
        if list(a) != list(b) and set(a) != set(b):
            return f"{where}: keys {sorted(map(str, a))} vs {sorted(map(str, b))}"[:400]
        return next((d for k in a if (d := differ(a[k], b[k], test, f"{where}[{k!r}]"))), None)
    if isinstance(a, random.Random):
        return None if a.getstate() == b.getstate() else f"{where}: the random state differs"
    if isinstance(a, torch.Generator):
        return None if torch.equal(a.get_state(), b.get_state()) else f"{where}: generator state"
    if hasattr(a, "__dict__") and not isinstance(a, type) and type(a).__eq__ is object.__eq__:
        # an object of a class without its own equality (a Vocab): compare what it holds
        return differ(vars(a), vars(b), test, f"{where}.__dict__")
    try:
        same = bool(a == b)
    except Exception:  # noqa: BLE001
        same = repr(a) == repr(b)
    return None if same else f"{where}: {a!r} vs {b!r}"[:400]


class _Timeout(Exception):
    pass


def differential(record: Record, relpath: str, mutant_source: str,
                 seconds: float = TEST_SECONDS) -> str | None:
    """Run the record's differential test: None when reference and mutant agree on every
    example, else why not (the falsifying example, or inputs that prove nothing)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    test = record.test
    counts = {"examples": 0, "valid": 0}

    with tempfile.TemporaryDirectory(prefix="d2lkit-equivalence-") as tmp:
        try:
            ref = _load(relpath, None, Path(tmp))
            mut = _load(relpath, mutant_source, Path(tmp))
        except Exception as e:  # noqa: BLE001
            _unload()
            return f"could not import the modules: {type(e).__name__}: {e}"
        if not hasattr(ref, test.call):
            _unload()
            return f"the module has no {test.call!r} to call"

        @settings(max_examples=test.examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(st.data())
        def agree(data):
            dims = {k: data.draw(st.integers(lo, hi), label=f"dims.{k}")
                    for k, (lo, hi) in (test.dims or {}).items()}
            seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
            if isinstance(test.args, dict):  # one spec for all: arguments that depend on each other
                args = list(strategies.draw(data.draw, test.args, dims))
            else:
                args = [strategies.draw(data.draw, s, dims) for s in test.args]
            case = {
                "args": args,
                "kwargs": {k: strategies.draw(data.draw, s, dims)
                           for k, s in (test.kwargs or {}).items()},
                "init": [strategies.draw(data.draw, s, dims) for s in (test.init or ())],
                "init_kwargs": {k: strategies.draw(data.draw, s, dims)
                                for k, s in (test.init_kwargs or {}).items()},
            }
            data.draw(st.just(case), label="inputs")  # shown in a falsifying example
            r, m = _run(ref, test, seed, case), _run(mut, test, seed, case)
            counts["examples"] += 1
            if r.error is not None:
                assert m.error == r.error, (f"the reference raised {r.error}, the mutant "
                                            f"{'raised ' + m.error if m.error else 'returned'}")
                return
            counts["valid"] += 1
            assert m.error is None, f"the mutant raised {m.error}, the reference returned"
            problem = differ(r.value, m.value, test)
            if problem is None and test.compare_arguments:
                problem = (differ(r.args, m.args, test, "args after the call")
                           or differ(r.kwargs, m.kwargs, test, "kwargs after the call"))
            if problem is None and r.instance is not None:
                problem = differ(r.instance, m.instance, test, "the instance after the call")
            assert problem is None, problem

        def expire(signum, frame):
            raise _Timeout()

        old = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            agree()
        except _Timeout:
            return f"the test ran past {seconds:g} s"
        except (AssertionError, ExceptionGroup) as e:
            if isinstance(e, ExceptionGroup):  # hypothesis found several: one is enough
                e = e.exceptions[0]
                if not isinstance(e, AssertionError):
                    return f"the test failed: {type(e).__name__}: {e}"[:1500]
            notes = [n for n in getattr(e, "__notes__", []) if "inputs" in n or "dims" in n
                     or "seed" in n]
            return (f"they disagree: {e}" + (f" ({'; '.join(notes)})" if notes else ""))[:1500]
        except Exception as e:  # noqa: BLE001  (a bug in the test's own set-up)
            return f"the test failed: {type(e).__name__}: {e}"[:1500]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            _unload()
    if counts["valid"] * 2 < counts["examples"]:
        return (f"the reference raised on {counts['examples'] - counts['valid']} of "
                f"{counts['examples']} examples: the inputs prove nothing (change the test)")
    return None
