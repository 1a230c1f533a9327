"""Instructor commands: `d2lkit nbgrader init/export/autograde`, `grade`, `gradescope`, `report`.

Only `grade` and `nbgrader autograde` grade, and they import the engine (torch) only once their
arguments are known good.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

import click

from d2lkit.cli.common import (context, grading_options, lang_option, make_options, resolve,
                               timeout_option)
from d2lkit.grading.results import STRETCH_RULES
from d2lkit.i18n import t
from d2lkit.output.formats import GRADE_FORMATS


# ------------------------------------------------------------------------------ --out
def out_problem(out: str, lang: str = "en") -> tuple[str, dict] | None:
    """Why `grade --out` may not write to `out` (a locale key and its parameters), or None.
    Only a regular file, or a missing file in an existing folder, is acceptable: a symlink could
    point the results at any file this user can write (a learner could plant one), and a FIFO or
    device would block or swallow them."""
    path = Path(out)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        return "instructor.out-unusable", {"path": out, "message": e.strerror or str(e)}
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            return "instructor.out-symlink", {"path": out}
        if not stat.S_ISREG(st.st_mode):
            kind = ("folder" if stat.S_ISDIR(st.st_mode) else "fifo" if stat.S_ISFIFO(st.st_mode)
                    else "socket" if stat.S_ISSOCK(st.st_mode) else "device")
            return "instructor.out-not-file", {"path": out,
                                               "kind": t(f"instructor.out-kind-{kind}", lang)}
    folder = path.parent
    if not folder.is_dir():
        return "instructor.out-no-folder", {"path": out, "folder": str(folder)}
    if not os.access(folder, os.W_OK | os.X_OK):
        return "instructor.out-unusable", {"path": out, "message": f"{folder} is not writable"}
    return None


def write_atomic(out: str, text: str):
    """Replace `out` with `text` in one step: a temporary file in the same folder, synced, then
    renamed over it. A reader (Gradescope, an LMS) sees the old file or the whole new one, never
    half of one, and a symlink at `out` is replaced, never followed."""
    path = Path(out)
    data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            mode = stat.S_IMODE(os.lstat(path).st_mode)  # keep an existing file's permissions
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            fd = -1
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # the rename itself survives a crash once the folder is synced
        dirfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
    except OSError:
        pass


def _write(ctx, text: str, out: str | None):
    """To the file `out` (atomically), else to stdout."""
    if not out:
        click.echo(text)
        return
    try:
        write_atomic(out, text)
    except OSError as e:
        ctx.fail("instructor.out-failed", code=1, path=out, message=e.strerror or str(e))


def sandbox_refusal(ctx, error: Exception):
    """`grade` without --allow-weak-sandbox where learner code cannot be confined: exit 2."""
    ctx.fail("instructor.sandbox-refused", message=str(error))


# ------------------------------------------------------------------------------ course settings
def course_options(f):
    """--course FILE and --stretch RULE (d2lkit.instructor.course)."""
    from d2lkit.grading.results import STRETCH_RULES

    f = click.option("--stretch", type=click.Choice(STRETCH_RULES), default=None,
                     help="How stretch exercises count (default: the course file's, else "
                          "extra-credit).")(f)
    return click.option("--course", default=None, metavar="FILE",
                        type=click.Path(exists=True, dir_okay=False),
                        help="The course's settings (default: ./d2lkit-course.toml if there "
                             "is one).")(f)


def course_settings(ctx, course: str | None, stretch: str | None = None,
                    hidden_visibility: str | None = None):
    """The course's settings with the command line's overrides, or exit 2 saying what is wrong."""
    from d2lkit.instructor import course as course_file

    try:
        return course_file.load(course).but(stretch, hidden_visibility)
    except course_file.CourseConfigError as e:
        ctx.fail("instructor.course-bad", message=str(e))


# ------------------------------------------------------------------------------ nbgrader
@click.group(name="nbgrader")
def nbgrader_group():
    """nbgrader courses: a configured course directory and generated notebooks."""


@nbgrader_group.command(name="init")
@click.argument("course_dir", type=click.Path(file_okay=False))
@click.option("--course-id", default=None, help="nbgrader course id (default: the folder's name).")
@click.option("--timeout", type=int, default=60, show_default=True,
              help="Seconds per notebook cell when nbgrader runs a notebook (validate); "
                   "grading itself is d2lkit's (`nbgrader autograde --timeout`).")
@click.option("--force", is_flag=True, help="Overwrite an existing nbgrader_config.py.")
@lang_option
def nbgrader_init(course_dir, course_id, timeout, force, lang):
    """Create COURSE_DIR with an nbgrader_config.py set up for d2lkit's notebooks."""
    from d2lkit.instructor.nbgrader_course import CourseExists, init

    ctx = context(lang)
    try:
        config = init(Path(course_dir), course_id, timeout, force)
    except CourseExists as e:
        ctx.fail("instructor.course-exists", path=str(e))
    click.echo(t("instructor.course-ready", ctx.lang, path=config))
    click.echo(t("instructor.course-next", ctx.lang, path=course_dir))


