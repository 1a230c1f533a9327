"""What runs inside a child: import the learner's module, run one call or probe, return data.

Everything here runs after the fork, in a process that is thrown away afterwards. The result is a
plain dict that the sandbox encodes with `wire`; exceptions raised by learner code become data
describing them (type, message, the learner's own frames).
"""

from __future__ import annotations

import builtins
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import traceback
import types
from pathlib import Path

from d2lkit.grading.tripwire import (ALWAYS_FORBIDDEN, THIRD_PARTY, FileGuard, ForbiddenCall,
                                     Tripwire, matches)

LEARNER_PACKAGE = "d2lkit_learner"
PROTECTED_EXTRA: tuple[str, ...] = ()  # set by the sandbox: more folders a child may not open


def protected_folders(workspace: str) -> list[str]:
    """What a child may not open: the workspace's .d2lkit/ (progress) and the kit's reference
    solutions, unless the solutions are what is being graded (dev check, the benchmark)."""
    from d2lkit.paths import content_dir

    folders = [os.path.join(workspace, ".d2lkit"), *PROTECTED_EXTRA]
    solutions = os.path.realpath(content_dir("solutions"))
    if not (workspace == solutions or workspace.startswith(solutions + os.sep)):
        folders.append(solutions)
    return folders


def learner_frames(tb, is_learner_file) -> list[dict]:
    frames = []
    for fs in traceback.extract_tb(tb):
        if is_learner_file(fs.filename):
            frames.append({"file": fs.filename, "line": fs.lineno, "function": fs.name,
                           "code": (fs.line or "").strip()})
    return frames


class _LearnerFinder(importlib.abc.MetaPathFinder):
    """Finds `d2lkit_learner.<chNN>.<topic>` in the workspace, and gives every learner module a
    guarded `__import__` before its first line runs (functions capture their builtins when they
    are defined, so setting it afterwards would be too late)."""

    def __init__(self, workspace: str, builtins_for_learner: dict):
        self.workspace = workspace
        self.builtins = builtins_for_learner

    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split(".")
        if parts[0] != LEARNER_PACKAGE or len(parts) != 3:
            return None
        file = Path(self.workspace) / parts[1] / f"{parts[2]}.py"
        if not file.is_file():
            return None
        finder = self

        class Loader(importlib.machinery.SourceFileLoader):
            def exec_module(self, module):
                module.__builtins__ = finder.builtins
                super().exec_module(module)

        return importlib.util.spec_from_file_location(fullname, file, loader=Loader(fullname, str(file)))


def import_learner_module(workspace: str, relpath: str, builtins_for_learner: dict | None = None):
    """Import `<workspace>/<chNN>/<topic>.py` as `d2lkit_learner.<chNN>.<topic>`.

    The chapter folder becomes a package so that relative imports between topics of one chapter
    resolve to the learner's own files.
    """
    chapter, filename = relpath.split("/")
    root = sys.modules.get(LEARNER_PACKAGE) or types.ModuleType(LEARNER_PACKAGE)
    root.__path__ = []
    sys.modules[LEARNER_PACKAGE] = root
    pkg_name = f"{LEARNER_PACKAGE}.{chapter}"
    pkg = types.ModuleType(pkg_name)
    pkg.__path__ = [str(Path(workspace) / chapter)]
    pkg.__package__ = pkg_name
    sys.modules[pkg_name] = pkg
    finder = _LearnerFinder(workspace, builtins_for_learner or vars(builtins))
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(f"{pkg_name}.{Path(filename).stem}")
    finally:
        sys.meta_path.remove(finder)


def guarded_import(is_learner_file, banned: tuple[str, ...]):
    """An `__import__` for learner modules: refuses d2l, the kit and forbidden packages even when
    they are already in sys.modules (where a meta-path hook would never be asked)."""
    real_import = builtins.__import__

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and any(matches(name, bad) for bad in banned):
            raise ForbiddenCall(name.split(".")[0] if name.split(".")[0] in ALWAYS_FORBIDDEN else name)
        return real_import(name, globals, locals, fromlist, level)

    return __import__


def describe_exception(exc: BaseException, is_learner_file) -> dict:
    frames = learner_frames(exc.__traceback__, is_learner_file)
    if isinstance(exc, SyntaxError) and exc.filename and is_learner_file(exc.filename):
        return {"kind": "syntax", "type": type(exc).__name__, "message": exc.msg or str(exc),
                "file": exc.filename, "line": exc.lineno or 0, "col": exc.offset or 0,
                "text": (exc.text or "").rstrip("\n")}
    message = ""
    try:
        message = str(exc)[:2000]
    except Exception:
        message = "<unprintable exception>"
    return {"kind": "error", "type": type(exc).__name__, "message": message, "frames": frames,
            "not_implemented": isinstance(exc, NotImplementedError)}


def _signature_problem(fn, name, args, kwargs) -> dict | None:
    """A call that would fail on the learner's signature, not inside their code."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        return {"kind": "signature", "function": name, "got": f"{name}{sig}", "message": str(e)}
    return None


def run(job: dict, args: tuple, kwargs: dict, probe_fn=None, module=None) -> dict:
    """Run one job; `module` is given by the in-process transport, else imported here."""
    workspace = os.path.realpath(job["workspace"])
    learner_files = set(job.get("learner_files") or ())

    def is_learner_file(filename: str) -> bool:
        if filename in learner_files:
            return True
        return filename.startswith(workspace + os.sep) and filename.endswith(".py")

    wire = Tripwire(tuple(job.get("forbid", ())), is_learner_file).install()
    guard = None
    if module is None:  # a sandbox child: guard the progress database and the solutions
        guard = FileGuard(protected_folders(workspace), wire.trip).install()
    try:
        if module is None:
            learner_builtins = dict(vars(builtins))
            learner_builtins["__import__"] = guarded_import(
                is_learner_file, ALWAYS_FORBIDDEN + tuple(
                    p for p in job.get("forbid", ()) if p.split(".")[0] in THIRD_PARTY))
            try:
                module = import_learner_module(workspace, job["relpath"], learner_builtins)
            except ForbiddenCall as e:
                return {"kind": "forbidden", "name": e.name}
            except BaseException as e:  # noqa: BLE001 - anything at import time is the learner's
                if isinstance(e, (KeyboardInterrupt,)):
                    raise
                described = describe_exception(e, is_learner_file)
                if described["kind"] == "error":
                    described["kind"] = "import_error"
                return described
        names = job.get("needs") or ()
        missing = [n for n in names if not hasattr(module, n)]
        if missing:
            return {"kind": "missing", "names": missing}
        try:
            if job["op"] == "call":
                fn = getattr(module, job["name"])
                if not callable(fn):
                    return {"kind": "missing", "names": [job["name"]]}
                problem = _signature_problem(fn, job["name"], args, kwargs)
                if problem:
                    return problem
                value = fn(*args, **kwargs)
                result = {"kind": "ok", "value": value, "args_after": [args, kwargs]}
            else:
                result = {"kind": "ok", "value": probe_fn(module, *args, **kwargs)}
        except ForbiddenCall as e:
            return {"kind": "forbidden", "name": e.name}
        except BaseException as e:  # noqa: BLE001 - SystemExit in learner code is a result too
            if wire.tripped:
                return {"kind": "forbidden", "name": wire.tripped[0]}
            return describe_exception(e, is_learner_file)
        if wire.tripped:  # caught by the learner, but seen
            return {"kind": "forbidden", "name": wire.tripped[0]}
        return result
    finally:
        if guard is not None:
            guard.uninstall()
        wire.uninstall()
