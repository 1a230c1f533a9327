"""Feedback for learners from d2lkit's results: per exercise, what `d2lkit check` would say.

Each exercise is laid out by `d2lkit.jupyter.report.render` (the check's title, got vs expected,
the catalogued mistake and its hint, the learner's own frames), whose wording is
`d2lkit.output.messages`' everywhere; this module adds nothing to the wording but the page around
it. Before anything is shown, `redact` removes what checks marked hidden in the grader API
(`@grades(..., visibility="hidden")`) would reveal: their titles, inputs, expected and actual
values, messages, printed output and shape traces. A hidden check that failed is "a hidden check
failed" (with its status, the catalogued mistake and its hint, and where the learner's own code
raised); the instructor opts in to the full report with `show_hidden`. No torch here.
"""

from __future__ import annotations

import html
from dataclasses import replace

from d2lkit.grading.results import CheckResult, Detail, ExerciseResult, Results
from d2lkit.i18n import LANGS, pick, t

HIDDEN_NAME = "hidden"


def _hidden_detail(check: CheckResult) -> Detail | None:
    if check.passed:
        return None
    params: dict = {"status": check.status.value}
    frames = (check.detail.params.get("frames") if check.detail is not None else None) or []
    if frames:  # where the learner's own code raised: their lines, never the check's values
        params["frames"] = [{k: f.get(k) for k in ("file", "line", "function", "code")}
                            for f in frames if isinstance(f, dict)]
    return Detail("hidden-check", params)


def redact(result: ExerciseResult) -> ExerciseResult:
    """`result` as a learner may see it: every hidden check anonymous (see the module's
    docstring). A result without hidden checks is returned as it is."""
    if not any(c.hidden for c in result.checks):
        return result
    title = {lang: t("detail.hidden-title", lang) for lang in LANGS}
    hidden_details = [c.detail for c in result.checks if c.hidden and c.detail is not None]
    checks, headline = [], None
    for c in result.checks:
        if not c.hidden:
            checks.append(c)
            continue
        d = _hidden_detail(c)
        checks.append(CheckResult(HIDDEN_NAME, dict(title), c.status, c.mistake, d, "",
                                  c.duration_s, [], True, None))
        if headline is None and result.detail is not None and result.detail == c.detail:
            headline = d
    detail = result.detail
    if detail is not None and (headline is not None or detail in hidden_details):
        detail = headline or Detail("hidden-check", {"status": result.status.value})
    return replace(result, detail=detail, checks=checks)


def redact_all(results, show_hidden: bool = False) -> Results:
    return Results(results if show_hidden else (redact(r) for r in results))


def exercise_report(result: ExerciseResult, catalogue, lang: str):
    """`jupyter.report.Report` (html, text) of one result (redact it first)."""
    from d2lkit.jupyter.report import render

    return render(result, catalogue.by_id.get(result.id), lang)


def totals_line(results: Results, lang: str) -> str:
    line = t("instructor.fb-total", lang, points=results.points, max_points=results.max_points,
             passed=results.passed, total=results.total)
    if results.stretch:
        line += " " + t("instructor.fb-extra", lang, points=results.extra_points,
                        passed=results.stretch_passed, total=len(results.stretch))
    return line


def markdown(student: str, assignment: str, results: Results, catalogue, lang: str) -> str:
    """A learner's feedback as Markdown: the totals, then each exercise's report."""
    out = [f"# {t('instructor.fb-title', lang, assignment=assignment, student=student)}", "",
           totals_line(results, lang), ""]
    for r in results:
        ex = catalogue.by_id.get(r.id)
        title = pick(ex.title, lang) if ex is not None else r.id
        report = exercise_report(r, catalogue, lang)
        out += [f"## {r.status.icon} {r.id} — {title}", "", "```text", report.text, "```", ""]
    return "\n".join(out)


def html_page(student: str, assignment: str, results: Results, catalogue, lang: str) -> str:
    """A learner's feedback as one standalone HTML page (inline style, no script)."""
    e = html.escape
    title = t("instructor.fb-title", lang, assignment=assignment, student=student)
    body = [f"<h1>{e(title)}</h1>", f"<p>{e(totals_line(results, lang))}</p>"]
    body += [exercise_report(r, catalogue, lang).html for r in results]
    return ("<!DOCTYPE html>\n<html lang=\"" + ("zh" if lang == "zh" else "en") + "\"><head>"
            "<meta charset=\"utf-8\"><title>" + e(title) + "</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "pre{white-space:pre-wrap}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
