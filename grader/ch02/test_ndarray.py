"""Grader for 2.1 数据操作 (Data Manipulation): broadcast_shape, add_into_.

Each test is one check; the checks of an exercise run in file order and the first that fails
gives the verdict. Targeted mistake checks come before the broad comparisons that the same
mistake would also fail, so that the learner is told *which* mistake it is.
"""
import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from d2lkit.grading.api import (FLOATS, LearnerError, expect, expect_close, expect_equal, grades,
                                mistake_if, probes_for)

probes = probes_for(__file__)

# ============================================================================ broadcast_shape


def expected_broadcast(a, b):
    """What the learner must return: the shape, or the string "ValueError" when incompatible.

    This is torch.broadcast_shapes(a, b), computed the way its documentation defines it,
    ``torch.broadcast_tensors(*map(torch.empty, shapes))[0].shape``: torch.broadcast_shapes
    itself imports sympy on its first call, which costs the grader seconds.
    """
    try:
        return tuple(torch.broadcast_tensors(torch.empty(a), torch.empty(b))[0].shape)
    except RuntimeError:  # torch's own error type; the kit asks for ValueError
        return "ValueError"


def call_broadcast(student, a, b):
    """The learner's answer: the returned value, or the name of the exception type raised.

    Exceptions from the learner's code itself (LearnerError with key "exception") are turned into
    their type name so that a check can compare them with "ValueError"; anything else (missing
    function, syntax error, NotImplementedError, forbidden call) propagates and gives the status.
    """
    try:
        return student.call("broadcast_shape", a, b)
    except LearnerError as e:
        if e.detail.key != "exception":
            raise
        return e.type


def broadcast_rule(a, b, align="trailing", stretch="both"):
    """Broadcasting as a mistaken rule would do it: `align="leading"` pads the shorter shape with
    1s on the right; `stretch="a"` or `"b"` lets only that side's 1s stretch."""
    n = max(len(a), len(b))
    if align == "leading":
        a, b = tuple(a) + (1,) * (n - len(a)), tuple(b) + (1,) * (n - len(b))
    else:
        a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == y or (y == 1 and stretch in ("both", "b")):
            out.append(x)
        elif x == 1 and stretch in ("both", "a"):
            out.append(y)
        else:
            return "ValueError"
    return tuple(out)


def follows(student, pairs, **rule):
    """Whether the learner's answers on `pairs` are those of the (mistaken) rule."""
    answers = student.probe(probes.probe_broadcast_many, pairs)
    return answers == [broadcast_rule(a, b, **rule) for a, b in pairs]


@grades("ch2.broadcast_shape", en="either shape may have the size-1 dimension",
        zh="两个形状中任何一个都可以有大小为 1 的维度")
def test_broadcast_either_side_stretches(student):
    got = call_broadcast(student, (1, 3), (2, 1))
    if got == "ValueError":
        # proven when the learner's answers are those of a rule that stretches one side only
        pairs = [((1, 3), (2, 3)), ((2, 3), (1, 3)), ((4, 1), (4, 5)), ((4, 5), (4, 1)),
                 ((3,), (2, 3)), ((2, 3), (3,))]
        mistake_if(follows(student, pairs, stretch="a") or follows(student, pairs, stretch="b"),
                   "one-sided-stretch", got=got, expected=(2, 3),
                   what="broadcast_shape((1, 3), (2, 1))")
    expect_equal(got, (2, 3), what="broadcast_shape((1, 3), (2, 1))")


@grades("ch2.broadcast_shape", en="shapes are aligned on their trailing dimensions",
        zh="形状按末尾的维度对齐")
def test_broadcast_trailing_alignment(student):
    got = call_broadcast(student, (3,), (3, 1))
    if got == (3, 1):
        # proven when the learner's answers are those of the leading-alignment rule on pairs
        # where it differs from the right one, with either shape the shorter
        pairs = [((4,), (1, 5)), ((3, 1), (3,)), ((2, 1), (2, 3, 4))]
        mistake_if(follows(student, pairs, align="leading"), "left-aligned", got=got,
                   expected=(3, 3), what="broadcast_shape((3,), (3, 1))")
    expect_equal(got, (3, 3), what="broadcast_shape((3,), (3, 1))")


