"""GitHub Classroom: `d2lkit classroom` writes a workflow that installs d2lkit from the template
repository itself (a committed wheel, or a path in it) and grades under the course's stretch
rule; its grading step, run here with bash as the runner would (its pip lines replaced by this
checkout's own venv), hands autograding-grading-reporter a result that only a required exercise
can fail."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from d2lkit.instructor import classroom
from tests.conftest import ROOT, run_cli

yaml = pytest.importorskip("yaml")
SOLVED = (ROOT / "solutions" / "ch02" / "norms.py").read_text()


def fake_wheel(tmp_path: Path) -> Path:
    wheel = tmp_path / "d2lkit-0.0.0-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return wheel


def template(tmp_path: Path, *extra, cwd=None) -> Path:
    repo = tmp_path / "template"
    if not repo.exists():
        assert run_cli("init", repo).returncode == 0
    r = run_cli("classroom", repo, "--target", "norms", "--timeout", "5", *extra, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return repo


def steps(repo: Path) -> dict:
    flow = yaml.safe_load((repo / classroom.WORKFLOW_PATH).read_text())
    [job] = flow["jobs"].values()
    return flow, {s.get("name"): s for s in job["steps"]}


def test_the_workflow_installs_d2lkit_from_the_repository(tmp_path):
    repo = template(tmp_path, "--wheel", fake_wheel(tmp_path))
    kit = repo / ".github" / "d2lkit"
    assert (kit / "d2lkit-0.0.0-py3-none-any.whl").is_file()
    assert (kit / "constraints.txt").read_text() == (ROOT / "constraints.txt").read_text()
    flow, by_name = steps(repo)
    assert flow["name"] == "Autograding Tests"  # the check run the reporter looks up
    run = by_name["d2lkit"]["run"]
    assert "pip install -q -c .github/d2lkit/constraints.txt " \
           ".github/d2lkit/d2lkit-0.0.0-py3-none-any.whl" in run
    assert "pip install -q d2lkit" not in run and "--index-url https://download.pytorch" in run
    assert run.count("-c .github/d2lkit/constraints.txt") == 2
    assert "--stretch extra-credit" in run and "--format classroom" in run
    reporter = by_name["Autograding Reporter"]
    assert reporter["with"]["runners"] == "d2lkit"
    assert reporter["env"]["D2LKIT_RESULTS"] == "${{ steps.d2lkit.outputs.result }}"


def test_install_from_a_path_and_the_course_rule(tmp_path):
    (tmp_path / "d2lkit-course.toml").write_text('[grading]\nstretch = "required"\n')
    repo = template(tmp_path, "--install-from", "vendor/d2lkit", cwd=tmp_path)
    assert not list((repo / ".github" / "d2lkit").glob("*.whl"))
    run = steps(repo)[1]["d2lkit"]["run"]
    assert "constraints.txt ./vendor/d2lkit" in run and "--stretch required" in run
    assert "--show-hidden" not in run  # hidden checks stay anonymous unless asked for
    repo = template(tmp_path / "shown", "--install-from", "vendor/d2lkit", "--show-hidden",
                    cwd=tmp_path)
    assert "--format classroom --out \"$out\" --no-progress --show-hidden" in \
        steps(repo)[1]["d2lkit"]["run"]
    with pytest.raises(ValueError):
        classroom.workflow("2.3", "../outside")


def run_grading_step(repo: Path, tmp_path: Path) -> dict:
    """The workflow's d2lkit step as the runner runs it, minus its two pip lines (this
    checkout's venv has d2lkit and torch); returns what the reporter would decode."""
    script = steps(repo)[1]["d2lkit"]["run"]
    script = "\n".join(line for line in script.splitlines()
                       if not line.startswith("python -m pip install"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    output = tmp_path / "github-output"
    output.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "D2LKIT_LANG": "en",
           "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output)}
    r = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, text=True,
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    key, value = output.read_text().strip().split("=", 1)
    assert key == "result"
    return json.loads(base64.b64decode(value))


def reporter_verdict(result: dict) -> tuple[str, int, int]:
    """What autograding-grading-reporter does with one runner's result: Points total/max, and
    the run fails when the status is "fail" or "error"."""
    total = sum(t["score"] for t in result["tests"])
    failed = result["status"] in ("fail", "error")
    return ("failed" if failed else "passed"), total, result["max_score"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="the runner's shell")
def test_the_grading_step_reports_what_the_reporter_reads(tmp_path):
    repo = template(tmp_path, "--wheel", fake_wheel(tmp_path), "--allow-weak-sandbox")
    result = run_grading_step(repo, tmp_path)
    assert result["version"] == 1
    assert reporter_verdict(result) == ("failed", 0, 4)  # the stubs: nothing passes
    (repo / "ch02" / "norms.py").write_text(SOLVED)
    result = run_grading_step(repo, tmp_path)
    assert reporter_verdict(result) == ("passed", 4, 4)
    assert {t["name"].split()[0] for t in result["tests"]} == {
        "ch2.vector_norm", "ch2.frobenius_norm", "ch2.row_normalize"}
