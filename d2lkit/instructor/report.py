"""`d2lkit report`: a class report from grading results — who needs help, what to re-teach, and
what to look at twice.

Inputs (any mix, merged by learner): the JSON of `d2lkit grade --format json` (many submissions),
of `d2lkit check --json` (one learner, named after the file), of `d2lkit progress --json` (one
learner's own progress file: statuses only, marked self-reported) and nbgrader's `gradebook.db`
(read through `nbgrader.api.Gradebook`, from a copy, so the instructor's file is never touched).
Several assignments (`report ch3.json ch6.json`) give one row per learner with both; when two
inputs grade the same exercise of the same learner, the later input wins.

Timing comes only from the grader's own runs (each exercise's `duration_s` in grade and check
results): a learner's progress file, which the learner can edit, is never a source of time.

Output: the terminal view (with `students=` the drill-down of named learners), a standalone HTML
page (inline CSS and SVG, no network, no JavaScript: the drill-down is `<details>`), and the
summary dict that `--json` prints.
"""

from __future__ import annotations

import html
import json
import shutil
import sqlite3
import statistics
import tempfile
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from d2lkit.grading.protocol import Status
from d2lkit.i18n import pick, t
from d2lkit.instructor import integrity
from d2lkit.output.messages import mistake_hint

SCHEMA = 2  # of the summary (`report --json`)

# the HTML page's colours (the terminal's come from Status.style)
STATUS_COLOURS = {Status.PASSED: "#2e9e44", Status.FAILED: "#d64545",
                  Status.NOT_IMPLEMENTED: "#c8c8c8", Status.ERROR: "#a64ca6",
                  Status.FORBIDDEN: "#e07b00", Status.TIMEOUT: "#6a5acd",
                  Status.CRASHED: "#444444", Status.BLOCKED: "#d4a017",
                  Status.INFRASTRUCTURE: "#8b0000"}
# a gradebook holds scores, not d2lkit's statuses: anything short of full marks is "not passed"
NOT_PASSED = "not_passed"
EXTRA_COLOURS = {NOT_PASSED: "#e58f8f"}

# what each status says about the learner's work
NOT_STARTED = frozenset({Status.NOT_IMPLEMENTED.value})
ATTEMPTED = frozenset({Status.FAILED.value, Status.ERROR.value, Status.FORBIDDEN.value,
                       Status.TIMEOUT.value, Status.CRASHED.value, Status.BLOCKED.value})
# statuses that are integrity signals on their own
SIGNAL_STATUSES = (Status.FORBIDDEN.value, Status.CRASHED.value, Status.TIMEOUT.value)
BINS = 10  # of the score distribution: 0-10 %, ..., 90-100 %

SOURCES = ("grade", "check", "gradebook", "progress")  # "progress" is self-reported
STRETCH_RULES = ("extra-credit", "ignore", "required")  # as d2lkit.grading.results names them


@dataclass
class Row:
    """One exercise of one learner, as the latest input graded it."""
    assignment: str
    status: str
    mistake: str | None = None
    points: float | None = None
    max_points: float | None = None
    stretch: bool = False
    duration_s: float | None = None  # the grader's own time for it
    source: str = "grade"
    rule: str = "extra-credit"  # how a stretch exercise counts (the grading's stretch rule)


@dataclass
class Student:
    name: str
    rows: dict[str, Row] = field(default_factory=dict)  # exercise id -> row
    assignments: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    machinery: list[dict] = field(default_factory=list)  # `grade`'s flags
    fingerprints: dict[str, dict] = field(default_factory=dict)  # exercise id -> fingerprint
    grading_s: dict[str, float] = field(default_factory=dict)  # assignment -> the grader's time
    errors: list[str] = field(default_factory=list)


@dataclass
class ClassData:
    students: dict[str, Student] = field(default_factory=dict)
    assignments: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)

    def student(self, name: str) -> Student:
        return self.students.setdefault(name, Student(name))


class ReportInputError(ValueError):
    pass


# ------------------------------------------------------------------------------ inputs
def load(paths, catalogue=None) -> ClassData:
    data = ClassData()
    for p in paths:
        path = Path(p)
        data.inputs.append(str(path))
        if _is_sqlite(path):
            _load_gradebook(data, path, catalogue)
            continue
        try:
            obj = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise ReportInputError(f"{path}: {e}") from e
        if isinstance(obj, dict) and isinstance(obj.get("submissions"), list):
            assignment = str(obj.get("target") or path.stem)
            rule = _rule((obj.get("scoring") or {}).get("stretch"))
            for sub in obj["submissions"]:
                _add(data, str(sub["submission"]), assignment, sub.get("results", []), "grade",
                     sub.get("duration_s"), rule)
                st = data.students[str(sub["submission"])]
                st.machinery += list(sub.get("flags") or [])
                st.fingerprints.update(sub.get("fingerprints") or {})
                if sub.get("error"):
                    st.errors.append(str(sub["error"]))
        elif isinstance(obj, dict) and "results" in obj and "summary" in obj:
            _add(data, path.stem, str(obj.get("target") or path.stem), obj["results"], "check",
                 sum(float(r.get("duration_s") or 0) for r in obj["results"]))
        elif isinstance(obj, dict) and "exercises" in obj:
            # d2lkit progress --json: the learner's own file, statuses only; its times are
            # self-reported and never used
            results = [{"id": e["id"], "status": e["status"], "stretch": e.get("stretch", False)}
                       for e in obj["exercises"] if e.get("status") in _KNOWN]
            _add(data, path.stem, "progress", results, "progress", None)
        else:
            raise ReportInputError(f"{path}: not a d2lkit results file or nbgrader gradebook")
    return data


