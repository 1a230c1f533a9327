"""The learner's loop through the real command line, including every kind of bad input."""

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli

NORMS = "ch02/norms.py"
GOOD = '''import torch

def vector_norm(x, p=2.0):
    a = x.reshape(-1).abs()
    if p == float("inf"):
        return a.max()
    return (a ** p).sum() ** (1.0 / p)
'''


def write(ws, body, rel=NORMS):
    (ws / rel).write_text(body)


def test_version_help_and_python_m():
    assert run_cli("--version").stdout.strip().endswith("0.1.0")
    assert "d2lkit init" in run_cli("--help").stdout
    out = subprocess.run([sys.executable, "-m", "d2lkit", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "check" in out.stdout


def test_commands_that_grade_nothing_do_not_import_torch(workspace):
    code = ("import sys\nfrom d2lkit.cli import main\n"
            "for args in (['list'], ['hint', 'ch2.vector_norm'], ['progress'], ['next'],\n"
            "             ['next', '--json'], ['hint'], ['list', '--plain'],\n"
            "             ['reset', 'ch2.vector_norm', '--yes'], ['solution', '--force',\n"
            "             'ch2.vector_norm'], ['solution'], ['update', '--dry-run'],\n"
            "             ['list', '--kind', 'training']):\n"
            "    try:\n        main(args + ['--workspace', sys.argv[1]])\n"
            "    except SystemExit as e:\n"
            "        assert e.code in (0, None) or args == ['solution'], (args, e.code)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    out = subprocess.run([sys.executable, "-c", code, str(workspace)], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "d2lkit", "list"],
                         capture_output=True, text=True, cwd=workspace)
    assert out.returncode == 0 and "ch2.vector_norm" in out.stdout
    assert not re.search(r"\|\s+torch$", out.stderr, re.M), "`d2lkit list` imported torch"


def test_init_refuses_to_overwrite(workspace):
    write(workspace, "# my work\n")
    again = run_cli("init", workspace)
    assert again.returncode == 2 and "nothing was changed" in again.stderr
    assert (workspace / NORMS).read_text() == "# my work\n"


def test_init_says_what_to_do_next(tmp_path):
    out = run_cli("init", tmp_path / "fresh")
    assert "d2lkit next" in out.stdout
    assert (tmp_path / "fresh" / "d2lkit.toml").is_file()
    assert (tmp_path / "fresh" / NORMS).is_file()


def test_no_workspace_says_how_to_make_one(tmp_path):
    out = run_cli("check", "ch2", cwd=tmp_path)
    assert out.returncode == 2 and "d2lkit init" in out.stderr and "Traceback" not in out.stderr


def test_unknown_target_suggests_the_nearest_names(workspace):
    out = run_cli("check", "ch2.vector_nrom", cwd=workspace)
    assert out.returncode == 2
    assert "ch2.vector_norm" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("list", "nroms", cwd=workspace)
    assert out.returncode == 2 and "norms" in out.stderr


@pytest.mark.parametrize("target", ["ch2", "2", "2.3", "ch2.vector_norm", "norms", "en:2", "all"])
def test_targets_resolve(workspace, target):
    out = run_cli("list", target, cwd=workspace)
    assert out.returncode == 0 and "ch2.vector_norm" in out.stdout


def test_check_a_correct_answer_passes_and_is_recorded(workspace):
    write(workspace, GOOD)
    out = run_cli("check", "ch2.vector_norm", "--json", cwd=workspace)
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["schema"] == 1 and data["target"] == "ch2.vector_norm"
    [r] = data["results"]
    assert set(r) >= {"id", "chapter", "section", "status", "mistake", "message", "checks", "duration_s"}
    assert r["status"] == "passed" and r["checks"] and all(c["status"] == "passed" for c in r["checks"])
    assert data["summary"] == {"passed": 1, "total": 1, "points": r["points"],
                               "max_points": r["max_points"], "stretch_passed": 0, "stretch_total": 0}
    progress = json.loads(run_cli("progress", "--json", cwd=workspace).stdout)
    assert any(x["id"] == "ch2.vector_norm" and x["passed"] for x in progress["exercises"])


def test_the_stub_is_not_implemented_with_a_next_step(workspace):
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 1
    assert "not implemented" in out.stdout and "norms.py" in out.stdout


def test_a_catalogued_mistake_is_named_with_its_hint(workspace):
    write(workspace, GOOD.replace("a = x.reshape(-1).abs()", "a = x.reshape(-1)"))
    out = run_cli("check", "ch2.vector_norm", "--json", cwd=workspace)
    [r] = json.loads(out.stdout)["results"]
    assert out.returncode == 1 and r["status"] == "failed"
    assert r["mistake"] and r["hint"]


def test_syntax_error_shows_file_line_and_caret(workspace):
    write(workspace, "import torch\n\ndef vector_norm(x, p=2.0):\n    return (x.abs() ** p).sum( ** (1 / p)\n")
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 1
    assert "norms.py" in out.stdout and "line 4" in out.stdout and "^" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_missing_function(workspace):
    write(workspace, "import torch\n\ndef vector_nrom(x, p=2.0):\n    return x\n")
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 1 and "vector_norm" in out.stdout and "not found" in out.stdout


def test_wrong_signature(workspace):
    write(workspace, "import torch\n\ndef vector_norm(x):\n    return x.abs().sum()\n")
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 1 and "vector_norm(x)" in out.stdout


@pytest.mark.parametrize("result,words", [
    ("float(r)", "expected a tensor"),
    ("r.float()", "dtype"),
    ("r.reshape(1)", "shape"),
])
def test_wrong_type_dtype_shape(workspace, result, words):
    write(workspace, "import torch\n\ndef vector_norm(x, p=2.0):\n    a = x.reshape(-1).abs()\n"
                     "    r = a.max() if p == float('inf') else (a ** p).sum() ** (1.0 / p)\n"
                     f"    return {result}\n")
    out = run_cli("check", "ch2.vector_norm", "--json", cwd=workspace)
    [r] = json.loads(out.stdout)["results"]
    assert r["status"] == "failed" and words in r["message"], r["message"]


def test_exception_shows_the_learners_frames_only(workspace):
    write(workspace, "import torch\n\ndef helper(x):\n    return x.nope()\n\n"
                     "def vector_norm(x, p=2.0):\n    return helper(x)\n")
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 1
    assert "AttributeError" in out.stdout and "norms.py:4 in helper" in out.stdout
    assert "d2lkit/grading" not in out.stdout and "Traceback" not in out.stdout


def test_forbidden_call_is_reported(workspace):
    write(workspace, "import torch\n\ndef vector_norm(x, p=2.0):\n    return torch.linalg.vector_norm(x, p)\n")
    out = run_cli("check", "ch2.vector_norm", "--json", cwd=workspace)
    [r] = json.loads(out.stdout)["results"]
    assert r["status"] == "forbidden" and "torch.linalg" in r["message"]


def test_corrupted_progress_file_is_moved_aside(workspace):
    db = workspace / ".d2lkit" / "progress.sqlite3"
    db.parent.mkdir(exist_ok=True)
    db.write_bytes(b"garbage" * 1000)
    write(workspace, GOOD)
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 0 and "moved to" in out.stderr and "Traceback" not in out.stderr
    assert list(db.parent.glob("progress.sqlite3.corrupt-*"))


def test_hints_are_progressive_and_remembered(workspace):
    first = run_cli("hint", "ch2.vector_norm", cwd=workspace).stdout
    second = run_cli("hint", "ch2.vector_norm", cwd=workspace).stdout
    assert "1/" in first and "2/" in second and first != second
    progress = json.loads(run_cli("progress", "--json", cwd=workspace).stdout)
    assert next(x for x in progress["exercises"] if x["id"] == "ch2.vector_norm")["hints_used"] == 2


def test_solution_is_locked_until_passed(workspace):
    locked = run_cli("solution", "ch2.vector_norm", cwd=workspace)
    assert locked.returncode == 1 and "--force" in locked.stderr
    forced = run_cli("solution", "ch2.vector_norm", "--force", cwd=workspace)
    assert forced.returncode == 0 and "def vector_norm" in forced.stdout
    assert "BEGIN SOLUTION" not in forced.stdout and "def frobenius_norm" not in forced.stdout


def test_reset_backs_up_then_restores_only_that_exercise(workspace):
    stub = (workspace / NORMS).read_text()
    mine = stub.replace("def frobenius_norm", "# my note\ndef frobenius_norm").replace(
        "def vector_norm(x: Tensor, p: float = 2.0) -> Tensor:",
        "def vector_norm(x: Tensor, p: float = 2.0) -> Tensor:\n    return 'mine'", 1)
    write(workspace, mine)
    out = run_cli("reset", "ch2.vector_norm", "--yes", cwd=workspace)
    assert out.returncode == 0, out.stderr
    now = (workspace / NORMS).read_text()
    assert "return 'mine'" not in now and "# my note" in now
    [backup] = list((workspace / ".d2lkit" / "backups").glob(f"*/{NORMS}"))
    assert backup.read_text() == mine and str(backup.parent.parent) in out.stdout


def test_progress_views(workspace):
    write(workspace, GOOD)
    run_cli("check", "ch2.vector_norm", cwd=workspace)
    text = run_cli("progress", cwd=workspace)
    assert text.returncode == 0 and "ch2" in text.stdout and "Activity" in text.stdout
    csv_out = run_cli("progress", "--csv", cwd=workspace).stdout.splitlines()
    assert csv_out[0].startswith("id,chapter") and any(l.startswith("ch2.vector_norm,ch2,False,passed,True") for l in csv_out)


def test_everything_a_learner_reads_exists_in_chinese(workspace):
    out = run_cli("check", "ch2.vector_norm", "--lang", "zh", cwd=workspace)
    assert "未实现" in out.stdout and "尚未开始" in out.stdout
    assert "找不到" in run_cli("check", "ch2", cwd=workspace.parent, env={"D2LKIT_LANG": "zh"}).stderr
    assert "提示" in run_cli("hint", "ch2.vector_norm", "--lang", "zh", cwd=workspace).stdout


def test_locale_files_have_the_same_keys():
    from d2lkit import i18n

    assert i18n.keys("en") == i18n.keys("zh")


def test_a_fresh_workspace_is_reported_without_a_sandbox(workspace):
    """Untouched stubs are not_implemented without running them (dev check proves that every
    stub grades so when it is run): no torch, no sandbox. A file the learner changed, even by
    one comment, is graded for real."""
    import os

    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "d2lkit", "check",
                          "ch2.vector_norm", "--json"], cwd=workspace, capture_output=True,
                         text=True, env={**os.environ, "D2LKIT_LANG": "en"})
    assert out.returncode == 1, out.stderr[-2000:]
    assert " torch" not in out.stderr  # importtime lists every module imported
    [result] = json.loads(out.stdout)["results"]
    assert result["status"] == "not_implemented" and result["checks"] == []
    norms = workspace / "ch02" / "norms.py"
    norms.write_text(norms.read_text() + "\n# my first note\n")
    r = run_cli("check", "ch2.vector_norm", "--json", cwd=workspace)
    [result] = json.loads(r.stdout)["results"]
    assert result["status"] == "not_implemented" and result["checks"]  # ran in a child