@nbgrader_group.command(name="export")
@click.argument("target")
@click.argument("course_dir", type=click.Path(file_okay=False))
@click.option("--assignment", default=None, help="Assignment name (default: the target, e.g. ch2).")
@click.option("--force", is_flag=True,
              help="Overwrite source notebooks even if they were edited since they were exported.")
@lang_option
def nbgrader_export(target, course_dir, assignment, force, lang):
    """Write source/<assignment>/<topic>.ipynb for every topic in TARGET."""
    from d2lkit.instructor import course as course_file
    from d2lkit.instructor.notebooks import EditedNotebooks, assignment_name, export

    ctx = context(lang)
    cat, exs = resolve(ctx, [target])
    exs, added = _with_building_blocks(cat, exs)
    if added:
        click.echo(t("instructor.export-building-blocks", ctx.lang,
                     ids=t("cli.list-sep", ctx.lang).join(ex.id for ex in added)), err=True)
    name = assignment or assignment_name(target)
    try:  # a stretch exercise's test cell is worth what the course's rule gives it
        rule = course_file.load(folder=course_dir).stretch
    except course_file.CourseConfigError as e:
        ctx.fail("instructor.course-bad", message=str(e))
    try:
        written = export(exs, cat, Path(course_dir), name, ctx.lang, force=force, stretch=rule)
    except EditedNotebooks as e:
        ctx.fail("instructor.export-edited", paths=", ".join(map(str, e.paths)))
    click.echo(t("instructor.exported", ctx.lang, count=len(written), exercises=len(exs),
                 path=Path(course_dir) / "source" / name))
    for path in written:
        click.echo(f"  {path}")
    if not (Path(course_dir) / "nbgrader_config.py").exists():
        click.echo(t("instructor.no-config", ctx.lang, path=course_dir), err=True)


def _with_building_blocks(cat, exs):
    """The exercises to export: the target's, and those their reference solutions build on (a
    notebook with train_ch3 and no train_epoch_ch3 could only be blocked), in curriculum order;
    and the ones added."""
    from d2lkit.grading.dependencies import with_dependencies
    from d2lkit.paths import content_dir

    wanted, _ = with_dependencies(exs, content_dir("solutions"), cat.exercises)
    named = {ex.id for ex in exs}
    return wanted, [ex for ex in wanted if ex.id not in named]


@nbgrader_group.command(name="autograde")
@click.argument("assignment")
@click.argument("course_dir", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--student", "students", multiple=True, metavar="ID",
              help="Grade only this student (repeatable; default: every submission).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Students graded in parallel (one sandbox each).")
@grading_options
@click.option("--allow-weak-sandbox", is_flag=True,
              help="Grade even where learner code cannot be fully confined (no Landlock).")
@click.option("--show-hidden", is_flag=True,
              help="Feedback shows hidden checks in full (titles, inputs, expected values).")
