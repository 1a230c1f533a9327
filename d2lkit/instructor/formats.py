"""Output of `d2lkit grade`: table, JSON, CSV, Gradescope results.json, GitHub Classroom result.

The JSON format is the class-level input of `d2lkit report`: `{"schema": 1, "kind": "grade",
"target", "seed", "submissions": [{"submission", "path", "duration_s", "error", "summary",
"results": [... the schema-1 results of `d2lkit check --json` ...]}]}`.
"""

from __future__ import annotations

import csv
import io
import json

from d2lkit.i18n import pick, t
from d2lkit.render import message, mistake_hint, results_json

FORMATS = ("table", "json", "csv", "gradescope", "classroom")


def grade_json(graded, catalogue, lang: str, target: str, seed: int) -> dict:
    subs = []
    for g in graded:
        one = results_json(g.results, catalogue, lang, target, seed)
        subs.append({"submission": g.submission.name, "path": str(g.submission.path),
                     "duration_s": round(g.duration_s, 4), "error": g.error or None,
                     "summary": one["summary"], "results": one["results"],
                     "learner": g.learner or None})
    return {"schema": 1, "kind": "grade", "target": target, "seed": seed, "submissions": subs}


def grade_csv(graded, exercises) -> str:
    buf = io.StringIO()
    ids = [ex.id for ex in exercises]
    writer = csv.writer(buf)
    writer.writerow(["submission", "points", "max_points", "passed", "total", "duration_s",
                     *ids, *[f"{i}:status" for i in ids]])
    for g in graded:
        by_id = {r.id: r for r in g.results}
        writer.writerow([g.submission.name, g.points, g.max_points, g.passed, g.total,
                         f"{g.duration_s:.3f}",
                         *[by_id[i].points if i in by_id else "" for i in ids],
                         *[by_id[i].status if i in by_id else "" for i in ids]])
    return buf.getvalue()


def _feedback(r, ex, catalogue, lang: str) -> str:
    lines = [t(f"status.{r.status}", lang)]
    check = r.failing_check
    if check is not None and not r.passed:
        lines.append(t("report.failing-check", lang, check=pick(check.title, lang)))
    problem = message(r.detail, lang)
    if problem and not r.passed:
        lines.append(f"{t('report.problem', lang)}: {problem}")
    if r.mistake:
        lines.append(t("report.mistake", lang, id=r.mistake))
        hint = mistake_hint(catalogue, ex, r.mistake, lang)
        if hint:
            lines.append(f"{t('report.hint', lang)}: {hint}")
    return "\n".join(lines)


def gradescope(g, catalogue, lang: str) -> dict:
    """Gradescope's results.json (autograder specification): tests with name, score, max_score,
    status, output, visibility; stretch exercises are extra credit (max_score 0)."""
    tests = []
    for r in g.results:
        ex = catalogue.by_id.get(r.id)
        title = pick(ex.title, lang) if ex else r.id
        tests.append({"name": f"{r.id} {title}", "number": r.section,
                      "score": r.points, "max_score": 0 if r.stretch else r.max_points,
                      "status": "passed" if r.passed else "failed",
                      "output": _feedback(r, ex, catalogue, lang),
                      "visibility": "visible"})
    return {"score": sum(r.points for r in g.results), "execution_time": round(g.duration_s, 3),
            "output": t("instructor.summary", lang, passed=g.passed, total=g.total,
                        points=g.points, max_points=g.max_points),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def classroom(g, catalogue, lang: str) -> dict:
    """The result object a GitHub Classroom runner hands to autograding-grading-reporter."""
    tests = []
    for r in g.results:
        ex = catalogue.by_id.get(r.id)
        status = "pass" if r.passed else ("fail" if r.status in ("failed", "not_implemented",
                                                                  "forbidden") else "error")
        tests.append({"name": f"{r.id} {pick(ex.title, lang) if ex else ''}".strip(),
                      "status": status, "score": r.points, "max_score": r.max_points,
                      "message": _feedback(r, ex, catalogue, lang), "test_code": f"d2lkit check {r.id}",
                      "filename": ex.relpath if ex else "", "line_no": 0,
                      "duration": int(r.duration_s * 1000)})
    overall = "pass" if all(x["status"] == "pass" for x in tests) else (
        "error" if g.error else "fail")
    return {"version": 1, "status": overall, "max_score": g.max_points, "tests": tests}


def render(fmt: str, graded, catalogue, exercises, lang: str, target: str, seed: int) -> str:
    if fmt == "json":
        return json.dumps(grade_json(graded, catalogue, lang, target, seed), ensure_ascii=False,
                          indent=2)
    if fmt == "csv":
        return grade_csv(graded, exercises)
    if fmt in ("gradescope", "classroom"):
        make = gradescope if fmt == "gradescope" else classroom
        if len(graded) == 1:
            return json.dumps(make(graded[0], catalogue, lang), ensure_ascii=False, indent=2)
        return json.dumps({g.submission.name: make(g, catalogue, lang) for g in graded},
                          ensure_ascii=False, indent=2)
    raise ValueError(fmt)


def table(graded, exercises, lang: str, console):
    from rich import box
    from rich.table import Table

    from d2lkit.render import ICON, STYLE

    tab = Table(box=box.SIMPLE_HEAD, show_edge=False)
    tab.add_column(t("instructor.submission", lang), style="cyan", no_wrap=True)
    tab.add_column(t("report.points", lang), justify="right")
    tab.add_column(t("progress.passed", lang), justify="right")
    tab.add_column(t("instructor.statuses", lang))
    tab.add_column(t("report.time", lang), justify="right", style="dim")
    for g in graded:
        marks = "".join(f"[{STYLE.get(r.status, '')}]{ICON.get(r.status, '?')}[/]" for r in g.results)
        tab.add_row(g.submission.name, f"{g.points}/{g.max_points}", f"{g.passed}/{g.total}",
                    marks + (f"  [red]{g.error}[/red]" if g.error else ""), f"{g.duration_s:.2f}s")
    console.print(tab)
    legend = "  ".join(f"[{STYLE.get(s, '')}]{ICON[s]}[/] {t(f'status.{s}', lang)}"
                       for s in ("passed", "failed", "not_implemented", "error", "forbidden",
                                 "timeout", "crashed"))
    console.print(legend, style="dim")


# ------------------------------------------------------------------------------ Gradescope pair
SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope autograder set-up (written by `d2lkit gradescope`): installs d2lkit once per image.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3-venv python3-pip > /dev/null
python3 -m venv /opt/d2lkit
/opt/d2lkit/bin/pip install -q --index-url https://download.pytorch.org/whl/cpu torch
/opt/d2lkit/bin/pip install -q {requirement}
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission (written by `d2lkit gradescope`).
# The submission is the learner's workspace (their chNN/ folders, or a zip of them).
set -uo pipefail
mkdir -p /autograder/results
cd /autograder/submission
/opt/d2lkit/bin/d2lkit grade /autograder/submission --target {target} --timeout {timeout} \\
    --lang {lang} --format gradescope --out /autograder/results/results.json
# exit 0 either way: a failing submission is a score, not an autograder failure
exit 0
"""


def gradescope_files(target: str, lang: str = "en", timeout: float = 10.0,
                     requirement: str = "d2lkit") -> dict[str, str]:
    return {"setup.sh": SETUP_SH.format(requirement=requirement),
            "run_autograder": RUN_AUTOGRADER.format(target=target, lang=lang, timeout=timeout)}
