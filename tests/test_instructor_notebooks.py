"""Generated nbgrader notebooks: structure, metadata, self-checks, the course config, re-export."""

from __future__ import annotations

import json
import os
import re

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
        assert nb["metadata"]["d2lkit"]["cells_sha256"] == notebooks.cells_digest(nb)
        for cell in nb["cells"]:
            meta = cell["metadata"]["nbgrader"]
            assert meta["schema_version"] == 3
            assert meta["grade_id"] not in ids
            ids.add(meta["grade_id"])
            src = cell["source"]
            if meta["solution"]:
                assert src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION") >= 1
            if meta["grade"] and path.name != "quiz.ipynb":  # a visible self-check: nothing
                #   hidden, nothing that decides (a quiz's score cell is a comment: tests/test_quiz.py)
                assert meta["locked"] and "HIDDEN" not in src
                assert "from d2lkit.grader import check" in src
            if "setup" in meta["grade_id"]:
                assert "notebook_setup()" in src
    for ex in cat.exercises:
        test = [c for p in written for c in json.loads(p.read_text())["cells"]
                if c["metadata"]["nbgrader"]["grade_id"] == notebooks.grade_id(ex.id, "test")]
        assert len(test) == 1
        # stretch exercises are extra credit: never in nbgrader's maximum
        assert test[0]["metadata"]["nbgrader"]["points"] == (0 if ex.stretch else ex.points)
        if not ex.is_quiz:
            assert test[0]["source"].endswith(notebooks.self_check_call(ex))


def test_stretch_points_follow_the_course_rule():
    cat = catalogue.load()
    ex = next(e for e in cat.exercises if e.stretch)
    assert notebooks.cell_points(ex) == 0
    assert notebooks.cell_points(ex, "extra-credit") == 0
    assert notebooks.cell_points(ex, "ignore") == 0
    assert notebooks.cell_points(ex, "required") == ex.points
    required = next(e for e in cat.exercises if not e.stretch)
    assert notebooks.cell_points(required, "ignore") == required.points


def _run_cells(nb, replace=None):
    ns: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = (replace or {}).get(cell["metadata"]["nbgrader"]["grade_id"], cell["source"])
        exec(compile(src, "<cell>", "exec"), ns)
    return ns


def test_solved_notebook_passes_silently_and_stub_fails_in_process(capsys):
    cat = catalogue.load()
    exs = cat.resolve(["norms"])
    nb = notebooks.topic_notebook("norms", exs, cat)
    _run_cells(nb)  # every self-check passes with the reference solution, and says nothing
    assert capsys.readouterr().out == ""
    from d2lkit.grader import ExerciseFailed
    with pytest.raises(ExerciseFailed):
        _run_cells(nb, {"ch2_row_normalize-solution":
                        "def row_normalize(A):\n    raise NotImplementedError()\n"})


def test_nbgrader_init_config(tmp_path):
    r = run_cli("nbgrader", "init", tmp_path / "c", "--course-id", "d2l")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "c" / "nbgrader_config.py").read_text()
    for needle in ("course_id = 'd2l'", "db_url", "Execute.timeout", "interrupt_on_timeout = True",
                   "add_missing_cells = True", "c.Autograde.autograde_preprocessors",
                   "c.Autograde.sanitize_preprocessors", "ClearSolutions.code_stub"):
        assert needle in text
    # keys nbgrader does not know are reported by every nbgrader command
    for gone in ("allow_errors", "IgnorePattern", "LimitOutput", "ClearHiddenTests"):
        assert gone not in text
    compile(text, "nbgrader_config.py", "exec")
    assert run_cli("nbgrader", "init", tmp_path / "c").returncode == 2  # no silent overwrite


def test_config_is_nbgraders_own(tmp_path):
    """nbgrader reads the config: every key is a trait it knows, the preprocessors are d2lkit's."""
    pytest.importorskip("nbgrader")
    from d2lkit.instructor import nbautograde

    assert run_cli("nbgrader", "init", tmp_path / "c", "--course-id", "d2l").returncode == 0
    coursedir, config = nbautograde.load_course(tmp_path / "c")
    assert coursedir.course_id == "d2l" and coursedir.root == str(tmp_path / "c")
    assert nbautograde.D2lkitVerdicts in config.Autograde.autograde_preprocessors
    assert nbautograde.D2lkitSaveGrades in config.Autograde.autograde_preprocessors
    assert nbautograde.D2lkitOverwriteCells in config.Autograde.sanitize_preprocessors
    from nbgrader.preprocessors import ClearSolutions, Execute, OverwriteCells

    known = {"Execute": Execute, "OverwriteCells": OverwriteCells,
             "ClearSolutions": ClearSolutions}
    for section, cls in known.items():
        for key in config[section]:
            assert key in cls.class_traits(config=True), f"{section}.{key}"


