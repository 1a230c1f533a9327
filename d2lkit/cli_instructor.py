"""Instructor commands: `d2lkit nbgrader init/export`, `grade`, `gradescope`, `report`.

Registered on the main group by `register(main)`. Like the rest of the CLI, nothing here imports
torch until it grades (`d2lkit grade`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from d2lkit.cli import USAGE_ERROR, _ctx, _resolve, lang_option
from d2lkit.i18n import t


def _write(text: str, out: str | None):
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text if text.endswith("\n") else text + "\n", "utf-8")
    else:
        click.echo(text)


@click.group(name="nbgrader")
def nbgrader_group():
    """nbgrader courses: a configured course directory and generated notebooks."""


@nbgrader_group.command(name="init")
@click.argument("course_dir", type=click.Path(file_okay=False))
@click.option("--course-id", default=None, help="nbgrader course id (default: the folder's name).")
@click.option("--timeout", type=int, default=60, show_default=True,
              help="Seconds per notebook cell when autograding.")
@click.option("--force", is_flag=True, help="Overwrite an existing nbgrader_config.py.")
@lang_option
def nbgrader_init(course_dir, course_id, timeout, force, lang):
    """Create COURSE_DIR with an nbgrader_config.py set up for d2lkit's notebooks."""
    from d2lkit.instructor.nbgrader_course import CourseExists, init

    ctx = _ctx(lang)
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
@lang_option
def nbgrader_export(target, course_dir, assignment, lang):
    """Write source/<assignment>/<topic>.ipynb for every topic in TARGET."""
    from d2lkit.instructor.notebooks import assignment_name, export

    ctx = _ctx(lang)
    cat, exs = _resolve(ctx, [target])
    name = assignment or assignment_name(target)
    written = export(exs, cat, Path(course_dir), name, ctx.lang)
    click.echo(t("instructor.exported", ctx.lang, count=len(written), exercises=len(exs),
                 path=Path(course_dir) / "source" / name))
    for path in written:
        click.echo(f"  {path}")
    if not (Path(course_dir) / "nbgrader_config.py").exists():
        click.echo(t("instructor.no-config", ctx.lang, path=course_dir), err=True)


@click.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--target", "-t", default="all", show_default=True,
              help="What to grade: ch2, 2.3, ch2.vector_norm, norms, all …")
@click.option("--jobs", "-j", type=int, default=1, show_default=True,
              help="Submissions graded in parallel (one sandbox each).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "gradescope",
                                                     "classroom"]), default="table",
              show_default=True)
@click.option("--out", "-o", default=None, metavar="FILE", help="Write the output here.")
@click.option("--seed", type=int, default=None, help="Seed for the random inputs (default: random).")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds allowed for each call into a submission's code.")
@click.option("--record", is_flag=True,
              help="Also record the results in each submission's progress database.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@lang_option
def grade(submissions, target, jobs, fmt, out, seed, timeout, record, no_progress, lang):
    """Grade SUBMISSION workspaces (or folders of them) with the graders of `d2lkit check`."""
    from d2lkit.instructor import batch, formats

    ctx = _ctx(lang)
    cat, exs = _resolve(ctx, [target])
    try:
        subs = batch.discover(submissions)
    except FileNotFoundError as e:
        ctx.fail("instructor.no-submission", path=str(e))
    if not subs:
        ctx.fail("instructor.no-submissions", paths=", ".join(submissions))
    seed = seed if seed is not None else int.from_bytes(os.urandom(3), "little")
    console = ctx.console
    err_console = _err_console()
    show_bar = not no_progress and (err_console.is_terminal or os.environ.get("D2LKIT_PROGRESS"))
    if show_bar:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[last]}"),
                       console=err_console, transient=True)
        task = bar.add_task(t("instructor.grading", ctx.lang), total=len(subs), last="")

        def on_done(g):
            bar.update(task, advance=1, last=f"{g.submission.name} {g.points}/{g.max_points}")
        with bar:
            graded = batch.grade(subs, exs, seed=seed, timeout=timeout, jobs=jobs, record=record,
                                 on_done=on_done)
    else:
        graded = batch.grade(subs, exs, seed=seed, timeout=timeout, jobs=jobs, record=record)
    if fmt == "table":
        if out:
            from rich.console import Console

            with open(out, "w", encoding="utf-8") as f:
                formats.table(graded, exs, ctx.lang, Console(file=f, width=120, highlight=False))
        else:
            formats.table(graded, exs, ctx.lang, console)
            console.print(t("instructor.seed", ctx.lang, seed=seed), style="dim")
    else:
        _write(formats.render(fmt, graded, cat, exs, ctx.lang, target, seed), out)


def _err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@click.command()
@click.argument("directory", default="gradescope", type=click.Path(file_okay=False))
@click.option("--target", "-t", required=True, help="What the assignment grades, e.g. ch2.")
@click.option("--timeout", type=float, default=10.0, show_default=True)
@click.option("--requirement", default="d2lkit", show_default=True,
              help="What setup.sh pip-installs (a version pin, a wheel URL, a git URL).")
@lang_option
def gradescope(directory, target, timeout, requirement, lang):
    """Write Gradescope's setup.sh / run_autograder pair for TARGET into DIRECTORY."""
    from d2lkit.instructor.formats import gradescope_files

    ctx = _ctx(lang)
    _resolve(ctx, [target])
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in gradescope_files(target, ctx.lang, timeout, requirement).items():
        path = folder / name
        path.write_text(text, "utf-8")
        path.chmod(0o755)
        click.echo(f"  {path}")
    click.echo(t("instructor.gradescope-next", ctx.lang, path=folder))


@click.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--html", "html_out", default=None, metavar="FILE", help="Also write an HTML page.")
@click.option("--json", "as_json", is_flag=True, help="Print the report's data as JSON.")
@click.option("--top", type=int, default=10, show_default=True, help="Mistakes to list.")
@lang_option
def report(results, html_out, as_json, top, lang):
    """A class report from grading results: pass rates, frequent mistakes, time to first pass."""
    import json

    from d2lkit import catalogue
    from d2lkit.instructor import report as rep

    ctx = _ctx(lang)
    try:
        data = rep.load(results)
    except rep.ReportInputError as e:
        ctx.fail("instructor.bad-results", message=str(e))
    s = rep.summary(data, catalogue.load(), ctx.lang, top)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
    else:
        rep.terminal(s, ctx.lang, ctx.console)
    if html_out:
        Path(html_out).write_text(rep.html_page(s, ctx.lang), "utf-8")
        click.echo(t("instructor.html-written", ctx.lang, path=html_out), err=as_json)


def register(main):
    main.add_command(nbgrader_group)
    main.add_command(grade)
    main.add_command(gradescope)
    main.add_command(report)


__all__ = ["register", "USAGE_ERROR"]
_ = sys
