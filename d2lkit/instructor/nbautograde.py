"""`d2lkit nbgrader autograde`: an nbgrader course graded by d2lkit's engine.

nbgrader's own autograde runs each submitted notebook in a kernel and reads the test cells'
outputs, so the learner's code decides its own grade there (it can patch the comparisons,
redefine `check`, exit the kernel). Here nothing the learner wrote runs outside d2lkit's sandbox:

1. every student's notebooks are graded by `d2lkit.instructor.nbgrade` (the solution cells'
   code as a workspace, the engine of `d2lkit check`, sandbox children, `--jobs N` workers);
2. nbgrader's `Autograde` converter then does its usual bookkeeping — the submission and its
   timestamp in the gradebook, `autograded/<student>/<assignment>/`, locked cells restored from
   the gradebook, missing test cells put back, late penalties — with three of its preprocessors
   replaced (and `IgnorePattern`, `LimitOutput` left out: nothing runs): instead of `Execute`, `D2lkitVerdicts` writes d2lkit's report of each exercise as
   the output of its test cell (what `nbgrader generate_feedback` and formgrader show), and
   `D2lkitSaveGrades` writes each grade cell's `auto_score` through nbgrader's `Gradebook`
   from d2lkit's verdict (a stretch exercise's cell is worth 0 and its points, when it passes,
   are the grade's extra credit); `D2lkitOverwriteCells` warns about a changed locked cell only
   when the learner changed it (nbgrader compares with the source version, hidden tests included,
   and so warned about every test cell of every student);
3. per student, d2lkit's feedback (`d2lkit-results/<assignment>/feedback/<student>.html`, `.md` in
   the course) and the class's results (`d2lkit-results/<assignment>/results.json`, the input of
   `d2lkit report`), hidden checks redacted unless `show_hidden`.

`d2lkit nbgrader init` puts the same preprocessors into nbgrader_config.py, so a plain
`nbgrader autograde` (or formgrader's autograde button) also grades with d2lkit's engine, one
student at a time (`D2lkitVerdicts` grades a student it has no verdicts for).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells, SaveAutoGrades

from d2lkit.grading.protocol import Status
from d2lkit.instructor.notebooks import HIDDEN_BEGIN, HIDDEN_END

RESULTS_FOLDER = "d2lkit-results"  # in the course root (not importable: never shadows d2lkit)


class CourseError(Exception):
    """The course cannot be autograded as asked (a locale key and its parameters)."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


# ------------------------------------------------------------------------------ verdicts
@dataclass
class Verdicts:
    """One student's results for one assignment, as the preprocessors use them."""
    results: dict  # exercise id -> ExerciseResult (as graded: hidden checks included)
    lang: str = "en"
    show_hidden: bool = False
    stretch: str | None = None  # the course's stretch rule (grading.results.score)


# (assignment, student) -> Verdicts: filled by `autograde` before nbgrader's converter runs
REGISTRY: dict[tuple[str, str], Verdicts] = {}


def _catalogue():
    from d2lkit import catalogue

    return catalogue.load()


def _test_role(grade_id: str, catalogue):
    from d2lkit.instructor.nbgrade import role_of

    role = role_of(grade_id, catalogue)
    return role if role is not None and role.kind == "test" else None


def _cell_output(result, catalogue, lang: str, show_hidden: bool) -> dict:
    from d2lkit.instructor.feedback import exercise_report, redact

    shown = result if show_hidden else redact(result)
    report = exercise_report(shown, catalogue, lang)
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/html": report.html, "text/plain": report.text}}


