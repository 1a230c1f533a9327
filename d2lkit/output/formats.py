"""Machine-readable output: the `check --json` object, `progress --json/--csv`, and the formats
of `d2lkit grade --format`.

A grade format is one function registered with `@grade_format(name)`: it receives a `GradeRun`
and returns the text to write. `d2lkit grade --format` offers exactly the registered names (plus
the terminal's `table`), so adding a format is adding one function here.

`grade --format json` is the class-level input of `d2lkit report`: `{"schema": 1, "kind": "grade",
"target", "seed", "sandbox": {"strict", "weaknesses"}, "submissions": [{"submission", "path",
"duration_s", "error", "summary", "results": [... the schema-1 results of `d2lkit check --json`
...], "learner", "flags": [{"file", "line", "what", "code", "seen"}], "fingerprints": {id:
{"hash", "nodes", "reference", "stub"}}}]}`, where a flag is
a use of machinery that could switch off the "from scratch" guards ("seen": "scan", the
supervisor's own reading of the source) or tampering a child reported ("seen": "run").
A fingerprint is the hash of an exercise's code with names, docstrings, comments and formatting
removed (`d2lkit.instructor.integrity`), `nodes` what the learner wrote of it, `reference` /
`stub` whether it is the kit's reference solution / still the stub; the report compares them.
Totals always come from `Results`, under the course's stretch rule (`GradeRun.stretch`, from
d2lkit.instructor.course; by default extra credit, never in the maximum): each format takes an
exercise's points and maximum from `Results.score`, so every LMS counts stretch exercises alike.
Every message a grade format writes is capped at `MESSAGE_CAP` characters: it may quote a
learner's exception or value, and an LMS shows it to people.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Callable

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import DEFAULT_STRETCH_RULE, SCHEMA, ExerciseResult, Results
from d2lkit.i18n import pick, t
from d2lkit.output.messages import detail_text, failure_lines, mistake_hint, status_label
from d2lkit.progress import ExerciseStats


def to_json(obj) -> str:
    """JSON as every d2lkit output writes it: indented, non-ASCII text kept readable."""
    return json.dumps(obj, ensure_ascii=False, indent=2)


# ------------------------------------------------------------------------------ check --json
def results_json(results: Results, catalogue, target: str, options) -> dict:
    """The schema-1 object of `d2lkit check --json`."""
    lang = options.lang
    return {
        "schema": SCHEMA,
        "target": target,
        "seed": options.seed,
        "results": [{
            "id": r.id, "chapter": r.chapter, "section": r.section, "status": r.status.value,
            "mistake": r.mistake,
            "message": detail_text(r.detail, lang),
            "hint": mistake_hint(catalogue.by_id.get(r.id), r.mistake, lang) or None,
            "warnings": [detail_text(w, lang) for w in r.warnings],
            "stretch": r.stretch, "points": r.points, "max_points": r.max_points,
            "checks": [{"name": c.name, "title": pick(c.title, lang), "status": c.status.value,
                        "mistake": c.mistake, "message": detail_text(c.detail, lang),
                        "duration_s": round(c.duration_s, 4)} for c in r.checks],
            "duration_s": round(r.duration_s, 4),
            # the learner's curves or attention weights next to the reference's
            # (grading.series: plain JSON, a non-finite value as "nan", "inf" or "-inf")
            "series": r.series,
        } for r in results],
        "summary": results.summary(),
    }


# ------------------------------------------------------------------------------ progress
def progress_rows(catalogue, stats) -> list[dict]:
    """One row per catalogue exercise from a learner's progress (`d2lkit progress --json/--csv`)."""
    rows = []
    for ex in catalogue.exercises:
        s = stats.get(ex.id) or ExerciseStats(ex.id)
        rows.append({"id": ex.id, "chapter": ex.chapter_id, "stretch": ex.stretch,
                     "status": s.status, "passed": s.ever_passed, "attempts": s.attempts,
                     "time_to_first_pass_s": s.time_to_first_pass, "hints_used": s.hints_used,
                     "solution_viewed": s.solution_viewed})
    return rows


def progress_json(catalogue, stats, results: list[dict]) -> str:
    return to_json({"schema": SCHEMA, "exercises": progress_rows(catalogue, stats),
                  "results": results})


def progress_csv(catalogue, stats) -> str:
    rows = progress_rows(catalogue, stats)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


# ------------------------------------------------------------------------------ grade formats
MESSAGE_CAP = 500  # characters per message in a grade format


def capped(text: str | None, limit: int = MESSAGE_CAP) -> str | None:
    if not text or len(text) <= limit:
        return text
    return text[:limit - 1] + "…"


