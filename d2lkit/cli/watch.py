"""`d2lkit watch`: re-grade on every save (the loop itself is d2lkit.watch.Watcher).

Importing this module imports no torch: `d2lkit watch --help` and the other commands stay fast.
"""

from __future__ import annotations

import sys

import click

from d2lkit.cli.common import (context, find_workspace, grading_options, lang_option,
                               make_options, open_progress, resolve, workspace_option)


@click.command()
@click.argument("targets", nargs=-1)
@workspace_option
@lang_option
@click.option("--manual", is_flag=True,
              help="Re-grade when you press Enter (for file systems where save events don't arrive).")
@grading_options
def watch(targets, workspace_dir, lang, manual, seed, timeout, device):
    """Re-grade on every save, move on when an exercise passes (keys: h hint, l list, n next,
    q quit)."""
    from d2lkit.watch import Watcher

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat, exs = resolve(ctx, targets)
    options = make_options(ctx, seed, timeout, device)
    with open_progress(ctx, ws) as progress:
        watcher = Watcher(ws, cat, exs, options, ctx.console, target=" ".join(targets) or "all",
                          progress=progress, manual=manual)
        sys.exit(watcher.run())


COMMANDS = [watch]