class D2lkitVerdicts(NbGraderPreprocessor):
    """In place of nbgrader's `Execute`: nothing runs; each d2lkit test cell gets d2lkit's report
    of its exercise as its only output. Verdicts come from `REGISTRY`; a student without any is
    graded here and now (a plain `nbgrader autograde`)."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        verdicts = REGISTRY.get((ids["assignment"], ids["student"]))
        if verdicts is None:
            verdicts = self._grade_now(ids["assignment"], ids["student"], ids["db_url"])
        resources["d2lkit"] = verdicts
        catalogue = _catalogue()
        for cell in nb.cells:
            if cell.cell_type != "code" or not nbutils.is_grade(cell):
                continue
            role = _test_role(cell.metadata.nbgrader.get("grade_id", ""), catalogue)
            result = verdicts.results.get(role.exercise) if role is not None else None
            if role is not None:  # an old export's hidden region: never in feedback
                cell.source = released_source(cell.source)
            cell.outputs = [] if result is None else [
                _output_node(_cell_output(result, catalogue, verdicts.lang, verdicts.show_hidden))]
            cell.execution_count = None
        return nb, resources

    def _grade_now(self, assignment: str, student: str, db_url: str) -> Verdicts:
        from nbgrader.coursedir import CourseDirectory

        from d2lkit.grading.options import Options, new_seed
        from d2lkit.i18n import detect_lang
        from d2lkit.instructor import nbgrade

        coursedir = CourseDirectory(config=self.config)
        catalogue = _catalogue()
        with Gradebook(db_url) as gb:
            exercises = assignment_exercises(gb, assignment, catalogue)
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        sub = nbgrade.NotebookSubmission(student, folder.resolve(), nbgrade.notebooks_in(folder))
        lang = detect_lang()
        options = Options(seed=new_seed(), lang=lang, strict=True)
        [graded] = nbgrade.grade([sub], exercises, options, catalogue=catalogue)
        verdicts = Verdicts({r.id: r for r in graded.results}, lang,
                            stretch=stretch_rule_of(Path(coursedir.root)))
        REGISTRY[(assignment, student)] = verdicts
        return verdicts


def _output_node(output: dict):
    from nbformat import from_dict

    return from_dict(output)


class D2lkitSaveGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with each d2lkit test cell's score taken from d2lkit's verdict
    (the cell's points exactly when the exercise passed) instead of the cell's outputs. Under the
    course's stretch rule a stretch exercise's cell is worth 0 (`notebooks.cell_points`), and its
    points, when it passes, are the grade's extra credit ("extra-credit", the default) or nothing
    ("ignore"). A grade cell that is not d2lkit's (the instructor's own) was not run, and an
    exercise the grader itself failed on (an infrastructure error, never the learner's) has no
    verdict: both get no score and need manual grading (formgrader lists them)."""

    def _add_score(self, cell, resources) -> None:
        ids = resources["nbgrader"]
        gid = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(gid, ids["notebook"], ids["assignment"], ids["student"])
        verdicts = resources.get("d2lkit")
        role = _test_role(gid, _catalogue()) if cell.cell_type == "code" else None
        result = verdicts.results.get(role.exercise) if verdicts and role else None
        if result is not None and result.status is Status.INFRASTRUCTURE:
            grade.auto_score = None  # the grader failed, not the learner: a person decides
        elif result is not None:
            from d2lkit.grading.results import score

            max_score = float(grade.max_score or 0)
            grade.auto_score = max_score if result.passed else 0.0
            if result.stretch and max_score == 0:  # never both in the maximum and extra
                extra = score(True, result.points, result.max_points, verdicts.stretch).extra
                grade.extra_credit = float(extra) if extra else None
        elif nbutils.is_solution(cell):
            grade.auto_score, _ = nbutils.determine_grade(cell, self.log)
        else:
            grade.auto_score = None
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        self.gradebook.db.commit()


def released_source(source: str) -> str:
    """A test cell's source as nbgrader released it: the hidden-test region removed (nbgrader's
    ClearHiddenTests), for notebooks exported before d2lkit graded outside the kernel."""
    if HIDDEN_BEGIN not in source:
        return source
    out, hiding = [], False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            hiding = True
        elif HIDDEN_END in line:
            hiding = False
        elif not hiding:
            out.append(line)
    return "\n".join(out)


class D2lkitOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells (locked cells, points and types restored from the gradebook,
    missing test cells put back), warning about a changed checksum only when the learner's cell
    differs from the released one: nbgrader compares it with the source version, hidden tests
    included, and so warned about every test cell that had any."""

    def preprocess_cell(self, cell, resources, cell_index):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        self._d2lkit_unchanged = False
        if gid is not None and nbutils.is_locked(cell):
            try:
                source = self.gradebook.find_source_cell(gid, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source = None
            if source is not None:
                self._d2lkit_unchanged = (released_source(source.source).strip()
                                          == cell.source.strip())
        return super().preprocess_cell(cell, resources, cell_index)

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
            from nbformat.v4.nbbase import random_cell_id

            for cell in nb.cells:  # the cells nbgrader put back have none
                if not cell.get("id"):
                    cell["id"] = random_cell_id()
        return nb, resources

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and getattr(self, "_d2lkit_unchanged", False):
            return  # only the hidden region differs: nbgrader puts it back, nothing to report
        super().report_change(name, attr, old, new)


# the preprocessor lists of nbgrader's Autograde converter, d2lkit's way (nbgrader_config.py too)
def sanitize_preprocessors():
    from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        OverwriteKernelspec)

    return [ClearOutput, DeduplicateIds, OverwriteKernelspec, D2lkitOverwriteCells,
            CheckCellMetadata]


def autograde_preprocessors():
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata

    return [D2lkitVerdicts, ClearMetadataPreprocessor, D2lkitSaveGrades, AssignLatePenalties,
            CheckCellMetadata]


# ------------------------------------------------------------------------------ the course
def load_course(course_dir: Path):
    """(nbgrader's CourseDirectory, the course's traitlets Config) from nbgrader_config.py."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course_dir = Path(course_dir).resolve()
    path = course_dir / "nbgrader_config.py"
    if not path.is_file():
        raise CourseError("instructor.no-config", path=str(course_dir))
    try:
        config = PyFileConfigLoader(path.name, path=str(course_dir)).load_config()
    except Exception as e:  # noqa: BLE001 - the instructor's file: say what is wrong with it
        raise CourseError("instructor.course-config-bad", path=str(path),
                          message=f"{type(e).__name__}: {e}") from e
    config = Config(config)
    if "root" not in config.get("CourseDirectory", {}):
        config.CourseDirectory.root = str(course_dir)
    return CourseDirectory(config=config), config


