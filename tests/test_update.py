"""`d2lkit update`: a workspace made by an older kit gets the new exercises, and nothing the
learner wrote changes. An older kit's workspace is simulated from a fresh one: files and
definitions deleted, others edited."""

from __future__ import annotations

import ast
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from d2lkit import __version__
from d2lkit.paths import content_dir

TRAINING = "ch03/training.py"
# the learner's ch03/training.py from a kit that had only evaluate_accuracy: their own code, their
# own imports (numpy, not torch), no trailing newline
LEARNER_TRAINING = '''"""My training helpers."""
import numpy as np


def evaluate_accuracy(net, data_iter) -> float:
    # my own version, written before train_ch3 existed
    right = total = 0
    for X, y in data_iter:
        right += int((net(X).argmax(1) == y).sum())
        total += len(y)
    return right / total

NOTE = "keep me"'''


def older(ws: Path) -> dict[str, bytes]:
    """Make `ws` look like a workspace of an older kit; returns the learner's files as they are."""
    shutil.rmtree(ws / "ch11")  # a chapter the old kit did not have
    (ws / "ch10" / "transformer.py").unlink()  # nor this topic
    (ws / TRAINING).write_text(LEARNER_TRAINING, "utf-8")
    marker = (ws / "d2lkit.toml").read_text("utf-8")
    (ws / "d2lkit.toml").write_text(
        marker.replace(f'kit_version = "{__version__}"', 'kit_version = "0.0.1"  # as it came')
        + "# my own note\n", "utf-8")
    return {rel: (ws / rel).read_bytes() for rel in (TRAINING, "d2lkit.toml", "ch02/norms.py")}


def snapshot(ws: Path) -> dict[str, bytes]:
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted(ws.rglob("*")) if p.is_file()}


def test_update_adds_what_an_older_workspace_lacks_and_keeps_every_byte_of_the_learners(workspace):
    before = older(workspace)
    untouched = snapshot(workspace)
    hint = run_cli("next", "--workspace", workspace)
    assert hint.returncode == 0
    missing = len([line for line in hint.stderr.splitlines() if "run d2lkit update" in line])
    assert missing == 1 and "new exercises in the installed kit" in hint.stderr

    out = run_cli("update", "--yes", "--workspace", workspace)
    assert out.returncode == 0, out.stderr
    assert "ch11/optimizers.py (new file" in out.stdout
    assert "ch10/transformer.py (new file" in out.stdout
    assert f"{TRAINING}: train_epoch_ch3, train_ch3, appended at its end" in out.stdout
    # new files are the kit's, byte for byte
    for rel in ("ch11/optimizers.py", "ch11/lr_scheduler.py", "ch10/transformer.py"):
        assert (workspace / rel).read_bytes() == (content_dir("exercises") / rel).read_bytes()
    # the learner's file: what they wrote is a prefix, then the comment line and the new stubs
    after = (workspace / TRAINING).read_bytes()
    assert after.startswith(before[TRAINING])
    added = after[len(before[TRAINING]):].decode("utf-8")
    assert f"# Added by d2lkit update (kit {__version__}): train_epoch_ch3, train_ch3" in added
    assert "\nimport torch\n" in added  # the stub's import the learner's module lacked
    assert added.count("def evaluate_accuracy") == 0  # theirs is kept, not doubled
    tree = ast.parse(after.decode("utf-8"))
    assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] == [
        "evaluate_accuracy", "train_epoch_ch3", "train_ch3"]
    # an appended stub imports and runs in the learner's module (with torch, as graded)
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import training as m\n"
             "assert m.NOTE == 'keep me' and m.np.__name__ == 'numpy'\n"
             "assert m.torch.__name__ == 'torch'\n"
             "try:\n    m.train_ch3(None, [], [], None, 1, None)\n"
             "except NotImplementedError:\n    print('stub ok')\n")
    ran = subprocess.run([sys.executable, "-c", probe, str(workspace / "ch03")],
                         capture_output=True, text=True)
    assert ran.stdout.strip() == "stub ok", ran.stderr
    # files without anything new are untouched
    assert (workspace / "ch02/norms.py").read_bytes() == before["ch02/norms.py"]
    # d2lkit.toml: the new version, the learner's lines and comments kept
    marker = (workspace / "d2lkit.toml").read_text("utf-8")
    assert f'kit_version = "{__version__}"  # as it came' in marker
    assert marker.endswith("# my own note\n") and "0.0.1" not in marker
    # every changed file was backed up first, as it was
    [backup] = list((workspace / ".d2lkit" / "backups").iterdir())
    assert (backup / TRAINING).read_bytes() == before[TRAINING]
    assert (backup / "d2lkit.toml").read_bytes() == before["d2lkit.toml"]
    assert not (backup / "ch11").exists()  # new files had nothing to back up
    assert str(backup) in out.stdout
    assert not list(workspace.rglob("*.d2lkit-tmp"))
    # every file before the update is still there: nothing removed
    assert set(untouched) <= set(snapshot(workspace))

    # idempotent: a second update adds nothing, writes nothing, backs up nothing
    settled = snapshot(workspace)
    again = run_cli("update", "--yes", "--workspace", workspace)
    assert again.returncode == 0 and "Nothing to update" in again.stdout
    assert snapshot(workspace) == settled
    assert len(list((workspace / ".d2lkit" / "backups").iterdir())) == 1
    listed = run_cli("list", "--workspace", workspace)
    assert "run d2lkit update" not in listed.stderr


