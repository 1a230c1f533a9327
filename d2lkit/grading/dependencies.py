"""Which exercises build on which, and what a broken one does to those built on it.

An exercise *uses* another when its code names one of the other's functions or classes: directly
in its own definitions or through a module-level helper they reach, in the same topic module or
imported from a sibling one (`from .conv_basics import corr2d`). Whatever the learner's code
uses is read from the learner's own files, so a learner whose `cross_entropy` calls their own
`softmax` is covered as much as the book's `MultiHeadAttention`, which builds a
`DotProductAttention`.

One mistake costs one exercise. Reference code never enters a learner's process, so a call into
a broken building block cannot be answered correctly there; instead, an exercise that fails
while something it uses is not passed is reported as *blocked* by the first such exercise (the
root of the chain, never a catalogued mistake of its own), and it is graded on its merits once
that one passes. Its own stub (the learner has not started it) stays "not implemented".
No torch here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult
from d2lkit.grading.tripwire import parsed

# A failure that the exercise decides alone, whatever the exercises it uses do: the learner's
# own file does not parse, or names something forbidden before anything runs.
_OWN_FAILURES = frozenset({"syntax", "forbidden-static", "never-allowed", "file-missing",
                           "file-unreadable"})


def _defined_by(exercises) -> dict[tuple[str, str], str]:
    """(topic file, name) → the exercise whose function or class it is."""
    return {(ex.relpath, name): ex.id for ex in exercises for name in ex.functions}


def uses(ex, source: str, exercises) -> tuple[str, ...]:
    """The exercises whose definitions `ex`'s code names, in the order it names them. `source` is
    the text of `ex`'s topic module; `exercises` the whole catalogue."""
    try:
        p = parsed(source)
    except (SyntaxError, ValueError):
        return ()
    owner = _defined_by(exercises)
    folder = Path(ex.relpath).parent
    known: dict[str, str] = {}  # a name in this module → the exercise that defines it
    for (relpath, name), eid in owner.items():
        if relpath == ex.relpath and eid != ex.id:
            known[name] = eid
    for node in p.tree.body:  # `from .conv_basics import corr2d [as c]`
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            relpath = (folder / (node.module.replace(".", "/") + ".py")).as_posix()
            for alias in node.names:
                eid = owner.get((relpath, alias.name))
                if eid is not None and eid != ex.id:
                    known[alias.asname or alias.name] = eid
    if not known:
        return ()
    top = {n.name: n for n in p.tree.body
           if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    todo = [top[name] for name in ex.functions if name in top]
    found: list[str] = []
    seen: set[int] = set()
    while todo:
        node = todo.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Name):
                continue
            if sub.id in known:
                if known[sub.id] not in found:
                    found.append(known[sub.id])
            elif sub.id in top and sub.id not in ex.functions:
                todo.append(top[sub.id])  # a helper of the learner's own: what it names counts
    return tuple(found)


def uses_in(workspace: Path, exercises, catalogue_exercises) -> dict[str, tuple[str, ...]]:
    """`uses` for each exercise, read from the workspace's files (a missing file uses nothing)."""
    out, sources = {}, {}
    for ex in exercises:
        if ex.relpath not in sources:
            try:
                sources[ex.relpath] = (Path(workspace) / ex.relpath).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                sources[ex.relpath] = ""
        out[ex.id] = uses(ex, sources[ex.relpath], catalogue_exercises)
    return out


def with_dependencies(exercises, workspace: Path, catalogue_exercises) -> tuple[list, dict]:
    """The exercises to grade so that every exercise's building blocks are judged too (in
    curriculum order, the building blocks included), and what each of them uses."""
    by_id = {ex.id: ex for ex in catalogue_exercises}
    order = {ex.id: i for i, ex in enumerate(catalogue_exercises)}
    wanted = {ex.id: ex for ex in exercises}
    graph: dict[str, tuple[str, ...]] = {}
    todo = list(exercises)
    while todo:
        batch = [ex for ex in todo if ex.id not in graph]
        todo = []
        graph.update(uses_in(workspace, batch, catalogue_exercises))
        for ex in batch:
            for eid in graph[ex.id]:
                if eid not in wanted and eid in by_id:
                    wanted[eid] = by_id[eid]
                    todo.append(by_id[eid])
    ordered = sorted(wanted.values(), key=lambda ex: order.get(ex.id, len(order)))
    return ordered, graph


class Cascade:
    """Final results, one exercise at a time in curriculum order: each result is judged against
    the final results of the exercises it uses, which come before it. A topic module that never
    finished importing (it hangs, raises, or does not parse) is reported by the first exercise
    of that file; the others say they wait for it."""

    def __init__(self, graph: dict[str, tuple[str, ...]], exercises):
        self.graph = graph
        self.functions = {ex.id: ex.functions for ex in exercises}
        self.relpath = {ex.id: ex.relpath for ex in exercises}
        self.final: dict[str, ExerciseResult] = {}
        self.broken: dict[str, str] = {}  # topic file → the exercise that reported it

    def __call__(self, result: ExerciseResult) -> ExerciseResult:
        result = self._judge(result)
        self.final[result.id] = result
        return result

    def _judge(self, result: ExerciseResult) -> ExerciseResult:
        if result.passed:
            return result
        if not _its_own(result, self.functions.get(result.id, ())):
            for eid in self.graph.get(result.id, ()):
                used = self.final.get(eid)
                if used is None or used.passed:
                    continue
                if used.status is Status.BLOCKED and used.detail.key == "blocked-by":
                    root, status = used.detail.params["id"], used.detail.params["status"]
                else:
                    root, status = eid, str(used.status)
                return _blocked(result, "blocked-by", id=root, status=status)
        relpath = self.relpath.get(result.id)
        if result.detail is not None and result.detail.key in MODULE_FAILURES and relpath:
            first = self.broken.setdefault(relpath, result.id)
            if first != result.id:
                return _blocked(result, "module-not-imported", file=relpath, id=first)
        return result


# What happens to a whole topic module, whichever of its exercises is being graded.
MODULE_FAILURES = frozenset({"import-timeout", "import-error", "syntax"})


def _blocked(result: ExerciseResult, key: str, **params) -> ExerciseResult:
    """`result`'s exercise, blocked: no points, no catalogued mistake, no checks of its own."""
    return ExerciseResult(result.id, result.chapter, result.section, Status.BLOCKED, 0,
                          result.max_points, result.stretch, None, Detail(key, params), [],
                          result.duration_s, result.code_hash)


def _its_own(result: ExerciseResult, functions: tuple[str, ...]) -> bool:
    """A failure no building block can have caused: the exercise's own stub, its own file."""
    detail = result.detail
    if detail is None:
        return False
    if detail.key in _OWN_FAILURES:
        return True
    if result.status is Status.NOT_IMPLEMENTED:
        where = str(detail.params.get("function", ""))
        return not where or where.split(".")[0] in functions
    return False