@click.option("--stretch", type=click.Choice(STRETCH_RULES), default=None,
              help="How stretch exercises count (default: the course folder's "
                   "d2lkit-course.toml, else extra-credit).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@lang_option
def nbgrader_autograde(assignment, course_dir, students, jobs, seed, timeout, device,
                       allow_weak_sandbox, show_hidden, stretch, no_progress, lang):
    """Grade ASSIGNMENT's submissions in COURSE_DIR with d2lkit's engine (outside the students'
    kernels) and record the scores in nbgrader's gradebook."""
    import logging

    from rich.console import Console

    from d2lkit.grading.sandbox import SandboxError
    from d2lkit.instructor import course as course_file
    from d2lkit.output import terminal

    ctx = context(lang)
    try:
        from d2lkit.instructor import nbautograde
    except ImportError as e:  # d2lkit without its [instructor] extra
        ctx.fail("instructor.no-nbgrader", message=str(e))
    options = make_options(ctx, seed, timeout, device).but(strict=not allow_weak_sandbox)
    err = Console(stderr=True, highlight=False)
    handler = logging.StreamHandler()  # nbgrader's own warnings (a changed locked cell, …)
    handler.setFormatter(logging.Formatter("nbgrader %(levelname)s: %(message)s"))
    log = logging.getLogger("d2lkit.nbgrader")
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING)
    log.propagate = False

    def on_weakness(text: str):
        err.print(t("instructor.weak-sandbox", ctx.lang, weakness=text), style="yellow",
                  markup=False, soft_wrap=True)

    try:
        plan = nbautograde.prepare(Path(course_dir), assignment, students, stretch)
    except nbautograde.CourseError as e:
        ctx.fail(e.key, **e.params)
    except course_file.CourseConfigError as e:
        ctx.fail("instructor.course-bad", message=str(e))
    show_bar = not no_progress and (err.is_terminal or os.environ.get("D2LKIT_PROGRESS"))
    try:
        with terminal.grade_progress(len(plan.folders), ctx.lang,
                                     err if show_bar else None) as on_done:
            run = nbautograde.autograde(plan, options, jobs=jobs, show_hidden=show_hidden,
                                        on_done=on_done, on_weakness=on_weakness, log=log)
    except SandboxError as e:
        sandbox_refusal(ctx, e)
    click.echo(t("instructor.autograde-done", ctx.lang, count=len(run.graded),
                 assignment=assignment, db=run.db_url))
    for g in run.graded:
        results = g.results.scored(run.stretch)
        line = t("instructor.autograde-student", ctx.lang, student=g.submission.name,
                 points=results.points, max_points=results.max_points)
        if results.extra_points:
            line += t("instructor.autograde-extra", ctx.lang, points=results.extra_points)
        click.echo(line)
    click.echo(t("instructor.autograde-feedback", ctx.lang, path=run.folder / "feedback",
                 assignment=assignment))
    errors = run.grader_errors
    for student, ids in errors.items():  # the kit failed: no score was written for these
        click.echo(t("instructor.autograde-grader-error", ctx.lang, student=student,
                     exercises=", ".join(ids)), err=True)
    if run.failed:
        ctx.fail("instructor.autograde-failed", code=1, message=run.failed.strip())
    if errors:
        sys.exit(1)


# ------------------------------------------------------------------------------ grade
@click.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--target", "-t", default="all", show_default=True,
              help="What to grade: ch2, 2.3, ch2.vector_norm, norms, all …")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Submissions graded in parallel (one sandbox each).")
@click.option("--format", "fmt", type=click.Choice(["table", *GRADE_FORMATS]), default="table",
              show_default=True)
@click.option("--out", "-o", default=None, metavar="FILE",
              help="Write the output here (replaced atomically once grading is over).")
@grading_options
@click.option("--allow-weak-sandbox", is_flag=True,
              help="Grade even where learner code cannot be fully confined (no Landlock); what "
                   "is missing is printed and recorded in the output.")
@click.option("--record", is_flag=True,
              help="Also record the results in each submission's progress database.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--show-hidden", is_flag=True,
              help="The learners' feedback in --format gradescope and classroom shows checks "
                   "marked hidden in full; by default it says only that a hidden check failed.")