def test_dry_run_only_prints(workspace):
    older(workspace)
    before = snapshot(workspace)
    out = run_cli("update", "--dry-run", "--workspace", workspace)
    assert out.returncode == 0, out.stderr
    assert "ch11/optimizers.py (new file" in out.stdout
    assert "Dry run: nothing was written" in out.stdout
    assert f"{TRAINING}: train_epoch_ch3, train_ch3" in out.stdout
    assert snapshot(workspace) == before
    assert not (workspace / ".d2lkit" / "backups").exists()


def test_a_file_that_does_not_parse_is_left_alone_and_reported(workspace):
    older(workspace)
    broken = LEARNER_TRAINING + "\n\ndef half_written(:\n"
    (workspace / TRAINING).write_text(broken, "utf-8")
    out = run_cli("update", "--yes", "--workspace", workspace)
    assert out.returncode == 1
    assert (workspace / TRAINING).read_text("utf-8") == broken
    assert f"{TRAINING} does not parse" in out.stderr
    assert "train_epoch_ch3, train_ch3" in out.stderr and "Fix its syntax error" in out.stderr
    assert (workspace / "ch11" / "optimizers.py").is_file()  # the rest was updated
    # fixed, the next update adds what it had to leave out
    (workspace / TRAINING).write_text(LEARNER_TRAINING, "utf-8")
    out = run_cli("update", "--yes", "--workspace", workspace)
    assert out.returncode == 0 and "train_ch3" in (workspace / TRAINING).read_text("utf-8")


def test_zh_update_speaks_chinese(workspace):
    older(workspace)
    out = run_cli("update", "--yes", "--lang", "zh", "--workspace", workspace)
    assert out.returncode == 0 and "添加在文件末尾" in out.stdout
    assert "# 由 d2lkit update 添加" in (workspace / TRAINING).read_text("utf-8")


# ------------------------------------------------------------------------------ the appendix
STUB = '''"""A stub module."""
import math
from os import path, sep
from __future__ import annotations
SCALE = 3
NAME = "stub"


def _helper(x):
    return math.floor(x) * SCALE


def old_one(x):
    raise NotImplementedError


@staticmethod
def new_one(x: float = SCALE) -> float:
    """Uses the helper."""
    return _helper(x) + len(sep)


class NewClass:
    size = SCALE
'''


