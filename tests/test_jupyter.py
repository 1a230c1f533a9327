"""Jupyter for learners: the `%%d2lkit` magic in a real kernel, the graded module it builds, its
report, and `d2lkit notebook`.

The kernel tests start a real IPython kernel through nbclient/jupyter_client, running this
virtual environment's Python (a kernelspec written to a temporary JUPYTER_PATH names
`sys.executable`), so that the magic, the grading service it starts and the sandbox are the
installed ones.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from d2lkit import catalogue
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import CheckResult, Detail, ExerciseResult
from d2lkit.jupyter import notebook as nbmod
from d2lkit.jupyter import report, sources
from d2lkit.jupyter.sandboxed import relabel

nbformat = pytest.importorskip("nbformat")


# ----------------------------------------------------------------------------- a real kernel
@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A kernelspec for this interpreter, and an environment without a workspace override."""
    spec = tmp_path / "jupyter" / "kernels" / "d2lkit-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "d2lkit test", "language": "python",
        "env": {"D2LKIT_LANG": "en", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("D2LKIT_WORKSPACE", raising=False)
    return "d2lkit-test"


def run_notebook(nb, cwd: Path, kernel: str, timeout: int = 240):
    from nbclient import NotebookClient

    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def html_of(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs
                   if o.output_type in ("display_data", "execute_result"))


def text_of(cell) -> str:
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("display_data", "execute_result"):
            out.append(o.get("data", {}).get("text/plain", ""))
        elif o.output_type == "error":
            out.append(f"{o.ename}: {o.evalue}")
    return "\n".join(out)


CORRECT = """%%d2lkit ch3.softmax
def softmax(X):
    if os.getpid() == KERNEL_PID:
        raise RuntimeError("graded in the notebook's kernel")
    e = (X - rowmax(X)).exp()
    return e / e.sum(dim=1, keepdim=True)
rowmax(torch.tensor([[1.0, 5.0]]))
"""
WRONG = """%%d2lkit ch3.softmax --seed 7
def softmax(X):  # the book's version: exp overflows for large inputs
    e = X.exp()
    return e / e.sum(dim=1, keepdim=True)
"""
ENDLESS = """%%d2lkit ch3.softmax --timeout 1 --seed 3
def softmax(X):
    while True:
        pass
"""


@pytest.mark.slow
def test_the_magic_grades_cells_in_the_sandbox_and_records_them(kernel_env, tmp_path):
    """A correct and a wrong cell for ch3.softmax, an endless loop, and the untouched stub cell
    of the notebook `d2lkit notebook` writes, in one kernel: each report is HTML under its cell,
    each result is in the progress of the workspace the magic created beside the notebook."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    cat = catalogue.load()
    ch3 = nbmod.build(cat.resolve(["ch3"]), cat, "en", "ch3")
    stub_cell = next(c for c in ch3["cells"] if c["source"] and
                     c["source"][0].startswith("%%d2lkit ch3.softmax"))
    setup = next(c for c in ch3["cells"] if c["id"] == "setup-ch03-softmax_scratch-py")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in (
        "%load_ext d2lkit",
        "".join(setup["source"]),
        "".join(stub_cell["source"]),
        "import os\nKERNEL_PID = os.getpid()\n"
        "def rowmax(X):\n    return X.max(dim=1, keepdim=True).values\n",
        CORRECT,
        WRONG,
        ENDLESS,
        "%%d2lkit ch3.softmax --no-run\n\ndef softmax(X):\n    return X.exp() / undefined_total\n",
        "print('kernel alive', softmax(torch.tensor([[1000.0, 0.0]])))",
    )]
    run_notebook(nb, folder, kernel_env)
    cells = nb.cells
    for c in cells[:4]:
        assert not [o for o in c.outputs if o.output_type == "error"], text_of(c)

    # the stub cell, as the generated notebook has it: not started
    stub = html_of(cells[2])
    assert "not implemented" in stub and "Not started" in stub and "<code>ch3.softmax</code>" in stub

    correct = html_of(cells[4])
    assert "✓ passed" in correct and "2/2 points" in correct, text_of(cells[4])
    sent = re.search(r"Sent with this cell from earlier cells: ([^<]*)\.", correct).group(1)
    assert set(sent.split(", ")) == {"os", "rowmax", "KERNEL_PID"}
    assert "left out of the grading" in correct  # the test call at the bottom of the cell
    assert "<script" not in correct.lower()
    # ... and then the cell ran in the kernel: its last expression is the cell's output
    assert "tensor([[5.]])" in text_of(cells[4])
    assert "Error" not in text_of(cells[4])

    wrong = html_of(cells[5])
    assert "✗ failed" in wrong and "0/2 points" in wrong
    assert "Check:" in wrong and "What is wrong" in wrong
    assert "no-max-subtraction" in wrong  # the catalogued mistake, with its hint folded away
    assert re.search(r"<details><summary>Hint</summary><div>[^<]*subtract", wrong), wrong
    assert re.search(r"<details><summary>Hint 1/\d+</summary>", wrong)
    assert re.search(r"<th[^>]*>got</th>.*nan", wrong, re.S)
    assert re.search(r"<th[^>]*>expected</th>", wrong)
    assert "%%d2lkit ch3.softmax --seed 7" in wrong  # how to replay these inputs
    assert "<script" not in wrong.lower()

    endless = html_of(cells[6])
    assert "timeout" in endless and "did not finish within 1.0 s" in endless
    assert "Not run in the notebook" in endless
    # the endless loop was not run in the kernel: the wrong version is still the one defined
    # an error is placed by the line numbers the notebook shows (line 1 is the %%d2lkit line)
    error = html_of(cells[7])
    assert "NameError" in error and "this cell, line 4, in softmax" in error
    assert "kernel alive tensor([[nan, 0.]])" in text_of(cells[8])

    from d2lkit.progress import Progress

    assert (folder / "d2lkit.toml").is_file()  # created beside the notebook
    assert "was created in" in html_of(cells[2])
    with Progress(folder / ".d2lkit" / "progress.sqlite3", read_only=True) as progress:
        rows = [r for r in progress.export_rows() if r["exercise"] == "ch3.softmax"]
        commands = {c for (c,) in progress.db.execute("SELECT command FROM runs")}
        seeds = [s for (s,) in progress.db.execute("SELECT seed FROM runs ORDER BY id")]
    assert [r["status"] for r in rows] == ["not_implemented", "passed", "failed", "timeout",
                                           "error"]
    assert commands == {"notebook"} and seeds[2:4] == [7, 3]


@pytest.mark.slow
def test_the_magic_records_in_the_nearest_workspace_and_speaks_its_language(
        kernel_env, tmp_path, workspace):
    """A notebook inside a workspace (in a subfolder) records there; the workspace's language
    (or --lang) is the report's; nothing of the learner's files changes."""
    folder = workspace / "notebooks"
    folder.mkdir()
    before = {p: p.read_bytes() for p in workspace.rglob("*.py")}
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in (
        "%load_ext d2lkit",
        "%%d2lkit ch2.vector_norm --lang zh --no-run\n"
        "def vector_norm(x, p=2.0):\n    return x.abs().sum()\n",
        "print('defined:', 'vector_norm' in dir())",
        "%%d2lkit ch2.no_such_exercise\npass\n",
    )]
    run_notebook(nb, folder, kernel_env)
    zh = html_of(nb.cells[1])
    assert "未通过" in zh and "检查项" in zh and "提示" in zh
    assert "defined: False" in text_of(nb.cells[2])  # --no-run: graded only
    assert "UsageError" in text_of(nb.cells[3]) or "Unknown exercise" in text_of(nb.cells[3])
    assert not (folder / "d2lkit.toml").exists()
    from d2lkit.progress import Progress

    with Progress(workspace / ".d2lkit" / "progress.sqlite3", read_only=True) as progress:
        assert [r["status"] for r in progress.export_rows()] == ["failed"]
    assert {p: p.read_bytes() for p in workspace.rglob("*.py")} == before


# ----------------------------------------------------------------------------- the graded module
def test_free_names_sees_every_scope_and_not_locals():
    src = ("def f(X, k=K):\n    e = X.exp()\n    return helper(e) + C\n"
           "class M(Base):\n    z = q\n    def m(self):\n        return self.z + w\n"
           "ys = [i for i in range(3) if i > T]\n@deco\ndef g(): pass\n")
    assert set(sources.free_names(src)) == {"K", "helper", "C", "Base", "q", "w", "range", "T",
                                            "deco"}


def test_bare_expressions_are_left_out_with_line_numbers_kept():
    src = "import torch\ndef f(x):\n    return x\nf(1)\nprint(\n  2)\ny = f(3); y\n"
    out, count = sources.strip_bare_expressions(src)
    assert count == 2
    assert out.splitlines() == ["import torch", "def f(x):", "    return x", "", "", "",
                                "y = f(3); y"]


def test_a_definition_is_renamed_and_keeps_its_own_name():
    src = "@decorate\ndef vector_norm_ok(x):\n    return vector_norm_ok(x[1:]) if len(x) else 0\n"
    out = sources.rename_definition(src, "vector_norm_ok", "vector_norm")
    assert "def vector_norm(x):" in out and out.endswith("vector_norm_ok = vector_norm\n")
    ns: dict = {"decorate": lambda f: f}
    exec(compile(out, "<test>", "exec"), ns)  # noqa: S102 - the test's own code
    assert ns["vector_norm"]([1, 2]) == 0 and ns["vector_norm_ok"] is ns["vector_norm"]


EARLIER = '''
import math
import torch.nn.functional as F
from torch import nn, Tensor
EPS = 1e-6
SIZES = (2, 3)
W = object()

class Base(nn.Module):
    def forward(self, x):
        return helper(x) + EPS

def helper(x):
    return F.relu(x) * math.pi

double = lambda x: helper(x) * 2
'''


def test_collect_sends_definitions_imports_and_constants_but_not_values(tmp_path):
    """What a cell reads from earlier cells: functions and classes as their source (found
    through the file they were compiled from), imports, constants; a value is listed instead."""
    import linecache

    file = str(tmp_path / "cell1.py")
    linecache.cache[file] = (len(EARLIER), None, EARLIER.splitlines(True), file)
    ns: dict = {"__name__": "__main__"}
    exec(compile(EARLIER, file, "exec"), ns)  # noqa: S102 - the test's own code
    cell = ("class Net(Base):\n    def forward(self, X: Tensor):\n"
            "        return super().forward(X) + double(X) + W + SIZES[0]\n")
    got = sources.collect(cell, ns)
    by_name = {d.name: d for d in got.dependencies}
    assert by_name["F"].text == "import torch.nn.functional as F"
    assert by_name["Tensor"].text == "from torch import Tensor"
    assert by_name["EPS"].text == "EPS = 1e-06" and by_name["SIZES"].text == "SIZES = (2, 3)"
    assert by_name["Base"].text.startswith("class Base(nn.Module):")
    assert by_name["helper"].text.startswith("def helper(x):")
    assert by_name["double"].text.strip() == "double = lambda x: helper(x) * 2"
    assert "math" in by_name and got.unresolved == ["W"]
    order = [d.name for d in got.ordered]
    assert order.index("helper") < order.index("Base")  # what it uses first
    module = sources.assemble("import torch\n", got, [sources.Part(cell, "cell")])
    ast.parse(module.source)
    piece = module.locate(module.source.splitlines().index("class Net(Base):") + 1)
    assert piece.origin == "cell" and piece.line(piece.first) == 1


def test_a_closure_is_not_sent_as_source():
    def outer():
        k = 2

        def f(x):
            return x * k
        return f

    got = sources.collect("y = f(1)\n", {"f": outer()})
    assert got.closures == ["f"] and not got.dependencies


def test_places_in_the_result_are_told_as_lines_of_the_cell(tmp_path):
    cat = catalogue.load()
    ex = cat.by_id["ch3.softmax"]
    cell = "def softmax(X):\n    return X.exp() / 0\n"
    module = sources.assemble("import torch\n\n\ndef softmax(X):\n    raise NotImplementedError\n",
                              sources.Collected(), [sources.Part(cell, "cell")],
                              stub_file=ex.relpath)
    path = str(tmp_path / "ch03" / "softmax_scratch.py")
    line = module.source.splitlines().index("    return X.exp() / 0") + 1
    frames = [{"file": path, "line": line, "function": "softmax", "code": "return X.exp() / 0"},
              {"file": path, "line": 5, "function": "softmax", "code": "raise"}]
    check = CheckResult("test_x", {"en": "x", "zh": "x"}, Status.ERROR,
                        detail=Detail("exception", {"type": "ZeroDivisionError", "message": "m",
                                                    "frames": frames}))
    result = ExerciseResult.of(ex, Status.ERROR, detail=Detail(
        "syntax", {"file": path, "line": line, "col": 5, "text": "x", "message": "bad"}),
        checks=[check])
    relabel(result, module, path, ex, "en")
    assert result.detail.params["file"] == "this cell" and result.detail.params["line"] == 2
    assert frames[0]["file"] == "this cell" and frames[0]["line"] == 2
    assert frames[1]["file"] == "the kit's stub ch03/softmax_scratch.py" and frames[1]["line"] == 5


# ----------------------------------------------------------------------------- the report
def _failed_result():
    ex = catalogue.load().by_id["ch3.softmax"]
    params = {"what": "softmax(X)", "got": "[nan] <b>", "expected": "[1.0]"}
    failing = CheckResult("test_stress", {"en": "stays finite", "zh": "保持有限"}, Status.FAILED,
                          mistake="no-max-subtraction", detail=Detail("mistake", params),
                          output="printed <i>\n")
    ok = CheckResult("test_book", {"en": "book example", "zh": "书中的例子"}, Status.PASSED)
    return ex, ExerciseResult.of(ex, Status.FAILED, mistake="no-max-subtraction",
                                 detail=Detail("mistake", dict(params)), checks=[ok, failing])


def test_the_html_report_folds_hints_away_and_escapes_the_learners_values():
    ex, result = _failed_result()
    r = report.render(result, ex, "en", replay="%%d2lkit ch3.softmax --seed 5",
                      notes=["a <note>"], seconds=0.25)
    html = r.html
    assert "✗ failed" in html and "<code>ch3.softmax</code>" in html and "0/2 points" in html
    assert "Check: stays finite  [test_stress]" in html
    assert "<details><summary>Hint</summary>" in html
    assert html.count("<details><summary>Hint ") == len(ex.hints)  # every level, folded
    assert "[nan] &lt;b&gt;" in html and "<b>" not in html and "&lt;note&gt;" in html
    assert "printed &lt;i&gt;" in html  # what the code printed, escaped
    assert "Checks: 1/2 passed" in html and "<script" not in html.lower()
    assert "%%d2lkit ch3.softmax --seed 5" in html
    # the same report as text, for front ends without HTML
    assert r.text.splitlines()[0].startswith("✗ failed · ch3.softmax")
    assert "Likely mistake: no-max-subtraction" in r.text and repr(r) == r.text


def test_the_report_speaks_chinese_with_the_same_wording_as_check():
    from d2lkit.output.messages import failure_lines

    ex, result = _failed_result()
    html = report.render(result, ex, "zh").html
    for line in failure_lines(result, ex, "zh"):
        if line.kind in ("check", "problem", "mistake"):
            assert report._e(line.text) in html
    assert "未通过" in html and "得分 0/2" in html


def test_a_passed_report_has_no_hints():
    ex = catalogue.load().by_id["ch3.softmax"]
    ok = CheckResult("test_book", {"en": "book example", "zh": "例子"}, Status.PASSED)
    html = report.render(ExerciseResult.of(ex, Status.PASSED, checks=[ok]), ex, "en").html
    assert "✓ passed" in html and "2/2 points" in html and "Hint" not in html


# ----------------------------------------------------------------------------- the workspace
def test_the_magic_makes_a_workspace_beside_the_notebook_but_never_over_a_file(tmp_path,
                                                                               monkeypatch):
    from d2lkit.jupyter.magic import workspace_for

    monkeypatch.delenv("D2LKIT_WORKSPACE", raising=False)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    ws, notes = workspace_for(None, fresh, "en")
    assert ws is not None and ws.root == fresh.resolve() and (fresh / "d2lkit.toml").is_file()
    assert "was created" in notes[0]("en")
    again, notes = workspace_for(None, fresh / "ch03", "en")  # found from a subfolder
    assert again.root == fresh.resolve() and notes == []

    clash = tmp_path / "clash"
    (clash / "ch03").mkdir(parents=True)
    mine = clash / "ch03" / "softmax_scratch.py"
    mine.write_text("# my own work\n")
    ws, notes = workspace_for(None, clash, "en")
    assert ws is None and "Not recorded" in notes[0]("en")
    assert mine.read_text() == "# my own work\n" and not (clash / "d2lkit.toml").exists()


# ----------------------------------------------------------------------------- d2lkit notebook
def test_d2lkit_notebook_writes_a_valid_notebook_with_a_graded_cell_per_exercise(tmp_path):
    r = run_cli("notebook", "ch3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "ch3.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    cat = catalogue.load()
    exercises = [ex for ex in cat.resolve(["ch3"]) if not ex.is_quiz]  # quizzes: d2lkit quiz
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and "Linear Neural Networks" in nb.cells[0].source
    assert code[0].source.strip() == "%load_ext d2lkit"
    graded = [c for c in code if c.source.startswith("%%d2lkit ")]
    assert [c.source.splitlines()[0] for c in graded] == [f"%%d2lkit {ex.id}" for ex in exercises]
    for ex, cell in zip(exercises, graded):
        body = cell.source.split("\n", 1)[1]
        defined = {n.name for n in ast.parse(body).body}
        assert defined == set(ex.functions) and "raise NotImplementedError" in body
        about = nb.cells[nb.cells.index(cell) - 1]
        assert about.cell_type == "markdown" and f"`{ex.id}`" in about.source
        assert ex.title["en"].split(" (")[0][:20].replace("*", "") in about.source.replace("\\", "")
        for name in ex.forbid:
            assert f"`{name}`" in about.source
    setup = [c for c in code if c.source.startswith("# Imports and provided code")]
    assert len(setup) == len({ex.topic for ex in exercises})
    for cell in setup:
        compile(cell.source, "<setup>", "exec")
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    assert "ipynb" in r.stdout and "No d2lkit workspace" in r.stdout


def test_d2lkit_notebook_never_overwrites_without_force(tmp_path):
    path = tmp_path / "ch3.ipynb"
    path.write_text("my notebook")
    r = run_cli("notebook", "ch3", cwd=tmp_path)
    assert r.returncode == 2 and "--force" in r.stderr
    assert path.read_text() == "my notebook"
    assert not [p for p in tmp_path.iterdir() if p.name != "ch3.ipynb"]  # no temporary file left
    r = run_cli("notebook", "ch3", "--force", "--lang", "zh", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(path, as_version=4)
    assert "线性神经网络" in nb.cells[0].source and nb.metadata["d2lkit"]["lang"] == "zh"
    r = run_cli("notebook", "ch3.softmax", "-o", tmp_path / "sub" / "one.ipynb", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "sub" / "one.ipynb").is_file()
    assert run_cli("notebook", "ch3.sofmax", cwd=tmp_path).returncode == 2


def test_write_refuses_a_file_that_appears_meanwhile(tmp_path, monkeypatch):
    """The no-overwrite check is the atomic link itself, not an earlier look."""
    path = tmp_path / "nb.ipynb"
    real_link = os.link

    def racing_link(src, dst):
        Path(dst).write_text("appeared")
        return real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    with pytest.raises(FileExistsError):
        nbmod.write({"cells": []}, path)
    assert path.read_text() == "appeared" and [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]


def test_d2lkit_notebook_does_not_import_torch(tmp_path):
    import subprocess

    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "d2lkit", "notebook", "ch2"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    assert "torch" not in imported and "IPython" not in imported


def test_a_cell_is_hashed_like_the_same_code_in_a_file():
    """Attempts count changes of the learner's definitions: a cell and a workspace file holding
    the same definition are the same attempt, whatever the graded module adds around it."""
    from d2lkit.grading.precheck import code_hash
    from d2lkit.paths import content_dir

    stub = (content_dir("exercises") / "ch03" / "softmax_scratch.py").read_text()
    cell = "def softmax(X):\n    return X.softmax(1)\n"
    module = sources.assemble(stub, sources.Collected(), [sources.Part(cell)])
    start, end = stub.index("def softmax"), stub.index("def cross_entropy")
    in_a_file = stub[:start] + cell + "\n\n" + stub[end:]
    assert code_hash(module.learner_source, ("softmax",)) == code_hash(in_a_file, ("softmax",))
    assert code_hash(module.learner_source, ("softmax",)) != code_hash(stub, ("softmax",))


@pytest.mark.slow
def test_the_chapter_notebook_passes_with_the_reference_solutions(kernel_env, tmp_path):
    """ch6's notebook as `d2lkit notebook` writes it, each stub replaced by the reference
    solution, run top to bottom in a kernel: every exercise passes, including those whose topic
    imports another (channels uses the corr2d of an earlier cell), and all are recorded."""
    from d2lkit.authoring.stubs import strip_markers
    from d2lkit.paths import content_dir
    from d2lkit.progress import Progress

    cat = catalogue.load()
    exercises = [ex for ex in cat.resolve(["ch6"]) if not ex.is_quiz]  # no cells for quizzes
    nb = nbformat.reads(json.dumps(nbmod.build(exercises, cat, "en", "ch6")), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%d2lkit "):
            ex = cat.by_id[cell.source.split()[1]]
            solution = strip_markers((content_dir("solutions") / ex.relpath).read_text())
            tree = ast.parse(solution)
            body = "\n\n".join(ast.get_source_segment(solution, n) for n in tree.body
                               if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                               and n.name in ex.functions)
            cell.source = f"%%d2lkit {ex.id}\n{body}\n"
    folder = tmp_path / "ch6"
    folder.mkdir()
    run_notebook(nb, folder, kernel_env, timeout=300)
    graded = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%d2lkit")]
    assert len(graded) == len(exercises)
    for cell in graded:
        assert "✓ passed" in html_of(cell), (cell.source.splitlines()[0], text_of(cell))
    with Progress(folder / ".d2lkit" / "progress.sqlite3", read_only=True) as progress:
        rows = progress.export_rows()
    assert [r["exercise"] for r in rows] == [ex.id for ex in exercises]
    assert {r["status"] for r in rows} == {"passed"}
