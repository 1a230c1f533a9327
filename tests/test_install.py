"""The ordinary user path, without the repository: wheel → fresh venv → init → check.

The wheel is built the way `d2lkit gradescope` and `d2lkit classroom` build the one they ship,
offline (`pip wheel --no-deps --no-build-isolation --no-index` on a copy of this checkout): no
package index is needed for d2lkit itself. Only torch and d2lkit's other dependencies come from
pip's configured sources, with torch pinned by constraints.txt."""

import json
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
    from d2lkit.instructor.gradescope import build_wheel

    wheel = build_wheel(tmp_path / "dist", ROOT)
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
    solution = next(venv.glob("lib/python*/site-packages/d2lkit/_content/solutions/ch02/norms.py"))
    shutil.copyfile(solution, ws / "ch02" / "norms.py")
    good = sh(d2lkit, "check", "norms", "--json", cwd=ws, check=False)
    assert good.returncode == 0, good.stdout[-3000:]
    assert sh(venv / "bin" / "python", "-m", "d2lkit", "--version").stdout.strip().endswith(
        __import__("d2lkit").__version__)
    # In a wheel the reference solutions sit inside site-packages/d2lkit/: a child may read
    # site-packages and the kit's package, but not _content below them.
    paths = sh(venv / "bin" / "python", "-c", "import json; from d2lkit.grading.child import "
               "runtime_read_paths as r; print(json.dumps(r()))", cwd=outside).stdout
    content = str(next(venv.glob("lib/python*/site-packages/d2lkit/_content")).resolve())
    for granted in json.loads(paths):
        assert not (content == granted or content.startswith(granted + os.sep)), granted
    steal = (ws / "ch02" / "norms.py")
    steal.write_text(steal.read_text() + f"""

import posix
def vector_norm(x, p=2.0):
    fd = posix.open({str(solution)!r}, posix.O_RDONLY)
    raise ValueError("read the reference solution: " + posix.read(fd, 20).decode())
""")
    stolen = sh(d2lkit, "check", "ch2.vector_norm", "--json", cwd=ws, check=False)
    [result] = json.loads(stolen.stdout)["results"]
    # refused by the audit hook (forbidden) or, below it, by the kernel (PermissionError)
    assert result["status"] in ("forbidden", "error"), result
    assert "read the reference solution" not in result["message"], result
