"""Stubs are generated from solutions, and the committed ones are up to date."""

import pytest

from d2lkit.authoring.stubs import MarkerError, make_stub, out_of_date, strip_markers

SOLUTION = '''import torch


def f(x):
    """Doc."""
    ### BEGIN SOLUTION
    y = x + 1
    return y
    ### END SOLUTION


class M:
    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.a = 1
        ### END SOLUTION
'''


def test_marked_regions_become_not_implemented_at_their_indentation():
    stub = make_stub(SOLUTION)
    assert "y = x + 1" not in stub and "self.a = 1" not in stub
    assert "    raise NotImplementedError\n" in stub
    assert "        super().__init__()\n        raise NotImplementedError\n" in stub
    assert '"""Doc."""' in stub
    compile(stub, "stub", "exec")


def test_unbalanced_markers_are_refused():
    with pytest.raises(MarkerError):
        make_stub("    ### BEGIN SOLUTION\n    x = 1\n")
    with pytest.raises(MarkerError):
        make_stub("    ### END SOLUTION\n")


def test_strip_markers_keeps_the_code():
    shown = strip_markers(SOLUTION)
    assert "y = x + 1" in shown and "BEGIN SOLUTION" not in shown


def test_committed_stubs_equal_the_generated_ones():
    assert out_of_date() == [], "run `d2lkit dev sync`"
