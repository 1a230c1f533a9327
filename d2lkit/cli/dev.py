"""`d2lkit dev`: the authoring tools (prove stubs fail, solutions pass, mistakes are caught)."""

from __future__ import annotations

import sys

import click

from d2lkit.cli.common import context, lang_option, resolve
from d2lkit.i18n import t


@click.group()
def dev():
    """Authoring tools: prove stubs fail, solutions pass and mistakes are caught."""


@dev.command(name="check")
@click.argument("targets", nargs=-1)
@click.option("--no-mutants", is_flag=True, help="Skip the mutants (faster).")
@lang_option
def dev_check(targets, no_mutants, lang):
    """The authoring lint for every catalogue entry in TARGETS (default: all)."""
    from d2lkit.authoring import devcheck

    ctx = context(lang)
    cat, exs = resolve(ctx, targets)
    ok = devcheck.run(cat, exs, ctx.lang, ctx.console, mutants=not no_mutants)
    sys.exit(0 if ok else 1)


@dev.command(name="mutate")
@click.argument("targets", nargs=-1)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Grading engines working in parallel (default: one per core, up to 4).")
@click.option("--sample", "per_chapter", type=click.IntRange(min=1), default=None, metavar="N",
              help="Grade only N mutants per chapter, a fixed choice (writes no report).")
@click.option("--seed", type=int, default=None,
              help="Seed of the graders' random inputs and of the sample (default 1234).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds allowed per call into a mutant (default: grading's own).")
@lang_option
def dev_mutate(targets, jobs, per_chapter, seed, timeout, lang):
    """Grade every single-point mutant of the reference solutions of TARGETS (default: all) and
    list the survivors: each must be recorded as equivalent, with a differential test, in
    d2lkit/curriculum/mutation/chNN.equivalents.toml; anything else is a grader hole."""
    import os

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from d2lkit.authoring import mutate

    ctx = context(lang)
    _, exs = resolve(ctx, targets)
    quizzes_ok = _quizzes(exs, ctx)  # no code to mutate: their wrong answers, checked here
    exs = [ex for ex in exs if not ex.is_quiz]
    if not exs:
        sys.exit(0 if quizzes_ok else 1)
    jobs = jobs or max(1, min(os.cpu_count() or 1, 4))
    seed = mutate.DEFAULT_SEED if seed is None else seed
    mutants = mutate.mutants_of(exs)
    graded = len(mutate.sample(mutants, per_chapter, seed) if per_chapter else mutants)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=ctx.console, transient=True) as progress:
        bar = progress.add_task("grading mutants", total=graded)
        result = mutate.run(exs, jobs=jobs, per_chapter=per_chapter, seed=seed, timeout=timeout,
                            mutants=mutants, on_done=lambda m, outcome: progress.advance(bar))
    mutate.show(result, ctx.console)
    sys.exit(0 if result.ok and quizzes_ok else 1)


def _quizzes(exs, ctx) -> bool:
    """A quiz's "mutants" are its generated wrong answers: one line per quiz, saying how many
    the grader rejected (or what it accepted). True when every one was rejected."""
    quizzes = [ex for ex in exs if ex.is_quiz]
    if not quizzes:
        return True
    from d2lkit.quiz import checks

    click.echo(t("quiz.mutate-skipped", ctx.lang, count=len(quizzes)))
    ok = True
    for ex in quizzes:
        found, rejected = checks.problems(ex)
        ok = ok and not found
        click.echo(f"  {'✗' if found else '✓'} {ex.id}: "
                   + ("; ".join(found) if found else t("quiz.rejected", ctx.lang, count=rejected)))
    return ok


@dev.command(name="sync")
@click.argument("targets", nargs=-1)
@lang_option
def dev_sync(targets, lang):
    """Regenerate the stubs in exercises/ from the solutions (of TARGETS, default all)."""
    from d2lkit.authoring.stubs import sync

    ctx = context(lang)
    cat, exs = resolve(ctx, targets)
    written = sync({ex.relpath for ex in exs if not ex.is_quiz} if targets else None)
    from d2lkit.quiz import answers  # and each chapter's quiz answers file

    written += answers.sync(cat, {ex.chapter for ex in exs} if targets else None)
    click.echo(t("dev.synced", ctx.lang, count=len(written)))
    for path in written:
        click.echo(f"  {path}")


COMMANDS = [dev]