_KNOWN = frozenset(s.value for s in Status)


def _rule(rule) -> str:
    """How stretch exercises counted where they were graded (`scoring.stretch` of `grade`'s
    JSON): "extra-credit" (the default: points on top, never in the maximum), "ignore" (worth
    nothing) or "required" (like any other exercise)."""
    return rule if rule in STRETCH_RULES else "extra-credit"


def _add(data: ClassData, name: str, assignment: str, results: list[dict], source: str,
         grading_s, rule: str = "extra-credit") -> Student:
    st = data.student(name)
    if assignment not in st.assignments:
        st.assignments.append(assignment)
    if assignment not in data.assignments:
        data.assignments.append(assignment)
    if source not in st.sources:
        st.sources.append(source)
    for r in results:
        timed = source in ("grade", "check") and r.get("duration_s") is not None
        st.rows[r["id"]] = Row(
            assignment, str(r["status"]), r.get("mistake") or None,
            r.get("points"), r.get("max_points"), bool(r.get("stretch")),
            float(r["duration_s"]) if timed else None, source, _rule(r.get("rule", rule)))
    if grading_s is not None and source in ("grade", "check"):
        st.grading_s[assignment] = float(grading_s)
    return st


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\0"
    except OSError:
        return False


def _load_gradebook(data: ClassData, path: Path, catalogue=None):
    """Scores from nbgrader's gradebook: per learner, assignment and notebook, each autograded
    cell's score. A grade cell that d2lkit's export named (`<exercise>-test`) is that exercise;
    any other is `<notebook>:<cell>`. Read from a copy: opening a gradebook may write to it."""
    try:
        from nbgrader.api import Gradebook
    except ImportError as e:
        raise ReportInputError(f"{path}: reading an nbgrader gradebook needs nbgrader "
                               f"(pip install nbgrader): {e}") from e
    if catalogue is None:
        from d2lkit import catalogue as catalogue_module

        catalogue = catalogue_module.load()
    from d2lkit.instructor.notebooks import grade_id

    by_cell = {grade_id(ex.id, "test"): ex for ex in catalogue.exercises}
    folder = tempfile.mkdtemp(prefix="d2lkit-gradebook-")
    try:
        copy = Path(folder) / "gradebook.db"
        try:
            # sqlite's own backup: a consistent copy even while nbgrader writes
            with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as src, \
                    closing(sqlite3.connect(copy)) as dst:
                src.backup(dst)
            with closing(sqlite3.connect(copy)) as db:
                tables = {row[0] for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as e:
            raise ReportInputError(f"{path}: {e}") from e
        if not {"assignment", "student", "submitted_assignment", "grade"} <= tables:
            raise ReportInputError(f"{path}: an SQLite file, but not an nbgrader gradebook")
        try:
            gb = Gradebook(f"sqlite:///{copy}")
        except Exception as e:  # noqa: BLE001 - nbgrader's own errors (schema, version)
            raise ReportInputError(f"{path}: not an nbgrader gradebook: {e}") from e
        try:
            students = [s.id for s in gb.students]
            for assignment in gb.assignments:
                submitted = set()
                for sub in assignment.submissions:
                    submitted.add(sub.student.id)
                    results = []
                    for nb in sub.notebooks:
                        for grade in nb.grades:
                            if grade.auto_score is None and grade.manual_score is None:
                                continue  # not graded yet
                            got, top = float(grade.score or 0), float(grade.max_score or 0)
                            results.append(_gradebook_row(by_cell, nb.name, grade.name, got, top))
                    _add(data, str(sub.student.id), str(assignment.name), results, "gradebook",
                         None)
                # a learner of the course without a submission: nothing handed in, 0 points
                cells = [(nb.name, cell.name, float(cell.max_score or 0))
                         for nb in assignment.notebooks for cell in nb.grade_cells]
                for name in students:
                    if name not in submitted:
                        rows = [_gradebook_row(by_cell, nb, cell, None, top)
                                for nb, cell, top in cells]
                        _add(data, str(name), str(assignment.name), rows, "gradebook", None)
        finally:
            gb.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _gradebook_row(by_cell: dict, notebook: str, cell: str, got: float | None, top: float) -> dict:
    """One autograded cell of a gradebook as a result: `got` None when nothing was handed in."""
    ex = by_cell.get(cell)
    if got is None:
        status = Status.NOT_IMPLEMENTED.value
    elif top > 0:
        status = Status.PASSED.value if got >= top else NOT_PASSED
    else:  # worth nothing in the maximum: extra credit, passed when it earned some
        status = Status.PASSED.value if got > 0 else NOT_PASSED
    # the gradebook's own totals: a cell in its maximum counts, one outside it is extra credit
    return {"id": ex.id if ex else f"{notebook}:{cell}", "status": status,
            "points": _num(got or 0.0), "max_points": _num(top), "stretch": bool(ex and ex.stretch),
            "rule": "required" if top > 0 else "extra-credit"}


def _num(x: float):
    return int(x) if float(x).is_integer() else round(x, 3)


# ------------------------------------------------------------------------------ analysis
def _category(status: str) -> str:
    if status == Status.PASSED.value:
        return "passed"
    if status in NOT_STARTED:
        return "not_started"
    if status in ATTEMPTED:
        return "attempted"
    if status == NOT_PASSED:
        return "not_passed"
    return "grader_error"


def _rate(passed: int, graded: int) -> float | None:
    return passed / graded if graded else None


def summary(data: ClassData, catalogue, lang: str, top: int = 10,
            min_nodes: int = integrity.MIN_NODES) -> dict:
    order = {ex.id: i for i, ex in enumerate(catalogue.exercises)}
    names = sorted(data.students)
    ids = sorted({eid for st in data.students.values() for eid in st.rows},
                 key=lambda e: (order.get(e, 10**6), e))

    # per exercise
    exercises = []
    for eid in ids:
        ex = catalogue.by_id.get(eid)
        rows = [data.students[n].rows[eid] for n in names if eid in data.students[n].rows]
        counts = Counter(r.status for r in rows)
        cats = Counter(_category(r.status) for r in rows)
        times = [r.duration_s for r in rows if r.duration_s is not None]
        graded = len(rows)
        exercises.append({
            "id": eid, "title": pick(ex.title, lang) if ex else eid,
            "stretch": bool(ex.stretch) if ex else any(r.stretch for r in rows),
            "graded": graded, "passed": cats["passed"],
            "pass_rate": cats["passed"] / graded if graded else 0.0,
            "not_started": cats["not_started"], "attempted": cats["attempted"],
            "not_passed": cats["not_passed"], "grader_error": cats["grader_error"],
            "statuses": dict(counts),
            "median_grading_s": round(statistics.median(times), 4) if times else None})

    # the most frequent catalogued mistakes
    mistakes = Counter((eid, r.mistake) for n in names for eid, r in data.students[n].rows.items()
                       if r.mistake)
    graded_of = {e["id"]: e["graded"] for e in exercises}
    top_mistakes = []
    for (eid, mid), n in mistakes.most_common(top):
        hint = mistake_hint(catalogue.by_id.get(eid), mid, lang)
        top_mistakes.append({"exercise": eid, "mistake": mid, "count": n,
                             "share": n / max(graded_of.get(eid, 0), 1), "hint": hint})

    # integrity: statuses, grade's machinery flags, normalised code
    reference = {}
    for eid in ids:
        ex = catalogue.by_id.get(eid)
        if ex is not None:
            try:
                reference[eid] = integrity.kit_fingerprints(ex)["reference"]
            except Exception:  # noqa: BLE001 - a kit without solutions still reports
                reference[eid] = None
    code_flags = integrity.findings({n: data.students[n].fingerprints for n in names},
                                    reference, min_nodes)
    flags: dict[str, list[dict]] = {}
    for n in names:
        st = data.students[n]
        out = [{"kind": r.status, "exercise": eid} for eid, r in st.rows.items()
               if r.status in SIGNAL_STATUSES]
        out += code_flags.get(n, [])
        out += [{"kind": "machinery", **f} for f in st.machinery]
        if out:
            flags[n] = sorted(out, key=lambda f: (order.get(f.get("exercise"), 10**6),
                                                  f.get("exercise") or "", f["kind"]))

    # per learner
    table = []
    for n in names:
        st = data.students[n]
        stretch = [r for r in st.rows.values() if r.stretch]
        # in the maximum: required exercises, and stretch ones graded under "required"
        scored = [r for r in st.rows.values() if r.max_points is not None
                  and (not r.stretch or r.rule == "required")]
        extra = [r for r in stretch if r.rule == "extra-credit"]
        points = sum(float(r.points or 0) for r in scored)
        max_points = sum(float(r.max_points or 0) for r in scored)
        cats = Counter(_category(r.status) for r in st.rows.values())
        rows = []
        for eid in sorted(st.rows, key=lambda e: (order.get(e, 10**6), e)):
            r = st.rows[eid]
            ex = catalogue.by_id.get(eid)
            rows.append({"id": eid, "assignment": r.assignment,
                         "title": pick(ex.title, lang) if ex else eid, "status": r.status,
                         "mistake": r.mistake,
                         "hint": mistake_hint(ex, r.mistake, lang) if r.mistake else None,
                         "points": r.points, "max_points": r.max_points, "stretch": r.stretch,
                         "grading_s": r.duration_s, "source": r.source})
        table.append({
            "student": n, "assignments": list(st.assignments), "sources": list(st.sources),
            "self_reported": st.sources == ["progress"],
            "points": _num(points) if scored else None,
            "max_points": _num(max_points) if scored else None,
            "score": points / max_points if scored and max_points else None,
            "extra_points": _num(sum(float(r.points or 0) for r in extra)),
            "stretch_passed": sum(r.status == Status.PASSED.value for r in stretch),
            "stretch_total": len(stretch),
            "passed": cats["passed"], "attempted": cats["attempted"],
            "not_started": cats["not_started"], "not_passed": cats["not_passed"],
            "grader_error": cats["grader_error"],
            "grading_s": round(sum(st.grading_s.values()), 3) if st.grading_s else None,
            "errors": list(st.errors), "flags": flags.get(n, []), "exercises": rows})

    scores = [s["score"] for s in table if s["score"] is not None]
    distribution = []
    for i in range(BINS):
        lo, hi = i / BINS, (i + 1) / BINS
        distribution.append({"from": round(100 * lo), "to": round(100 * hi),
                             "count": sum(lo <= x < hi or (i == BINS - 1 and x >= hi)
                                          for x in scores)})

    def part(stretch: bool) -> dict:
        sel = [e for e in exercises if e["stretch"] == stretch]
        passed, graded = sum(e["passed"] for e in sel), sum(e["graded"] for e in sel)
        return {"exercises": len(sel), "passed": passed, "graded": graded,
                "pass_rate": _rate(passed, graded)}

    return {"schema": SCHEMA, "submissions": len(names), "students": len(names),
            "assignments": list(data.assignments), "inputs": list(data.inputs),
            "exercises": exercises, "required": part(False), "stretch": part(True),
            "mistakes": top_mistakes,
            "median_score": statistics.median(scores) if scores else None,
            "unscored": len(table) - len(scores),
            "distribution": distribution, "table": table,
            "integrity": {"version": integrity.VERSION, "min_nodes": min_nodes,
                          "flagged": flags}}


# ------------------------------------------------------------------------------ shared text
def status_text(status: str, lang: str) -> str:
    if status == NOT_PASSED:
        return t("class-report.status-not-passed", lang)
    return t(f"status.{status}", lang)


def flag_line(f: dict, lang: str) -> str:
    """One integrity signal, for the instructor."""
    kind = f["kind"]
    if kind == "machinery":
        where = f"{f['file']}:{f['line']}" if f.get("line") else f["file"]
        return t("class-report.flag-machinery", lang, what=f["what"], where=where)
    if kind == "identical":
        return t("class-report.flag-identical", lang, exercise=f["exercise"],
                 others=", ".join(f["with"]), nodes=f["nodes"])
    return t(f"class-report.flag-{kind}", lang, exercise=f.get("exercise", ""),
             nodes=f.get("nodes", ""))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _secs(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.2f} s" if x < 10 else f"{x:.0f} s"


def _points(p, m) -> str:
    return "—" if m is None else f"{p}/{m}"


def _sources(row: dict, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(t(f"class-report.source-{s}", lang) for s in row["sources"])


def _bin_label(b: dict) -> str:
    return f"{b['from']}–{b['to']}%"


# ------------------------------------------------------------------------------ terminal
def _table(console, header: list[str], rows: list[list], right=(), styles=None):
    """A table: rich's on a wide terminal, else (a pipe, a file, a narrow terminal) aligned
    text lines with nothing cut. Cells are text or `rich.text.Text`; `right` are the indices of
    right-aligned columns, `styles` a style per column (None: none)."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from d2lkit.output.terminal import WIDE, layout

    cells = [[c if isinstance(c, Text) else Text(str(c)) for c in row] for row in rows]
    if layout(console) != WIDE:
        lines = [[Text(h) for h in header], *cells]
        widths = [max(cell_len(r[i].plain) for r in lines) for i in range(len(header))]
        for n, row in enumerate(lines):
            out = Text("  ", style="bold" if n == 0 else "")
            for i, cell in enumerate(row):
                pad = " " * (widths[i] - cell_len(cell.plain))
                last = i == len(row) - 1
                if i in right:
                    out.append(pad)
                    out.append_text(cell)
                else:
                    out.append_text(cell)
                    if not last:
                        out.append(pad)
                if not last:
                    out.append("  ")
            out.rstrip()
            console.print(out, soft_wrap=True)
        return
    tab = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for i, h in enumerate(header):
        tab.add_column(h, justify="right" if i in right else "left",
                       style=(styles or {}).get(i), no_wrap=i in (styles or {}))
    for row in cells:
        tab.add_row(*row)
    console.print(tab)


def _say(console, text: str, style: str | None = None):
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def terminal(s: dict, lang: str, console, students=()):
    from rich.text import Text

    _say(console, t("class-report.title", lang, count=s["students"],
                    assignments=", ".join(s["assignments"]) or "—"), "bold")
    req, stretch = s["required"], s["stretch"]
    _say(console, t("class-report.headline", lang, score=_pct(s["median_score"]),
                    required=_pct(req["pass_rate"]), stretch=_pct(stretch["pass_rate"])))

    # the score distribution, as counts
    console.print()
    _say(console, t("class-report.distribution", lang), "bold")
    if any(b["count"] for b in s["distribution"]):
        most = max(b["count"] for b in s["distribution"])
        for b in reversed(s["distribution"]):
            bar = "█" * round(20 * b["count"] / most) if most else ""
            _say(console, f"  {_bin_label(b):>9} {b['count']:>4}  {bar}".rstrip())
    if s["unscored"] or not any(b["count"] for b in s["distribution"]):
        _say(console, "  " + t("class-report.unscored", lang, count=s["unscored"]), "dim")

    # per learner
    console.print()
    _say(console, t("class-report.students-title", lang), "bold")
    scores_only = any(r["not_passed"] for r in s["table"])
    header = [t("class-report.student", lang), t("class-report.score", lang),
              t("report.points", lang), t("report.stretch", lang), t("class-report.passed", lang),
              t("class-report.attempted", lang), t("class-report.not-started", lang)]
    if scores_only:
        header.append(t("class-report.not-passed", lang))
    header.append(t("class-report.flags", lang))
    rows = []
    for r in s["table"]:
        row = [r["student"] + (" *" if r["self_reported"] else ""), _pct(r["score"]),
               _points(r["points"], r["max_points"]),
               f"{r['stretch_passed']}/{r['stretch_total']}" if r["stretch_total"] else "—",
               str(r["passed"]), str(r["attempted"]), str(r["not_started"])]
        if scores_only:
            row.append(str(r["not_passed"]))
        row.append(Text(f"⚑ {len(r['flags'])}", style="magenta") if r["flags"] else "")
        rows.append(row)
    _table(console, header, rows, right=set(range(1, len(header))), styles={0: "cyan"})
    if any(r["self_reported"] for r in s["table"]):
        _say(console, "  * " + t("class-report.self-reported", lang), "dim")

    # per exercise
    console.print()
    _say(console, t("instructor.pass-rate-per-exercise", lang), "bold")
    rows = []
    for e in s["exercises"]:
        filled = round(10 * e["pass_rate"])
        colour = "green" if e["pass_rate"] >= 0.8 else "yellow" if e["pass_rate"] >= 0.5 else "red"
        bar = Text("█" * filled, style=colour)
        bar.append("░" * (10 - filled), style="dim")
        rows.append([e["id"] + (" +" if e["stretch"] else ""), f"{e['passed']}/{e['graded']}",
                     bar, str(e["attempted"]), str(e["not_started"]),
                     _secs(e["median_grading_s"]), e["title"]])
    _table(console, [t("report.exercise", lang), t("instructor.pass-rate", lang), "",
                     t("class-report.attempted", lang), t("class-report.not-started", lang),
                     t("class-report.grading-time", lang), t("report.title", lang)],
           rows, right={1, 3, 4, 5}, styles={0: "cyan"})
    if any(e["stretch"] for e in s["exercises"]):
        _say(console, "  + " + t("class-report.stretch-note", lang), "dim")

    console.print()
    if s["mistakes"]:
        _say(console, t("instructor.reteach", lang), "bold")
        _table(console, ["#", t("report.exercise", lang), t("instructor.mistake", lang),
                         t("report.hint", lang)],
               [[str(e["count"]), e["exercise"], e["mistake"], e["hint"] or ""]
                for e in s["mistakes"]], right={0}, styles={1: "cyan", 2: "yellow"})
    else:
        _say(console, t("instructor.no-mistakes", lang), "dim")

    console.print()
    flagged = s["integrity"]["flagged"]
    _say(console, t("class-report.integrity-title", lang), "bold magenta")
    if flagged:
        for name, fl in flagged.items():
            for f in fl:
                _say(console, f"  {name}: {flag_line(f, lang)}")
    else:
        _say(console, "  " + t("class-report.no-flags", lang), "dim")
    _say(console, "  " + t("class-report.integrity-note", lang,
                           nodes=s["integrity"]["min_nodes"]), "dim")

    wanted = [r for r in s["table"] if "all" in students or r["student"] in students]
    for r in wanted:
        student_detail(r, lang, console)
    if not students:
        _say(console, t("class-report.drill-down", lang), "dim")


def student_detail(r: dict, lang: str, console):
    """The drill-down of one learner: every exercise's status, mistake and points."""
    from rich.text import Text

    console.print()
    _say(console, t("class-report.student-title", lang, student=r["student"],
                    score=_pct(r["score"]), points=_points(r["points"], r["max_points"]),
                    sources=_sources(r, lang)), "bold")
    rows = []
    for e in r["exercises"]:
        try:
            style = Status(e["status"]).style
        except ValueError:
            style = "red"
        rows.append([e["assignment"], e["id"] + (" +" if e["stretch"] else ""),
                     Text(status_text(e["status"], lang), style=style), e["mistake"] or "",
                     _points(e["points"], e["max_points"])])
    _table(console, [t("class-report.assignment", lang), t("report.exercise", lang),
                     t("report.status", lang), t("instructor.mistake", lang),
                     t("report.points", lang)], rows, right={4}, styles={1: "cyan", 3: "yellow"})
    for f in r["flags"]:
        _say(console, f"  ⚑ {flag_line(f, lang)}")
    for err in r["errors"]:
        _say(console, f"  {err}", "red")


# ------------------------------------------------------------------------------ HTML
def _colour(status: str) -> str:
    try:
        return STATUS_COLOURS[Status(status)]
    except ValueError:
        return EXTRA_COLOURS.get(status, "#999999")


def _bar_chart(rows: list[tuple[str, float, str, str]], width: int = 760, label_w: int = 260,
               bar_h: int = 22) -> str:
    """Horizontal bars: (label, fraction 0..1, text at the bar's end, colour)."""
    h = bar_h * len(rows) + 10
    span = width - label_w - 70
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" width="{width}" height="{h}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img">']
    for i, (label, frac, text, colour) in enumerate(rows):
        y = 5 + i * bar_h
        w = max(0.0, min(1.0, frac)) * span
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.68:.1f}" text-anchor="end" '
                     f'class="lbl">{html.escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{span}" height="{bar_h - 6}" '
                     f'fill="#eef0f3" rx="3"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" '
                     f'fill="{colour}" rx="3"><title>{html.escape(label)}: {html.escape(text)}'
                     f'</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.68:.1f}" class="val">'
                     f'{html.escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stacked(rows: list[tuple[str, dict[str, int]]], width: int = 760, label_w: int = 260,
             bar_h: int = 22) -> str:
    h = bar_h * len(rows) + 10
    span = width - label_w - 20
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" width="{width}" height="{h}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img">']
    colours = [(s.value, c) for s, c in STATUS_COLOURS.items()] + list(EXTRA_COLOURS.items())
    for i, (label, counts) in enumerate(rows):
        y = 5 + i * bar_h
        total = sum(counts.values()) or 1
        x = float(label_w)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.68:.1f}" text-anchor="end" '
                     f'class="lbl">{html.escape(label)}</text>')
        for status, colour in colours:
            n = counts.get(status, 0)
            if not n:
                continue
            w = span * n / total
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" '
                         f'fill="{colour}"><title>{status}: {n}</title></rect>')
            x += w
    parts.append("</svg>")
    return "".join(parts)


