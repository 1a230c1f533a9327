"""The `d2lkit` command. Commands that grade nothing never import torch (they must start fast)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from d2lkit import __version__
from d2lkit.i18n import detect_lang, pick, t

USAGE_ERROR = 2


# ------------------------------------------------------------------------------ shared helpers
class Ctx:
    def __init__(self, lang: str):
        self.lang = lang

    @property
    def console(self):
        from rich.console import Console

        return Console(highlight=False)

    def fail(self, key: str, code: int = USAGE_ERROR, **params):
        click.echo(t(key, self.lang, **params), err=True)
        sys.exit(code)


def lang_option(f):
    return click.option("--lang", type=click.Choice(["en", "zh"]), default=None,
                        help="Language of everything printed (else D2LKIT_LANG, else the locale).")(f)


def workspace_option(f):
    return click.option("--workspace", "-w", "workspace_dir", default=None, metavar="DIR",
                        help="Workspace folder (else D2LKIT_WORKSPACE, else the nearest d2lkit.toml "
                             "above the current folder).")(f)


def _ctx(lang, ws=None) -> Ctx:
    if lang is None and ws is not None:
        lang = ws.settings().get("lang")
    return Ctx(detect_lang(lang))


def _workspace(ctx_lang, workspace_dir):
    from d2lkit.workspace import WorkspaceError, find

    try:
        return find(workspace_dir)
    except WorkspaceError as e:
        Ctx(detect_lang(ctx_lang)).fail(f"cli.{e.key}", **e.params)


def _resolve(ctx: Ctx, targets):
    from d2lkit import catalogue

    cat = catalogue.load()
    try:
        return cat, cat.resolve(list(targets))
    except catalogue.TargetError as e:
        lines = [t("cli.unknown-target", ctx.lang, target=e.target)]
        if e.suggestions:
            lines.append(t("cli.did-you-mean", ctx.lang, names=", ".join(e.suggestions)))
        lines.append(t("cli.see-list", ctx.lang))
        click.echo("\n".join(lines), err=True)
        sys.exit(USAGE_ERROR)


def _one_exercise(ctx: Ctx, target: str):
    cat, exs = _resolve(ctx, [target])
    if len(exs) != 1:
        names = ", ".join(ex.id for ex in exs[:5])
        click.echo(t("cli.unknown-exercise", ctx.lang, target=target) + "\n" +
                   t("cli.did-you-mean", ctx.lang, names=names), err=True)
        sys.exit(USAGE_ERROR)
    return cat, exs[0]


def _progress(ctx: Ctx, ws):
    from d2lkit.progress import Progress

    def warn(key, **params):
        click.echo(t(f"cli.{key}", ctx.lang, **params), err=True)

    return Progress(ws.progress_path, warn=warn)


# ------------------------------------------------------------------------------ the group
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="d2lkit")
def main():
    """Self-grading exercises for 《动手学深度学习》 (Dive into Deep Learning, PyTorch).

    \b
    Start:   d2lkit init my-d2l && cd my-d2l
    Grade:   d2lkit check ch2        (or 2, 2.3, ch2.vector_norm, norms, en:2, all)
    Help:    d2lkit hint ch2.vector_norm
    """


@main.command()
@click.argument("directory", default="d2l-exercises", type=click.Path(file_okay=False))
@lang_option
def init(directory, lang):
    """Create a workspace with every exercise stub and a d2lkit.toml."""
    from d2lkit.workspace import WorkspaceError
    from d2lkit.workspace import init as make

    ctx = _ctx(lang)
    try:
        ws, count = make(Path(directory))
    except WorkspaceError as e:
        ctx.fail(f"cli.{e.key}", **e.params)
    from d2lkit import catalogue

    click.echo(t("cli.init-done", ctx.lang, count=len(catalogue.load().exercises), files=count,
                 path=directory))
    click.echo(t("cli.init-next", ctx.lang, path=directory))


@main.command(name="list")
@click.argument("targets", nargs=-1)
@workspace_option
@lang_option
def list_(targets, workspace_dir, lang):
    """The curriculum in order, with each exercise's status."""
    from d2lkit import render
    from d2lkit.workspace import WorkspaceError, find

    try:
        ws = find(workspace_dir)
    except WorkspaceError:
        ws = None  # the curriculum is worth seeing before there is a workspace
    ctx = _ctx(lang, ws)
    cat, exs = _resolve(ctx, targets)
    stats = _progress(ctx, ws).stats() if ws is not None else {}
    render.exercise_list(exs, cat, stats, ctx.lang, ctx.console)


