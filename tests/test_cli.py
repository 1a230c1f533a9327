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
            "for args in (['list'], ['hint', 'ch2.vector_norm'], ['progress']):\n"
            "    try:\n        main(args + ['--workspace', sys.argv[1]])\n"
            "    except SystemExit as e:\n        assert e.code in (0, None), e.code\n"
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
    assert "d2lkit check ch2" in out.stdout
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