def test_the_appendix_brings_what_the_new_stubs_need_and_rebinds_nothing_of_the_learners():
    from d2lkit.update import appendix

    learner = ("from os import sep\nsep = '!!'  # mine\nSCALE = 10\n\n"
               "def old_one(x):\n    return x\n")
    names, helpers, text = appendix(learner, STUB.replace("from __future__ import annotations\n",
                                                          ""), ("old_one", "new_one", "NewClass"))
    assert names == ("new_one", "NewClass")
    assert set(helpers) == {"math", "path", "_helper"}  # not sep or SCALE: the learner binds them
    assert "import sep" not in text and "SCALE =" not in text and "NAME" not in text
    assert "from os import path\n" in text and "@staticmethod\ndef new_one" in text
    namespace: dict = {}
    exec(learner + "\n\n" + text, namespace)  # noqa: S102 - the module as the learner has it
    assert namespace["sep"] == "!!" and namespace["SCALE"] == 10  # theirs, not the stub's
    assert namespace["new_one"].__func__(2.5) == 2 * 10 + 2  # their SCALE and sep, our helper
    assert namespace["NewClass"].size == 10


def test_nothing_to_add_gives_an_empty_appendix_and_a_future_import_is_never_appended():
    from d2lkit.update import appendix

    assert appendix(STUB, STUB, ("old_one", "new_one")) == ((), (), "")
    names, _, text = appendix("x = 1\n", STUB, ("new_one",))
    assert names == ("new_one",) and "__future__" not in text


def test_line_endings_and_a_missing_last_newline_are_the_learners(tmp_path):
    from d2lkit.update import _joined

    crlf = "import math\r\nx = 1"
    joined = _joined(crlf, "# added", "def f():\n    pass\n")
    assert joined.startswith(crlf)
    assert joined[len(crlf):] == "\r\n\r\n\r\n# added\r\ndef f():\r\n    pass\r\n"
    assert _joined("x = 1\n\n\n", "# c", "y = 2\n") == "x = 1\n\n\n# c\ny = 2\n"


def test_a_file_added_to_kit_files_later_reaches_old_workspaces(tmp_path, monkeypatch):
    from d2lkit import catalogue, update, workspace

    ws, _ = workspace.init(tmp_path / "ws")
    extra = workspace.KitFile(Path("ch03/later.toml"), generated="# answers\n")
    monkeypatch.setattr(update, "kit_files", lambda: [*workspace.kit_files(), extra])
    plan = update.plan(ws, catalogue.load())
    assert [(c.relpath, c.action) for c in plan.changes] == [("ch03/later.toml", update.ADDED)]
    assert plan.marker_new is None  # already this kit's version
    assert update.apply(ws, plan) is None  # nothing existing was changed: no backup
    assert (ws.root / "ch03/later.toml").read_text("utf-8") == "# answers\n"
    assert update.plan(ws, catalogue.load()).empty
    # an answers file the learner has is theirs: never merged, never replaced
    (ws.root / "ch03/later.toml").write_text("q1 = 'b'\n", "utf-8")
    assert update.plan(ws, catalogue.load()).empty


def test_a_workspace_without_kit_version_gets_one_under_workspace(tmp_path):
    from d2lkit import catalogue, update, workspace

    ws, _ = workspace.init(tmp_path / "ws")
    (ws.root / "d2lkit.toml").write_text("# mine\n[workspace]\nlang = \"zh\"\n", "utf-8")
    plan = update.plan(ws, catalogue.load())
    assert plan.marker_new == f'# mine\n[workspace]\nkit_version = "{__version__}"\nlang = "zh"\n'


def test_pending_agrees_with_update(tmp_path):
    from d2lkit import catalogue, update, workspace

    cat = catalogue.load()
    ws, _ = workspace.init(tmp_path / "ws")
    assert update.pending(ws, cat) == []
    norms = ws.root / "ch02" / "norms.py"
    source = norms.read_text("utf-8")
    start = source.index("def vector_norm")
    end = source.index("\ndef ", start + 1)
    # written as a lambda, the exercise is there: neither pending nor update may want it
    norms.write_text(source[:start] + "vector_norm = lambda x, p=2.0: x.norm(p)\n" + source[end:])
    assert update.pending(ws, cat) == [] and update.plan(ws, cat).empty
    norms.write_text(source[:start] + source[end:])  # gone: both want it back
    assert update.pending(ws, cat) == ["ch2.vector_norm"]
    [change] = update.plan(ws, cat).changes
    assert (change.relpath, change.names) == ("ch02/norms.py", ("vector_norm",))
    shutil.rmtree(ws.root / "ch11")
    assert update.pending(ws, cat) == ["ch2.vector_norm"] + [
        ex.id for ex in cat.exercises if ex.chapter == 11]


