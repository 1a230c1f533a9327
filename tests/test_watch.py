"""`d2lkit watch`, driven as a learner would: --manual mode with keys on stdin, and a real pty."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_cli


def solved(relpath: str) -> str:
    src = (ROOT / "solutions" / relpath).read_text("utf-8")
    return re.sub(r"\n *### (BEGIN|END) SOLUTION", "", src)


def test_watch_help_imports_no_torch():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "d2lkit", "watch", "--help"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "--manual" in out.stdout
    assert not re.search(r"\|\s+torch$", out.stderr, re.M)


def test_manual_mode_grades_moves_on_and_takes_keys(workspace):
    (workspace / "ch02" / "ndarray.py").write_text(solved("ch02/ndarray.py"))
    r = run_cli("watch", "ch2", "--manual", cwd=workspace, input="\nh\nl\nn\nq\n", timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "ch2.broadcast_shape passed. Next up: ch2.add_into_" in out
    assert "ch2.add_into_ passed. Next up: ch2.impute_and_one_hot" in out
    assert "Hint 1/" in out and "ch2.impute_and_one_hot" in out
    assert "11 exercises" in out  # l
    assert "Skipped to ch2.vector_norm" in out  # n
    assert out.rstrip().endswith("Stopped watching.")
    rows = run_cli("progress", "--json", cwd=workspace)
    import json

    statuses = [(r["exercise"], r["status"]) for r in json.loads(rows.stdout)["results"]]
    assert ("ch2.broadcast_shape", "passed") in statuses
    assert ("ch2.vector_norm", "not_implemented") in statuses


def test_watch_regrades_on_save_in_a_terminal(workspace):
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(workspace)
        os.environ.update(D2LKIT_LANG="en", COLUMNS="120")
        os.execv(sys.executable, [sys.executable, "-m", "d2lkit", "watch", "ch2"])
    seen = b""

    def wait_for(text: bytes, limit=90.0):
        nonlocal seen
        deadline = time.monotonic() + limit
        while text not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return text in seen

    try:
        assert wait_for(b"not implemented"), seen[-2000:]
        # the key legend shows its keys (not eaten as markup); a save re-grades, no command
        assert b"[h] next hint" in seen and b"[q] quit" in seen, seen[-2000:]
        assert wait_for(b"saving the file"), seen[-2000:]
        assert b"run this command again" not in seen
        time.sleep(0.5)
        (workspace / "ch02" / "ndarray.py").write_text(solved("ch02/ndarray.py"))
        assert wait_for(b"ch2.add_into_ passed"), seen[-2000:]
        os.write(fd, b"q")
        assert wait_for(b"Stopped watching."), seen[-2000:]
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
