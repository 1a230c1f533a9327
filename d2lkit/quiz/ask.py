"""Asking a quiz in the terminal: choices picked with the arrow keys or by typing their letters
(several for "many"), numbers and shapes typed. Keys come from click.getchar, so a test drives
it with CliRunner's input: an arrow key arrives as its escape sequence ("\\x1b[B"), whole on a
terminal and one character at a time from a pipe; both are read here."""

from __future__ import annotations

import sys

import click

from d2lkit.i18n import pick, t
from d2lkit.quiz.answers import LETTERS
from d2lkit.quiz.grading import BadAnswer, parse

UP, DOWN = "up", "down"
ENTER, SPACE, QUIT = "enter", "space", "quit"
_ARROWS = {"A": UP, "B": DOWN, "H": UP, "P": DOWN}  # ANSI (…A, …B) and Windows (\xe0H, \xe0P)


class Cancelled(Exception):
    """The learner stopped (Ctrl-C, Ctrl-D, end of input)."""


def _getchar() -> str:
    """click.getchar, or one character of stdin where there is no terminal (a pipe)."""
    try:
        try:
            return click.getchar()
        except OSError:  # no /dev/tty: read what was piped in
            return sys.stdin.read(1)
    except (EOFError, KeyboardInterrupt, click.Abort):
        raise Cancelled() from None


def read_key() -> str:
    """One key: a letter (lower case), UP, DOWN, ENTER, SPACE or QUIT; "" for anything else."""
    ch = _getchar()
    if ch == "":
        raise Cancelled()
    if ch in ("\x1b", "\xe0", "\x00"):  # an escape sequence arriving one character at a time
        ch += _getchar()
        if ch[-1] in "[O":
            ch += _getchar()
    if len(ch) > 1:
        return _ARROWS.get(ch[-1], "")
    if ch in ("\r", "\n"):
        return ENTER
    if ch == " ":
        return SPACE
    if ch in ("\x03", "\x04"):
        return QUIT
    return ch.lower() if ch.isalpha() else ""


def _choice_lines(ex, lang: str, cursor: int, ticked: set[str]) -> list[str]:
    lines = []
    for i, choice in enumerate(ex.choices):
        letter = LETTERS[i]
        box = ("[x] " if letter in ticked else "[ ] ") if ex.answer_kind == "many" else ""
        lines.append(f"{'❯' if i == cursor else ' '} {box}{letter}) {pick(choice, lang)}")
    return lines


def choose(ex, lang: str, redraw: bool) -> str:
    """The letters chosen ("b", or "ac" for "many"), by letters or arrows and Enter."""
    many = ex.answer_kind == "many"
    letters = LETTERS[:len(ex.choices)]
    cursor, ticked = 0, set()
    lines = _choice_lines(ex, lang, cursor, ticked)
    click.echo("\n".join(lines))
    click.echo(t(f"quiz.prompt-{ex.answer_kind}", lang))
    while True:
        key = read_key()
        if key == QUIT:
            raise Cancelled()
        if key in letters and key:
            if not many:
                return key
            ticked ^= {key}
            cursor = letters.index(key)
        elif key == UP:
            cursor = (cursor - 1) % len(letters)
        elif key == DOWN:
            cursor = (cursor + 1) % len(letters)
        elif key == SPACE and many:
            ticked ^= {letters[cursor]}
        elif key == ENTER:
            if not many:
                return letters[cursor]
            return "".join(sorted(ticked or {letters[cursor]}))
        else:
            continue
        if redraw:  # draw the choices again in place (a terminal only; a pipe gets no codes)
            click.echo(f"\x1b[{len(lines) + 1}A", nl=False)
            lines = _choice_lines(ex, lang, cursor, ticked)
            click.echo("\n".join("\x1b[2K" + line for line in lines))
            click.echo("\x1b[2K" + t(f"quiz.prompt-{ex.answer_kind}", lang))


def typed(ex, lang: str):
    """A number or a shape, typed; asked again until it reads as one."""
    while True:
        try:
            text = click.prompt(t(f"quiz.prompt-{ex.answer_kind}", lang), default="",
                                show_default=False)
        except (EOFError, KeyboardInterrupt, click.Abort):
            raise Cancelled() from None
        try:
            value = parse(ex, text)
        except BadAnswer:
            value = None
        if value is not None:
            return text
        click.echo(t("quiz.again", lang, problem=t(f"quiz.form-{ex.answer_kind}", lang)))


def ask(ex, lang: str, redraw: bool = False):
    """Show quiz `ex` and read the learner's answer (raw, as the answers file would hold it)."""
    click.echo("")
    click.secho(t("quiz.heading", lang, id=ex.id, section=ex.section, title=pick(ex.title, lang),
                  points=ex.points), bold=True)
    click.echo(pick(ex.question, lang))
    if ex.answer_kind in ("one", "many"):
        return choose(ex, lang, redraw)
    return typed(ex, lang)