@main.command()
@click.argument("targets", nargs=-1)
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the schema-1 results object only.")
@lang_option
@click.option("--seed", type=int, default=None, help="Seed for the random inputs (replay a run).")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds allowed for each call into your code.")
@click.option("--device", default="cpu", show_default=True, help="Grade on cpu or cuda.")
@click.option("--verbose", "-v", is_flag=True, help="Full details and your code's printed output.")
def check(targets, workspace_dir, as_json, lang, seed, timeout, device, verbose):
    """Grade exercises: d2lkit check ch6 (exit 0 if all passed, 1 if not, 2 on usage errors)."""
    ws = _workspace(lang, workspace_dir)
    ctx = _ctx(lang, ws)
    cat, exs = _resolve(ctx, targets)
    target = " ".join(targets) or "all"
    exit_code = run_check(ctx, ws, cat, exs, target, seed, timeout, device, verbose, as_json)
    sys.exit(exit_code)


def run_check(ctx, ws, cat, exs, target, seed, timeout, device, verbose, as_json) -> int:
    from d2lkit import render

    if device != "cpu":
        from d2lkit.grading.devices import cuda_available  # asks without initializing CUDA

        if not device.startswith("cuda") or not cuda_available():
            ctx.fail("cli.no-cuda")
    seed = seed if seed is not None else int.from_bytes(os.urandom(3), "little")
    progress = _progress(ctx, ws)
    run_id = progress.start_run(target, seed, "check", __version__)

    def record(result):
        progress.record_result(run_id, result.id, result.status, result.mistake, result.duration_s,
                               result.code_hash)

    from d2lkit.grading.session import check_exercises

    results = check_exercises(exs, ws.root, seed=seed, timeout=timeout, device=device,
                              on_result=record)
    progress.finish_run(run_id)
    progress.close()
    if as_json:
        click.echo(json.dumps(render.results_json(results, cat, ctx.lang, target, seed),
                              ensure_ascii=False, indent=2))
    else:
        render.check_report(results, cat, ctx.lang, target, seed, ws, verbose, ctx.console)
    return 0 if all(r.passed for r in results) else 1


@main.command()
@click.argument("exercise")
@workspace_option
@lang_option
def hint(exercise, workspace_dir, lang):
    """Show the next hint for an exercise (each call goes one level deeper)."""
    ws = _workspace(lang, workspace_dir)
    ctx = _ctx(lang, ws)
    _, ex = _one_exercise(ctx, exercise)
    progress = _progress(ctx, ws)
    seen = progress.hints_seen(ex.id)
    if seen >= len(ex.hints):
        click.echo(t("cli.no-more-hints", ctx.lang, id=ex.id, count=len(ex.hints)))
        for level, h in enumerate(ex.hints, 1):
            click.echo(f"  {level}. {pick(h, ctx.lang)}")
        return
    level = seen + 1
    progress.record_hint(ex.id, level)
    console = ctx.console
    console.print(t("cli.hint-level", ctx.lang, level=level, count=len(ex.hints), id=ex.id,
                    title=pick(ex.title, ctx.lang)), style="bold", markup=False)
    console.print(pick(ex.hints[level - 1], ctx.lang), markup=False)


@main.command()
@click.argument("exercise")
@workspace_option
@lang_option
@click.option("--force", is_flag=True, help="Show it before passing (recorded in your progress).")
def solution(exercise, workspace_dir, lang, force):
    """Show the reference solution of an exercise you have passed."""
    import ast

    from d2lkit import render
    from d2lkit.paths import content_dir
    from d2lkit.stubs import strip_markers

    ws = _workspace(lang, workspace_dir)
    ctx = _ctx(lang, ws)
    _, ex = _one_exercise(ctx, exercise)
    progress = _progress(ctx, ws)
    passed = progress.has_passed(ex.id)
    if not passed and not force:
        ctx.fail("cli.solution-locked", code=1, id=ex.id)
    progress.record_solution(ex.id, forced=not passed)
    source = strip_markers((content_dir("solutions") / ex.relpath).read_text("utf-8"))
    tree = ast.parse(source)
    parts = [ast.get_source_segment(source, n) for n in tree.body
             if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in ex.functions]
    render.source("\n\n\n".join(p for p in parts if p) or source, ctx.console)
    if not passed:
        click.echo(t("cli.solution-forced", ctx.lang), err=True)


