"""The ordinary user path, without the repository: wheel → fresh venv → init → check."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def sh(*args, cwd=None, check=True, env=None):
    out = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "D2LKIT_LANG": "en", **(env or {})}, timeout=1200)
    if check and out.returncode != 0:
        raise AssertionError(f"{args} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def test_wheel_in_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    sh(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT)
    [wheel] = dist.glob("d2lkit-*.whl")
    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv)
    pip = venv / "bin" / "pip"
    sh(pip, "install", "-q", "-c", ROOT / "constraints.txt", "torch==2.13.0")
    sh(pip, "install", "-q", "-c", ROOT / "constraints.txt", wheel)
    d2lkit = venv / "bin" / "d2lkit"
    outside = tmp_path / "elsewhere"  # nowhere near the repository
    outside.mkdir()
    sh(d2lkit, "init", "ws", cwd=outside)
    ws = outside / "ws"
    stub_run = sh(d2lkit, "check", "ch2", cwd=ws, check=False)
    assert stub_run.returncode == 1, stub_run.stdout + stub_run.stderr
    assert "not implemented" in stub_run.stdout and "Traceback" not in stub_run.stderr
    # the installed kit carries the solutions too: a learner who writes them passes
    solution = venv.glob("lib/python*/site-packages/d2lkit/_content/solutions/ch02/norms.py")
    shutil.copyfile(next(solution), ws / "ch02" / "norms.py")
    good = sh(d2lkit, "check", "norms", "--json", cwd=ws, check=False)
    assert good.returncode == 0, good.stdout[-3000:]
    assert sh(venv / "bin" / "python", "-m", "d2lkit", "--version").stdout.strip().endswith(
        __import__("d2lkit").__version__)