@grades("ch2.broadcast_shape", en="incompatible shapes raise ValueError",
        zh="不兼容的形状抛出 ValueError")
def test_broadcast_incompatible_raises(student):
    got = call_broadcast(student, (2, 3), (3, 2))
    mistake_if(got == (3, 3), "max-of-dims", got=got, expected="ValueError",
               what="broadcast_shape((2, 3), (3, 2))")
    expect_equal(got, "ValueError", what="broadcast_shape((2, 3), (3, 2)) raises")


def check_many(student, pairs):
    for (a, b), got in zip(pairs, student.probe(probes.probe_broadcast_many, pairs)):
        expect_equal(got, expected_broadcast(a, b), what=f"broadcast_shape({a}, {b})")


@grades("ch2.broadcast_shape", en="the book's and other fixed cases, as PyTorch broadcasts them",
        zh="书中的例子和其他固定例子，与 PyTorch 的广播结果一致")
def test_broadcast_fixed_cases(student):
    cases = [((3, 1), (1, 2)), ((2, 3, 4), (3, 1)), ((5,), (2, 1, 5)), ((), (3,)), ((3,), ()),
             ((), ()), ((0,), (1,)), ((8, 1, 6, 1), (7, 1, 5)), ((3,), (4,)), ((2, 1), (8, 4, 3)),
             ((0,), (2,))]
    check_many(student, cases)


def shape_pairs():
    """Hypothesis strategy: two shapes cut from one common shape (so usually compatible), and
    sometimes one dimension of the first changed (so sometimes not)."""
    @st.composite
    def pairs(draw):
        n = draw(st.integers(0, 5))
        base = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))

        def derive():
            k = draw(st.integers(0, n))
            return [1 if draw(st.booleans()) else d for d in base[n - k:]]

        a, b = derive(), derive()
        if a and draw(st.booleans()):
            i = draw(st.integers(0, len(a) - 1))
            a[i] = draw(st.integers(0, 5))
        return tuple(a), tuple(b)

    return pairs()


@grades("ch2.broadcast_shape", en="random shapes agree with PyTorch's broadcasting (property test)",
        zh="随机形状与 PyTorch 的广播结果一致（性质测试）")
def test_broadcast_property(student):
    @settings(max_examples=4, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a child
              report_multiple_bugs=False)
    @given(st.lists(shape_pairs(), min_size=30, max_size=30))
    def agrees_with_torch(pairs):
        # one example is a batch of 30 pairs checked in one child; broadcasting is symmetric
        check_many(student, pairs + [(b, a) for a, b in pairs])

    agrees_with_torch()


# ============================================================================ add_into_


def check_add_into(student, Z, X, Y):
    res = student.probe(probes.probe_add_into, Z, X, Y)
    # `Z = X + Y; return Z`: a new tensor comes back, and the caller's Z still holds its old values
    mistake_if(not res["ret_is_Z"] and not torch.allclose(res["Z"], X + Y), "rebinds-z",
               what="add_into_(Z, X, Y) is Z")
    expect(res["ret_is_Z"], what="add_into_(Z, X, Y) is Z")
    expect(res["same_storage"], what="Z.data_ptr() unchanged")
    expect_close(res["Z"], X + Y, what="Z after add_into_(Z, X, Y)")
    expect(res["X_Y_unchanged"], what="X and Y unchanged")


@grades("ch2.add_into_", en="the book's example: Z is written in place and returned",
        zh="书中的例子：原地写入 Z 并返回 Z 本身")
def test_add_into_book_example(student):
    X = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    check_add_into(student, torch.zeros_like(Y), X, Y)


@grades("ch2.add_into_", en="random tensors with broadcasting", zh="随机张量（含广播）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_add_into_broadcast(student, gen, dtype, device):
    X = torch.randn(3, 1, generator=gen, dtype=dtype).to(device)
    Y = torch.randn(2, 1, 4, generator=gen, dtype=dtype).to(device)
    Z = torch.randn(2, 3, 4, generator=gen, dtype=dtype).to(device)  # old contents must go
    check_add_into(student, Z, X, Y)