@main.command()
@click.argument("targets", nargs=-1, required=True)
@workspace_option
@lang_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(targets, workspace_dir, lang, yes):
    """Restore exercises to their stubs (your files are backed up first)."""
    from d2lkit.workspace import reset as do_reset

    ws = _workspace(lang, workspace_dir)
    ctx = _ctx(lang, ws)
    _, exs = _resolve(ctx, targets)
    files = sorted({ex.relpath for ex in exs})
    if not yes and sys.stdin.isatty():
        click.confirm(t("cli.reset-confirm", ctx.lang, count=len(files)), abort=True)
    backup, changed = do_reset(ws, exs)
    if not changed:
        click.echo(t("cli.reset-nothing", ctx.lang, target=" ".join(targets)))
        return
    if backup:
        click.echo(t("cli.reset-backup", ctx.lang, path=backup))
    click.echo(t("cli.reset-done", ctx.lang, count=len(changed), files=", ".join(changed)))


@main.command()
@workspace_option
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Every result row as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Every result row as CSV.")
def progress(workspace_dir, lang, as_json, as_csv):
    """Your progress: per-chapter bars, attempts, time to first pass, hints, activity."""
    from d2lkit import catalogue, render

    ws = _workspace(lang, workspace_dir)
    ctx = _ctx(lang, ws)
    store = _progress(ctx, ws)
    cat = catalogue.load()
    stats = store.stats()
    if as_json or as_csv:
        rows = store.export_rows()
        per_exercise = [{"id": ex.id, "chapter": ex.chapter_id, "stretch": ex.stretch,
                         "status": stats[ex.id].status if ex.id in stats else None,
                         "passed": bool(ex.id in stats and stats[ex.id].ever_passed),
                         "attempts": stats[ex.id].attempts if ex.id in stats else 0,
                         "time_to_first_pass_s": stats[ex.id].time_to_first_pass if ex.id in stats else None,
                         "hints_used": stats[ex.id].hints_used if ex.id in stats else 0}
                        for ex in cat.exercises]
        if as_json:
            click.echo(json.dumps({"schema": 1, "exercises": per_exercise, "results": rows},
                                  ensure_ascii=False, indent=2))
        else:
            import csv

            writer = csv.DictWriter(sys.stdout, fieldnames=list(per_exercise[0]))
            writer.writeheader()
            writer.writerows(per_exercise)
        return
    render.progress_view(cat, stats, store.activity(), store.runs(), ctx.lang, ctx.console)


# ------------------------------------------------------------------------------ authoring
@main.group()
def dev():
    """Authoring tools: prove stubs fail, solutions pass and mistakes are caught."""


@dev.command(name="check")
@click.argument("targets", nargs=-1)
@click.option("--no-mutants", is_flag=True, help="Skip the mutants (faster).")
@lang_option
def dev_check(targets, no_mutants, lang):
    """The authoring lint for every catalogue entry in TARGETS (default: all)."""
    from d2lkit import devcheck

    ctx = _ctx(lang)
    cat, exs = _resolve(ctx, targets)
    ok = devcheck.run(cat, exs, ctx.lang, ctx.console, mutants=not no_mutants)
    sys.exit(0 if ok else 1)


@dev.command(name="sync")
@click.argument("targets", nargs=-1)
@lang_option
def dev_sync(targets, lang):
    """Regenerate the stubs in exercises/ from the solutions (of TARGETS, default all)."""
    from d2lkit.stubs import sync

    ctx = _ctx(lang)
    _, exs = _resolve(ctx, targets)
    written = sync({ex.relpath for ex in exs} if targets else None)
    click.echo(t("dev.synced", detect_lang(lang), count=len(written)))
    for path in written:
        click.echo(f"  {path}")


from d2lkit.cli_instructor import register as _register_instructor
_register_instructor(main)


from d2lkit.cli_watch import register as _register_watch  # noqa: E402
_register_watch(main)


if __name__ == "__main__":
    main()
