"""d2lkit in Jupyter: `%load_ext d2lkit` gives the `%%d2lkit <exercise>` cell magic.

    magic       the cell magic: build, grade, record, report, then run the cell in the kernel
    sources     the graded module, built from the cell's source and what it uses (no execution)
    sandboxed   a scratch workspace for that module, and places told in the learner's terms
    service     the grading service: a warm `Engine` in a process of its own (not the kernel)
    report      the result as HTML (no JavaScript) and as text
    notebook    the learner notebook that `d2lkit notebook ch3` writes

Importing this package imports neither IPython nor torch (`d2lkit notebook` uses `notebook`).
docs/JUPYTER.md is the learner's guide.
"""

from __future__ import annotations


def load_ipython_extension(ipython):
    """`%load_ext d2lkit`: register the magic and start the grading service in the background
    (it imports torch while the learner reads, so that the first graded cell is quicker)."""
    from d2lkit.jupyter.magic import D2lkitMagics
    from d2lkit.jupyter.service import shared

    ipython.register_magics(D2lkitMagics)
    try:
        shared("cpu").start()
    except OSError:
        pass  # the first graded cell starts it again, and reports what fails


def unload_ipython_extension(ipython):
    """`%unload_ext d2lkit`: stop the grading services (the magic stays until a restart)."""
    from d2lkit.jupyter.service import _close_all

    _close_all()
