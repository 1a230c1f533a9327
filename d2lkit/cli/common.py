"""What every command shares: the language and console, the options, finding the workspace and
the exercises, opening the progress file, and showing a hint.

Nothing here imports torch: commands that grade nothing must start fast.
"""

from __future__ import annotations

import sys
from functools import cached_property

import click

from d2lkit.grading.options import DEFAULT_TIMEOUT, Options, new_seed
from d2lkit.i18n import LANGS, detect_lang, t

USAGE_ERROR = 2


PLAIN_META = "d2lkit.plain"  # set in click's context by --plain


class Context:
    """The language a command speaks, its console, and how it gives up."""

    def __init__(self, lang: str):
        self.lang = lang

    @property
    def plain(self) -> bool:
        """--plain was given: text as a pipe gets it (no colour, no boxes, nothing cut)."""
        ctx = click.get_current_context(silent=True)
        return bool(ctx and ctx.find_root().meta.get(PLAIN_META))

    @cached_property
    def console(self):
        """The console everything is printed on. rich honours NO_COLOR itself; --plain makes it
        a console that is not a terminal, which `output.terminal.layout` lays out as plain text."""
        from rich.console import Console

        console = (Console(highlight=False, force_terminal=False, no_color=True) if self.plain
                   else Console(highlight=False))
        # written to a pipe or a file (or --plain): lines as long as they are, never cut
        console.soft_wrap = not console.is_terminal
        return console

    def fail(self, key: str, code: int = USAGE_ERROR, **params):
        click.echo(t(key, self.lang, **params), err=True)
        sys.exit(code)

    def warn(self, key: str, **params):
        click.echo(t(key, self.lang, **params), err=True)


def context(lang: str | None, ws=None) -> Context:
    """--lang, else the workspace's own `lang` setting, else D2LKIT_LANG, else the locale."""
    if lang is None and ws is not None:
        lang = ws.settings().get("lang")
    return Context(detect_lang(lang))


# ------------------------------------------------------------------------------ options
def lang_option(f):
    return click.option("--lang", type=click.Choice(LANGS), default=None,
                        help="Language of everything printed (else D2LKIT_LANG, else the locale).")(f)


def plain_option(f):
    """--plain: plain text even on a terminal (what a pipe or a file always gets)."""
    def remember(ctx, param, value):
        if value:
            ctx.find_root().meta[PLAIN_META] = True
        return value

    return click.option("--plain", is_flag=True, expose_value=False, callback=remember,
                        help="Plain text: no colour, boxes or tables, nothing cut (what a pipe "
                             "or a file gets anyway; NO_COLOR turns colour off too).")(f)


def workspace_option(f):
    return click.option("--workspace", "-w", "workspace_dir", default=None, metavar="DIR",
                        help="Workspace folder (else D2LKIT_WORKSPACE, else the nearest d2lkit.toml "
                             "above the current folder).")(f)


def timeout_option(f):
    return click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
                        default=DEFAULT_TIMEOUT, show_default=True,
                        help="Seconds allowed for each call into the graded code.")(f)


def grading_options(f):
    """--seed, --timeout and --device; `make_options()` makes them the grading `Options`."""
    f = click.option("--device", default="cpu", show_default=True, help="Grade on cpu or cuda.")(f)
    f = timeout_option(f)
    return click.option("--seed", type=int, default=None,
                        help="Seed for the random inputs (replay a run; default: a new one).")(f)


def kind_option(f):
    """--kind KIND (repeatable): only the exercises of these kinds (catalogue.KINDS)."""
    return click.option("--kind", "kinds", multiple=True, metavar="KIND",
                        help="Only exercises of this kind: function, module, training, optimizer "
                             "or quiz (repeatable).")(f)


def by_kind(ctx: Context, exercises, kinds, target: str, nothing_code: int = USAGE_ERROR):
    """`exercises` of the given kinds (all of them when none is given). An unknown kind is a
    usage error naming the valid ones; a filter that leaves nothing says so and exits with
    `nothing_code`."""
    if not kinds:
        return exercises
    from d2lkit.catalogue import KINDS

    for kind in kinds:
        if kind not in KINDS:
            ctx.fail("kind.unknown", kind=kind, kinds=", ".join(KINDS))
    kept = [ex for ex in exercises if ex.kind in kinds]
    if not kept:
        ctx.fail("kind.nothing", code=nothing_code,
                 kinds=t("cli.list-sep", ctx.lang).join(dict.fromkeys(kinds)), target=target)
    return kept


def tell_pending(ctx: Context, ws, cat):
    """One dim line on stderr when the workspace lacks exercises of the installed kit (made by
    an older kit): cheap, it reads the topic files and parses none."""
    from d2lkit.update import pending

    missing = pending(ws, cat)
    if missing:
        click.secho(t("update.pending", ctx.lang, count=len(missing)), err=True, dim=True)


def make_options(ctx: Context, seed: int | None, timeout: float, device: str) -> Options:
    """The grading options of a command line; exits 2 when it asks for a device that is not here."""
    if device != "cpu":
        from d2lkit.grading.devices import cuda_available  # imports torch, never initialises CUDA

        if not device.startswith("cuda") or not cuda_available():
            ctx.fail("cli.no-cuda")
    return Options(seed=new_seed() if seed is None else seed, timeout=timeout, device=device,
                   lang=ctx.lang)


# ------------------------------------------------------------------------------ what to work on
def find_workspace(lang: str | None, workspace_dir: str | None):
    """The learner's workspace, or exit 2 with how to make one."""
    from d2lkit.workspace import WorkspaceError, find

    try:
        return find(workspace_dir)
    except WorkspaceError as e:
        context(lang).fail(f"cli.{e.key}", **e.params)


def resolve(ctx: Context, targets):
    """(catalogue, exercises) for command-line targets, or exit 2 with the nearest names."""
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


def one_exercise(ctx: Context, target: str):
    """(catalogue, exercise) for a target that must name exactly one exercise."""
    cat, exs = resolve(ctx, [target])
    if len(exs) != 1:
        names = ", ".join(ex.id for ex in exs[:5])
        click.echo(t("cli.unknown-exercise", ctx.lang, target=target) + "\n" +
                   t("cli.did-you-mean", ctx.lang, names=names), err=True)
        sys.exit(USAGE_ERROR)
    return cat, exs[0]


def open_progress(ctx: Context, ws):
    """The workspace's progress store (a damaged file is moved aside with a warning)."""
    from d2lkit.progress import Progress

    return Progress(ws.progress_path, warn=lambda key, **params: ctx.warn(f"cli.{key}", **params))


def current_of(cat, progress, targets=()):
    """The current exercise (`d2lkit.current`) from the learner's progress: in `targets` when
    given, else in the last target they named."""
    from d2lkit.current import current_exercise

    target = " ".join(targets) if targets else progress.last_target()
    return current_exercise(cat, progress.stats(), target)


def current_or_exit(ctx: Context, cat, progress, command: str):
    """The current exercise for a command given no id, announced on stderr (stdout stays the
    command's own, e.g. --json); with nothing left to do, says so and exits 0."""
    from d2lkit.i18n import pick

    current = current_of(cat, progress)
    if current.exercise is None:
        click.echo(t("cli.nothing-current", ctx.lang, command=command), err=True)
        sys.exit(0)
    ex = current.exercise
    click.echo(t("cli.current", ctx.lang, id=ex.id, title=pick(ex.title, ctx.lang)), err=True)
    return current