def assignment_exercises(gb: Gradebook, assignment: str, catalogue) -> list:
    """The exercises whose d2lkit test cells the assignment's notebooks hold (in curriculum
    order), from the gradebook (what `nbgrader generate_assignment` recorded)."""
    a = gb.find_assignment(assignment)
    ids = set()
    for notebook in a.notebooks:
        for cell in notebook.grade_cells:
            role = _test_role(cell.name, catalogue)
            if role is not None:
                ids.add(role.exercise)
    return [ex for ex in catalogue.exercises if ex.id in ids]


def student_folders(coursedir, assignment: str) -> dict[str, Path]:
    """student id -> their submitted folder of `assignment`."""
    pattern = coursedir.format_path(coursedir.submitted_directory, "*", assignment)
    regexp = coursedir.format_path(coursedir.submitted_directory, "(?P<student_id>[^/]+)",
                                   re.escape(assignment), escape=True)
    excluded = set(filter(None, (coursedir.student_id_exclude or "").split(",")))
    out = {}
    for folder in sorted(glob.glob(pattern)):
        m = re.fullmatch(regexp, folder)
        if m and os.path.isdir(folder) and m.group("student_id") not in excluded:
            out[m.group("student_id")] = Path(folder)
    return out


@dataclass
class AutogradeRun:
    assignment: str
    graded: list  # batch.Graded per student, as graded (hidden checks included)
    exercises: list
    db_url: str
    folder: Path  # <course>/d2lkit/<assignment>
    stretch: str | None = None  # the stretch rule the scores were recorded under
    failed: str = ""  # what nbgrader's converter reported, when it could not finish
    weaknesses: list = field(default_factory=list)

    @property
    def grader_errors(self) -> dict[str, list[str]]:
        """student -> exercises the grader itself failed on (left for manual grading)."""
        out = {}
        for g in self.graded:
            ids = [r.id for r in g.results if r.status is Status.INFRASTRUCTURE]
            if ids:
                out[g.submission.name] = ids
        return out


def stretch_rule_of(root: Path) -> str:
    """The stretch rule of the course file in the nbgrader course's root (the default without
    one)."""
    from d2lkit.instructor import course

    return course.load(folder=root).stretch


@dataclass
class Plan:
    """What `autograde` will grade: the course, the assignment's exercises, the students."""
    coursedir: object  # nbgrader's CourseDirectory
    config: object  # the course's traitlets Config
    assignment: str
    exercises: list
    folders: dict  # student id -> submitted folder
    stretch: str


def prepare(course_dir: Path, assignment: str, students=(), stretch: str | None = None) -> Plan:
    """Read the course and find what to grade; CourseError when it cannot be graded as asked
    (and `instructor.course.CourseConfigError` for a bad d2lkit-course.toml)."""
    catalogue = _catalogue()
    coursedir, config = load_course(course_dir)
    root = Path(coursedir.root)
    stretch = stretch or stretch_rule_of(root)
    try:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            exercises = assignment_exercises(gb, assignment, catalogue)
    except MissingEntry:
        raise CourseError("instructor.autograde-no-assignment", assignment=assignment,
                          path=str(root)) from None
    folders = student_folders(coursedir, assignment)
    if students:
        unknown = [s for s in students if s not in folders]
        if unknown:
            raise CourseError("instructor.autograde-no-student", student=unknown[0],
                              assignment=assignment, path=str(root))
        folders = {s: folders[s] for s in students}
    if not folders:
        raise CourseError("instructor.autograde-no-students", assignment=assignment,
                          path=str(root))
    if not exercises:
        raise CourseError("instructor.autograde-no-exercises", assignment=assignment)
    return Plan(coursedir, config, assignment, exercises, folders, stretch)