@dataclass(frozen=True)
class GradeRun:
    """What every grade format may show: the graded submissions (each with `.submission`,
    `.results`, `.duration_s`, `.error`, `.learner`) and how they were graded."""
    graded: list
    catalogue: object
    exercises: list
    target: str
    options: object  # grading Options: seed, lang, strict
    weaknesses: tuple = ()  # sandbox hardening steps missing where this ran (--allow-weak-sandbox)
    stretch: str = DEFAULT_STRETCH_RULE  # the course's rule for stretch exercises
    hidden_visibility: str = "after_due_date"  # Gradescope: exercises with hidden checks
    notes: tuple = ()  # more lines for the instructor in an LMS's top-level output (sandbox level)
    show_hidden: bool = False  # an LMS's feedback shows checks marked hidden in full

    def learner_view(self, r: ExerciseResult) -> ExerciseResult:
        """`r` as an LMS shows it to its learner: checks marked hidden anonymous unless the
        instructor opted in (d2lkit.instructor.feedback.redact)."""
        if self.show_hidden:
            return r
        from d2lkit.instructor.feedback import redact

        return redact(r)

    def results(self, g) -> Results:
        """A submission's results under the course's stretch rule."""
        return g.results.scored(self.stretch)


GRADE_FORMATS: dict[str, Callable[[GradeRun], str]] = {}


def grade_format(name: str):
    """Register a `d2lkit grade --format NAME`."""
    def register(render: Callable[[GradeRun], str]):
        GRADE_FORMATS[name] = render
        return render
    return register


def render(name: str, run: GradeRun) -> str:
    try:
        make = GRADE_FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown grade format {name!r}; known: {', '.join(GRADE_FORMATS)}") from None
    return make(run)


@grade_format("json")
def grade_json(run: GradeRun) -> str:
    subs = []
    for g in run.graded:
        one = results_json(run.results(g), run.catalogue, run.target, run.options)
        for r in one["results"]:
            r["message"] = capped(r["message"])
            r["warnings"] = [capped(w) for w in r["warnings"]]
            for c in r["checks"]:
                c["message"] = capped(c["message"])
        subs.append({"submission": g.submission.name, "path": str(g.submission.path),
                     "duration_s": round(g.duration_s, 4), "error": capped(g.error) or None,
                     "summary": one["summary"], "results": one["results"],
                     "learner": g.learner or None,
                     # guard-switching machinery, for the instructor to look at (never a verdict)
                     "flags": list(getattr(g, "flags", [])),
                     # normalised-code fingerprints per exercise (d2lkit.instructor.integrity)
                     "fingerprints": dict(getattr(g, "fingerprints", None) or {})})
    return to_json({"schema": SCHEMA, "kind": "grade", "target": run.target,
                    "seed": run.options.seed, "scoring": {"stretch": run.stretch},
                    "sandbox": {"strict": bool(getattr(run.options, "strict", False)),
                                "weaknesses": list(run.weaknesses)},
                    "submissions": subs})


@grade_format("csv")
def grade_csv(run: GradeRun) -> str:
    """One row per submission: totals, then each exercise's points, then each one's status."""
    buf = io.StringIO()
    ids = [ex.id for ex in run.exercises]
    writer = csv.writer(buf)
    writer.writerow(["submission", "points", "max_points", "passed", "total", "extra_points",
                     "duration_s", *ids, *[f"{i}:status" for i in ids]])
    for g in run.graded:
        res = run.results(g)
        by_id = {r.id: r for r in res}
        writer.writerow([g.submission.name, res.points, res.max_points, res.passed, res.total,
                         res.extra_points, f"{g.duration_s:.3f}",
                         *[res.score(by_id[i]).earned if i in by_id else "" for i in ids],
                         *[by_id[i].status.value if i in by_id else "" for i in ids]])
    return buf.getvalue()


def feedback(r, ex, lang: str) -> str:
    """The text a learner reads for one exercise in an LMS: its status, then why it failed."""
    return "\n".join([status_label(r.status, lang)] +
                     [capped(line.text) for line in failure_lines(r, ex, lang)])


def _per_submission(run: GradeRun, make) -> str:
    """One submission is the LMS's own file; several (an instructor's batch, never an upload:
    `d2lkit.instructor.gradescope` refuses those) are keyed by submission name."""
    if len(run.graded) == 1:
        return to_json(make(run.graded[0], run))
    return to_json({g.submission.name: make(g, run) for g in run.graded})


def lms_test_name(r, ex, res: Results, lang: str) -> str:
    """An LMS test's name: the id, the title, and how a stretch exercise counts."""
    name = f"{r.id} {pick(ex.title, lang) if ex else ''}".strip()
    if r.stretch and not res.score(r).required:
        how = "extra-credit" if res.stretch_rule == "extra-credit" else "not-scored"
        name += f" ({t(f'instructor.lms-{how}', lang)})"
    return name