def _histogram(bins: list[dict], width: int = 760, height: int = 220) -> str:
    """Vertical bars, one per score bin, with the count above each bar."""
    left, bottom, top = 30, 30, 20
    n = len(bins)
    slot = (width - left - 10) / n
    most = max((b["count"] for b in bins), default=0) or 1
    span = height - bottom - top
    parts = [f'<svg class="chart hist" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg" role="img">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
             f'stroke="#8c959f"/>']
    for i, b in enumerate(bins):
        x = left + i * slot
        h = span * b["count"] / most
        y = height - bottom - h
        colour = "#2e9e44" if b["from"] >= 80 else "#d4a017" if b["from"] >= 50 else "#d64545"
        label = _bin_label(b)
        parts.append(f'<rect x="{x + 4:.1f}" y="{y:.1f}" width="{slot - 8:.1f}" height="{h:.1f}" '
                     f'fill="{colour}" rx="2"><title>{html.escape(label)}: {b["count"]}</title>'
                     f'</rect>')
        if b["count"]:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
                         f'class="val">{b["count"]}</text>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle" class="lbl">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """
body{font-family:-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC",
Helvetica,Arial,sans-serif;margin:2rem auto;max-width:900px;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2::first-letter{text-transform:uppercase}
h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #d0d7de;padding-bottom:.3rem}.muted{color:#656d76}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #eaeef2;vertical-align:top}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{background:#f6f8fa;padding:0 .25rem;
border-radius:3px}.chart .lbl{font-size:12px;fill:#1f2328}.chart .val{font-size:12px;fill:#656d76}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i,i.chip{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;
vertical-align:-1px;
border-radius:2px}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.card{flex:1;min-width:8rem;
border:1px solid #d0d7de;border-radius:6px;padding:.7rem 1rem}
.card b{display:block;font-size:1.5rem}
.srow{display:grid;grid-template-columns:1rem minmax(8rem,2fr) 3.5rem minmax(4rem,1.5fr) 4rem 4rem
4rem 5rem 5rem;gap:.4rem;align-items:center;font-size:.9rem;padding:.35rem .5rem}
.shead{font-weight:600;background:#f6f8fa;font-size:.8rem}
details.student{border-bottom:1px solid #eaeef2}
details.student>summary{cursor:pointer;list-style:none}
details.student>summary::-webkit-details-marker{display:none}
details.student>summary::before{content:"\\25B8";color:#656d76}
details.student[open]>summary::before{content:"\\25BE"}
details.student[open]>summary{background:#f6f8fa}details.student .inner{padding:.5rem 0 1rem 1.6rem}
.sbar{display:inline-block;height:.6rem;background:#eef0f3;width:100%;border-radius:3px;
overflow:hidden}
.sbar i{display:block;height:100%}.flag{color:#8250df;font-weight:600}
ul.flags{margin:.4rem 0;padding-left:1.2rem}ul.flags li{margin:.15rem 0}
.note{font-size:.85rem;color:#656d76}
"""


def html_page(s: dict, lang: str, title: str | None = None) -> str:
    esc = html.escape
    title = title or t("class-report.title", lang, count=s["students"],
                       assignments=", ".join(s["assignments"]) or "—")
    exs = s["exercises"]
    flagged = s["integrity"]["flagged"]
    cards = [(t("class-report.students", lang), str(s["students"])),
             (t("instructor.exercises", lang), str(len(exs))),
             (t("instructor.median-score-short", lang), _pct(s["median_score"])),
             (t("class-report.required-rate", lang), _pct(s["required"]["pass_rate"])),
             (t("class-report.stretch-rate", lang), _pct(s["stretch"]["pass_rate"])),
             (t("class-report.flagged-count", lang), str(len(flagged)))]
    out = [f'<!DOCTYPE html><html lang="{ "zh-CN" if lang == "zh" else "en"}"><head>'
           f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1><p class='muted'>{esc(t('class-report.sub', lang))}</p>",
           "<div class='cards'>" + "".join(f"<div class='card'><b>{esc(v)}</b>{esc(k)}</div>"
                                          for k, v in cards) + "</div>"]

    # score distribution
    out.append(f"<h2 id='distribution'>{esc(t('class-report.distribution', lang))}</h2>")
    if any(b["count"] for b in s["distribution"]):
        out.append(_histogram(s["distribution"]))
        out.append("<table class='counts'><tr>" + "".join(
            f"<th>{esc(_bin_label(b))}</th>" for b in s["distribution"]) + "</tr><tr>" + "".join(
            f"<td class='num'>{b['count']}</td>" for b in s["distribution"]) + "</tr></table>")
    if s["unscored"] or not any(b["count"] for b in s["distribution"]):
        out.append(f"<p class='muted'>{esc(t('class-report.unscored', lang, count=s['unscored']))}"
                   "</p>")

    # per learner, with drill-down
    out.append(f"<h2 id='students'>{esc(t('class-report.students', lang))}</h2>")
    out.append(f"<p class='note'>{esc(t('class-report.drill-down-html', lang))}</p>")
    heads = [t("class-report.student", lang), t("class-report.score", lang),
             "", t("report.points", lang), t("report.stretch", lang),
             t("class-report.passed", lang), t("class-report.attempted", lang),
             t("class-report.not-started", lang)]
    scores_only = any(r["not_passed"] for r in s["table"])  # from a gradebook: scores only
    grid = ""
    if scores_only:
        heads.append(t("class-report.not-passed", lang))
        grid = (" style='grid-template-columns:1rem minmax(8rem,2fr) 3.5rem minmax(4rem,1.5fr) "
                "4rem 4rem 4rem 5rem 5rem 6rem'")
    out.append(f"<div class='srow shead'{grid}><span></span>" +
               "".join(f"<span>{esc(h)}</span>" for h in heads) + "</div>")
    for i, r in enumerate(s["table"]):
        score = r["score"]
        colour = ("#999" if score is None else "#2e9e44" if score >= 0.8 else "#d4a017"
                  if score >= 0.5 else "#d64545")
        bar = (f"<span class='sbar'><i style='width:{100 * (score or 0):.0f}%;"
               f"background:{colour}'></i></span>")
        name = esc(r["student"]) + (" *" if r["self_reported"] else "")
        flag = (f" <span class='flag' title='{esc(t('class-report.flags', lang))}'>"
                f"⚑ {len(r['flags'])}</span>" if r["flags"] else "")
        cells = [f"<span><b>{name}</b>{flag}</span>", f"<span>{esc(_pct(score))}</span>",
                 f"<span>{bar}</span>",
                 f"<span>{esc(_points(r['points'], r['max_points']))}</span>",
                 f"<span>{r['stretch_passed']}/{r['stretch_total']}</span>"
                 if r["stretch_total"] else "<span>—</span>",
                 f"<span>{r['passed']}</span>", f"<span>{r['attempted']}</span>",
                 f"<span>{r['not_started']}</span>"]
        if scores_only:
            cells.append(f"<span>{r['not_passed']}</span>")
        out.append(f"<details class='student' id='student-{i}'><summary class='srow'{grid}>" +
                   "".join(cells) + "</summary><div class='inner'>")
        out.append(f"<p class='note'>{esc(t('class-report.assignments', lang))}: "
                   f"{esc(', '.join(r['assignments']))} · {esc(t('class-report.source', lang))}: "
                   f"{esc(_sources(r, lang))}"
                   + (f" · {esc(t('class-report.grading-total', lang))}: "
                      f"{esc(_secs(r['grading_s']))}" if r["grading_s"] is not None else "")
                   + "</p>")
        if r["self_reported"]:
            out.append(f"<p class='note'>* {esc(t('class-report.self-reported', lang))}</p>")
        out.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in (
            t("class-report.assignment", lang), t("report.exercise", lang),
            t("report.status", lang), t("instructor.mistake", lang), t("report.points", lang),
            t("class-report.grading-time-short", lang))) + "</tr>")
        for e in r["exercises"]:
            mistake = (f"<code>{esc(e['mistake'])}</code>" +
                       (f"<br><span class='note'>{esc(e['hint'])}</span>" if e["hint"] else "")
                       if e["mistake"] else "")
            stretch = (f" <span class='note'>({esc(t('report.stretch', lang))})</span>"
                       if e["stretch"] else "")
            out.append(f"<tr><td>{esc(e['assignment'])}</td><td><code>{esc(e['id'])}</code>"
                       f"{stretch}<br><span class='note'>{esc(e['title'])}</span></td>"
                       f"<td><i class='chip' style='background:{_colour(e['status'])}'></i>"
                       f"{esc(status_text(e['status'], lang))}</td><td>{mistake}</td>"
                       f"<td class='num'>{esc(_points(e['points'], e['max_points']))}</td>"
                       f"<td class='num'>{esc(_secs(e['grading_s']))}</td></tr>")
        out.append("</table>")
        if r["flags"]:
            out.append("<ul class='flags'>" + "".join(
                f"<li>⚑ {esc(flag_line(f, lang))}</li>" for f in r["flags"]) + "</ul>")
        for err in r["errors"]:
            out.append(f"<p class='note'>{esc(err)}</p>")
        out.append("</div></details>")
    if any(r["self_reported"] for r in s["table"]):
        out.append(f"<p class='note'>* {esc(t('class-report.self-reported', lang))}</p>")

    # per exercise
    out.append(f"<h2 id='pass-rate'>{esc(t('instructor.pass-rate-per-exercise', lang))}</h2>")
    rows = [(e["id"] + (" +" if e["stretch"] else ""), e["pass_rate"],
             f"{100 * e['pass_rate']:.0f}% ({e['passed']}/{e['graded']})",
             "#2e9e44" if e["pass_rate"] >= 0.8 else "#d4a017" if e["pass_rate"] >= 0.5
             else "#d64545") for e in exs]
    out.append(_bar_chart(rows) if rows else "<p>—</p>")
    if any(e["stretch"] for e in exs):
        out.append(f"<p class='note'>+ {esc(t('class-report.stretch-note', lang))}</p>")
    out.append(f"<h2 id='statuses'>{esc(t('instructor.statuses', lang))}</h2>")
    legend = [(st.value, c) for st, c in STATUS_COLOURS.items()]
    if any(e["not_passed"] for e in exs):
        legend += list(EXTRA_COLOURS.items())
    out.append("<div class='legend'>" + "".join(
        f"<span><i style='background:{c}'></i>{esc(status_text(st, lang))}</span>"
        for st, c in legend) + "</div>")
    out.append(_stacked([(e["id"], e["statuses"]) for e in exs]) if exs else "")
    out.append(f"<h2 id='mistakes'>{esc(t('instructor.reteach', lang))}</h2>")
    if s["mistakes"]:
        top = max(m["count"] for m in s["mistakes"])
        out.append(_bar_chart([(f"{m['exercise'].split('.', 1)[-1]} · {m['mistake']}",
                                m["count"] / top, str(m["count"]), "#d64545")
                               for m in s["mistakes"]]))
        out.append("<table><tr><th>#</th><th>" + esc(t("report.exercise", lang)) + "</th><th>" +
                   esc(t("instructor.mistake", lang)) + "</th><th>" + esc(t("report.hint", lang)) +
                   "</th></tr>")
        for m in s["mistakes"]:
            out.append(f"<tr><td class='num'>{m['count']}</td><td><code>{esc(m['exercise'])}</code>"
                       f"</td><td><code>{esc(m['mistake'])}</code></td>"
                       f"<td>{esc(m['hint'])}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p class='muted'>{esc(t('instructor.no-mistakes', lang))}</p>")
    out.append(f"<h2 id='time'>{esc(t('class-report.grading-time-title', lang))}</h2>")
    timed = [e for e in exs if e["median_grading_s"] is not None]
    if timed:
        top = max(e["median_grading_s"] for e in timed) or 1
        out.append(_bar_chart([(e["id"], e["median_grading_s"] / top,
                                _secs(e["median_grading_s"]), "#3b7dd8") for e in timed]))
    else:
        out.append(f"<p class='muted'>{esc(t('class-report.no-grading-times', lang))}</p>")
    out.append(f"<h2 id='table'>{esc(t('instructor.exercises', lang))}</h2><table><tr>" + "".join(
        f"<th>{esc(h)}</th>" for h in (
            t("report.exercise", lang), t("report.title", lang), t("instructor.pass-rate", lang),
            t("class-report.attempted", lang), t("class-report.not-started", lang),
            t("class-report.grading-time-short", lang))) + "</tr>")
    for e in exs:
        stretch = (f" <span class='note'>({esc(t('report.stretch', lang))})</span>"
                   if e["stretch"] else "")
        out.append(f"<tr><td><code>{esc(e['id'])}</code>{stretch}</td><td>{esc(e['title'])}</td>"
                   f"<td class='num'>{e['passed']}/{e['graded']}</td>"
                   f"<td class='num'>{e['attempted']}</td><td class='num'>{e['not_started']}</td>"
                   f"<td class='num'>{esc(_secs(e['median_grading_s']))}</td></tr>")
    out.append("</table>")

    # integrity
    out.append(f"<h2 id='integrity'>{esc(t('class-report.integrity-title', lang))}</h2>")
    note = t("class-report.integrity-note", lang, nodes=s["integrity"]["min_nodes"])
    out.append(f"<p class='note'>{esc(note)}</p>")
    if flagged:
        out.append("<table><tr><th>" + esc(t("class-report.student", lang)) + "</th><th>" +
                   esc(t("class-report.flags", lang)) + "</th></tr>")
        index = {r["student"]: i for i, r in enumerate(s["table"])}
        for name, fl in flagged.items():
            out.append(f"<tr><td><a href='#student-{index[name]}'>{esc(name)}</a></td><td>"
                       "<ul class='flags'>" + "".join(f"<li>{esc(flag_line(f, lang))}</li>"
                                                      for f in fl) + "</ul></td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p class='muted'>{esc(t('class-report.no-flags', lang))}</p>")
    out.append("</body></html>")
    return "\n".join(out)