def test_an_older_kit_never_lowers_kit_version(tmp_path):
    from d2lkit import catalogue, update, workspace

    ws, _ = workspace.init(tmp_path / "ws")
    marker = ws.root / "d2lkit.toml"
    marker.write_text(marker.read_text("utf-8").replace(f'"{__version__}"', '"99.0.0"'), "utf-8")
    assert update.plan(ws, catalogue.load()).empty


# ------------------------------------------------------------------------------ renames
def _progress_with_old_ids(ws):
    from d2lkit.progress import Progress

    with Progress(ws.progress_path) as p:
        run = p.start_run("ch2.old_norm", 1, "check", "0.0.1")
        p.record_result(run, "ch2.old_norm", "passed", None, 0.1, "h1", at=100)
        p.record_hint("ch2.old_norm", 2)
        p.record_target("ch2 ch2.old_norm", "check")
        p.record_result(run, "ch2.gone", "failed", None, 0.1, "h2", at=101)  # no longer in the kit


def test_a_rename_rekeys_progress_after_a_backup_and_keeps_rows_of_gone_exercises(tmp_path):
    from d2lkit import catalogue, update, workspace
    from d2lkit.progress import Progress

    ws, _ = workspace.init(tmp_path / "ws")
    _progress_with_old_ids(ws)
    renames = {"ch2.old_norm": "ch2.vector_norm", "ch2.never_had_rows": "ch2.add_into_"}
    with Progress(ws.progress_path, read_only=True) as seen:
        plan = update.plan(ws, catalogue.load(), renames=renames, progress=seen)
    assert plan.renames == {"ch2.old_norm": "ch2.vector_norm"}
    with Progress(ws.progress_path) as p:
        backup = update.apply(ws, plan, p)
    with Progress(ws.progress_path) as p:
        stats = p.stats()
        assert stats["ch2.vector_norm"].passed and stats["ch2.vector_norm"].hints_used == 2
        assert "ch2.old_norm" not in stats
        assert stats["ch2.gone"].status == "failed"  # kept, never deleted
        assert p.last_target() == "ch2 ch2.vector_norm"
        assert p.db.execute("SELECT old, new, rows FROM renames").fetchall() == [
            ("ch2.old_norm", "ch2.vector_norm", 3)]
    old = sqlite3.connect(backup / "progress.sqlite3")
    assert old.execute("SELECT exercise FROM results ORDER BY at").fetchall() == [
        ("ch2.old_norm",), ("ch2.gone",)]
    with Progress(ws.progress_path, read_only=True) as seen:  # a second update: nothing to move
        assert update.plan(ws, catalogue.load(), renames=renames, progress=seen).empty


