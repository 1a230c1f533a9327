"""Generated nbgrader notebooks: structure, metadata, and the same graders in-process."""

from __future__ import annotations

import json

import nbformat
import pytest

from d2lkit import catalogue
from d2lkit.instructor import notebooks
from tests.conftest import run_cli


def test_export_whole_kit_structure(tmp_path):
    cat = catalogue.load()
    written = notebooks.export(cat.exercises, cat, tmp_path, "all", "zh")
    assert len(written) == len(cat.topics())
    ids = set()
    for path in written:
        nb = json.loads(path.read_text())
        nbformat.validate(nbformat.from_dict(nb))
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        for cell in nb["cells"]:
            meta = cell["metadata"]["nbgrader"]
            assert meta["schema_version"] == 3
            assert meta["grade_id"] not in ids
            ids.add(meta["grade_id"])
            src = cell["source"]
            if meta["solution"]:
                assert src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION") >= 1
            if meta["grade"]:
                assert meta["locked"] and "### BEGIN HIDDEN TESTS" in src
                assert "from d2lkit.grader import check" in src
    for ex in cat.exercises:
        test = [c for p in written for c in json.loads(p.read_text())["cells"]
                if c["metadata"]["nbgrader"]["grade_id"] == notebooks.grade_id(ex.id, "test")]
        assert len(test) == 1 and test[0]["metadata"]["nbgrader"]["points"] == ex.points
        assert notebooks.hidden_call(ex) in test[0]["source"]


def _run_cells(nb, replace=None):
    ns: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = (replace or {}).get(cell["metadata"]["nbgrader"]["grade_id"], cell["source"])
        exec(compile(src, "<cell>", "exec"), ns)
    return ns


def test_solved_notebook_passes_and_stub_fails_in_process():
    cat = catalogue.load()
    exs = cat.resolve(["norms"])
    nb = notebooks.topic_notebook("norms", exs, cat)
    _run_cells(nb)  # every check passes with the reference solution
    from d2lkit.grader import ExerciseFailed
    with pytest.raises(ExerciseFailed):
        _run_cells(nb, {"ch2_row_normalize-solution":
                        "def row_normalize(A):\n    raise NotImplementedError()\n"})


def test_nbgrader_init_config(tmp_path):
    r = run_cli("nbgrader", "init", tmp_path / "c", "--course-id", "d2l")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "c" / "nbgrader_config.py").read_text()
    for needle in ("course_id = 'd2l'", "db_url", "Execute.timeout", "interrupt_on_timeout = True",
                   "IgnorePattern.enabled = True", "add_missing_cells = True", "ClearHiddenTests"):
        assert needle in text
    compile(text, "nbgrader_config.py", "exec")
    assert run_cli("nbgrader", "init", tmp_path / "c").returncode == 2  # no silent overwrite
