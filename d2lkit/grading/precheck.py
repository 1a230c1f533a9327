"""Pre-checks: what can be decided about an exercise without running the learner's code.

A missing or unreadable file, a syntax error, a forbidden name, or a module that is still the
kit's own stub. No torch here: `d2lkit check` on a workspace where everything is decided this way
(a fresh one) needs no sandbox at all.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult, Results
from d2lkit.grading.tripwire import ALWAYS_FORBIDDEN, parsed, scan
from d2lkit.paths import content_dir

@functools.lru_cache(maxsize=512)
def code_hash(source: str, names: tuple[str, ...]) -> str:
    """A hash of the learner's definitions for this exercise (attempts are counted by change)."""
    try:
        p = parsed(source)
        parts = [p.segment(n) for n in p.tree.body
                 if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in names]
    except SyntaxError:
        parts = [source]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def kit_stub(relpath: str) -> str | None:
    """The kit's own stub of a topic module, as `d2lkit init` copied it into a workspace."""
    try:
        return (content_dir("exercises") / relpath).read_text("utf-8")
    except OSError:
        return None


def precheck(ex: Exercise, path: Path, untouched_stubs: bool = True
             ) -> tuple[ExerciseResult | None, str]:
    """Problems found without running learner code: a missing file, a syntax error, a forbidden
    name — and, with `untouched_stubs`, a module that is still byte for byte the kit's stub
    (`dev check` proves that every stub grades not_implemented when it is run, so a fresh
    workspace needs no child at all). Returns (a decided result or None, the code hash)."""
    def decided(status, key, **params):
        return ExerciseResult.of(ex, status, detail=Detail(key, params))
    if ex.is_quiz:  # an answer, not code: unanswered or unreadable is decided without the key
        from d2lkit.quiz.grading import precheck_file

        r = precheck_file(ex, path)
        return r, (r.code_hash if r is not None else "")
    if not path.is_file():
        return decided(Status.ERROR, "file-missing", file=str(path)), ""
    try:
        source = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return decided(Status.ERROR, "file-unreadable", file=str(path), message=str(e)), ""
    digest = code_hash(source, ex.functions)
    if untouched_stubs and source == kit_stub(ex.relpath):
        r = decided(Status.NOT_IMPLEMENTED, "not-implemented", function=ex.functions[0])
        r.code_hash = digest
        return r, digest
    try:
        violations = _scan(source, str(path), ex.functions, ex.forbid)
    except SyntaxError as e:
        r = decided(Status.ERROR, "syntax", file=str(path), line=e.lineno or 0, col=e.offset or 0,
                    text=(e.text or "").rstrip("\n"), message=e.msg, type=type(e).__name__)
        r.code_hash = digest
        return r, digest
    if violations:
        v = violations[0]
        # d2l and the kit itself are refused in every exercise, from scratch or not
        key = "never-allowed" if v.name in ALWAYS_FORBIDDEN else "forbidden-static"
        r = decided(Status.FORBIDDEN, key, name=v.name, line=v.line, code=v.code,
                    file=str(path))
        r.code_hash = digest
        return r, digest
    return None, digest


# One topic file holds several exercises, and watch/grade see the same sources again: scan each
# (source, exercise) once per process.
_scan = functools.lru_cache(maxsize=512)(scan)




def decided_without_running(exercises, workspace: Path, options) -> Results | None:
    """Every exercise's result when pre-checks alone decide them all, else None."""
    results = []
    for ex in exercises:
        decided, _ = precheck(ex, Path(workspace) / ex.relpath, options.untouched_stubs)
        if decided is None:
            return None
        results.append(decided)
    return Results(results)
