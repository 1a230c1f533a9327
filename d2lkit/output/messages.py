"""Learner-facing messages, composed once for every output.

A grading result carries translation keys and parameters (`Detail`); these functions turn them
into sentences. The terminal report, the machine formats (JSON, Gradescope, Classroom) and the
notebook path all take their wording from here, so a failure reads the same wherever it is shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from d2lkit.grading.results import Detail, ExerciseResult
from d2lkit.i18n import pick, t


def status_label(status, lang: str) -> str:
    """"passed", "not implemented", …; `None` (never graded) is "not tried"."""
    return t(f"status.{status}" if status else "status.never", lang)


def short_path(path: str) -> str:
    """A path relative to the current folder when it is below it (what a learner types)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def detail_text(detail: Detail | None, lang: str) -> str:
    """What is wrong, in one sentence."""
    if detail is None:
        return ""
    params = dict(detail.params)
    has_values = params.get("got") is not None or params.get("expected") is not None
    if detail.key == "expect" and has_values:
        return t("detail.expect-values", lang, **params)
    if detail.key == "mistake":
        # a grader's own diagnosis: its sentence, with the values when it measured them
        what = params.get("what") or ""
        if has_values:
            return t("detail.expect-values", lang, what=what or "→", got=params.get("got"),
                     expected=params.get("expected"))
        return what
    for name, value in params.items():  # catalogue text carried in a detail (a quiz's explanation)
        if isinstance(value, dict) and value and set(value) <= {"en", "zh"}:
            params[name] = pick(value, lang)
    if isinstance(params.get("names"), list):
        params["names"] = ", ".join(params["names"])
    if "file" in params:
        params["file"] = short_path(params["file"])
    if detail.key == "blocked-by":  # the status of the exercise it waits for, in words
        params["status"] = status_label(params.get("status"), lang)
    return t(f"detail.{detail.key}", lang, **params)


def mistake_hint(ex, mistake_id: str | None, lang: str) -> str:
    """The hint of a catalogued mistake of exercise `ex` ("" when there is none)."""
    if not mistake_id:
        return ""
    mistake = ex.mistake(mistake_id) if ex is not None else None
    if mistake is not None:
        return pick(mistake.hint, lang)
    if mistake_id == "wrong-answer" and ex is not None:  # a quiz (d2lkit.quiz.grading.WRONG)
        return t("quiz.wrong-answer-hint", lang, id=ex.id)
    # the mistakes the engine itself diagnoses for any exercise
    return t(f"mistake.{mistake_id}", lang) if mistake_id in ENGINE_MISTAKES else ""


# mistake ids the engine reports for every exercise (their hints are in the locales' [mistake])
ENGINE_MISTAKES = frozenset({"input-mutated", "pair-form", "left-behind", "global-rng",
                             "not-repeatable"})


# What an exception's message says about a common input mistake: (detail keys, words in the
# message, the hint's key in the locales' [error-hint] table). First match wins.
ERROR_HINTS = (
    (("exception", "unexpected"), ("'list' object has no attribute", "'tuple' object has no "
                                   "attribute"), "list-for-tensor"),
    (("exception", "unexpected"), ("'int' object is not subscriptable", "cannot unpack "
                                   "non-iterable int", "'int' object is not iterable"),
     "int-for-pair"),
    (("exception", "unexpected", "device-error"), ("Torch not compiled with CUDA",
                                                   "no CUDA GPUs are available",
                                                   "Found no NVIDIA driver"), "cuda-on-cpu"),
)


def error_hint(detail: Detail | None, lang: str) -> str:
    """A hint for an exception whose message shows a common input mistake ("" when none)."""
    if detail is None:
        return ""
    message = str(detail.params.get("message", ""))
    for keys, words, hint in ERROR_HINTS:
        if detail.key in keys and any(w in message for w in words):
            return t(f"error-hint.{hint}", lang)
    return ""


@dataclass(frozen=True)
class Line:
    """One line of a failure. `kind` lets a terminal style it: check, problem, mistake, hint,
    also (the exercise's other failing checks, one line each)."""
    kind: str
    text: str


def failure_lines(result: ExerciseResult, ex, lang: str) -> list[Line]:
    """Why an exercise did not pass: the failing check, the problem, the likely mistake and its
    hint, then every other failing check in one line. Empty for a passed exercise."""
    if result.passed:
        return []
    lines = []
    check = result.failing_check
    if check is not None:
        lines.append(Line("check", t("report.failing-check", lang,
                                     check=f"{pick(check.title, lang)}  [{check.name}]")))
    problem = detail_text(result.detail, lang)
    if problem:
        lines.append(Line("problem", t("report.problem-line", lang, problem=problem)))
    if result.detail is not None and result.detail.key == "blame":
        lines += blame_lines(result.detail, lang)
    # the headline's shape trace, else the first one another failing check has
    trace = next((c.trace for c in result.failing_checks if c.trace), None)
    if trace:
        lines += trace_lines(trace, lang)
    if result.mistake:
        lines.append(Line("mistake", t("report.mistake", lang, id=result.mistake)))
        hint = mistake_hint(ex, result.mistake, lang)
        if hint:
            lines.append(Line("hint", t("report.hint-line", lang, hint=hint)))
    else:
        hint = error_hint(result.detail, lang)
        if hint:
            lines.append(Line("hint", t("report.hint-line", lang, hint=hint)))
    others = result.failing_checks[1:]
    if others:
        lines.append(Line("also", t("report.also-failing", lang, count=len(others))))
        for c in others:
            problem = detail_text(c.detail, lang)
            lines.append(Line("also", f"  {c.status.icon} {pick(c.title, lang)}"
                                      + (f": {_one_line(problem)}" if problem else "")))
    return lines


def blame_lines(detail: Detail, lang: str) -> list[Line]:
    """One line per tensor of a `blame` failure (api.expect_each_close): right ones too."""
    lines = []
    for row in detail.params.get("rows") or []:
        verdict = row.get("verdict")
        if verdict in ("exact", "close", "differs", "missing"):
            key = f"report.blame-{verdict}"
        else:
            key = "report.blame-other"
        params = {**row, "index": tuple(row["index"]) if row.get("index") else ""}
        lines.append(Line("trace", t(key, lang, **params)))
    return lines


def trace_lines(trace: dict, lang: str) -> list[Line]:
    """A shape trace (grading.shapetrace.compare), the learner's lines beside the reference's
    shapes, the last row being the first where they differ."""
    rows = trace.get("rows") or []
    lines = [Line("trace", t("report.trace-title", lang))]
    for i, row in enumerate(rows):
        text = t("report.trace-row", lang, **{k: row.get(k, "") for k in
                                               ("line", "code", "got", "expected")})
        if i == len(rows) - 1 and trace.get("diverged"):
            text += t("report.trace-first", lang)
        lines.append(Line("trace", text))
        if row.get("error"):
            lines.append(Line("trace", t("report.trace-raised", lang, error=_one_line(row["error"]))))
    return lines


def _one_line(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
