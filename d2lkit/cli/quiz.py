"""`d2lkit quiz`: answer the quizzes in the terminal (or with --answer ID=VALUE in a script).

Each answer is graded at once by the quiz grader (d2lkit.quiz.grading: the answer is data, never
run; no sandbox), said right or wrong with the explanation, recorded in progress like any
result, and written into the workspace's answers file (chNN/quiz.toml), so that `check` gives
the same verdict later. A wrong answer may be answered again: attempts count changed answers.
Exit 0 when every answer given was right, 1 if not, 2 on usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from d2lkit.cli.common import (context, current_of, find_workspace, lang_option, open_progress,
                               plain_option, resolve, workspace_option)
from d2lkit.i18n import pick, t


def _value(text: str):
    """--answer's VALUE as the answers file would hold it: a TOML value when it reads as one
    (16640, [2, 3], "b"), else the text itself (b, a,c, (2, 3))."""
    from d2lkit.compat import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def _chosen(ctx, cat, ws, targets) -> list:
    """The quizzes to ask: those named (a quiz named by its id is asked even when it was
    answered right); without targets, those not yet right in the chapter of the current
    exercise, else in the whole curriculum."""
    if targets:
        _, exs = resolve(ctx, targets)
        named = {ex.id for ex in exs if ex.is_quiz and (ex.id in targets or ex.name in targets)}
        quizzes = [ex for ex in exs if ex.is_quiz]
    else:
        named, quizzes = set(), []
    with open_progress(ctx, ws) as progress:
        stats = progress.stats()
        if not targets:
            current = current_of(cat, progress).exercise
            everything = [ex for ex in cat.exercises if ex.is_quiz]
            quizzes = [ex for ex in everything if current is not None
                       and ex.chapter == current.chapter]
            if not [ex for ex in quizzes if not _right(stats, ex)]:
                quizzes = everything
    return [ex for ex in quizzes if ex.id in named or not _right(stats, ex)]


def _right(stats, ex) -> bool:
    s = stats.get(ex.id)
    return s is not None and str(s.status) == "passed"


def _tell(result, ex, answer_shown: str, lang: str):
    """Right or wrong, then the explanation (a problem with the answer instead, when it is one)."""
    from d2lkit.grading.protocol import Status
    from d2lkit.output.messages import detail_text

    if result.status is Status.PASSED:
        click.secho(t("quiz.right", lang), fg="green", bold=True)
    elif result.status is Status.FAILED:
        click.secho(t("quiz.wrong", lang, answer=answer_shown), fg="red", bold=True)
    else:
        click.secho(detail_text(result.detail, lang), fg="red")
        return
    click.echo(t("quiz.explanation", lang, explanation=pick(ex.explanation, lang)))


@click.command()
@click.argument("targets", nargs=-1)
@click.option("--answer", "answers_given", multiple=True, metavar="ID=VALUE",
              help="Answer without asking (repeatable): ch10.quiz_mha_parameters=16640, "
                   "ch3.quiz_minibatch_hyperparameters=a,c, ch2.quiz_sum_keepdims=[2,1,4].")
@workspace_option
@lang_option
@plain_option
def quiz(targets, answers_given, workspace_dir, lang):
    """Answer quizzes: d2lkit quiz ch10 asks each in turn (arrow keys or letters for choices,
    numbers and shapes typed), says right or wrong and why, and saves the answer in chNN/quiz.toml.
    Without a target: the chapter of the current exercise."""
    from d2lkit import catalogue
    from d2lkit.grading.protocol import Status
    from d2lkit.quiz import answers
    from d2lkit.quiz.ask import Cancelled, ask
    from d2lkit.quiz.grading import grade_value, parse, shown

    ws = find_workspace(lang, workspace_dir)
    ctx = context(lang, ws)
    cat = catalogue.load()
    if answers_given:
        todo = []
        for item in answers_given:
            quiz_id, sep, text = item.partition("=")
            if not sep or not quiz_id.strip():
                ctx.fail("quiz.bad-option", value=item)
            _, exs = resolve(ctx, [quiz_id.strip()])
            if len(exs) != 1 or not exs[0].is_quiz:
                ctx.fail("quiz.not-a-quiz", id=quiz_id.strip())
            todo.append((exs[0], _value(text)))
    else:
        todo = [(ex, None) for ex in _chosen(ctx, cat, ws, targets)]
        if not todo:
            target = " ".join(targets) or "all"
            click.echo(t("quiz.all-right" if any(
                ex.is_quiz for ex in (resolve(ctx, targets)[1] if targets else cat.exercises))
                else "quiz.nothing", ctx.lang, target=target))
            sys.exit(0)
    redraw = sys.stdin.isatty() and sys.stdout.isatty() and not ctx.plain
    right = total = 0
    target = " ".join(targets) if targets else "quiz"
    with open_progress(ctx, ws) as progress, progress.run(target, 0, "quiz") as record:
        for ex, raw in todo:
            if raw is None:
                try:
                    raw = ask(ex, ctx.lang, redraw)
                except Cancelled:
                    click.echo("")
                    if total == 0:
                        click.echo(t("quiz.no-tty", ctx.lang, file=ex.relpath), err=True)
                    break
            result = grade_value(ex, raw)
            total += 1
            try:
                value = parse(ex, raw)
            except Exception:
                value = None
            _tell(result, ex, shown(ex, value) if value is not None else str(raw), ctx.lang)
            if result.status in (Status.ERROR, Status.NOT_IMPLEMENTED):
                continue  # not an answer: nothing recorded, nothing written
            record(result)
            right += result.passed
            path = ws.root / ex.relpath
            backup = answers.set_answer(path, ex.name, answers.as_written(ex, value),
                                        backups=ws.state_dir / "backups",
                                        kit_copy=answers.kit_copy(ex.chapter))
            if backup is not None:
                click.echo(t("quiz.backup", ctx.lang, path=backup), err=True)
            click.echo(t("quiz.saved", ctx.lang, file=ex.relpath))
    if total > 1:
        click.echo(t("quiz.summary", ctx.lang, right=right, total=total))
    sys.exit(0 if total and right == total else 1)


COMMANDS = [quiz]
