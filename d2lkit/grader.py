"""Grading objects that live in this process: the REPL (and, until notebooks are graded through
the sandbox, nbgrader's test cells).

    from d2lkit.grader import check
    check("ch3.softmax", softmax)            # the learner's function, by object
    check("ch5.MySequential", MySequential)  # classes too

The same runner and graders as `d2lkit check` run here, through the in-process transport. It is
NOT confined: the learner's code runs in the caller's process, with the caller's rights and no
timeout of its own (a notebook's per-cell timeout bounds it), so it can read or change anything
the caller can — including the verdict. Use `d2lkit check` for a verdict that counts.
`check` prints a short report and raises AssertionError unless the exercise passed.
"""

from __future__ import annotations

import inspect
import textwrap

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult

class ExerciseFailed(AssertionError):
    def __init__(self, result: ExerciseResult, text: str):
        super().__init__(text)
        self.result = result


def _namespace(ex, objects: tuple, named: dict) -> dict:
    """The learner's objects by the names the exercise defines: by their own name when it is one
    of them, else (`check("ch2.vector_norm", my_norm)`) in the order the exercise lists them."""
    namespace = dict(named)
    unnamed = []
    for obj in objects:
        name = getattr(obj, "__name__", None)
        if name in ex.functions and name not in namespace:
            namespace[name] = obj
        else:
            unnamed.append(obj)
    for name in ex.functions:
        if name not in namespace and unnamed:
            namespace[name] = unnamed.pop(0)
    return namespace


class InProcessTransport:
    """The runner's transport for objects of this process: a static scan of their source instead
    of the file pre-check, and an `InProcessStudent` per exercise."""

    def __init__(self, namespace: dict, device: str):
        self.namespace = namespace
        self.device = device

    def precheck(self, ex) -> tuple[ExerciseResult | None, str]:
        from d2lkit.grading.tripwire import scan

        missing = [n for n in ex.functions if n not in self.namespace]
        if missing:
            return ExerciseResult.of(ex, Status.ERROR, detail=Detail(
                "missing", {"names": missing, "file": "<notebook>"})), ""
        for name, obj in self.namespace.items():
            try:
                source = textwrap.dedent(inspect.getsource(obj))
            except (OSError, TypeError):
                continue
            found = scan(source, "<notebook>", (name,), ex.forbid)
            if found:
                v = found[0]
                return ExerciseResult.of(ex, Status.FORBIDDEN, detail=Detail("forbidden-static", {
                    "name": v.name, "line": v.line, "code": v.code})), ""
        return None, ""

    def student(self, ex):
        from d2lkit.grading.student import InProcessStudent

        return InProcessStudent(ex, self.namespace, self.device)


def grade(exercise_id: str, *objects, seed: int = 0, device: str = "cpu", **named) -> ExerciseResult:
    """Grade an exercise against objects of this process (unconfined; see the module's
    docstring); returns the result (never raises for a wrong answer)."""
    import torch  # noqa: F401 - graders need it; imported here so `import d2lkit.grader` is cheap

    from d2lkit import catalogue
    from d2lkit.grading import runner
    from d2lkit.grading.options import Options

    cat = catalogue.load()
    ex = cat.by_id[exercise_id] if exercise_id in cat.by_id else cat.resolve([exercise_id])[0]
    options = Options(seed=seed, device=device)
    transport = InProcessTransport(_namespace(ex, objects, named), options.device)
    [result] = runner.run([ex], transport, options)
    return result


def check(exercise_id: str, *objects, lang: str | None = None, seed: int = 0,
          device: str = "cpu", quiet: bool = False, **named) -> ExerciseResult:
    """Grade, print one line (or the failure), and raise AssertionError unless it passed."""
    from d2lkit import catalogue
    from d2lkit.i18n import detect_lang, t
    from d2lkit.output.messages import failure_lines, status_label

    result = grade(exercise_id, *objects, seed=seed, device=device, **named)
    lang = detect_lang(lang)
    ex = catalogue.load().by_id.get(result.id)
    lines = [f"{result.id}: {status_label(result.status, lang)} ({result.points}/{result.max_points})"]
    lines += [line.text for line in failure_lines(result, ex, lang)]
    lines.append(t("repl.not-confined", lang))
    text = "\n".join(lines)
    if not quiet:
        print(text)
    if not result.passed:
        raise ExerciseFailed(result, text)
    return result
