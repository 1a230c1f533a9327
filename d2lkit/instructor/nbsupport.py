"""Runs inside an nbgrader notebook's kernel: quiet tracebacks for hidden-test cells.

A failing hidden test must not print its own source in the feedback (IPython's tracebacks quote
the failing line). `quiet_tracebacks()` installs an IPython custom exception handler that, for an
exception raised by a cell containing a hidden-test region, shows only `Type: message`; any other
cell (the learner's own) keeps its full traceback.
"""

from __future__ import annotations

import linecache

HIDDEN_MARK = "BEGIN HIDDEN TESTS"


def _from_hidden_cell(tb) -> bool:
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(HIDDEN_MARK in line for line in linecache.getlines(filename)):
            return True
        tb = tb.tb_next
    return False


def _handler(shell, etype, value, tb, tb_offset=None):
    if _from_hidden_cell(tb):
        return [f"{etype.__name__}: {value}"]
    return shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)


def quiet_tracebacks() -> bool:
    """Install the handler in the running IPython kernel (no-op elsewhere). Idempotent."""
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
