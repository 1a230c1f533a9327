"""`d2lkit notebook ch3`: write a learner notebook for a chapter (or any target).

No torch here, and no IPython or nbformat: the notebook is written as JSON
(`d2lkit.jupyter.notebook`); grading happens later, in the notebook's `%%d2lkit` cells.
"""

from __future__ import annotations

from pathlib import Path

import click

from d2lkit.cli.common import context, lang_option, resolve
from d2lkit.i18n import t


@click.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="The notebook to write (default: ch3.ipynb for a chapter, in this folder).")
@click.option("--force", is_flag=True, help="Replace the notebook if it exists.")
@lang_option
def notebook(targets, output, force, lang):
    """Write a learner notebook: d2lkit notebook ch3 (→ ch3.ipynb). Each exercise is a
    description and a `%%d2lkit <id>` cell holding its stub; running the cell grades it in the
    sandbox and records the result (docs/JUPYTER.md). An existing notebook is never replaced
    without --force."""
    from d2lkit.jupyter import notebook as nb
    from d2lkit.output.messages import short_path
    from d2lkit.workspace import WorkspaceError, find

    try:
        ws = find(None)
    except WorkspaceError:
        ws = None
    ctx = context(lang, ws)
    cat, exs = resolve(ctx, targets)
    path = Path(output) if output else nb.default_path(targets, exs, cat)
    notebook_dict = nb.build(exs, cat, ctx.lang, " ".join(targets))
    try:
        nb.write(notebook_dict, path, force=force)
    except FileExistsError:
        ctx.fail("jupyter.nb-exists", path=short_path(str(path)))
    except OSError as e:
        ctx.fail("jupyter.not-written", path=short_path(str(path)), reason=str(e))
    click.echo(t("jupyter.nb-written", ctx.lang, path=short_path(str(path)), count=len(exs)))
    if ws is None:
        click.echo(t("jupyter.nb-no-workspace", ctx.lang))


COMMANDS = [notebook]