@course_options
@lang_option
def grade(submissions, target, jobs, fmt, out, seed, timeout, device, allow_weak_sandbox, record,
          no_progress, show_hidden, course, stretch, lang):
    """Grade SUBMISSION workspaces, notebooks (nbgrader's submitted/ folder, a student's folder,
    a notebook), or folders of them, with the graders of `d2lkit check`."""
    import io

    from rich.console import Console

    from d2lkit.grading.sandbox import SandboxError
    from d2lkit.instructor import nbgrade
    from d2lkit.output import formats, terminal

    ctx = context(lang)
    settings = course_settings(ctx, course, stretch)
    cat, exs = resolve(ctx, [target])
    try:  # workspaces, and notebooks: their solution cells are graded as a workspace
        subs = nbgrade.discover(submissions)
    except FileNotFoundError as e:
        ctx.fail("instructor.no-submission", path=str(e))
    if not subs:
        ctx.fail("instructor.no-submissions", paths=", ".join(submissions))
    if out:  # before any grading: an hour of grading must not end in "cannot write there"
        problem = out_problem(out, ctx.lang)
        if problem:
            ctx.fail(problem[0], **problem[1])
    # these are scores: without the kernel's confinement one submission could change another's
    # files or the results, so that is an error unless the instructor accepts it
    options = make_options(ctx, seed, timeout, device).but(strict=not allow_weak_sandbox)
    err = Console(stderr=True, highlight=False)
    weaknesses: list[str] = []

    def on_weakness(text: str):
        weaknesses.append(text)
        err.print(t("instructor.weak-sandbox", ctx.lang, weakness=text), style="yellow",
                  markup=False, soft_wrap=True)

    show_bar = not no_progress and (err.is_terminal or os.environ.get("D2LKIT_PROGRESS"))
    try:
        with terminal.grade_progress(len(subs), ctx.lang, err if show_bar else None) as on_done:
            graded = nbgrade.grade(subs, exs, options, jobs=jobs, record=record,
                                   on_done=on_done, on_weakness=on_weakness, catalogue=cat)
    except SandboxError as e:
        sandbox_refusal(ctx, e)
    for g in graded:  # every total below under the course's rule for stretch exercises
        g.results = g.results.scored(settings.stretch)
    # every engine is closed by now: no process that ran learner code is left to touch the file
    if fmt != "table":
        _write(ctx, formats.render(fmt, formats.GradeRun(
            graded, cat, exs, target, options, tuple(weaknesses), stretch=settings.stretch,
            hidden_visibility=settings.hidden_visibility, show_hidden=show_hidden)), out)
    elif out:
        buf = io.StringIO()
        terminal.grade_table(graded, ctx.lang, Console(file=buf, width=120, highlight=False))
        _write(ctx, buf.getvalue(), out)
    else:
        terminal.grade_table(graded, ctx.lang, ctx.console)
        ctx.console.print(t("instructor.seed", ctx.lang, seed=options.seed), style="dim")


@click.command()
@click.argument("directory", default="gradescope", type=click.Path(file_okay=False))
@click.option("--target", "-t", required=True, help="What the assignment grades, e.g. ch2.")
@timeout_option
@click.option("--wheel", default=None, metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="The d2lkit wheel to put in the zip (default: built from this d2lkit's "
                   "checkout, offline).")
@course_options
@click.option("--hidden-visibility", default=None,
              type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              help="When learners see an exercise whose graders have hidden checks (default: "
                   "the course file's, else after_due_date).")
@click.option("--require-landlock", is_flag=True,
              help="Refuse to grade where the full sandbox cannot run (default: grade in the "
                   "strongest sandbox the container allows, and say which).")
@click.option("--show-hidden", is_flag=True,
              help="Feedback shows checks marked hidden in full (titles, inputs, expected "
                   "values); by default it says only that a hidden check failed.")
@lang_option
def gradescope(directory, target, timeout, wheel, course, stretch, hidden_visibility,
               require_landlock, show_hidden, lang):
    """Write Gradescope's autograder for TARGET into DIRECTORY: autograder.zip (setup.sh,
    run_autograder, d2lkit's wheel, constraints.txt) and the same files beside it."""
    from d2lkit.instructor import gradescope as autograder

    ctx = context(lang)
    settings = course_settings(ctx, course, stretch, hidden_visibility)
    resolve(ctx, [target])  # refuse a target the autograder would refuse on every submission
    folder = Path(directory)
    try:
        archive, written = autograder.write(
            folder, target, ctx.lang, timeout, wheel=Path(wheel) if wheel else None,
            stretch=settings.stretch, hidden_visibility=settings.hidden_visibility,
            require_landlock=require_landlock, show_hidden=show_hidden)
    except autograder.WheelError as e:
        ctx.fail(e.key, **e.params)
    for path in written:
        click.echo(f"  {path}")
    click.echo(t("instructor.gradescope-next", ctx.lang, zip=archive, path=folder))