def test_update_command_moves_renamed_progress(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from d2lkit import renames, workspace
    from d2lkit.cli import main
    from d2lkit.progress import Progress

    ws, _ = workspace.init(tmp_path / "ws")
    _progress_with_old_ids(ws)
    monkeypatch.setattr(renames, "load", lambda: {"ch2.old_norm": "ch2.vector_norm"})
    dry = CliRunner().invoke(main, ["update", "--dry-run", "-w", str(ws.root), "--lang", "en"])
    assert dry.exit_code == 0 and "the progress of ch2.old_norm now counts for ch2.vector_norm" \
        in dry.output
    with Progress(ws.progress_path) as p:
        assert "ch2.old_norm" in p.stats()  # a dry run moves nothing
    out = CliRunner().invoke(main, ["update", "--yes", "-w", str(ws.root), "--lang", "en"])
    assert out.exit_code == 0, out.output
    [backup] = list((ws.state_dir / "backups").iterdir())
    assert (backup / "progress.sqlite3").is_file() and str(backup) in out.output
    with Progress(ws.progress_path) as p:
        assert p.stats()["ch2.vector_norm"].passed and "ch2.old_norm" not in p.stats()


def test_progress_ignores_results_of_exercises_the_kit_no_longer_has(workspace):
    from d2lkit.workspace import Workspace

    _progress_with_old_ids(Workspace(workspace))
    for args in (("progress",), ("progress", "--json"), ("progress", "--csv"), ("list",),
                 ("next",)):
        out = run_cli(*args, "--workspace", workspace)
        assert out.returncode == 0, (args, out.stderr)
        if args != ("progress", "--json"):  # the JSON export lists every row, kept ones too
            assert "ch2.gone" not in out.stdout and "ch2.old_norm" not in out.stdout, args


def test_renames_file_is_schema_checked(tmp_path):
    from d2lkit import renames
    from d2lkit.catalogue import CatalogueError

    path = tmp_path / "renames.toml"
    assert renames.read(path) == {}
    path.write_text("schema = 1\nrenamed = [{old = 'ch2.a', new = 'ch2.b'},"
                    " {old = 'ch2.b', new = 'ch2.c', since = '0.2.0'}]\n")
    assert renames.read(path) == {"ch2.a": "ch2.c", "ch2.b": "ch2.c"}  # chains followed
    for bad, key in (("schema = 1\nrenames = []\n", "renames"),
                     ("schema = 2\nrenamed = []\n", "schema"),
                     ("schema = 1\nrenamed = [{old = 'ch2.a', nwe = 'ch2.b'}]\n", "renamed[0].nwe"),
                     ("schema = 1\nrenamed = [{old = 'vector_norm', new = 'ch2.b'}]\n",
                      "renamed[0].old"),
                     ("schema = 1\nrenamed = [{old = 'ch2.a', new = 'ch2.b'},"
                      " {old = 'ch2.b', new = 'ch2.a'}]\n", "renamed")):
        path.write_text(bad)
        with pytest.raises(CatalogueError) as e:
            renames.read(path)
        assert e.value.key == key
    assert renames.load() == {}  # the kit's own file is valid (and empty today)


def test_dev_check_refuses_a_rename_that_points_nowhere_and_a_kind_that_contradicts(monkeypatch):
    import dataclasses

    from d2lkit import catalogue, renames
    from d2lkit.authoring import lint

    cat = catalogue.load()
    assert lint.rename_problems(cat) == []
    monkeypatch.setattr(renames, "load", lambda: {"ch2.vector_norm": "ch2.no_such",
                                                  "ch2.old": "ch2.add_into_"})
    found = [p.message for p in lint.rename_problems(cat)]
    assert found == ["ch2.vector_norm -> ch2.no_such: the new id 'ch2.no_such' is not in the "
                     "catalogue", "ch2.vector_norm -> ch2.no_such: the old id 'ch2.vector_norm' "
                     "is still in the catalogue"]
    mysequential = cat.by_id["ch5.MySequential"]
    assert lint.kind_problems(mysequential) == []
    [problem] = lint.kind_problems(dataclasses.replace(mysequential, kind="function"))
    assert "MySequential is a class" in problem.message and problem.exercise == "ch5.MySequential"
    [problem] = lint.kind_problems(dataclasses.replace(cat.by_id["ch2.vector_norm"], kind="module"))
    assert "none of its functions is a class" in problem.message
    assert not [p for ex in cat.exercises for p in lint.kind_problems(ex)]


def test_every_stub_appended_to_an_emptied_file_imports_and_defines_its_exercises(tmp_path):
    """The strongest older workspace: every topic file holds only a line of the learner's. After
    update, each module imports (its appended stubs find every name they use at definition time)
    and defines every exercise's functions and classes."""
    from d2lkit import catalogue, update, workspace

    cat = catalogue.load()
    ws, _ = workspace.init(tmp_path / "ws")
    topics = sorted({ex.relpath for ex in cat.exercises if ex.kind != "quiz"})
    for rel in topics:
        (ws.root / rel).write_text("# my notes\n", "utf-8")
    plan = update.plan(ws, cat)
    assert {c.relpath for c in plan.changes if c.action == update.APPENDED} == set(topics)
    update.apply(ws, plan)
    wanted = {rel: [n for ex in cat.exercises if ex.relpath == rel for n in ex.functions]
              for rel in topics}
    probe = ("import importlib, json, sys\nsys.path.insert(0, sys.argv[1])\n"
             "bad = {}\nfor rel, names in json.loads(sys.argv[2]).items():\n"
             "    try:\n"
             "        m = importlib.import_module(rel[:-3].replace('/', '.'))\n"
             "        lacking = [n for n in names if not callable(getattr(m, n, None))]\n"
             "        if lacking: bad[rel] = lacking\n"
             "    except Exception as e:\n        bad[rel] = repr(e)\n"
             "print(json.dumps(bad))\n")
    import json

    ran = subprocess.run([sys.executable, "-c", probe, str(ws.root), json.dumps(wanted)],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {}
    for rel in topics:  # the learner's line is still first
        assert (ws.root / rel).read_text("utf-8").startswith("# my notes\n\n\n# Added by d2lkit")


QUIZ = "ch10/quiz.toml"


def older_quiz(ws: Path) -> tuple[bytes, list[str]]:
    """ch10's answers file as an older kit wrote it, without its questions from the layer-norm one
    on, and with one answer the learner gave; returns it and the names of the questions cut."""
    from d2lkit import catalogue
    from d2lkit.quiz.answers import quizzes_of

    text = (ws / QUIZ).read_text("utf-8")
    names = [ex.name for ex in quizzes_of(catalogue.load(), 10)]
    cut = names[names.index("quiz_layer_norm_batch"):]
    text = text[:text.index("# ch10.quiz_layer_norm_batch")].rstrip("\n") + "\n"
    text = text.replace('quiz_mha_parameters = ""', "quiz_mha_parameters = 4096  # my guess")
    (ws / QUIZ).write_text(text, "utf-8")
    return text.encode("utf-8"), cut


def test_an_older_answers_file_gets_the_new_questions_and_keeps_the_learners_answers(workspace):
    from d2lkit.compat import tomllib

    before, cut = older_quiz(workspace)
    assert cut  # the file really lacks questions
    listed = run_cli("list", "--workspace", workspace)
    assert f"{len(cut)} new exercises in the installed kit: run d2lkit update" in listed.stderr

    out = run_cli("update", "--yes", "--workspace", workspace)
    assert out.returncode == 0, out.stderr
    assert f"{QUIZ}: {', '.join(cut)}, appended at its end" in out.stdout
    after = (workspace / QUIZ).read_bytes()
    assert after.startswith(before)  # nothing the learner wrote changed
    answers = tomllib.loads(after.decode("utf-8"))
    assert answers["quiz_mha_parameters"] == 4096
    assert all(answers[name] == "" for name in cut)
    added = after[len(before):].decode("utf-8")
    assert "Does layer norm depend on the batch size?" in added  # the question, not just a key
    [backup] = list((workspace / ".d2lkit" / "backups").iterdir())
    assert (backup / QUIZ).read_bytes() == before
    # the appended questions are graded like any other; the learner's answer still counts
    checked = run_cli("check", "ch10", "--kind", "quiz", "--json", "--workspace", workspace)
    status = {r["id"]: r["status"] for r in json.loads(checked.stdout)["results"]}
    assert status["ch10.quiz_layer_norm_batch"] == "not_implemented"  # there, not answered yet
    assert status["ch10.quiz_mha_parameters"] == "failed"  # 4096 was read and is wrong
    again = run_cli("update", "--yes", "--workspace", workspace)
    assert "Nothing to update" in again.stdout
    assert (workspace / QUIZ).read_bytes() == after


def test_an_answers_file_with_a_table_or_a_syntax_error_is_left_alone(workspace):
    before, cut = older_quiz(workspace)
    with_table = before.decode("utf-8") + "\n[notes]\nmine = \"keys after this belong here\"\n"
    for text, says in ((with_table, "has a [table]"),
                       (before.decode("utf-8") + "\nquiz_oops = \n", "does not parse")):
        (workspace / QUIZ).write_text(text, "utf-8")
        out = run_cli("update", "--yes", "--workspace", workspace)
        assert out.returncode == 1
        assert f"{QUIZ} {says}" in out.stderr and cut[0] in out.stderr
        assert (workspace / QUIZ).read_text("utf-8") == text
