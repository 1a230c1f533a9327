"""`make demo`: pip's output goes to a log (its end shown when pip fails), every pip step keeps
the constraints that pin torch, and the demo ends with a "Next:" line that works as printed."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

# a pip that behaves like the one these machines' configuration makes noisy: a hundred warnings
# on every call; it fails on the call whose arguments contain $FAKE_PIP_FAIL
FAKE_PIP = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/../pip-calls"
i=0
while [ $i -lt 119 ]; do echo "WARNING: a line of the local pip configuration ($i)" >&2; i=$((i+1)); done
case "$*" in
  *"$FAKE_PIP_FAIL"*) if [ -n "$FAKE_PIP_FAIL" ]; then
      echo "ERROR: No matching distribution found for something-missing" >&2; exit 1; fi;;
esac
echo "Successfully installed something"
"""


def fake_venv(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, text in (("pip", FAKE_PIP), ("python", "#!/bin/sh\nexit 0\n")):
        path = venv / "bin" / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return venv


def make(*args, env=None):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PWD": str(ROOT), **(env or {})})


def test_pip_output_goes_to_the_log_and_every_step_keeps_the_constraints(tmp_path):
    venv = fake_venv(tmp_path)
    out = make(f"VENV={venv}", f"{venv}/.d2lkit-installed")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "WARNING" not in out.stdout + out.stderr
    assert f"pip's output: {venv}/install.log" in out.stdout
    assert len(out.stdout.strip().splitlines()) == 1  # the kit's one line, nothing of pip's
    log = (venv / "install.log").read_text()
    assert log.count("WARNING") == 2 * 119 and "Successfully installed" in log
    calls = (venv / "pip-calls").read_text().splitlines()
    assert len(calls) == 2
    assert all("-c constraints.txt" in call for call in calls)
    assert calls[0].split()[-1] == "torch==2.13.0"  # torch first, pinned
    assert (venv / ".d2lkit-installed").exists()


def test_a_failing_pip_shows_the_end_of_the_log(tmp_path):
    venv = fake_venv(tmp_path)
    out = make(f"VENV={venv}", f"{venv}/.d2lkit-installed",
               env={"FAKE_PIP_FAIL": "requirements-dev.txt"})
    assert out.returncode != 0
    assert "ERROR: No matching distribution found for something-missing" in out.stderr
    assert f"failed; the end of {venv}/install.log" in out.stderr
    assert not (venv / ".d2lkit-installed").exists()  # the next make tries again


def test_the_demo_ends_with_a_next_line_that_works_as_printed(tmp_path):
    if not (ROOT / ".venv" / "bin" / "d2lkit").exists():
        pytest.skip("needs the checkout's .venv (make demo)")
    demo = tmp_path / "demo"
    out = make("-s", "-o", ".venv/.d2lkit-installed", "demo", f"DEMO={demo}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "First to fix: ch2.broadcast_shape" in out.stdout  # the demo's report
    [nxt] = [line for line in out.stdout.splitlines() if line.startswith("Next: ")]
    command = nxt.removeprefix("Next: ")
    assert command.startswith("source .venv/bin/activate && ")
    # run as printed, from the checkout, in a shell whose PATH has no d2lkit
    path = ":".join(p for p in os.environ["PATH"].split(":")
                    if not (os.path.isdir(p) and os.path.exists(os.path.join(p, "d2lkit"))))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    assert shutil.which("d2lkit", path=path) is None  # only the printed line can find it
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**env, "PATH": path, "D2LKIT_LANG": "en"})
    assert done.returncode == 0, done.stderr
    assert "Current exercise: ch2.broadcast_shape" in done.stdout
    assert re.search(r"ch02/ndarray\.py:\d+", done.stdout)
    # run from elsewhere, make prints paths that work from anywhere
    elsewhere = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", ".venv/.d2lkit-installed",
                                "demo", f"DEMO={demo}"], cwd=tmp_path, capture_output=True,
                               text=True, timeout=300, env={**os.environ, "PWD": str(tmp_path)})
    [nxt] = [line for line in elsewhere.stdout.splitlines() if line.startswith("Next: ")]
    assert f"source {ROOT}/.venv/bin/activate" in nxt
    assert "The demo workspace" in elsewhere.stdout  # made earlier: not called fresh again