# ------------------------------------------------------------------------------ the current exercise
def test_next_names_the_current_exercise_its_stub_line_and_what_to_read(workspace):
    out = run_cli("next", cwd=workspace)
    assert out.returncode == 0, out.stderr
    assert "Current exercise: ch2.broadcast_shape" in out.stdout
    [where] = re.findall(r"ch02/ndarray\.py:(\d+)", out.stdout)
    line = (workspace / "ch02" / "ndarray.py").read_text().splitlines()[int(where) - 1]
    assert line.startswith("def broadcast_shape(")
    assert "§2.1" in out.stdout and "https://zh.d2l.ai/chapter_preliminaries/" in out.stdout
    data = json.loads(run_cli("next", "--json", cwd=workspace).stdout)
    assert (data["id"], data["line"], data["reason"]) == ("ch2.broadcast_shape", int(where),
                                                          "curriculum")
    # a target scopes it without becoming the last target
    assert "Current exercise: ch3.linreg_closed_form" in run_cli("next", "ch3", cwd=workspace).stdout
    assert "ch2.broadcast_shape" in run_cli("next", cwd=workspace).stdout


def test_check_hint_and_list_without_an_id_use_the_current_exercise(workspace):
    first = run_cli("check", "ch3", "--json", cwd=workspace)
    assert first.returncode == 1 and json.loads(first.stdout)["target"] == "ch3"
    # ch3 is now the last target: its first exercise not passed is current
    out = run_cli("check", "--json", cwd=workspace)
    assert out.returncode == 1
    [r] = json.loads(out.stdout)["results"]
    assert r["id"] == "ch3.linreg_closed_form"
    assert "Current exercise: ch3.linreg_closed_form" in out.stderr  # stdout stays JSON
    hint = run_cli("hint", cwd=workspace)
    assert hint.returncode == 0 and "Hint 1/" in hint.stdout and "ch3.linreg_closed_form" in hint.stdout
    listed = run_cli("list", "ch3", cwd=workspace).stdout
    [marked] = [line for line in listed.splitlines() if line.startswith("▶")]
    assert marked.split()[1] == "ch3.linreg_closed_form"
    assert "The current exercise is marked ▶: ch3.linreg_closed_form" in listed
    # a check without an id does not move the target
    assert "ch3" in run_cli("next", "--json", cwd=workspace).stdout