def test_reexport_refuses_to_overwrite_an_edited_notebook(tmp_path):
    course = tmp_path / "c"
    assert run_cli("nbgrader", "export", "2.3", course, "--assignment", "a").returncode == 0
    path = course / "source" / "a" / "norms.ipynb"
    # unchanged: exporting again is fine (and gives the same file)
    before = path.read_text()
    assert run_cli("nbgrader", "export", "2.3", course, "--assignment", "a").returncode == 0
    assert path.read_text() == before
    # opened and run by the instructor (outputs, execution counts): still not an edit
    nb = json.loads(before)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
            cell["execution_count"] = 1
    path.write_text(json.dumps(nb))
    assert run_cli("nbgrader", "export", "2.3", course, "--assignment", "a").returncode == 0
    # an edited cell: refused, nothing written, the path named; --force overwrites
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] += "\n\nMy own note for this class."
    edited = json.dumps(nb)
    path.write_text(edited)
    r = run_cli("nbgrader", "export", "2.3", course, "--assignment", "a")
    assert r.returncode == 2 and "norms.ipynb" in r.stderr and "--force" in r.stderr
    assert path.read_text() == edited
    r = run_cli("nbgrader", "export", "2.3", course, "--assignment", "a", "--force")
    assert r.returncode == 0, r.stderr
    assert "My own note" not in path.read_text()
    # a notebook d2lkit did not write is not overwritten either
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert run_cli("nbgrader", "export", "2.3", course, "--assignment", "a").returncode == 2


def test_an_exercise_is_exported_with_what_it_builds_on(tmp_path):
    """train_ch3 calls train_epoch_ch3 and evaluate_accuracy: a notebook with train_ch3 alone
    could only ever be graded "blocked", so export adds them, in curriculum order, and says so."""
    course = tmp_path / "c"
    r = run_cli("nbgrader", "export", "ch3.train_ch3", course, "--assignment", "a")
    assert r.returncode == 0, r.stderr
    assert "ch3.evaluate_accuracy" in r.stderr and "ch3.train_epoch_ch3" in r.stderr
    nb = json.loads((course / "source" / "a" / "training.ipynb").read_text())
    tests = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
             if c["metadata"]["nbgrader"]["grade"]]
    assert tests == [notebooks.grade_id(eid, "test") for eid in
                     ("ch3.evaluate_accuracy", "ch3.train_epoch_ch3", "ch3.train_ch3")]
    # an exercise that builds on nothing is exported alone, without the note
    r = run_cli("nbgrader", "export", "ch2.vector_norm", course, "--assignment", "b")
    assert r.returncode == 0 and "Also exported" not in r.stderr


# ------------------------------------------------------------------------------ nbsupport
def test_notebook_setup_keeps_hypothesis_state_out(monkeypatch, tmp_path):
    from d2lkit.instructor import nbsupport

    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    nbsupport.notebook_setup()
    assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == str(tmp_path / "cache" / "d2lkit" /
                                                             "hypothesis")
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", "/elsewhere")  # the user's own choice
    nbsupport.notebook_setup()
    assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] == "/elsewhere"


def test_quiet_tracebacks_shows_the_learners_own_errors(capsys, monkeypatch, tmp_path):
    """IPython discards a custom handler's return value: the handler must show the error. A
    syntax error, 1/0 and a NameError all print their traceback; a cell with a hidden-test region
    shows only `Type: message`, never the hidden line."""
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    from d2lkit.instructor import nbsupport

    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path))
    shell = InteractiveShell.instance()
    try:
        assert nbsupport.quiet_tracebacks() is True
        shown = {}
        for name, cell in {"zero": "1/0", "syntax": "def f(:\n    pass",
                           "name": "undefined_name_xyz + 1",
                           "hidden": "x = 1\n### BEGIN HIDDEN TESTS\nassert x == 2, 'the message'"
                                     "  # SECRET-LINE\n### END HIDDEN TESTS"}.items():
            shell.run_cell(cell)
            captured = capsys.readouterr()
            shown[name] = re.sub(r"\x1b\[[0-9;]*m", "", captured.out + captured.err)
        assert "ZeroDivisionError" in shown["zero"] and "1/0" in shown["zero"]
        assert "SyntaxError" in shown["syntax"] and "def f(:" in shown["syntax"]
        assert "NameError" in shown["name"] and "undefined_name_xyz" in shown["name"]
        assert "AssertionError: the message" in shown["hidden"]
        assert "SECRET-LINE" not in shown["hidden"]
    finally:
        shell.set_custom_exc((), None)
        shell._d2lkit_quiet_tb = False
        InteractiveShell.clear_instance()
