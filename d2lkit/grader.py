"""Grading code that already lives in this process: nbgrader notebooks and the REPL.

    from d2lkit.grader import check
    check("ch3.softmax", softmax)            # the learner's function, by object
    check("ch5.MySequential", MySequential)  # classes too

The same graders as `d2lkit check` run here through the in-process transport (no sandbox: the
notebook's kernel is the learner's own process, and nbgrader's per-cell timeout bounds it).
`check` prints a short report and raises AssertionError unless the exercise passed, so that an
nbgrader test cell earns its points exactly when the exercise passes.
"""

from __future__ import annotations

import inspect
import textwrap

from d2lkit.grading.results import Detail, ExerciseResult


class ExerciseFailed(AssertionError):
    def __init__(self, result: ExerciseResult, text: str):
        super().__init__(text)
        self.result = result


def _namespace(ex, objects: tuple, named: dict) -> dict:
    namespace = dict(named)
    for obj in objects:
        namespace[getattr(obj, "__name__", repr(obj))] = obj
    return namespace


def _static_scan(ex, namespace) -> ExerciseResult | None:
    from d2lkit.grading.tripwire import scan

    for name, obj in namespace.items():
        try:
            source = textwrap.dedent(inspect.getsource(obj))
        except (OSError, TypeError):
            continue
        found = scan(source, "<notebook>", (name,), ex.forbid)
        if found:
            v = found[0]
            return ExerciseResult(ex.id, ex.chapter_id, ex.section, "forbidden", 0, ex.points,
                                  ex.stretch, detail=Detail("forbidden-static", {
                                      "name": v.name, "line": v.line, "code": v.code}))
    return None


def grade(exercise_id: str, *objects, seed: int = 0, device: str = "cpu", **named) -> ExerciseResult:
    """Grade an exercise against objects of this process; returns the result (never raises for
    a wrong answer)."""
    import torch  # noqa: F401 - graders need it; imported here so `import d2lkit.grader` is cheap

    from d2lkit import catalogue
    from d2lkit.grading import runner
    from d2lkit.grading.student import InProcessStudent

    cat = catalogue.load()
    ex = cat.by_id[exercise_id] if exercise_id in cat.by_id else cat.resolve([exercise_id])[0]
    namespace = _namespace(ex, objects, named)
    missing = [n for n in ex.functions if n not in namespace]
    if missing:
        return ExerciseResult(ex.id, ex.chapter_id, ex.section, "error", 0, ex.points, ex.stretch,
                              detail=Detail("missing", {"names": missing, "file": "<notebook>"}))
    decided = _static_scan(ex, namespace)
    if decided:
        return decided
    plugin = runner.GraderPlugin({ex.id: ex}, lambda e: InProcessStudent(e, namespace, device),
                                 seed, device)
    runner.run_pytest([runner.grader_file(ex)], plugin)
    if ex.id not in plugin.results:
        plugin.finish(ex.id)
    return plugin.results[ex.id]


def check(exercise_id: str, *objects, lang: str | None = None, seed: int = 0,
          device: str = "cpu", quiet: bool = False, **named) -> ExerciseResult:
    """Grade, print one line (or the failure), and raise AssertionError unless it passed."""
    from d2lkit import catalogue
    from d2lkit.i18n import detect_lang, pick, t
    from d2lkit.render import mistake_hint, message

    result = grade(exercise_id, *objects, seed=seed, device=device, **named)
    lang = detect_lang(lang)
    ex = catalogue.load().by_id.get(result.id)
    status = t(f"status.{result.status}", lang)
    lines = [f"{result.id}: {status} ({result.points}/{result.max_points})"]
    if not result.passed:
        check_ = result.failing_check
        if check_ is not None:
            lines.append(t("report.failing-check", lang, check=pick(check_.title, lang)))
        problem = message(result.detail, lang)
        if problem:
            lines.append(f"{t('report.problem', lang)}: {problem}")
        if result.mistake:
            lines.append(t("report.mistake", lang, id=result.mistake))
            hint = mistake_hint(catalogue.load(), ex, result.mistake, lang)
            if hint:
                lines.append(f"{t('report.hint', lang)}: {hint}")
    text = "\n".join(lines)
    if not quiet:
        print(text)
    if not result.passed:
        raise ExerciseFailed(result, text)
    return result
