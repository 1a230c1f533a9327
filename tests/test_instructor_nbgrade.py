"""Notebooks graded outside the kernel: solution cells -> a workspace module, results told in the
notebook's terms, hidden checks redacted in feedback, and `d2lkit grade` on notebooks."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from d2lkit import catalogue
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import CheckResult, Detail, ExerciseResult, Results
from d2lkit.instructor import feedback, nbgrade, notebooks
from tests.conftest import run_cli

SOLVED = {
    "ch2_vector_norm-solution": (
        "def vector_norm(x, p=2.0):\n    a = x.reshape(-1).abs()\n"
        "    if p == float('inf'):\n        return a.max()\n    return (a ** p).sum() ** (1.0 / p)\n"),
    "ch2_frobenius_norm-solution": "def frobenius_norm(X):\n    return (X * X).sum().sqrt()\n",
    "ch2_row_normalize-solution": (
        "def row_normalize(A):\n    return A / A.sum(dim=1, keepdim=True)\n"),
}


def released(topic: str, target: str) -> dict:
    """The notebook as nbgrader releases it: each solution region replaced by nbgrader's stub."""
    cat = catalogue.load()
    nb = notebooks.topic_notebook(topic, cat.resolve([target]), cat)
    for cell in nb["cells"]:
        cell["source"] = re.sub(r"( *)### BEGIN SOLUTION.*?### END SOLUTION",
                                r"\1# YOUR CODE HERE\n\1raise NotImplementedError()",
                                cell["source"], flags=re.S)
    return nb


def with_cells(nb: dict, sources: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        gid = cell["metadata"]["nbgrader"]["grade_id"]
        if gid in sources:
            cell["source"] = sources[gid]
    return nb


def cells_of(nb, name="norms.ipynb"):
    return nbgrade.code_cells(nb, name, catalogue.load())


# ------------------------------------------------------------------------------ cells
def test_python_source_keeps_line_numbers():
    src = "%%time\nimport torch\n!pip install x\ndef f():\n    %timeit 1\n    # YOUR CODE HERE\n" \
          "    raise NotImplementedError()\n"
    out = nbgrade.python_source(src)
    assert out.count("\n") == src.count("\n")
    ast.parse(out)
    assert out.splitlines()[6].strip() == "raise NotImplementedError"  # the kit's stub line
    # a learner's own `raise NotImplementedError()` is theirs
    assert nbgrade.python_source("raise NotImplementedError()") == "raise NotImplementedError()"


def test_roles_come_from_the_exports_grade_ids():
    cat = catalogue.load()
    assert nbgrade.role_of("ch2_vector_norm-solution", cat) == nbgrade.Role(
        "solution", "ch02/norms.py", "ch2.vector_norm")
    assert nbgrade.role_of("ch2_vector_norm-test", cat).kind == "test"
    assert nbgrade.role_of("multihead-from-attention_scoring", cat) == nbgrade.Role(
        "sibling", "ch10/attention_scoring.py")
    assert nbgrade.role_of("norms-setup", cat) is None  # the kit's given code stays the kit's
    assert nbgrade.role_of("my-own-cell", cat) is None


def test_module_is_the_stub_with_the_learners_cells():
    nb = with_cells(released("norms", "norms"), {
        "ch2_vector_norm-solution": "import math\n\n" + SOLVED["ch2_vector_norm-solution"],
        "ch2_frobenius_norm-solution": "def frobenius_norm(X):\n    return (X * X).sum(\n",
        # the setup cell is locked: whatever a submission says there is not graded
        "norms-setup": "import os\nos.system('echo pwned')\n"})
    built = nbgrade.build_module("ch02/norms.py", cells_of(nb), "norms.ipynb")
    tree = ast.parse(built.text)
    defs = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    # the broken cell is left out: its stub stays, and only its exercise reports the error
    assert defs == ["vector_norm", "frobenius_norm", "row_normalize"]
    assert "os.system" not in built.text and "from torch import Tensor" in built.text
    assert set(built.broken) == {"ch2.frobenius_norm"}
    syntax = built.broken["ch2.frobenius_norm"]
    assert syntax.key == "syntax" and syntax.params["line"] == 2
    assert syntax.params["file"] == "norms.ipynb (cell ch2_frobenius_norm-solution)"
    # every line of a cell maps back to it
    lines = built.text.splitlines()
    span = next(s for s in built.spans if s.cell == "ch2_vector_norm-solution")
    assert lines[span.start - 1] == "import math"
    assert built.where(span.start + 2) == ("norms.ipynb (cell ch2_vector_norm-solution)", 3)
    # an untouched cell keeps the kit's stub line: "not started"
    rn = next(s for s in built.spans if s.cell == "ch2_row_normalize-solution")
    assert "raise NotImplementedError" in lines[rn.end - 1]
    assert not lines[rn.end - 1].rstrip().endswith(")")


def test_a_cell_that_defines_nothing_of_the_stub_goes_last():
    nb = with_cells(released("norms", "norms"), {
        "ch2_row_normalize-solution": "HELPER = 3\n"})
    built = nbgrade.build_module("ch02/norms.py", cells_of(nb), "norms.ipynb")
    assert built.text.rstrip().endswith("HELPER = 3")
    ast.parse(built.text)


def test_discover_notebooks_and_workspaces(tmp_path, workspace):
    nb = json.dumps(released("norms", "norms"))
    (tmp_path / "submitted" / "alice" / "ch2").mkdir(parents=True)
    (tmp_path / "submitted" / "alice" / "ch2" / "norms.ipynb").write_text(nb)
    (tmp_path / "submitted" / "alice" / "ch2" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "submitted" / "bob" / "ch2").mkdir(parents=True)
    (tmp_path / "submitted" / "bob" / "ch2" / "norms.ipynb").write_text(nb)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "norms.ipynb").write_text(nb)
    found = nbgrade.discover([tmp_path / "submitted", tmp_path / "plain",
                              tmp_path / "plain" / "norms.ipynb", workspace])
    assert [(s.name, type(s).__name__) for s in found] == [
        ("alice", "NotebookSubmission"), ("bob", "NotebookSubmission"),
        ("plain", "NotebookSubmission"), ("norms", "NotebookSubmission"),
        ("ws", "Submission")]
    assert [p.name for p in found[0].notebooks] == ["norms.ipynb"]


