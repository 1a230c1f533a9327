"""The learner's commands: init, list, check, hint, solution, reset, progress.

Only `check` grades, and only it imports the engine (and with it torch).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click

from d2lkit.cli.common import (context, find_workspace, grading_options, lang_option,
                               make_options, one_exercise, open_progress, resolve,
                               workspace_option)
from d2lkit.i18n import t
from d2lkit.output.terminal import show_hint


@click.command()
@click.argument("directory", default="d2l-exercises", type=click.Path(file_okay=False))
@lang_option
def init(directory, lang):
    """Create a workspace with every exercise stub and a d2lkit.toml."""
    from d2lkit import catalogue
    from d2lkit.workspace import WorkspaceError
    from d2lkit.workspace import init as make

    ctx = context(lang)
    try:
        _, files = make(Path(directory))
    except WorkspaceError as e:
        ctx.fail(f"cli.{e.key}", **e.params)
    click.echo(t("cli.init-done", ctx.lang, count=len(catalogue.load().exercises), files=files,
                 path=directory))
    click.echo(t("cli.init-next", ctx.lang, path=directory))


@click.command(name="list")
@click.argument("targets", nargs=-1)
@workspace_option
@lang_option
def list_(targets, workspace_dir, lang):
    """The curriculum in order, with each exercise's status."""
    from d2lkit.output import terminal
    from d2lkit.workspace import WorkspaceError, find

    try:
        ws = find(workspace_dir)
    except WorkspaceError:
        ws = None  # the curriculum is worth seeing before there is a workspace
    ctx = context(lang, ws)
    cat, exs = resolve(ctx, targets)
    stats = {}
    if ws is not None:
        with open_progress(ctx, ws) as progress:
            stats = progress.stats()
    terminal.exercise_list(exs, cat, stats, ctx.lang, ctx.console)


@click.command()
@click.argument("targets", nargs=-1)
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the schema-1 results object only.")
@lang_option
@grading_options
@click.option("--verbose", "-v", is_flag=True, help="Full details and your code's printed output.")
def check(targets, workspace_dir, as_json, lang, seed, timeout, device, verbose):
    """Grade exercises: d2lkit check ch6 (exit 0 if every required exercise passed, 1 if not, 2 on
    usage errors; stretch exercises count only in a run of stretch exercises alone)."""
    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat, exs = resolve(ctx, targets)
    options = make_options(ctx, seed, timeout, device)
    target = " ".join(targets) or "all"
    from d2lkit.grading.precheck import decided_without_running

    static = decided_without_running(exs, ws.root, options)
    if static is not None:  # nothing to run (e.g. a fresh workspace): no sandbox, no torch
        with open_progress(ctx, ws) as progress, \
                progress.run(target, options.seed, "check") as record:
            for result in static:
                record(result)
        return _report(ctx, ws, cat, static, target, options, as_json, verbose)
    from d2lkit.grading.engine import grade_once  # imports torch: only a command that grades

    # a learner grading their own code is told, but not stopped
    warned: set[str] = set()

    def warn_weaknesses(weaknesses):
        for weakness in weaknesses:
            if weakness not in warned:
                warned.add(weakness)
                click.secho(t("cli.sandbox-weakness", ctx.lang, weakness=weakness), err=True,
                            dim=True)

    with open_progress(ctx, ws) as progress, \
            progress.run(target, options.seed, "check") as record:
        results = grade_once(exs, ws.root, options, on_result=record, on_weakness=warn_weaknesses)
    _report(ctx, ws, cat, results, target, options, as_json, verbose)


def _report(ctx, ws, cat, results, target: str, options, as_json: bool, verbose: bool):
    if as_json:
        from d2lkit.output import formats

        click.echo(formats.to_json(formats.results_json(results, cat, target, options)))
    else:
        from d2lkit.output import terminal

        terminal.check_report(results, cat, options, ws, ctx.console, verbose=verbose)
    sys.exit(0 if results.complete else 1)


@click.command()
@click.argument("exercise")
@workspace_option
@lang_option
def hint(exercise, workspace_dir, lang):
    """Show the next hint for an exercise (each call goes one level deeper)."""
    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    _, ex = one_exercise(ctx, exercise)
    with open_progress(ctx, ws) as progress:
        show_hint(ex, progress, ctx.lang, ctx.console)


@click.command()
@click.argument("exercise")
@workspace_option
@lang_option
@click.option("--force", is_flag=True, help="Show it before passing (recorded in your progress).")
def solution(exercise, workspace_dir, lang, force):
    """Show the reference solution of an exercise you have passed."""
    from d2lkit.authoring.stubs import strip_markers
    from d2lkit.output import terminal
    from d2lkit.paths import content_dir

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    _, ex = one_exercise(ctx, exercise)
    with open_progress(ctx, ws) as progress:
        passed = progress.has_passed(ex.id)
        if not passed and not force:
            ctx.fail("cli.solution-locked", code=1, id=ex.id)
        progress.record_solution(ex.id, forced=not passed)
    source = strip_markers((content_dir("solutions") / ex.relpath).read_text("utf-8"))
    # only this exercise's definitions: the module may hold the next exercise's answer too
    parts = [ast.get_source_segment(source, node) for node in ast.parse(source).body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in ex.functions]
    terminal.source("\n\n\n".join(p for p in parts if p) or source, ctx.console)
    if not passed:
        click.echo(t("cli.solution-forced", ctx.lang), err=True)


@click.command()
@click.argument("targets", nargs=-1, required=True)
@workspace_option
@lang_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(targets, workspace_dir, lang, yes):
    """Restore exercises to their stubs (your files are backed up first)."""
    from d2lkit.workspace import reset as restore

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    _, exs = resolve(ctx, targets)
    files = sorted({ex.relpath for ex in exs})
    if not yes and sys.stdin.isatty():
        click.confirm(t("cli.reset-confirm", ctx.lang, count=len(files)), abort=True)
    backup, changed = restore(ws, exs)
    if not changed:
        click.echo(t("cli.reset-nothing", ctx.lang, target=" ".join(targets)))
        return
    if backup:
        click.echo(t("cli.reset-backup", ctx.lang, path=backup))
    click.echo(t("cli.reset-done", ctx.lang, count=len(changed), files=", ".join(changed)))


@click.command()
@workspace_option
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Every result row as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Every result row as CSV.")
def progress(workspace_dir, lang, as_json, as_csv):
    """Your progress: per-chapter bars, attempts, time to first pass, hints, activity."""
    from d2lkit import catalogue

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat = catalogue.load()
    with open_progress(ctx, ws) as store:
        stats = store.stats()
        if as_json or as_csv:
            from d2lkit.output import formats

            text = (formats.progress_json(cat, stats, store.export_rows()) if as_json
                    else formats.progress_csv(cat, stats))
            click.echo(text, nl=False if as_csv else True)
            return
        from d2lkit.output import terminal

        terminal.progress_view(cat, stats, store.activity(), store.runs(), ctx.lang, ctx.console)


COMMANDS = [init, list_, check, hint, solution, reset, progress]
