"""Integrity signals: the normaliser (renaming and reformatting do not change a fingerprint, a
change in substance does), the kit's reference and stub recognised, and the report's findings
(a copy of the reference, identical code between learners, never a trivially short answer)."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

from d2lkit import catalogue
from d2lkit.instructor import integrity
from d2lkit.instructor.integrity import fingerprint_source
from tests.conftest import ROOT

SOFTMAX = '''
import torch


def softmax(X):
    """Row-wise softmax."""
    X_max = X.max(dim=1, keepdim=True).values  # for stability
    X_exp = torch.exp(X - X_max)
    partition = X_exp.sum(dim=1, keepdim=True)
    return X_exp / partition
'''

# the same code: other names (variables, argument, the module alias), other formatting, other
# comments and docstring, type annotations, a `pass`
SOFTMAX_DISGUISED = '''
import torch as T
def softmax(scores: "T.Tensor") -> "T.Tensor":
    # my own work!
    biggest = scores.max(dim = 1,
                         keepdim = True).values
    pass
    e = T.exp(scores - biggest)


    total: "T.Tensor" = e.sum(dim=1, keepdim=True)
    """a note that does nothing"""
    return (e / total)
'''


def fp(source: str, names=("softmax",)) -> str:
    got = fingerprint_source(source, names)
    assert got is not None
    return got[0]


def test_renaming_and_reformatting_do_not_change_the_fingerprint():
    assert fp(SOFTMAX) == fp(SOFTMAX_DISGUISED)


def test_docstrings_comments_and_annotations_are_ignored():
    bare = SOFTMAX.replace('    """Row-wise softmax."""\n', "").replace("  # for stability", "")
    assert fp(bare) == fp(SOFTMAX)
    assert fp(SOFTMAX.replace("def softmax(X):", "def softmax(X: torch.Tensor) -> torch.Tensor:")
              ) == fp(SOFTMAX)


@pytest.mark.parametrize("change", [
    ("return X_exp / partition", "return X_exp * partition"),  # another operator
    ("X - X_max", "X + X_max"),
    ("dim=1, keepdim=True).values", "dim=0, keepdim=True).values"),  # another constant
    ("X_exp.sum(dim=1", "X_exp.mean(dim=1"),  # another method: attributes read are kept
    ("return X_exp / partition", "return partition / X_exp"),  # operands swapped
    ("torch.exp(X - X_max)", "torch.exp(X - X)"),  # renaming is consistent, not erasing
])
def test_a_change_in_substance_changes_the_fingerprint(change):
    old, new = change
    assert old in SOFTMAX
    assert fp(SOFTMAX.replace(old, new)) != fp(SOFTMAX)


def test_builtins_are_kept_unless_rebound():
    one = "def f(x):\n    return len(x) + 1\n"
    other = "def f(x):\n    return abs(x) + 1\n"
    assert fp(one, ("f",)) != fp(other, ("f",))
    # a variable that happens to be called like a builtin is a variable like any other
    assert fp("def f(x):\n    sum = x * 2\n    return sum\n", ("f",)) == \
        fp("def f(x):\n    y = x * 2\n    return y\n", ("f",))


def test_attributes_the_code_assigns_are_names_too():
    one = ("class Net:\n    def __init__(self, n):\n        self.W = n\n"
           "    def forward(self, X):\n        return X @ self.W + X.sum()\n")
    other = one.replace("self", "me").replace("me.W", "me.weight")
    assert fp(one, ("Net",)) == fp(other, ("Net",))
    # methods keep their names: they are the API (`forward`, not any name)
    assert fp(one, ("Net",)) != fp(one.replace("def forward", "def backward"), ("Net",))


def test_a_missing_definition_or_a_syntax_error_has_no_fingerprint():
    assert fingerprint_source("def g(x):\n    return x\n", ("f",)) is None
    assert fingerprint_source("def f(x):\n    return x +\n", ("f",)) is None


def test_the_fingerprint_does_not_depend_on_the_python_version():
    # a hash pinned here: `serialise` is not `ast.dump` (whose output changed in 3.13), so the
    # same code gives the same fingerprint on every Python the kit supports; a change of the
    # normalisation must bump integrity.VERSION (and this value)
    assert integrity.VERSION == 1
    assert fp(SOFTMAX) == "n1:" + fp(SOFTMAX).split(":")[1]
    text = integrity.serialise(integrity.normalise(
        ast.parse("def f(x):\n    return x + 1\n").body))
    assert text == ("[FunctionDef(name=str:'f',args=arguments(args=[arg(arg=str:'_0')]),"
                    "body=[Return(value=BinOp(left=Name(id=str:'_0',ctx=Load()),op=Add(),"
                    "right=Constant(value=int:1)))])]")


# ------------------------------------------------------------------------------ in a workspace
@pytest.fixture(scope="module")
def kit():
    cat = catalogue.load()
    return cat, [ex for ex in cat.exercises if ex.relpath == "ch03/softmax_scratch.py"]


def workspace(tmp_path: Path, name: str, source: str) -> Path:
    root = tmp_path / name
    (root / "ch03").mkdir(parents=True)
    (root / "ch03" / "softmax_scratch.py").write_text(source)
    return root


def reference_source() -> str:
    return (ROOT / "solutions" / "ch03" / "softmax_scratch.py").read_text()


def test_the_reference_disguised_is_still_the_reference(kit, tmp_path):
    _, exs = kit
    ref = reference_source()
    body = ("    X_max = X.max(dim=1, keepdim=True).values\n"
            "    X_exp = torch.exp(X - X_max)\n"
            "    partition = X_exp.sum(dim=1, keepdim=True)\n"
            "    return X_exp / partition\n")
    assert body in ref
    disguised = "\n".join(line for line in ref.replace(body, (
        "    # my own work\n"
        "    m = Z.max(dim=1,keepdim=True).values\n"
        "    e = torch.exp(\n        Z - m)\n"
        "    total = e.sum(dim=1, keepdim=True)\n"
        "    return (e/total)\n")).replace("def softmax(X: Tensor) -> Tensor:", "def softmax(Z):")
        .splitlines() if "### " not in line) + "\n"
    got = integrity.exercise_fingerprints(workspace(tmp_path, "copy", disguised), exs)
    soft = got["ch3.softmax"]
    assert soft["reference"] and not soft["stub"]
    assert soft["nodes"] >= integrity.MIN_NODES  # what the learner wrote, without the signature


def test_the_stub_is_recognised_and_counts_nothing(kit, tmp_path):
    _, exs = kit
    stub = (ROOT / "exercises" / "ch03" / "softmax_scratch.py").read_text()
    got = integrity.exercise_fingerprints(workspace(tmp_path, "stub", stub), exs)
    assert all(v["stub"] and not v["reference"] for v in got.values())
    assert all(v["nodes"] <= 2 for v in got.values())  # `raise NotImplementedError` at most


def own_softmax(rename: str = "s") -> str:
    """A correct softmax that is not the reference's (another order of operations)."""
    return reference_source().replace(
        "    X_max = X.max(dim=1, keepdim=True).values\n"
        "    X_exp = torch.exp(X - X_max)\n"
        "    partition = X_exp.sum(dim=1, keepdim=True)\n"
        "    return X_exp / partition\n",
        f"    shifted = X - X.max(dim=1, keepdim=True).values\n"
        f"    {rename} = torch.exp(shifted)\n"
        f"    return {rename} / {rename}.sum(dim=1, keepdim=True)\n")