def test_passing_moves_the_current_exercise_and_solution_shows_the_last_pass(workspace):
    none_yet = run_cli("solution", cwd=workspace)
    assert none_yet.returncode == 1 and "No exercise has passed yet" in none_yet.stderr
    write(workspace, GOOD)
    out = run_cli("check", "ch2.vector_norm", cwd=workspace)
    assert out.returncode == 0, out.stdout + out.stderr
    nxt = json.loads(run_cli("next", "--json", cwd=workspace).stdout)
    assert nxt["id"] == "ch2.frobenius_norm" and nxt["reason"] == "after-target"
    shown = run_cli("solution", cwd=workspace)
    assert shown.returncode == 0 and "def vector_norm" in shown.stdout
    assert "ch2.vector_norm" in shown.stderr
    compile(shown.stdout, "solution", "exec")  # piped: the code itself


def test_stretch_exercises_decide_the_exit_code_only_when_they_are_the_target(workspace):
    from d2lkit import catalogue

    cat = catalogue.load()
    stretch = next(ex for ex in cat.exercises if ex.stretch)
    chapter = [ex for ex in cat.exercises if ex.chapter == stretch.chapter]
    assert any(not ex.stretch for ex in chapter)
    alone = run_cli("check", stretch.id, cwd=workspace)
    assert alone.returncode == 1 and f"First to fix: {stretch.id}" in alone.stdout
    # (a chapter whose required exercises all pass exits 0 whatever its stretch ones do:
    # tests/test_output.py checks that on Results, without grading a whole chapter)