def autograde(plan: Plan, options, *, jobs: int = 1, show_hidden: bool = False, on_done=None,
              on_weakness=None, log: logging.Logger | None = None) -> AutogradeRun:
    """Grade every submission of the plan with d2lkit's engine, record the scores and outputs
    with nbgrader's converter and Gradebook, and write d2lkit's feedback. Raises
    `grading.sandbox.SandboxError` when the sandbox refuses to start (strict options)."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from sqlalchemy.exc import SAWarning

    from d2lkit.instructor import nbgrade

    catalogue = _catalogue()
    coursedir, config, assignment = plan.coursedir, plan.config, plan.assignment
    subs = [nbgrade.NotebookSubmission(student, folder.resolve(), nbgrade.notebooks_in(folder))
            for student, folder in plan.folders.items()]
    weaknesses: list[str] = []

    def weak(text):
        weaknesses.append(text)
        if on_weakness:
            on_weakness(text)

    # every process that ran learner code is gone once this returns
    graded = nbgrade.grade(subs, plan.exercises, options, jobs=jobs, on_done=on_done,
                           on_weakness=weak, catalogue=catalogue)
    for g in graded:
        REGISTRY[(assignment, g.submission.name)] = Verdicts(
            {r.id: r for r in g.results}, options.lang, show_hidden, plan.stretch)

    run = AutogradeRun(assignment, graded, plan.exercises, coursedir.db_url,
                       Path(coursedir.root) / RESULTS_FOLDER / assignment,
                       stretch=plan.stretch, weaknesses=weaknesses)
    try:
        for student in plan.folders:  # nbgrader's bookkeeping, one converter run per student
            config.CourseDirectory.assignment_id = assignment
            config.CourseDirectory.student_id = student
            config.CourseDirectory.notebook_id = "*"
            config.Autograde.sanitize_preprocessors = sanitize_preprocessors()
            config.Autograde.autograde_preprocessors = autograde_preprocessors()
            config.Autograde.create_student = True
            # graded again from scratch (what --force does in nbgrader, without its warning)
            shutil.rmtree(coursedir.format_path(coursedir.autograded_directory, student,
                                                assignment), ignore_errors=True)
            converter = Autograde(coursedir=type(coursedir)(config=config), config=config,
                                  log=log or logging.getLogger("d2lkit.nbgrader"))
            try:
                with warnings.catch_warnings():  # nbgrader's own ORM warnings: not the grades'
                    warnings.simplefilter("ignore", SAWarning)
                    converter.start()
            except NbGraderException as e:
                run.failed += f"{student}: {e}\n"
    finally:
        for student in plan.folders:
            REGISTRY.pop((assignment, student), None)
    write_outputs(run, catalogue, options, show_hidden)
    return run


def write_outputs(run: AutogradeRun, catalogue, options, show_hidden: bool):
    """d2lkit's feedback per student and the class's results.json (`d2lkit report`'s input)."""
    from dataclasses import replace as _replace

    from d2lkit.instructor import feedback
    from d2lkit.output import formats

    folder = run.folder / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    shown = [_replace(g, results=feedback.redact_all(g.results, show_hidden).scored(run.stretch))
             for g in run.graded]
    for g in shown:
        name = g.submission.name
        (folder / f"{name}.md").write_text(
            feedback.markdown(name, run.assignment, g.results, catalogue, options.lang), "utf-8")
        (folder / f"{name}.html").write_text(
            feedback.html_page(name, run.assignment, g.results, catalogue, options.lang), "utf-8")
    data = json.loads(formats.render("json", formats.GradeRun(
        shown, catalogue, run.exercises, run.assignment, options, tuple(run.weaknesses),
        stretch=run.stretch)))
    path = run.folder / "results.json"
    try:  # a run for some students (--student) keeps the others' latest results
        old = json.loads(path.read_text("utf-8"))
        graded_now = {s["submission"] for s in data["submissions"]}
        kept = [s for s in old.get("submissions", [])
                if isinstance(s, dict) and s.get("submission") not in graded_now]
    except (OSError, ValueError, AttributeError, TypeError):
        kept = []
    data["submissions"] = sorted(kept + data["submissions"], key=lambda s: str(s["submission"]))
    path.write_text(formats.to_json(data) + "\n", "utf-8")
