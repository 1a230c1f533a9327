"""The Gradescope pair: run_autograder deletes any results file that was there before it ran,
and whenever `d2lkit grade` fails, is killed or leaves no valid results, it writes a valid
results.json of its own (score 0, "the autograder failed") and exits non-zero.

The generated script is run with bash as Gradescope would, with its variables pointing `d2lkit`,
the submission and the results file elsewhere (a stub command stands in for a failing d2lkit)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from d2lkit.instructor import gradescope
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="run_autograder is bash")
BIN = Path(sys.executable).parent


def write_pair(folder: Path, *extra) -> Path:
    r = run_cli("gradescope", folder, "--target", "2.3", "--timeout", "5", *extra)
    assert r.returncode == 0, r.stderr
    return folder / "run_autograder"


def stub(tmp_path: Path, body: str) -> Path:
    """A stand-in for the d2lkit executable: records its arguments, then runs `body`."""
    path = tmp_path / "d2lkit-stub"
    path.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "{tmp_path}/args"\n{body}\n')
    path.chmod(0o755)
    return path


def run_autograder(script: Path, d2lkit: Path, results: Path, submission: Path
                   ) -> subprocess.CompletedProcess:
    env = {**os.environ, "D2LKIT": str(d2lkit), "D2LKIT_RESULTS": str(results),
           "D2LKIT_SUBMISSION": str(submission), "D2LKIT_PYTHON": sys.executable,
           "D2LKIT_LANG": "en", "NO_COLOR": "1"}
    return subprocess.run(["bash", str(script)], env=env, text=True, capture_output=True,
                          timeout=300)


def assert_failed_results(results: Path, status: str):
    data = json.loads(results.read_text())  # valid JSON, as Gradescope requires
    assert data["score"] == 0 and data["tests"] == []
    assert "autograder failed" in data["output"] and f"exit status {status}" in data["output"]
    assert not results.is_symlink()


def test_the_script_keeps_gradescopes_defaults(tmp_path):
    text = write_pair(tmp_path / "gs").read_text()
    for default in ("/opt/d2lkit/bin/d2lkit", "/autograder/submission",
                    "/autograder/results/results.json", "--format gradescope", "--target 2.3",
                    "--timeout 5.0", "ALLOW_WEAK_SANDBOX=0"):
        assert default in text
    weak = write_pair(tmp_path / "weak", "--allow-weak-sandbox").read_text()
    assert "ALLOW_WEAK_SANDBOX=1" in weak
    assert "pip install" in (tmp_path / "gs" / "setup.sh").read_text()
    # the fallback is JSON as written, whatever the language
    for lang in ("en", "zh"):
        json.loads(gradescope.failed_results(lang))


@pytest.mark.parametrize("how, status", [
    ("exit 3", "3"),
    ("kill -9 $$", "137"),  # killed, as by the OOM killer
    ("exit 0", "0"),  # "succeeded" but wrote nothing
    ("""echo '{"score": "lots"}' > "$RESULTS_ARG"; exit 0""", "0"),
    ("""echo 'not json' > "$RESULTS_ARG"; exit 0""", "0"),
])
def test_a_failed_grading_yields_valid_failed_results(tmp_path, how, status):
    script = write_pair(tmp_path / "gs")
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    results.write_text(json.dumps({"score": 100, "tests": []}))  # planted by the submission
    d2lkit = stub(tmp_path, 'RESULTS_ARG=$(printf "%s\\n" "$@" | grep -A1 -x -- --out | tail -1)\n'
                  + how)
    r = run_autograder(script, d2lkit, results, tmp_path)
    assert r.returncode != 0
    assert_failed_results(results, status)
    assert "d2lkit grade failed" in r.stderr


def test_a_planted_symlink_is_removed_not_followed(tmp_path):
    script = write_pair(tmp_path / "gs")
    decoy = tmp_path / "decoy.json"
    decoy.write_text('{"score": 100}')
    results = tmp_path / "results.json"
    results.symlink_to(decoy)
    r = run_autograder(script, stub(tmp_path, "exit 1"), results, tmp_path)
    assert r.returncode == 1
    assert_failed_results(results, "1")
    assert decoy.read_text() == '{"score": 100}'


def test_the_switch_reaches_grade(tmp_path):
    for extra, expected in (((), False), (("--allow-weak-sandbox",), True)):
        script = write_pair(tmp_path / f"gs{len(extra)}", *extra)
        results = tmp_path / "results.json"
        d2lkit = stub(tmp_path, 'echo \'{"score": 2, "tests": []}\' > "$D2LKIT_RESULTS"')
        r = run_autograder(script, d2lkit, results, tmp_path / "sub")
        assert r.returncode == 0, r.stderr
        assert json.loads(results.read_text())["score"] == 2  # valid results are kept as written
        args = (tmp_path / "args").read_text().splitlines()
        assert args[:2] == ["grade", str(tmp_path / "sub")]
        assert args[args.index("--out") + 1] == str(results)
        assert ("--allow-weak-sandbox" in args) is expected


def test_a_real_grading_replaces_a_planted_results_file(tmp_path):
    sub = tmp_path / "submission"
    assert run_cli("init", sub).returncode == 0
    (sub / "ch02" / "norms.py").write_text((ROOT / "solutions" / "ch02" / "norms.py").read_text())
    # the learner's own attempt to pre-plant a perfect score, inside and outside the submission
    (sub / "results.json").write_text('{"score": 100}')
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    results.write_text('{"score": 100, "tests": []}')
    script = write_pair(tmp_path / "gs", "--allow-weak-sandbox")  # whatever this kernel has
    r = run_autograder(script, BIN / "d2lkit", results, sub)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(results.read_text())
    assert data["score"] == 4 and len(data["tests"]) == 3
    assert all(t["status"] == "passed" for t in data["tests"])
