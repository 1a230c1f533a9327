"""`d2lkit watch`: re-grade on every save (the loop itself is d2lkit.watch.Watcher).

Importing this module imports no torch: `d2lkit watch --help` and the other commands stay fast.
"""

from __future__ import annotations

import sys

import click

from d2lkit.cli.common import (by_kind, context, current_or_exit, find_workspace,
                               grading_options, kind_option, lang_option, make_options,
                               open_progress, plain_option, resolve, workspace_option)


@click.command()
@click.argument("targets", nargs=-1)
@workspace_option
@lang_option
@click.option("--manual", is_flag=True,
              help="Re-grade when you press Enter (for file systems where save events don't arrive).")
@grading_options
@kind_option
@plain_option
def watch(targets, workspace_dir, lang, manual, seed, timeout, device, kinds):
    """Re-grade on every save, move on when an exercise passes (keys: h hint, l list, n next,
    q quit). Without a target: from the current exercise (d2lkit next), through its chapter or
    the last target you named. --kind training: only the training exercises (of the targets,
    else of all)."""
    from d2lkit.watch import Watcher

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    start = None
    if targets or kinds:
        cat, exs = resolve(ctx, targets)
        target = " ".join(targets) or "all"
        exs = by_kind(ctx, exs, kinds, target)
    else:
        from d2lkit import catalogue
        from d2lkit.current import in_chapter_scope

        cat = catalogue.load()
        with open_progress(ctx, ws) as progress:
            current = current_or_exit(ctx, cat, progress, "watch")
        start, exs = current.exercise, in_chapter_scope(cat, current)
        target = (current.target if start in current.scope and current.target
                  else start.chapter_id)
    options = make_options(ctx, seed, timeout, device)
    with open_progress(ctx, ws) as progress:
        if targets:  # the current exercise is looked for in the last target named
            progress.record_target(target, "watch")
        watcher = Watcher(ws, cat, exs, options, ctx.console, target=target, progress=progress,
                          manual=manual, start=start)
        sys.exit(watcher.run())


COMMANDS = [watch]