# ------------------------------------------------------------------------------ feedback
CANARY = "CANARY-7d41"


def hidden_result() -> ExerciseResult:
    ex = catalogue.load().by_id["ch2.vector_norm"]
    visible = CheckResult("test_l1_book", {"en": "the book's L1 norm", "zh": "书中 L1 范数"},
                          Status.PASSED)
    secret = Detail("values", {"what": f"vector_norm({CANARY}-input)", "mismatched": 1,
                               "total": 1, "index": (), "got": 1.0, "expected": f"{CANARY}-9",
                               "max_abs": 1.0, "max_rel": 1.0, "rtol": 0.0, "atol": 0.0})
    hidden = CheckResult("test_secret", {"en": f"{CANARY} title", "zh": f"{CANARY} 标题"},
                         Status.FAILED, "l1-no-abs", secret, output=f"printed {CANARY}",
                         warnings=[Detail("input-mutated-warning",
                                          {"function": "vector_norm", "where": CANARY})],
                         hidden=True, trace={"rows": [{"line": 1, "code": CANARY, "got": "(2,)",
                                                       "expected": "()"}], "diverged": True})
    raised = Detail("exception", {"type": "IndexError", "message": f"index {CANARY}",
                                  "frames": [{"file": "norms.ipynb (cell x)", "line": 3,
                                              "function": "vector_norm",
                                              "code": "return x[7]"}]})
    hidden2 = CheckResult("test_secret2", {"en": f"{CANARY} two", "zh": CANARY}, Status.ERROR,
                          None, raised, hidden=True)
    return ExerciseResult.of(ex, Status.FAILED, mistake="l1-no-abs", detail=secret,
                             checks=[visible, hidden, hidden2])


