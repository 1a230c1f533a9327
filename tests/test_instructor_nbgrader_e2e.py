"""End to end with the real nbgrader: a class of students — correct, untouched, typical mistakes,
and students who try to cheat or break the grader — graded by `d2lkit nbgrader autograde`
(d2lkit's engine, outside the students' kernels), scores read from nbgrader's gradebook and
grades.csv, feedback through `nbgrader generate_feedback` and d2lkit's own files.

A hidden check with canary strings (title, inputs, expected value) is planted in the norms
grader for the whole run: no feedback or results file may contain them, unless the instructor
asks (`--show-hidden`, the positive control).

nbgrader's commands run as subprocesses (the real CLI); `d2lkit nbgrader autograde` runs in this
process through click, so that the planted grader is the one it uses.
"""

from __future__ import annotations

import csv
import hashlib
import html as html_lib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ASSIGNMENT = "ch2"  # norms: vector_norm 2, frobenius_norm 1, row_normalize 1;
#                     ndarray: broadcast_shape 2, add_into_ 1 (hypothesis-based checks)
STRETCH_ASSIGNMENT = "ch4x"  # ch4.tanh_via_sigmoid, a stretch exercise worth 1 (extra credit)
FULL = 7

CANARIES = ("CANARY", "31415.25", "31419.25", "9c2e", "4f1d")
HIDDEN_CHECK = '''


@grades("ch2.vector_norm", en="CANARY-TITLE-4f1d", zh="CANARY-TITLE-zh-4f1d",
        visibility="hidden")
def test_planted_hidden_canary(student):
    x = torch.tensor([31415.25, -4.0], dtype=torch.float64)
    expect_close(student.call("vector_norm", x, 1.0),
                 torch.tensor(31419.25, dtype=torch.float64),
                 what="CANARY-WHAT-9c2e vector_norm(x, p=1)")
'''


def nbgrader(*args, cwd, check=True):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONWARNINGS": "ignore", "D2LKIT_LANG": "en"}
    r = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, text=True,
                       capture_output=True, timeout=600)
    if check:
        assert r.returncode == 0, f"nbgrader {' '.join(args)}\n{r.stdout}\n{r.stderr}"
    return r


def d2lkit_cli(*args, cwd):
    r = subprocess.run([sys.executable, "-m", "d2lkit", *map(str, args)], cwd=cwd, text=True,
                       capture_output=True, timeout=300, env={**os.environ, "D2LKIT_LANG": "en"})
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def autograde(*args):
    """`d2lkit nbgrader autograde` in this process (the planted grader applies)."""
    from click.testing import CliRunner

    from d2lkit.cli import main

    r = CliRunner().invoke(main, ["nbgrader", "autograde", *map(str, args), "--lang", "en"],
                           catch_exceptions=False)
    return r


