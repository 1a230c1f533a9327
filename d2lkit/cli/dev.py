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


@dev.command(name="sync")
@click.argument("targets", nargs=-1)
@lang_option
def dev_sync(targets, lang):
    """Regenerate the stubs in exercises/ from the solutions (of TARGETS, default all)."""
    from d2lkit.authoring.stubs import sync

    ctx = context(lang)
    _, exs = resolve(ctx, targets)
    written = sync({ex.relpath for ex in exs} if targets else None)
    click.echo(t("dev.synced", ctx.lang, count=len(written)))
    for path in written:
        click.echo(f"  {path}")


COMMANDS = [dev]
