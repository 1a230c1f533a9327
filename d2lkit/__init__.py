"""d2lkit: self-grading exercises for 《动手学深度学习》 (Dive into Deep Learning, PyTorch)."""

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """`%load_ext d2lkit` in Jupyter or IPython: the `%%d2lkit <exercise>` cell magic, which
    grades a cell in the sandbox (see d2lkit.jupyter and docs/JUPYTER.md)."""
    from d2lkit.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    from d2lkit.jupyter import unload_ipython_extension as unload

    unload(ipython)