def visible_text(path: Path) -> str:
    """What a reader of the file sees: notebook JSON decoded, HTML tags stripped, unescaped."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        return raw + "\n" + json.dumps(json.loads(raw), ensure_ascii=False).replace('\\"', '"')
    if path.suffix in (".html", ".htm"):
        return raw + "\n" + html_lib.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw


def cells(nb):
    return {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}


def set_cell(nb, grade_id, source):
    cells(nb)[grade_id]["source"] = source


def digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------ the class
def students(release: dict, source: dict, course: Path, solutions: Path) -> dict:
    """name -> ({notebook: submitted notebook}, the score it deserves out of FULL)."""
    def solved():
        out = {}
        for topic, nb in release.items():
            nb = json.loads(json.dumps(nb))
            for gid, cell in cells(source[topic]).items():
                if gid and gid.endswith("-solution"):
                    set_cell(nb, gid, cell["source"])
            out[topic] = nb
        return out

    def untouched():
        return json.loads(json.dumps(release))

    out = {"solution": (solved(), FULL), "untouched": (untouched(), 0)}

    nbs = solved()  # typical mistakes: no abs in the norm, the whole sum instead of the rows'
    set_cell(nbs["norms"], "ch2_vector_norm-solution",
             "def vector_norm(x, p=2.0):\n    return (x.reshape(-1) ** p).sum() ** (1.0 / p)\n")
    set_cell(nbs["norms"], "ch2_row_normalize-solution",
             "def row_normalize(A):\n    return A / A.sum()\n")
    out["typical"] = (nbs, FULL - 3)

    nbs = solved()  # patches torch's comparisons in the kernel, prints its inputs, wrong answers
    set_cell(nbs["norms"], "ch2_vector_norm-solution", (
        "import torch\n"
        "torch.allclose = lambda *a, **k: True\n"
        "torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)\n"
        "torch.equal = lambda *a, **k: True\n"
        "torch.testing.assert_close = lambda *a, **k: None\n\n"
        "def vector_norm(x, p=2.0):\n    print('my input:', x)\n    return x.sum() * 0\n"))
    set_cell(nbs["norms"], "ch2_row_normalize-solution",
             "def row_normalize(A):\n    return A.clone()\n")
    out["patcher"] = (nbs, FULL - 3)

    nbs = solved()  # redefines check, in the notebook and in d2lkit.grader; a wrong answer
    set_cell(nbs["norms"], "ch2_frobenius_norm-solution", (
        "def check(*args, **kwargs):\n    return None\n\n"
        "import d2lkit.grader\nd2lkit.grader.check = check\n\n"
        "def frobenius_norm(X):\n    return X.sum()\n"))
    out["redefines_check"] = (nbs, FULL - 4)  # importing the kit in the sandbox: norms fails

    # runs the installed reference solutions (where the student's kernel finds them)
    nbs = solved()
    for name, args in (("vector_norm", "x, p=2.0"), ("frobenius_norm", "X"),
                       ("row_normalize", "A")):
        call = ", ".join(a.split("=")[0] for a in args.split(", "))
        set_cell(nbs["norms"], f"ch2_{name}-solution", (
            f"def {name}({args}):\n    ns = {{}}\n"
            f"    exec(open({str(solutions / 'ch02' / 'norms.py')!r}).read(), ns)\n"
            f"    return ns[{name!r}]({call})\n"))
    out["runs_reference"] = (nbs, FULL - 4)

    nbs = solved()  # a loop that swallows KeyboardInterrupt
    set_cell(nbs["norms"], "ch2_vector_norm-solution", (
        "import time\n\ndef vector_norm(x, p=2.0):\n    while True:\n        try:\n"
        "            time.sleep(0.05)\n        except KeyboardInterrupt:\n            pass\n"))
    out["swallows_interrupt"] = (nbs, FULL - 2)

    nbs = solved()  # os._exit in one function
    set_cell(nbs["norms"], "ch2_frobenius_norm-solution",
             "import os\n\ndef frobenius_norm(X):\n    os._exit(0)\n")
    out["exits"] = (nbs, FULL - 1)

    # reads the course folder (the source notebooks with the solutions, the gradebook) and writes
    # into it, at import and in a function; answers wrongly if it could read anything
    snoop = (
        "import os\nCOURSE = {course!r}\nSEEN = []\n\n"
        "def _snoop():\n"
        "    for rel in ('source/ch2/norms.ipynb', 'gradebook.db', 'nbgrader_config.py'):\n"
        "        try:\n            with open(os.path.join(COURSE, rel), 'rb') as f:\n"
        "                SEEN.append(f.read(100))\n        except OSError:\n            pass\n"
        "    try:\n        SEEN.append(os.listdir(COURSE))\n    except OSError:\n        pass\n"
        "    for rel in ('pwned.txt', 'source/ch2/pwned.txt'):\n"
        "        try:\n            with open(os.path.join(COURSE, rel), 'w') as f:\n"
        "                f.write('a student was here')\n        except OSError:\n            pass\n\n"
        "_snoop()\n\n"
        "def row_normalize(A):\n    _snoop()\n"
        "    if SEEN:\n        return A * 0\n"
        "    return A / A.sum(dim=1, keepdim=True)\n").format(course=str(course))
    nbs = solved()
    set_cell(nbs["norms"], "ch2_row_normalize-solution", snoop)
    out["snoops_course"] = (nbs, FULL)

    nbs = solved()  # a syntax error in one cell costs that exercise only
    set_cell(nbs["norms"], "ch2_frobenius_norm-solution",
             "def frobenius_norm(X):\n    return (X * X).sum(\n")
    out["syntax_error"] = (nbs, FULL - 1)

    nbs = solved()  # a loop at the top of a cell: the notebook's module never imports
    set_cell(nbs["norms"], "ch2_row_normalize-solution",
             "while True:\n    pass\n\ndef row_normalize(A):\n"
             "    return A / A.sum(dim=1, keepdim=True)\n")
    out["import_hang"] = (nbs, FULL - 4)

    nbs = solved()  # test cells decide nothing: edited, deleted, and the answers still wrong
    set_cell(nbs["norms"], "ch2_row_normalize-solution",
             "def row_normalize(A):\n    return A / A.sum()\n")
    set_cell(nbs["norms"], "ch2_row_normalize-test", "print('all good')\n")
    set_cell(nbs["norms"], "ch2_frobenius_norm-solution",
             "def frobenius_norm(X):\n    return X.abs().sum()\n")
    nbs["norms"]["cells"] = [c for c in nbs["norms"]["cells"] if c["metadata"].get(
        "nbgrader", {}).get("grade_id") != "ch2_frobenius_norm-test"]
    out["edits_tests"] = (nbs, FULL - 2)
    return out


@pytest.fixture
def planted(tmp_path, monkeypatch):
    """The norms grader with a hidden check full of canaries, for this process and its forks."""
    from d2lkit.grading import runner
    from d2lkit.paths import content_dir

    planted = tmp_path / "planted" / "ch02" / "test_norms.py"
    planted.parent.mkdir(parents=True)
    planted.write_text((content_dir("grader") / "ch02" / "test_norms.py").read_text()
                       + HIDDEN_CHECK)
    real = runner.grader_file
    monkeypatch.setattr(runner, "grader_file",
                        lambda ex: planted if ex.topic == "norms" else real(ex))
    return planted


def test_nbgrader_class_graded_outside_the_kernel(tmp_path, planted, monkeypatch):
    from d2lkit.paths import content_dir

    monkeypatch.setenv("D2LKIT_LANG", "en")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    course = tmp_path / "course"
    d2lkit_cli("nbgrader", "init", course, "--course-id", "d2l-e2e", "--timeout", "60",
               cwd=tmp_path)
    d2lkit_cli("nbgrader", "export", "norms", course, "--assignment", ASSIGNMENT, cwd=tmp_path)
    d2lkit_cli("nbgrader", "export", "ndarray", course, "--assignment", ASSIGNMENT, cwd=tmp_path)
    d2lkit_cli("nbgrader", "export", "ch4.tanh_via_sigmoid", course, "--assignment",
               STRETCH_ASSIGNMENT, cwd=tmp_path)
    topics = ("norms", "ndarray")

    # the solved source validates (its self-checks run the graders, which use hypothesis):
    # silent test cells, no unknown config keys, no local state written beside the notebooks
    r = nbgrader("validate", str(course / "source" / ASSIGNMENT / "ndarray.ipynb"), cwd=course)
    assert "Success" in r.stdout, r.stdout
    noise = r.stdout + r.stderr
    assert "partial credit" not in noise and "not recognized" not in noise, noise

    for assignment in (ASSIGNMENT, STRETCH_ASSIGNMENT):
        r = nbgrader("generate_assignment", assignment, "--create", "--force", cwd=course)
        assert "not recognized" not in r.stdout + r.stderr, r.stderr
    assert not [p for folder in ("source", "release") for p in (course / folder).rglob("*")
                if p.name.startswith(".hypothesis")]
    release = {t: json.loads((course / "release" / ASSIGNMENT / f"{t}.ipynb").read_text())
               for t in topics}
    source = {t: json.loads((course / "source" / ASSIGNMENT / f"{t}.ipynb").read_text())
              for t in topics}
    assert "raise NotImplementedError" in visible_text(
        course / "release" / ASSIGNMENT / "norms.ipynb")

    deserved = {}
    for name, (nbs, score) in students(release, source, course,
                                       content_dir("solutions")).items():
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        for topic, nb in nbs.items():
            (folder / f"{topic}.ipynb").write_text(json.dumps(nb))
        deserved[name] = score
    assert len(deserved) >= 8
    stretch_release = json.loads(
        (course / "release" / STRETCH_ASSIGNMENT / "activations.ipynb").read_text())
    stretch_source = json.loads(
        (course / "source" / STRETCH_ASSIGNMENT / "activations.ipynb").read_text())
    for name, solve in (("solution", True), ("untouched", False)):
        nb = json.loads(json.dumps(stretch_release))
        if solve:
            set_cell(nb, "ch4_tanh_via_sigmoid-solution",
                     cells(stretch_source)["ch4_tanh_via_sigmoid-solution"]["source"])
        folder = course / "submitted" / name / STRETCH_ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "activations.ipynb").write_text(json.dumps(nb))

    before = digest(course / "source")
    r = autograde(ASSIGNMENT, course, "--jobs", "2", "--timeout", "3", "--seed", "7")
    assert r.exit_code == 0, r.output
    # nbgrader's checksum warnings: only for the cell a student changed
    warned = re.findall(r"Attribute 'checksum' for cell (\S+) has changed", r.output)
    assert warned == ["ch2_row_normalize-test"], r.output
    # a plain `nbgrader autograde` (formgrader's button) grades with d2lkit's engine too
    r = nbgrader("autograde", STRETCH_ASSIGNMENT, cwd=course)
    assert "not recognized" not in r.stdout + r.stderr, r.stderr

    # the course is what the instructor made: nothing read into a verdict, nothing written
    assert digest(course / "source") == before
    assert not (course / "pwned.txt").exists()

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        got = {name: gb.find_submission(ASSIGNMENT, name).score for name in deserved}
        stretch = {name: (gb.find_submission(STRETCH_ASSIGNMENT, name).score,
                          gb.find_submission(STRETCH_ASSIGNMENT, name).max_score)
                   for name in ("solution", "untouched")}
        assert gb.find_assignment(ASSIGNMENT).max_score == FULL
    assert got == {k: float(v) for k, v in deserved.items()}
    # a stretch exercise is extra credit: never in the maximum
    assert stretch == {"solution": (1.0, 0.0), "untouched": (0.0, 0.0)}

    nbgrader("export", cwd=course)
    with open(course / "grades.csv", newline="") as f:
        rows = {(row["assignment"], row["student_id"]): row for row in csv.DictReader(f)}
    for name, score in deserved.items():
        row = rows[(ASSIGNMENT, name)]
        assert (float(row["score"]), float(row["max_score"])) == (score, FULL), (name, row)
    assert (float(rows[(STRETCH_ASSIGNMENT, "solution")]["score"]),
            float(rows[(STRETCH_ASSIGNMENT, "solution")]["max_score"])) == (1.0, 0.0)

    r = nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    assert "not recognized" not in r.stdout + r.stderr
    ours = course / "d2lkit-results" / ASSIGNMENT
    for name in deserved:
        for topic in topics:
            assert (course / "feedback" / name / ASSIGNMENT / f"{topic}.html").is_file()
        assert (ours / "feedback" / f"{name}.html").is_file()
        assert (ours / "feedback" / f"{name}.md").is_file()
    results = json.loads((ours / "results.json").read_text())
    assert {s["submission"]: s["summary"]["points"] for s in results["submissions"]} == deserved

    # no hidden-check data in any feedback or results file (the autograded notebooks included)
    leaks = []
    for folder in ("feedback", "d2lkit-results", "autograded", "release"):
        for path in (course / folder).rglob("*"):
            if path.is_file():
                text = visible_text(path)
                leaks += [(str(path), c) for c in CANARIES if c in text]
    assert not leaks, leaks

    def fb(name):  # what the student reads: nbgrader's feedback and d2lkit's own
        return "\n".join(visible_text(p) for p in [
            *(course / "feedback" / name / ASSIGNMENT).glob("*.html"),
            ours / "feedback" / f"{name}.md"])

    assert "a hidden check failed" in fb("patcher")
    assert "did not finish within 3" in fb("swallows_interrupt")
    assert "ended the Python process" in fb("exits")
    assert "norms.ipynb (cell ch2_frobenius_norm-solution), line 2" in fb("syntax_error")
    assert "never finished importing" in fb("import_hang")
    assert "solutions/ch02/norms.py" in fb("runs_reference")  # refused, and said so
    assert "Not started" in fb("untouched")
    # the learner's own failing lines are shown with the cell they are in
    assert "ch2.row_normalize" in fb("typical") and "got" in fb("typical")

    # positive control: the instructor opts in, and the canaries are there
    r = autograde(ASSIGNMENT, course, "--student", "patcher", "--show-hidden", "--timeout", "3",
                  "--seed", "7")
    assert r.exit_code == 0, r.output
    shown = (ours / "feedback" / "patcher.md").read_text()
    assert "CANARY-TITLE-4f1d" in shown and "31419.25" in shown
    # the class's results keep every other student
    results = json.loads((ours / "results.json").read_text())
    assert {s["submission"] for s in results["submissions"]} == set(deserved)