# ------------------------------------------------------------------------------ state
def _row_id(line: str) -> str | None:
    """The exercise id of a row of `d2lkit list` in plain text (after the ▶ mark, if any)."""
    words = line.split()
    words = words[1:] if words[:1] == ["▶"] else words
    return words[0] if words and re.fullmatch(r"ch\d+\.\w+", words[0]) else None


def test_reset_says_what_it_restores_and_the_status_becomes_reset(workspace):
    write(workspace, GOOD)
    assert run_cli("check", "ch2.vector_norm", cwd=workspace).returncode == 0
    for _ in range(2):  # re-grades of the same code are not attempts
        run_cli("check", "ch2.vector_norm", cwd=workspace)
    before = json.loads(run_cli("progress", "--json", cwd=workspace).stdout)
    [row] = [x for x in before["exercises"] if x["id"] == "ch2.vector_norm"]
    assert row["attempts"] == 1 and row["status"] == "passed"
    out = run_cli("reset", "ch2.vector_norm", "--yes", cwd=workspace)
    assert out.returncode == 0, out.stderr
    assert "the function vector_norm in ch02/norms.py" in out.stdout
    assert "file(s)" not in out.stdout and "“reset”" in out.stdout
    listed = run_cli("list", "ch2", cwd=workspace).stdout
    [line] = [l for l in listed.splitlines() if _row_id(l) == "ch2.vector_norm"]
    assert "reset" in line and "passed" not in line
    after = json.loads(run_cli("progress", "--json", cwd=workspace).stdout)
    [row] = [x for x in after["exercises"] if x["id"] == "ch2.vector_norm"]
    assert row["status"] == "reset"
    assert len(after["results"]) == len(before["results"])  # history kept
    text = run_cli("progress", cwd=workspace).stdout
    [ch2] = [l for l in text.splitlines() if l.startswith("ch2 ")]
    from d2lkit import catalogue

    required = [ex for ex in catalogue.load().exercises if ex.chapter == 2 and not ex.stretch]
    assert f"0/{len(required)}" in ch2  # passed counts what passes now
    # the reset exercise is current again
    assert json.loads(run_cli("next", "--json", cwd=workspace).stdout)["id"] == "ch2.vector_norm"
    # in Chinese, with full-width punctuation
    write(workspace, GOOD)
    zh = run_cli("reset", "ch2.vector_norm", "--yes", "--lang", "zh", cwd=workspace).stdout
    assert "ch02/norms.py 中的函数 vector_norm" in zh


