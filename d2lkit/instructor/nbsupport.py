"""Runs inside a notebook's kernel (the setup cell of d2lkit's nbgrader notebooks).

`notebook_setup()` keeps local state out of the course: the graders' hypothesis cache goes to the
user's cache folder instead of `.hypothesis/` beside the notebook (where `nbgrader validate`
runs it, i.e. in source/, which would then be released).

`quiet_tracebacks()` is for notebooks exported before d2lkit graded outside the kernel, whose test
cells hid their `check` call in a hidden-test region: an exception raised from such a cell is
shown as `Type: message` only (the traceback would quote the hidden line); every other cell,
the learner's own, keeps its full traceback. IPython calls a custom exception handler and
discards what it returns, so the handler shows the traceback itself.

Nothing here decides a grade: `d2lkit nbgrader autograde` grades the solution cells' code with
d2lkit's engine, outside this kernel.
"""

from __future__ import annotations

import linecache
import os

HIDDEN_MARK = "BEGIN HIDDEN TESTS"
HYPOTHESIS_ENV = "HYPOTHESIS_STORAGE_DIRECTORY"


from d2lkit.paths import cache_folder  # noqa: E402  (re-exported: notebooks call it from here)


def keep_hypothesis_state_out(env=None) -> str:
    """Point hypothesis' storage (its example database and constants cache, which it writes to
    `.hypothesis/` in the current folder) at d2lkit's cache folder, unless it is already set.
    Must run before the graders first use hypothesis in this process or its children."""
    env = os.environ if env is None else env
    if not env.get(HYPOTHESIS_ENV):
        env[HYPOTHESIS_ENV] = str(cache_folder() / "hypothesis")
    return env[HYPOTHESIS_ENV]


def notebook_setup() -> None:
    """What the setup cell of every exported notebook calls."""
    keep_hypothesis_state_out()


def _from_hidden_cell(tb) -> bool:
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(HIDDEN_MARK in line for line in linecache.getlines(filename)):
            return True
        tb = tb.tb_next
    return False


def _handler(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: its return value is ignored (`run_code` calls it and
    moves on), so it must display the error itself. Returns None."""
    if tb is not None and _from_hidden_cell(tb):
        shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])
    else:  # the learner's own cell: the usual traceback (a syntax error: the usual caret)
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return None


def quiet_tracebacks() -> bool:
    """Install the handler in the running IPython kernel (no-op elsewhere). Idempotent. Also
    does `notebook_setup()`: old notebooks call this from their setup cell."""
    keep_hypothesis_state_out()
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, "_d2lkit_quiet_tb", False):
        return True
    shell.set_custom_exc((Exception,), _handler)
    shell._d2lkit_quiet_tb = True
    return True