@click.command()
@click.argument("repository", default=".", type=click.Path(file_okay=False))
@click.option("--target", "-t", required=True, help="What the assignment grades, e.g. ch3.")
@timeout_option
@click.option("--wheel", default=None, metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="The d2lkit wheel to commit (default: built from this d2lkit's checkout, "
                   "offline).")
@click.option("--install-from", default=None, metavar="PATH",
              help="Install d2lkit from this path of the repository instead (a wheel or a "
                   "source folder already committed there); no wheel is written.")
@course_options
@click.option("--allow-weak-sandbox", is_flag=True,
              help="Grade even where the runner's kernel cannot fully confine learner code.")
@click.option("--show-hidden", is_flag=True,
              help="The learners' feedback shows checks marked hidden in full (titles, inputs, "
                   "expected values); by default it says only that a hidden check failed.")
@lang_option
def classroom(repository, target, timeout, wheel, install_from, course, stretch,
              allow_weak_sandbox, show_hidden, lang):
    """Write the GitHub Classroom workflow for TARGET into the template REPOSITORY
    (.github/workflows/classroom.yml), with d2lkit's wheel and constraints.txt in .github/d2lkit/."""
    from d2lkit.instructor import classroom as workflow
    from d2lkit.instructor.gradescope import WheelError

    ctx = context(lang)
    settings = course_settings(ctx, course, stretch)
    resolve(ctx, [target])
    repo = Path(repository)
    try:
        written = workflow.write(repo, target, ctx.lang, timeout,
                                 wheel=Path(wheel) if wheel else None, install_from=install_from,
                                 stretch=settings.stretch, allow_weak_sandbox=allow_weak_sandbox,
                                 show_hidden=show_hidden)
    except WheelError as e:
        ctx.fail(e.key, **e.params)
    except ValueError as e:
        ctx.fail("instructor.course-bad", message=str(e))
    for path in written:
        click.echo(f"  {path}")
    click.echo(t("instructor.classroom-next", ctx.lang, target=target,
                 files=", ".join(str(p.relative_to(repo)) for p in written)))


# ------------------------------------------------------------------------------ report
@click.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--html", "html_out", default=None, metavar="FILE", help="Also write an HTML page.")
@click.option("--json", "as_json", is_flag=True, help="Print the report's data as JSON.")
@click.option("--top", type=int, default=10, show_default=True, help="Mistakes to list.")
@click.option("--student", "students", multiple=True, metavar="NAME",
              help="Also show this learner's exercises (repeatable; `all` for every learner).")
@click.option("--min-nodes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Compare code only when the learner wrote at least N AST nodes of it "
                   "(default: d2lkit.instructor.integrity.MIN_NODES).")
@lang_option
def report(results, html_out, as_json, top, students, min_nodes, lang):
    """A class report from `grade --format json` results, check/progress JSON or an nbgrader
    gradebook.db: per learner (merged across files), score distribution, pass rates, frequent
    mistakes, integrity signals."""
    from d2lkit import catalogue
    from d2lkit.instructor import integrity
    from d2lkit.instructor import report as class_report
    from d2lkit.output.formats import to_json

    ctx = context(lang)
    cat = catalogue.load()
    try:
        data = class_report.load(results, cat)
    except class_report.ReportInputError as e:
        ctx.fail("instructor.bad-results", message=str(e))
    unknown = [n for n in students if n != "all" and n not in data.students]
    if unknown:
        ctx.fail("class-report.no-student", name=unknown[0], names=", ".join(sorted(data.students)))
    s = class_report.summary(data, cat, ctx.lang, top, min_nodes or integrity.MIN_NODES)
    if as_json:
        click.echo(to_json(s))
    else:
        class_report.terminal(s, ctx.lang, ctx.console, students)
    if html_out:
        Path(html_out).write_text(class_report.html_page(s, ctx.lang), "utf-8")
        click.echo(t("instructor.html-written", ctx.lang, path=html_out), err=as_json)


COMMANDS = [nbgrader_group, grade, gradescope, classroom, report]