def test_a_file_that_does_not_parse_goes_back_whole_and_says_so(workspace):
    write(workspace, "def vector_norm(x:\n")
    out = run_cli("reset", "ch2.vector_norm", "--yes", cwd=workspace)
    assert "the whole file ch02/norms.py" in out.stdout and "syntax error" in out.stdout
    listed = run_cli("list", "norms", cwd=workspace).stdout
    rows = [l for l in listed.splitlines() if _row_id(l)]
    from d2lkit import catalogue

    in_file = [ex.id for ex in catalogue.load().exercises if ex.relpath == NORMS]
    assert sorted(map(_row_id, rows)) == sorted(in_file) and len(in_file) > 1
    assert all("reset" in l for l in rows)  # every exercise of the file went back


def test_init_lang_is_written_to_the_workspace_and_read_back(tmp_path):
    out = run_cli("init", tmp_path / "zh", "--lang", "zh")
    assert out.returncode == 0 and "下一步" in out.stdout
    assert 'lang = "zh"' in (tmp_path / "zh" / "d2lkit.toml").read_text()
    # D2LKIT_LANG=en is in run_cli's environment: the workspace's own setting comes first
    listed = run_cli("list", "ch2", cwd=tmp_path / "zh").stdout
    from d2lkit import catalogue

    count = len([ex for ex in catalogue.load().exercises if ex.chapter == 2])
    assert f"共 {count} 个练习" in listed and "未尝试" in listed
    assert "个练习" not in run_cli("list", "ch2", "--lang", "en", cwd=tmp_path / "zh").stdout
    run_cli("init", tmp_path / "default")
    assert "\nlang = " not in (tmp_path / "default" / "d2lkit.toml").read_text()