def public_view(r: ExerciseResult) -> ExerciseResult:
    """What a learner may see of `r` before its hidden checks are shown: its visible checks only,
    passed unless one of them failed (or the exercise failed before any check ran: a syntax
    error, a missing file), and worth nothing."""
    if not r.checks:
        return ExerciseResult(r.id, r.chapter, r.section, r.status, 0, 0, r.stretch, r.mistake,
                              r.detail, [], r.duration_s, r.code_hash)
    visible = [c for c in r.checks if not c.hidden]
    failing = sorted((c for c in visible if not c.passed),
                     key=lambda c: (c.about_the_environment, c.mistake is None))
    head = failing[0] if failing else None
    return ExerciseResult(r.id, r.chapter, r.section, head.status if head else Status.PASSED, 0,
                          0, r.stretch, head.mistake if head else None,
                          head.detail if head else None, visible, r.duration_s, r.code_hash)


def _gradescope_tests(r, ex, res: Results, run: GradeRun) -> list[dict]:
    """One test per exercise, carrying its score. An exercise with checks the graders mark hidden
    (`@grades(..., visibility="hidden")`) has that test shown at the course's `hidden_visibility`,
    and a second, visible test worth nothing for its visible checks."""
    lang = run.options.lang
    s = res.score(r)
    name = lms_test_name(r, ex, res, lang)
    scored = {"name": name, "number": r.section, "score": s.earned, "max_score": s.max_points,
              "status": "passed" if r.passed else "failed",
              "output": feedback(run.learner_view(r), ex, lang), "visibility": "visible"}
    if not any(c.hidden for c in r.checks) or run.hidden_visibility == "visible":
        return [scored]
    scored["visibility"] = run.hidden_visibility
    public = public_view(r)
    tests = [scored]
    if public.checks:
        tests.insert(0, {"name": f"{name} — {t('instructor.lms-visible-checks', lang)}",
                         "number": r.section, "score": 0, "max_score": 0,
                         "status": "passed" if public.passed else "failed",
                         "output": feedback(public, ex, lang), "visibility": "visible"})
    return tests


def _gradescope_one(g, run: GradeRun) -> dict:
    lang = run.options.lang
    res = run.results(g)
    tests = []
    for r in res:
        tests += _gradescope_tests(r, run.catalogue.by_id.get(r.id), res, run)
    if any(x["visibility"] != "visible" for x in tests):
        # the totals would tell what the hidden tests say; Gradescope hides the total too
        output = [t("instructor.lms-hidden-summary", lang,
                    when=t(f"instructor.lms-when-{run.hidden_visibility}", lang))]
    else:
        output = [t("instructor.summary", lang, **res.summary())]
    if g.error:
        output.append(capped(g.error))
    output += list(run.notes)
    if run.weaknesses:  # for the instructor: this score came from a weaker sandbox
        output.append(t("instructor.weak-sandbox-output", lang) + "\n" +
                      "\n".join(f"- {w}" for w in run.weaknesses))
    return {"score": res.points + res.extra_points, "execution_time": round(g.duration_s, 3),
            "output": "\n\n".join(output),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


@grade_format("gradescope")
def gradescope(run: GradeRun) -> str:
    """Gradescope's results.json (autograder specification)."""
    return _per_submission(run, _gradescope_one)


# the learner's own doing, as opposed to code that could not run to the end
_CLASSROOM_FAIL = frozenset({Status.FAILED, Status.NOT_IMPLEMENTED, Status.FORBIDDEN, Status.BLOCKED})


def _classroom_one(g, run: GradeRun) -> dict:
    """The reporter adds up the tests' scores against `max_score` and fails the workflow when
    `status` is "fail" or "error": so a stretch exercise scores by the course's rule, and only
    an exercise that counts (`Results.counted`) can fail the run."""
    lang = run.options.lang
    res = run.results(g)
    tests = []
    failing_counted = False
    for r in res:
        ex = run.catalogue.by_id.get(r.id)
        s = res.score(r)
        status = "pass" if r.passed else "fail" if r.status in _CLASSROOM_FAIL else "error"
        failing_counted |= s.required and status != "pass"
        tests.append({"name": lms_test_name(r, ex, res, lang),
                      "status": status, "score": s.earned, "max_score": s.max_points,
                      "message": feedback(run.learner_view(r), ex, lang),
                      "test_code": f"d2lkit check {r.id}",
                      "filename": ex.relpath if ex else "", "line_no": 0,
                      "duration": int(r.duration_s * 1000)})
    overall = "error" if g.error else "fail" if failing_counted else "pass"
    return {"version": 1, "status": overall, "max_score": res.max_points, "tests": tests}


@grade_format("classroom")
def classroom(run: GradeRun) -> str:
    """The result object a GitHub Classroom runner hands to autograding-grading-reporter."""
    return _per_submission(run, _classroom_one)
