"""The `d2lkit` command: the click group `main`, with the commands of each module registered.

    common      what every command shares (language, options, workspace, targets, progress)
    learner     init, list, check, hint, solution, reset, progress
    watch       watch
    dev         dev check, dev sync
    instructor  nbgrader init/export, grade, gradescope, report

Commands that grade nothing never import torch (they must start fast): a module here imports the
engine only inside a command that grades.
"""

from __future__ import annotations

import click

from d2lkit import __version__
from d2lkit.cli import dev, instructor, learner, watch


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="d2lkit")
def main():
    """Self-grading exercises for 《动手学深度学习》 (Dive into Deep Learning, PyTorch).

    \b
    Start:   d2lkit init my-d2l && cd my-d2l
    Grade:   d2lkit check ch2        (or 2, 2.3, ch2.vector_norm, norms, en:2, all)
    Help:    d2lkit hint ch2.vector_norm
    """


for _module in (learner, watch, dev, instructor):
    for _command in _module.COMMANDS:
        main.add_command(_command)
