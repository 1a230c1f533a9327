"""The learner's commands: init, next, list, check, hint, solution, reset, progress, update.

Only `check` grades, and only it imports the engine (and with it torch). Without an exercise id,
`check` and `hint` work on the current exercise (`d2lkit.current`; `next` shows it and why), and
`solution` shows the exercise that passed most recently.

Exit codes: 0 — done (for `check`: every required exercise of the target passed; stretch
exercises decide it only in a run of stretch exercises alone); 1 — `check`: an exercise did not
pass, `solution`: still locked; 2 — a usage error (an unknown target, no workspace, a bad
option, --device cuda without CUDA).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click

from d2lkit.cli.common import (by_kind, context, current_of, current_or_exit, find_workspace,
                               grading_options, kind_option, lang_option, make_options,
                               one_exercise, open_progress, plain_option, resolve, tell_pending,
                               workspace_option)
from d2lkit.i18n import pick, t
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
        # an explicit --lang is the workspace's language from now on (read back from d2lkit.toml)
        _, files = make(Path(directory), lang=ctx.lang if lang else None)
    except WorkspaceError as e:
        ctx.fail(f"cli.{e.key}", **e.params)
    click.echo(t("cli.init-done", ctx.lang, count=len(catalogue.load().exercises), files=files,
                 path=directory))
    click.echo(t("cli.init-next", ctx.lang, path=directory))
    if lang:
        click.echo(t("cli.init-lang", ctx.lang, code=ctx.lang))


@click.command(name="next")
@click.argument("targets", nargs=-1)
@workspace_option
@lang_option
@click.option("--json", "as_json", is_flag=True, help="The current exercise as one JSON object.")
@plain_option
def next_(targets, workspace_dir, lang, as_json):
    """The current exercise: its title and section, where its stub is (file:line), the book
    section to read, and why it is current. With a target, the current exercise there."""
    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat, _ = resolve(ctx, targets)  # an unknown target exits 2 with the nearest names
    with open_progress(ctx, ws) as progress:
        current = current_of(cat, progress, targets)
        stats = progress.stats()
    from d2lkit.output import terminal
    from d2lkit.workspace import locate

    ex = current.exercise
    where = locate(ws, ex) if ex is not None else (None, None)
    if as_json:
        from d2lkit.output.formats import to_json

        click.echo(to_json(_next_json(cat, ex, current, where, stats, ctx.lang)))
    else:
        terminal.current_view(cat, current, where, stats.get(ex.id) if ex else None, ctx.lang,
                              ctx.console)
    tell_pending(ctx, ws, cat)


def _next_json(cat, ex, current, where, stats, lang: str) -> dict:
    if ex is None:
        return {"schema": 1, "id": None, "reason": current.reason, "target": current.target}
    from d2lkit.output.terminal import book_section

    path, line = where
    s = stats.get(ex.id)
    number, title, url = book_section(cat, ex, lang)
    return {"schema": 1, "id": ex.id, "title": pick(ex.title, lang), "chapter": ex.chapter_id,
            "section": ex.section, "stretch": ex.stretch, "points": ex.points,
            "functions": list(ex.functions), "file": str(path), "line": line,
            "status": s.status if s else None, "attempts": s.attempts if s else 0,
            "reason": current.reason, "target": current.target,
            "read": {"section": number, "title": title, "url": url}}


@click.command(name="list")
@click.argument("targets", nargs=-1)
@workspace_option
@lang_option
@kind_option
@plain_option
def list_(targets, workspace_dir, lang, kinds):
    """The curriculum in order, with each exercise's kind and status; ▶ marks the current
    exercise. --kind training: only the training exercises."""
    from d2lkit.output import terminal
    from d2lkit.workspace import WorkspaceError, find

    try:
        ws = find(workspace_dir)
    except WorkspaceError:
        ws = None  # the curriculum is worth seeing before there is a workspace
    ctx = context(lang, ws)
    cat, exs = resolve(ctx, targets)
    # a kind that leaves nothing to list is an answer, not a mistake: exit 0
    exs = by_kind(ctx, exs, kinds, " ".join(targets) or "all", nothing_code=0)
    stats, current = {}, None
    if ws is not None:
        with open_progress(ctx, ws) as progress:
            stats = progress.stats()
            found = current_of(cat, progress).exercise
            current = found.id if found is not None else None
    terminal.exercise_list(exs, cat, stats, ctx.lang, ctx.console, current=current)
    if ws is not None:
        tell_pending(ctx, ws, cat)


@click.command()
@click.argument("targets", nargs=-1)
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the schema-1 results object only.")
@lang_option
@grading_options
@kind_option
@click.option("--verbose", "-v", is_flag=True, help="Full details and your code's printed output.")
@plain_option
def check(targets, workspace_dir, as_json, lang, seed, timeout, device, kinds, verbose):
    """Grade exercises: d2lkit check ch6; without a target, the current exercise (d2lkit next);
    --kind training: only the training exercises (of the targets, else of all).
    Exit 0 if every required exercise of the target passed, 1 if not, 2 on usage errors (also a
    --kind that leaves nothing); stretch exercises decide it only in a run of stretch exercises
    alone."""
    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    if targets or kinds:
        cat, exs = resolve(ctx, targets)
        target = " ".join(targets) or "all"
        exs = by_kind(ctx, exs, kinds, target)
    else:
        from d2lkit import catalogue

        cat = catalogue.load()
        with open_progress(ctx, ws) as progress:
            exs = [current_or_exit(ctx, cat, progress, "check").exercise]
        target = exs[0].id
    options = make_options(ctx, seed, timeout, device)
    if targets:  # the current exercise is looked for in the last target named
        with open_progress(ctx, ws) as progress:
            progress.record_target(target, "check")
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
@click.argument("exercise", required=False)
@workspace_option
@lang_option
@plain_option
def hint(exercise, workspace_dir, lang):
    """Show the next hint for an exercise (each call goes one level deeper); without an id, for
    the current exercise (d2lkit next)."""
    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    if exercise is not None:
        _, ex = one_exercise(ctx, exercise)
    with open_progress(ctx, ws) as progress:
        if exercise is None:
            from d2lkit import catalogue

            ex = current_or_exit(ctx, catalogue.load(), progress, "hint").exercise
        show_hint(ex, progress, ctx.lang, ctx.console)


@click.command()
@click.argument("exercise", required=False)
@workspace_option
@lang_option
@click.option("--force", is_flag=True, help="Show it before passing (recorded in your progress).")
@plain_option
def solution(exercise, workspace_dir, lang, force):
    """Show the reference solution of an exercise you have passed; without an id, of the one that
    passed most recently. Written to a file or a pipe, it is the code itself."""
    from d2lkit.authoring.stubs import strip_markers
    from d2lkit.output import terminal
    from d2lkit.paths import content_dir

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    if exercise is None:
        with open_progress(ctx, ws) as progress:
            exercise = progress.last_passed()
        if exercise is None:
            ctx.fail("cli.no-passed-yet", code=1)
        click.echo(t("cli.solution-of-last", ctx.lang, id=exercise), err=True)
    _, ex = one_exercise(ctx, exercise)
    with open_progress(ctx, ws) as progress:
        passed = progress.has_passed(ex.id)
        if not passed and not force:
            ctx.fail("cli.solution-locked", code=1, id=ex.id)
        progress.record_solution(ex.id, forced=not passed)
    if ex.is_quiz:  # its answer and why, from the kit's key (never in the workspace)
        from d2lkit.quiz.grading import shown
        from d2lkit.quiz.key import truth

        click.echo(t("quiz.answer", ctx.lang, answer=shown(ex, truth(ex))))
        click.echo(t("quiz.explanation", ctx.lang, explanation=pick(ex.explanation, ctx.lang)))
        if not passed:
            click.echo(t("cli.solution-forced", ctx.lang), err=True)
        return
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
    """Put exercises back to their stubs: only their own functions and classes (the rest of each
    file stays yours), after a backup of the file; their status becomes "reset"."""
    from d2lkit.workspace import apply_reset, plan_reset

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat, exs = resolve(ctx, targets)
    plans = plan_reset(ws, exs)
    if not plans:
        click.echo(t("cli.reset-nothing", ctx.lang, target=" ".join(targets)))
        return
    what = _restored(plans, ctx.lang)
    if not yes and sys.stdin.isatty():
        click.confirm(t("cli.reset-confirm", ctx.lang, what=what), abort=True)
    backup = apply_reset(ws, plans)
    # the exercises whose code went back: their status is "reset" until they are graded again
    reset_ids = []
    for plan in plans:
        if plan.whole_file:
            hit = [ex for ex in cat.exercises if ex.relpath == plan.relpath]
        else:
            hit = [ex for ex in exs if ex.relpath == plan.relpath
                   and set(ex.functions or (ex.name,)) & set(plan.names)]
        reset_ids += [(ex.id, bool(plan.whole_file)) for ex in hit]
    with open_progress(ctx, ws) as progress:
        for eid, whole in reset_ids:
            progress.record_reset(eid, whole_file=whole)
    if backup:
        click.echo(t("cli.reset-backup", ctx.lang, path=backup))
    click.echo(t("cli.reset-done", ctx.lang, what=what))
    if reset_ids:
        click.echo(t("cli.reset-status", ctx.lang,
                     ids=t("cli.list-sep", ctx.lang).join(eid for eid, _ in reset_ids)))


def _restored(plans, lang: str) -> str:
    """What a reset puts back, in words: "the function row_normalize in ch02/norms.py"."""
    sep = t("cli.list-sep", lang)
    parts = []
    for plan in plans:
        if plan.whole_file:
            parts.append(t(f"cli.reset-whole-{plan.whole_file}", lang, file=plan.relpath))
            continue
        names = sep.join(t(f"cli.reset-{kind}", lang, name=name)
                         for name, kind in zip(plan.names, plan.kinds))
        parts.append(t("cli.reset-in-file", lang, what=names, file=plan.relpath))
    return t("cli.list-end", lang).join(parts)


@click.command()
@workspace_option
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Every result row as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Every result row as CSV.")
@plain_option
def progress(workspace_dir, lang, as_json, as_csv):
    """Your progress: per-chapter bars, passed now, attempts (versions of your code graded, not
    re-grades), time to first pass, hints, resets, activity."""
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


@click.command()
@workspace_option
@lang_option
@click.option("--dry-run", is_flag=True, help="Only print what would be added.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def update(workspace_dir, lang, dry_run, yes):
    """Add what the installed kit has and this workspace lacks: new chapter and topic files, and
    the stubs of new exercises appended to your files (nothing you wrote is changed; every file
    changed is backed up first). Exit 1 when a file could not be updated (a syntax error)."""
    from d2lkit import __version__, catalogue, renames
    from d2lkit import update as updating
    from d2lkit.progress import Progress

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat = catalogue.load()
    rename_map = renames.load()
    path = ws.progress_path
    with Progress(path if path and path.is_file() else None, read_only=True) as seen:
        plan = updating.plan(ws, cat, ctx.lang, rename_map, seen)
    if plan.empty:
        click.echo(t("update.nothing", ctx.lang, version=__version__))
        return
    old = plan.kit_version
    if old and old != __version__:
        click.echo(t("update.versions", ctx.lang, old=old, new=__version__))
    else:
        click.echo(t("update.versions-unknown", ctx.lang, new=__version__))
    sep = t("cli.list-sep", ctx.lang)
    for change in plan.changes:
        names = sep.join(change.names)
        if change.action == updating.ADDED:
            click.echo(t("update.file-added-names" if names else "update.file-added", ctx.lang,
                         file=change.relpath, names=names))
        elif change.action == updating.APPENDED:
            click.echo(t("update.file-appended", ctx.lang, file=change.relpath, names=names))
            if change.helpers:
                click.echo(t("update.file-helpers", ctx.lang, names=sep.join(change.helpers)))
    for old_id, new_id in plan.renames.items():
        click.echo(t("update.renamed", ctx.lang, old=old_id, new=new_id))
    if plan.marker_new is not None:
        click.echo(t("update.marker", ctx.lang, version=__version__))
    for change in plan.left_alone:
        click.secho(t(f"update.file-{change.why}", ctx.lang, file=change.relpath,
                      names=sep.join(change.names)), err=True, fg="yellow")
    code = 1 if plan.left_alone else 0
    if dry_run:
        click.echo(t("update.dry-run", ctx.lang))
        sys.exit(code)
    if not plan.writes and plan.marker_new is None and not plan.renames:
        sys.exit(code)  # only files it could not touch
    if not yes and sys.stdin.isatty():
        click.confirm(t("update.confirm", ctx.lang), abort=True)
    with open_progress(ctx, ws) as progress:  # opening migrates an older database first
        backup = updating.apply(ws, plan, progress if plan.renames else None)
    if backup:
        click.echo(t("update.backup", ctx.lang, path=backup))
    click.echo(t("update.done", ctx.lang, files=len(plan.writes) + (plan.marker_new is not None)))
    sys.exit(code)


COMMANDS = [init, next_, list_, check, hint, solution, reset, progress, update]
