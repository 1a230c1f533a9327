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
    # the chapter's quiz after add_into_ (2.1) is an exercise too: a second n skips past the
    # next one
    r = run_cli("watch", "ch2", "--manual", cwd=workspace, input="\nh\nl\nn\nn\nq\n",
                timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "ch2.broadcast_shape passed. Next up: ch2.add_into_" in out
    assert "ch2.add_into_ passed. Next up: ch2.quiz_broadcast_result" in out
    assert "Hint 1/" in out and "ch2.impute_and_one_hot" in out
    from d2lkit import catalogue

    count = len([ex for ex in catalogue.load().exercises if ex.chapter == 2])
    assert f"{count} exercises" in out  # l
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


# ------------------------------------------------------------------------------ without grading
def _watcher(tmp_path, exercises, lang="en", width=120):
    """A Watcher over `exercises` of a fresh workspace, printing to a recording console."""
    from rich.console import Console

    from d2lkit import catalogue
    from d2lkit.grading.options import Options
    from d2lkit.watch import Watcher
    from d2lkit.workspace import init

    ws, _ = init(tmp_path / "ws")
    console = Console(record=True, width=width, force_terminal=True)
    cat = catalogue.load()
    return Watcher(ws, cat, cat.resolve(exercises), Options(seed=1, lang=lang), console,
                   target=" ".join(exercises)), console


@pytest.mark.parametrize("lang, legend", [
    ("en", "[h] next hint  [l] list  [n] next exercise  [q] quit"),
    ("zh", "[h] 下一条提示  [l] 列表  [n] 下一个练习  [q] 退出"),
])
def test_the_rendered_key_legend_shows_the_keys(tmp_path, lang, legend):
    watcher, console = _watcher(tmp_path, ["ch2.vector_norm"], lang)
    watcher.say("keys", style="dim")
    assert legend in console.export_text()  # "[h]" is a key to press, not rich markup


class FakeEngine:
    """Grades by a table (exercise id -> status), as `Engine.grade` would report it."""

    def __init__(self, statuses):
        self.statuses = statuses
        self.graded = []

    def grade(self, exercises, root, on_result=None):
        from d2lkit.grading.protocol import Status
        from d2lkit.grading.results import ExerciseResult, Results

        out = Results(ExerciseResult.of(ex, Status(self.statuses.get(ex.id, "not_implemented")))
                      for ex in exercises)
        for r in out:
            self.graded.append(r.id)
            if on_result:
                on_result(r)
        return out


def test_messages_fit_watch_and_stretch_exercises_say_so(tmp_path):
    from d2lkit import catalogue

    cat = catalogue.load()
    order = cat.exercises
    # a stretch exercise that comes before a required one in the curriculum
    stretch, required = next((a, b) for i, a in enumerate(order) if a.stretch
                             for b in order[i + 1:] if not b.stretch and b.chapter == a.chapter)
    watcher, console = _watcher(tmp_path, [stretch.id, required.id])
    assert [ex.id for ex in watcher.exercises] == [stretch.id, required.id]
    # required first, even though the stretch exercise comes first in the list
    assert watcher.current.id == required.id
    watcher.engine = FakeEngine({required.id: "passed"})
    watcher._show_current()
    watcher.regrade()
    text = " ".join(console.export_text().split())
    assert f"all 1 required exercises in {stretch.id} {required.id} pass" in text
    assert f"Next up, a stretch exercise (extra, not in the score): {stretch.id}" in text
    assert "Stretch exercise 1/2 (extra, not in the score)" in text
    assert "stretch: 0/1 passed (not in the score)" in text
    assert "0/0 passed" not in text
    # inside watch: no "run this command again", no "d2lkit hint", no "d2lkit list"
    assert "saving the file grades it again" in text
    assert "run this command again" not in text and "d2lkit list" not in text
    assert "d2lkit hint" not in text and "press h" in text
    watcher.engine.statuses[stretch.id] = "passed"
    watcher.regrade()
    assert "the 1 stretch one(s) included" in " ".join(console.export_text().split())


def test_watch_without_a_target_starts_at_the_current_exercise(workspace):
    run_cli("check", "ch3", "--json", cwd=workspace)  # ch3 becomes the last target
    r = run_cli("watch", "--manual", cwd=workspace, input="q\n", timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Current exercise: ch3.linreg_closed_form" in r.stderr
    assert "exercises in ch3." in r.stdout
    assert "Exercise 1/" in r.stdout and "ch3.linreg_closed_form" in r.stdout