# ------------------------------------------------------------------------------ layout
def test_plain_flag_and_no_color_on_a_terminal(workspace):
    """FORCE_COLOR makes rich treat the pipe as a colour terminal: the positive control."""
    env = {"FORCE_COLOR": "1", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    coloured = run_cli("list", "ch9", cwd=workspace, env={**env, "NO_COLOR": ""})
    assert "\x1b[36m" in coloured.stdout  # cyan ids: a terminal, in colour
    plain = run_cli("list", "ch9", "--plain", cwd=workspace, env={**env, "NO_COLOR": ""})
    assert "\x1b[" not in plain.stdout
    # one row (the id column is as wide as the longest id: a quiz's, in ch9)
    assert re.search(r"ch9\.masked_softmax_ce_loss {2,}9\.7\.3", " ".join(plain.stdout.split("\n")))
    no_color = run_cli("list", "ch9", cwd=workspace, env={**env, "NO_COLOR": "1"})
    assert "\x1b[36m" not in no_color.stdout and "ch9.masked_softmax_ce_loss" in no_color.stdout


def test_piped_output_is_never_cut(workspace):
    out = run_cli("list", "ch9", "ch10", cwd=workspace, env={"COLUMNS": "60"}).stdout
    from d2lkit import catalogue

    for ex in catalogue.load().resolve(["ch9", "ch10"]):
        [line] = [l for l in out.splitlines() if ex.id in l.split()]
        assert ex.title["en"] in line
    assert "…" not in out


@pytest.mark.slow
def test_grading_leaves_no_hypothesis_folder_in_the_workspace(workspace, tmp_path):
    """hypothesis writes a constants cache even with no example database; it belongs in
    d2lkit's cache folder, not among the learner's files."""
    import shutil

    for source in (ROOT / "solutions" / "ch02").glob("*.py"):
        shutil.copy(source, workspace / "ch02" / source.name)
    cache = tmp_path / "cache"
    # as a learner's shell has it: no hypothesis storage set (an in-process nbgrader test earlier
    # in the session sets one in os.environ, which run_cli would pass on)
    r = run_cli("check", "ch2.broadcast_shape", "ch2.vector_norm", cwd=workspace,
                env={"XDG_CACHE_HOME": str(cache), "HYPOTHESIS_STORAGE_DIRECTORY": ""})
    assert r.returncode == 0, r.stdout + r.stderr
    assert not (workspace / ".hypothesis").exists()
    assert (cache / "d2lkit" / "hypothesis").is_dir()


# ------------------------------------------------------------------------------ kinds
def test_every_exercise_has_the_kind_of_what_the_learner_writes():
    from d2lkit import catalogue

    cat = catalogue.load()
    kind = {ex.id: ex.kind for ex in cat.exercises}
    training = {"ch3.load_array", "ch3.ImageDataset", "ch3.evaluate_accuracy", "ch3.train_epoch_ch3",
                "ch3.train_ch3", "ch6.learn_kernel", "ch6.train_ch6", "ch8.train_epoch_ch8",
                "ch9.train_epoch_seq2seq"}
    assert {i for i, k in kind.items() if k == "training"} == training
    code = [ex for ex in cat.exercises if ex.kind != "quiz"]
    assert all(ex.kind == "optimizer" for ex in code if ex.chapter == 11)
    assert {i for i, k in kind.items() if k == "optimizer" and not i.startswith("ch11.")} == {
        "ch3.sgd", "ch4.sgd_weight_decay_step", "ch4.l1_penalty_step"}
    for ex in code:  # a class to write is an nn.Module, unless it serves training or optimising
        has_class = any(f[:1].isupper() for f in ex.functions)
        assert (ex.kind == "module") == (has_class and ex.kind not in ("training", "optimizer")), ex.id
    assert all(ex.kind == "quiz" for ex in cat.exercises if ex.topic == "quiz")


def test_list_shows_kinds_and_filters_by_them(workspace):
    out = run_cli("list", "ch3", "--kind", "training", "--plain", cwd=workspace)
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines() if line.strip().startswith("ch3.")]
    assert {r[0] for r in rows} == {"ch3.load_array", "ch3.ImageDataset", "ch3.evaluate_accuracy",
                                    "ch3.train_epoch_ch3", "ch3.train_ch3"}
    assert all("training" in r for r in rows) and "kind" in out.stdout
    both = run_cli("list", "--kind", "optimizer", "--kind", "module", cwd=workspace)
    assert "ch11.adam" in both.stdout and "ch5.MySequential" in both.stdout
    assert "ch2.vector_norm" not in both.stdout
    wide = run_cli("list", "ch5", cwd=workspace, env={"COLUMNS": "140"})
    assert re.search(r"ch5\.MySequential .* module", wide.stdout)
    zh = run_cli("list", "ch2", "--kind", "module", cwd=workspace, env={"D2LKIT_LANG": "zh"})
    assert zh.returncode == 0 and "ch2 中没有类型为 module 的练习" in zh.stderr


def test_an_unknown_kind_is_a_usage_error_naming_the_valid_ones(workspace):
    for command in (["list"], ["check", "ch2"], ["watch", "ch2"]):
        out = run_cli(*command, "--kind", "trainng", cwd=workspace)
        assert out.returncode == 2, command
        assert "Unknown kind trainng" in out.stderr
        assert "function, module, training, optimizer, quiz" in out.stderr


def test_check_grades_only_the_kinds_asked_for(workspace):
    out = run_cli("check", "ch5", "--kind", "module", "--json", cwd=workspace)
    assert out.returncode == 1  # the stubs are not implemented
    ids = [r["id"] for r in json.loads(out.stdout)["results"]]
    assert ids == ["ch5.MySequential", "ch5.ParallelBlock", "ch5.CenteredLayer", "ch5.MyLinear",
                   "ch5.QuadraticReduction"]
    nothing = run_cli("check", "ch2", "--kind", "training", cwd=workspace)
    assert nothing.returncode == 2 and "No exercise of kind training in ch2" in nothing.stderr
    from d2lkit import catalogue

    every = run_cli("check", "--kind", "optimizer", "--json", cwd=workspace)  # no target: all
    assert {r["id"] for r in json.loads(every.stdout)["results"]} == {
        ex.id for ex in catalogue.load().exercises if ex.kind == "optimizer"}