def test_feedback_never_shows_a_hidden_check():
    cat = catalogue.load()
    result = hidden_result()
    shown = feedback.redact(result)
    assert shown.status is Status.FAILED and shown.points == 0 and shown.mistake == "l1-no-abs"
    for lang in ("en", "zh"):
        text = (feedback.markdown("alice", "ch2", Results([shown]), cat, lang)
                + feedback.html_page("alice", "ch2", Results([shown]), cat, lang))
        assert CANARY not in text
        assert ("a hidden check failed" if lang == "en" else "隐藏检查") in text
    # where the learner's own code raised is theirs to see: a hidden check that headlines an
    # error shows the learner's frames, not its message
    ex = cat.by_id["ch2.vector_norm"]
    raised = ExerciseResult.of(ex, Status.ERROR, detail=result.checks[2].detail,
                               checks=[result.checks[0], result.checks[2]])
    en = feedback.markdown("alice", "ch2", Results([feedback.redact(raised)]), cat, "en")
    assert "return x[7]" in en and CANARY not in en and "a hidden check failed" in en
    # the instructor can opt in
    full = feedback.markdown("alice", "ch2", feedback.redact_all([result], show_hidden=True),
                             cat, "en")
    assert CANARY in full
    # a result without hidden checks is left as it is
    plain = ExerciseResult.of(cat.by_id["ch2.vector_norm"], Status.PASSED)
    assert feedback.redact(plain) is plain


# ------------------------------------------------------------------------------ grade
def test_grade_takes_notebooks(tmp_path):
    """`d2lkit grade` on plain notebooks: solution cells graded in the sandbox; a hang, a wrong
    answer and an untouched cell each cost their own exercise."""
    base = released("norms", "norms")
    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "norms.ipynb").write_text(json.dumps(with_cells(base, SOLVED)))
    (tmp_path / "class" / "ben").mkdir()
    (tmp_path / "class" / "ben" / "norms.ipynb").write_text(json.dumps(with_cells(base, {
        "ch2_vector_norm-solution": "def vector_norm(x, p=2.0):\n    while True:\n        pass\n",
        "ch2_frobenius_norm-solution": "def frobenius_norm(X):\n    return X.sum()\n"})))
    r = run_cli("grade", tmp_path / "class", "--target", "2.3", "--format", "json", "--seed", "3",
                "--timeout", "2", "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    subs = {s["submission"]: s for s in json.loads(r.stdout)["submissions"]}
    assert subs["ann"]["summary"]["points"] == 4
    ben = {x["id"]: x for x in subs["ben"]["results"]}
    assert (ben["ch2.vector_norm"]["status"], ben["ch2.frobenius_norm"]["status"],
            ben["ch2.row_normalize"]["status"]) == ("timeout", "failed", "not_implemented")
    assert subs["ben"]["path"] == str((tmp_path / "class" / "ben").resolve())
    assert not list(tmp_path.rglob(".hypothesis"))
    assert "d2lkit-notebooks-" not in r.stdout  # messages name notebooks, not temporary files


def test_a_missing_or_unreadable_notebook_is_said_so(tmp_path):
    for name in ("missing", "unreadable"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "norms.ipynb").write_text(
            json.dumps(with_cells(released("norms", "norms"), SOLVED)))
    (tmp_path / "class" / "unreadable" / "ndarray.ipynb").write_text("{" * 100_000)
    r = run_cli("grade", tmp_path / "class", "--target", "ndarray", "--format", "json",
                "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    subs = {s["submission"]: s for s in json.loads(r.stdout)["submissions"]}
    messages = {n: {x["id"]: x["message"] for x in s["results"]} for n, s in subs.items()}
    assert "ndarray.ipynb was not handed in" in messages["missing"]["ch2.broadcast_shape"]
    assert "ndarray.ipynb could not be read" in messages["unreadable"]["ch2.broadcast_shape"]