def test_findings_reference_identical_and_trivial(kit, tmp_path):
    _, exs = kit
    ref = reference_source()
    assert own_softmax() != ref
    learners = {
        "ann": ref,  # the reference, verbatim
        "ben": own_softmax("s"),
        "cat": own_softmax("exps"),  # ben's code, renamed
        "dan": own_softmax("s").replace("dim=1, keepdim=True).values", "1, True).values"),
        "eve": (ROOT / "exercises" / "ch03" / "softmax_scratch.py").read_text(),  # the stub
        "fay": (ROOT / "exercises" / "ch03" / "softmax_scratch.py").read_text(),
    }
    prints = {name: integrity.exercise_fingerprints(workspace(tmp_path, name, src), exs)
              for name, src in learners.items()}
    # everyone who finished cross_entropy has the reference's two lines: too short to mean much
    assert prints["ann"]["ch3.cross_entropy"]["nodes"] < integrity.MIN_NODES
    flags = integrity.findings(prints)
    assert {(f["kind"], f["exercise"]) for f in flags["ann"]} == {("reference", "ch3.softmax"),
                                                                  ("reference", "ch3.accuracy")}
    def on_softmax(name):
        return [(f["kind"], f.get("with")) for f in flags.get(name, [])
                if f["exercise"] == "ch3.softmax"]

    assert on_softmax("ben") == [("identical", ["cat"])]
    assert on_softmax("cat") == [("identical", ["ben"])]
    assert on_softmax("dan") == []  # positional arguments: not the same code
    assert "eve" not in flags and "fay" not in flags  # identical stubs are not a finding
    # ben, cat and dan all kept the reference's cross_entropy and accuracy; cross_entropy is
    # too short to be flagged, accuracy is long enough: a copy of the reference, never also
    # "identical" to the others who have it
    assert all(f["exercise"] != "ch3.cross_entropy" for fl in flags.values() for f in fl)
    for name in ("ben", "cat", "dan"):
        assert [f["kind"] for f in flags[name] if f["exercise"] == "ch3.accuracy"] == ["reference"]


def test_a_trivially_short_function_is_never_flagged():
    short = {"hash": "n1:same", "nodes": 4, "reference": False, "stub": False}
    prints = {"a": {"ch2.frobenius_norm": dict(short)}, "b": {"ch2.frobenius_norm": dict(short)},
              "c": {"ch2.frobenius_norm": dict(short, reference=True)}}
    assert integrity.findings(prints) == {}
    # the threshold is the instructor's to move
    assert {f["kind"] for fl in integrity.findings(prints, min_nodes=4).values() for f in fl} == {
        "identical", "reference"}


def test_the_reference_from_the_kit_counts_when_the_grading_did_not_record_it():
    prints = {"a": {"ch3.softmax": {"hash": "n1:ref", "nodes": 40}}}
    assert integrity.findings(prints, {"ch3.softmax": "n1:ref"})["a"][0]["kind"] == "reference"


def test_the_kits_own_solutions_all_have_fingerprints():
    cat = catalogue.load()
    missing = [ex.id for ex in cat.exercises  # a quiz's answer is data: nothing to fingerprint
               if not ex.is_quiz and integrity.kit_fingerprints(ex)["reference"] is None]
    assert missing == []


def test_a_hostile_module_costs_its_fingerprint_only(kit, tmp_path):
    _, exs = kit
    deep = "def softmax(X):\n    return X" + " + X" * 20000 + "\n"
    root = workspace(tmp_path, "deep", deep)
    assert "ch3.softmax" not in integrity.exercise_fingerprints(root, exs)
    (root / "ch03" / "softmax_scratch.py").write_bytes(b"\xff\xfe not utf-8")
    assert integrity.exercise_fingerprints(root, exs) == {}
    shutil.rmtree(root / "ch03")
    assert integrity.exercise_fingerprints(root, exs) == {}
    assert sys.getrecursionlimit() > 0
