"""One grading session: the sandbox's zygote plus the runner, set up in the right order.

`check_exercises` grades once (`d2lkit check`). `WarmGrader` keeps the zygote and the collected
graders alive across many gradings (`d2lkit watch`, `d2lkit grade`, `dev check`), so that a
re-grade pays neither `import torch` nor pytest's collection, and it skips exercises whose files
have not changed since their last grading with the same seed.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

# Import everything a child needs before the zygote forks, so children inherit it for free;
# the supervisor must run no tensor operation (and must not touch CUDA) before that fork.
import torch  # noqa: F401
import pytest  # noqa: F401
import numpy  # noqa: F401
import hypothesis  # noqa: F401  (graders' property tests; imported by children through grader files)
import sqlite3  # noqa: F401  (so that the child's file guard can patch it without importing it)

from d2lkit.grading import api, child, probes, wire  # noqa: F401
from d2lkit.grading.runner import grade
from d2lkit.grading.options import Limits
from d2lkit.grading.sandbox import Sandbox
from d2lkit.grading.student import SandboxStudent


def _precision(device: str):
    """CATALOGUE §2.6: full float32 precision, TF32 off (after the fork: this may touch CUDA)."""
    torch.set_float32_matmul_precision("highest")
    if device.startswith("cuda"):
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def _safe(on_result):
    """A progress writer that fails (a learner broke the database) must not end the grading."""
    if on_result is None:
        return None
    warned = []

    def call(result):
        try:
            on_result(result)
        except Exception as e:  # noqa: BLE001
            if not warned:
                warned.append(e)
                print(f"d2lkit: could not record a result ({type(e).__name__}: {e})", file=sys.stderr)

    return call


def check_exercises(exercises, workspace: Path, *, seed: int, timeout: float = 10.0,
                    device: str = "cpu", on_result=None, limits: Limits | None = None,
                    sandbox: Sandbox | None = None):
    own = sandbox is None
    sandbox = sandbox or Sandbox(device=device, limits=limits).start()
    try:
        _precision(device)
        return grade(exercises, workspace, seed=seed, device=device, on_result=_safe(on_result),
                     make_student=lambda ex: SandboxStudent(ex, workspace, sandbox, timeout, device))
    finally:
        if own:
            sandbox.close()


CACHEABLE = ("passed", "failed", "not_implemented", "error", "forbidden")  # not timeout, crashed


class WarmGrader:
    """A zygote kept warm for many gradings. Create it before any tensor work in this process."""

    def __init__(self, options, cache: bool = True):
        self.timeout = options.timeout
        self.device = options.device
        self.seed = options.seed
        self.sandbox = Sandbox(device=self.device, limits=options.limits).start()
        self.cache_enabled = cache
        self._cache: dict[tuple, object] = {}
        self.reused = 0  # results taken from the cache in the last grading
        _precision(self.device)

    def close(self):
        self.sandbox.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def _fingerprint(workspace: Path, ex) -> str:
        """The learner's files an exercise can see, by content: its own module and the modules of
        its chapter that it imports relatively (`from .ndarray import ...`)."""
        import ast

        h = hashlib.sha256()
        own = Path(workspace) / ex.relpath
        files = [own]
        try:
            tree = ast.parse(own.read_bytes())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level >= 1:
                    if node.module:
                        files.append(own.parent / (node.module.split(".")[0] + ".py"))
                    else:
                        files += [own.parent / f"{a.name}.py" for a in node.names]
        except (OSError, SyntaxError, ValueError):
            pass
        for f in sorted(set(files)):
            try:
                h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
            except OSError:
                h.update(f.name.encode() + b"\0?\0")
        return h.hexdigest()

    def grade(self, exercises, workspace: Path, *, on_result=None, use_cache=None):
        seed = self.seed
        workspace = Path(workspace)
        use_cache = self.cache_enabled if use_cache is None else use_cache
        todo, reused, keys = [], {}, {}
        for ex in exercises:
            key = (str(workspace.resolve()), ex.id, seed, self.device, self.timeout,
                   self._fingerprint(workspace, ex))
            keys[ex.id] = key
            if use_cache and key in self._cache:
                reused[ex.id] = self._cache[key]
            else:
                todo.append(ex)
        self.reused = len(reused)
        safe = _safe(on_result)
        for ex in exercises:
            if ex.id in reused and safe:
                safe(reused[ex.id])
        fresh = grade(todo, workspace, seed=seed, device=self.device, on_result=safe,
                      make_student=lambda ex: SandboxStudent(ex, workspace, self.sandbox,
                                                             self.timeout, self.device)) if todo else []
        by_id = {**reused, **{r.id: r for r in fresh}}
        for r in fresh:
            if r.status in CACHEABLE:
                self._cache[keys[r.id]] = r
        return [by_id[ex.id] for ex in exercises]
