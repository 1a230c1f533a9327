"""The one way to grade: `Engine(options).grade(exercises, workspace)` → `Results`.

`check`, `watch`, `grade`, `dev check` and the benchmark all come through here; the notebook/REPL
path (`d2lkit.grader`) runs the same runner with the in-process transport. Importing this module
imports torch and everything a child needs, and must happen before this process runs any tensor
operation: the engine forks its sandbox's zygote from here.
"""

from __future__ import annotations

from pathlib import Path

from d2lkit.grading import session
from d2lkit.grading.options import Options
from d2lkit.grading.results import Results


class Engine:
    """A warm grader: one sandbox (zygote) and the collected graders, kept across gradings, and a
    cache of results for files that have not changed since they were graded with the same seed."""

    def __init__(self, options: Options, *, cache: bool = True):
        self.options = options
        self._warm = session.WarmGrader(options, cache=cache)

    @property
    def reused(self) -> int:
        """How many results the last grading took from the cache."""
        return self._warm.reused

    def grade(self, exercises, workspace: Path, *, on_result=None, use_cache: bool | None = None
              ) -> Results:
        return Results(self._warm.grade(exercises, Path(workspace), on_result=on_result,
                                        use_cache=use_cache))

    def close(self):
        self._warm.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def grade_once(exercises, workspace: Path, options: Options, *, on_result=None) -> Results:
    """`d2lkit check`: start an engine, grade once, stop it."""
    with Engine(options, cache=False) as engine:
        return engine.grade(exercises, workspace, on_result=on_result)
