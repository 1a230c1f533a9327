"""End to end with the real nbgrader CLI: generate, submit (six students), autograde, scores from
the gradebook, feedback HTML, and no hidden test text anywhere a student can see."""

from __future__ import annotations

import html as html_lib
import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")

BIN = Path(sys.executable).parent
ASSIGNMENT = "ch2"
TOPIC = "norms"  # three exercises: vector_norm (2), frobenius_norm (1), row_normalize (1)


def nbgrader(*args, cwd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONWARNINGS": "ignore"}
    r = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, text=True,
                       capture_output=True, timeout=900)
    assert r.returncode == 0, f"nbgrader {' '.join(args)}\n{r.stdout}\n{r.stderr}"
    return r


def d2lkit(*args, cwd):
    r = subprocess.run([sys.executable, "-m", "d2lkit", *args], cwd=cwd, text=True,
                       capture_output=True, timeout=300, env={**os.environ, "D2LKIT_LANG": "en"})
    assert r.returncode == 0, r.stdout + r.stderr
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


def set_solution(nb, grade_id, source):
    cells(nb)[grade_id]["source"] = source


SOLVED = {
    "ch2_vector_norm-solution": (
        "def vector_norm(x, p=2.0):\n    a = x.reshape(-1).abs()\n"
        "    if p == float('inf'):\n        return a.max()\n    return (a ** p).sum() ** (1.0 / p)\n"),
    "ch2_frobenius_norm-solution": "def frobenius_norm(X):\n    return (X * X).sum().sqrt()\n",
    "ch2_row_normalize-solution": (
        "def row_normalize(A):\n    return A / A.sum(dim=1, keepdim=True)\n"),
}


def students(release: dict) -> dict[str, tuple[dict, int]]:
    """name -> (submitted notebook, the score it deserves out of 4)."""
    def solved():
        nb = json.loads(json.dumps(release))
        for gid, src in SOLVED.items():
            set_solution(nb, gid, src)
        return nb

    out = {"solution": (solved(), 4), "untouched": (json.loads(json.dumps(release)), 0)}

    nb = solved()  # vector_norm never returns: the cell times out, the rest still counts
    set_solution(nb, "ch2_vector_norm-solution", "def vector_norm(x, p=2.0):\n    while True:\n"
                                                 "        pass\n")
    out["loop"] = (nb, 2)

    nb = solved()  # frobenius_norm left unsolved, its locked test cell replaced by a pass
    set_solution(nb, "ch2_frobenius_norm-solution", "def frobenius_norm(X):\n    return X.sum()\n")
    cells(nb)["ch2_frobenius_norm-test"]["source"] = "print('all good')\n"
    out["edited"] = (nb, 3)

    nb = solved()  # row_normalize wrong and its test cell deleted: nbgrader puts it back
    set_solution(nb, "ch2_row_normalize-solution", "def row_normalize(A):\n    return A / A.sum()\n")
    nb["cells"] = [c for c in nb["cells"]
                   if c["metadata"].get("nbgrader", {}).get("grade_id") != "ch2_row_normalize-test"]
    out["deleted"] = (nb, 3)

    nb = solved()  # correct, but prints warnings on stderr while running
    set_solution(nb, "ch2_frobenius_norm-solution",
                 "import sys, warnings\n\ndef frobenius_norm(X):\n"
                 "    warnings.warn('frobenius_norm: a friendly warning')\n"
                 "    print('debug: computing', file=sys.stderr)\n"
                 "    return (X * X).sum().sqrt()\n")
    out["warns"] = (nb, 4)
    return out


@pytest.mark.slow
def test_nbgrader_course_end_to_end(tmp_path):
    course = tmp_path / "course"
    d2lkit("nbgrader", "init", course, "--course-id", "d2l-e2e", "--timeout", "15", cwd=tmp_path)
    d2lkit("nbgrader", "export", "ch2.vector_norm", course, "--assignment", ASSIGNMENT, cwd=tmp_path)
    d2lkit("nbgrader", "export", "2.3", course, "--assignment", ASSIGNMENT, cwd=tmp_path)
    source = course / "source" / ASSIGNMENT / f"{TOPIC}.ipynb"
    assert source.is_file()
    hidden = [f'check("ch2.{n}"' for n in ("vector_norm", "frobenius_norm", "row_normalize")]
    assert all(h in visible_text(source) for h in hidden)

    # the solved source notebook validates
    r = nbgrader("validate", str(source), cwd=course)
    assert "Success" in r.stdout, r.stdout

    nbgrader("generate_assignment", ASSIGNMENT, "--create", "--force", cwd=course)
    release = course / "release" / ASSIGNMENT / f"{TOPIC}.ipynb"
    text = visible_text(release)
    assert "raise NotImplementedError" in text and "BEGIN SOLUTION" not in text
    for h in hidden:
        assert h not in text, h

    release_nb = json.loads(release.read_text())
    deserved = {}
    for name, (nb, score) in students(release_nb).items():
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{TOPIC}.ipynb").write_text(json.dumps(nb))
        deserved[name] = score

    nbgrader("autograde", ASSIGNMENT, "--create", "--force", cwd=course)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        got = {name: gb.find_submission(ASSIGNMENT, name).score for name in deserved}
    assert got == {k: float(v) for k, v in deserved.items()}

    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    for name in deserved:
        html = course / "feedback" / name / ASSIGNMENT / f"{TOPIC}.html"
        assert html.is_file(), name
    # hidden test text appears in no release or feedback file
    seen = []
    for folder in ("release", "feedback"):
        for path in (course / folder).rglob("*"):
            if path.is_file():
                content = visible_text(path)
                seen += [(str(path), h) for h in hidden + ["BEGIN HIDDEN TESTS"] if h in content]
    assert not seen, seen
    # the loop got a timeout, the failing ones a d2lkit verdict (a message, no hidden source)
    loop_fb = (course / "feedback" / "loop" / ASSIGNMENT / f"{TOPIC}.html").read_text()
    assert "CellTimeoutError" in loop_fb or "Timeout" in loop_fb
    edited_fb = (course / "feedback" / "edited" / ASSIGNMENT / f"{TOPIC}.html").read_text()
    assert "ch2.frobenius_norm" in edited_fb and "failed" in edited_fb
