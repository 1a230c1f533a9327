"""The `d2lkit` command: the click group `main`, with the commands of each module registered.

    common      what every command shares (language, options, workspace, targets, progress)
    learner     init, next, list, check, hint, solution, reset, progress, update
    quiz        quiz (answer the quizzes in the terminal)
    watch       watch
    dev         dev check, dev sync
    instructor  nbgrader init/export, grade, gradescope, report

Commands that grade nothing never import torch (they must start fast): a module here imports the
engine only inside a command that grades.
"""

from __future__ import annotations

import click

from d2lkit import __version__
from d2lkit.cli import dev, instructor, learner, notebook, quiz, watch


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="d2lkit")
def main():
    """Self-grading exercises for 《动手学深度学习》 (Dive into Deep Learning, PyTorch).

    \b
    Start:   d2lkit init my-d2l && cd my-d2l
    Next:    d2lkit next             (the current exercise: where to write it, what to read)
    Grade:   d2lkit check            (the current exercise; or ch2, 2.3, ch2.vector_norm, all)
    Help:    d2lkit hint             (the next hint for it; or d2lkit hint ch2.vector_norm)
    Quiz:    d2lkit quiz ch10        (answer the chapter's questions in the terminal)
    """


for _module in (learner, quiz, watch, dev, instructor, notebook):
    for _command in _module.COMMANDS:
        main.add_command(_command)
