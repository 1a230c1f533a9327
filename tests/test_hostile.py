"""Hostile submissions: each must end as a non-passing result, with d2lkit back within the timeout
plus 2 s (over a normal check of the same exercise), every earlier progress row still readable,
and no process of the submission left running.

Each case writes a hostile ch02/norms.py into a workspace made by `d2lkit init` and runs
`d2lkit check ch2.vector_norm --json --timeout 1` as a learner would. The hostile code appends the
pid of every process it makes to a file outside the workspace, in the one folder the hostile suite
lets children write (D2LKIT_TEST_WRITABLE), checked afterwards.
"""

from __future__ import annotations

import json
import os
import sqlite3
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

TIMEOUT = 1.0
EXERCISE = "ch2.vector_norm"
SOLUTIONS = ROOT / "solutions"

PRELUDE = '''
import os, sys, signal, time, torch
PIDS = __PIDS__
def _note(pid=None):
    fd = os.open(PIDS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, f"{pid or os.getpid()}\\n".encode())
    os.close(fd)
_note()
'''

WRONG = "    return torch.zeros((), dtype=x.dtype)\n"


def module(at_import: str = "", in_call: str = "", returns: str = WRONG) -> str:
    body = textwrap.indent(textwrap.dedent(in_call).strip("\n"), "    ") if in_call.strip() else ""
    return (PRELUDE + textwrap.dedent(at_import) + "\n\ndef vector_norm(x, p=2.0):\n    _note()\n"
            + (body + "\n" if body else "") + returns)


CASES = {
    "infinite-loop": module(in_call="while True:\n    pass"),
    "catch-baseexception": module(in_call="""
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass"""),
    "cancel-alarms-ignore-sigterm": module(at_import="""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        """, in_call="""
        while True:
            signal.alarm(0)
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)"""),
    "os-exit-at-import": module(at_import="os._exit(0)"),
    "os-exit-in-call": module(in_call="os._exit(0)"),
    "sys-exit-at-import": module(at_import="sys.exit(0)"),
    "sys-exit-in-call": module(in_call="sys.exit(0)"),
    "fake-passed-and-json": module(at_import="""
        fake = '{"schema": 1, "target": "ch2.vector_norm", "results": [{"id": "ch2.vector_norm", "status": "passed"}], "summary": {"passed": 1, "total": 1}}'
        print("ch2.vector_norm PASSED\\n1/1 passed · 2/2 points\\n" + fake, flush=True)
        os.write(1, fake.encode()); os.write(2, fake.encode())
        # through /proc, at the zygote and the supervisor: both are closed to us
        pid = os.getppid()
        for _ in range(3):
            for fd in (1, 2):
                try:
                    with open(f"/proc/{pid}/fd/{fd}", "w") as out:
                        out.write(fake + "\\n")
                except BaseException:
                    pass
            try:
                pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            except BaseException:
                break
        """, in_call="print('PASSED', flush=True)"),
    "monkeypatch-comparisons": module(at_import="""
        import numpy, numpy.testing
        torch.allclose = lambda *a, **k: True
        torch.equal = lambda *a, **k: True
        torch.testing.assert_close = lambda *a, **k: None
        numpy.testing.assert_allclose = lambda *a, **k: None
        numpy.allclose = lambda *a, **k: True
        torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
        torch.Tensor.__sub__ = lambda self, other: torch.zeros_like(self)
        torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
        """),
    "always-equal-object": module(at_import="""
        class Yes:
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            def __bool__(self): return True
            def __float__(self): return 0.0
            shape = ()
            dtype = torch.float64
        """, returns="    return Yes()\n"),
    "unbounded-memory": module(in_call="""
        hoard = []
        while True:
            hoard.append(bytearray(256 * 1024 * 1024))"""),
    "background-processes-new-session": module(in_call="""
        import subprocess
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                os.setsid()
                if os.fork() == 0:  # a daemon: double fork, new session
                    _note()
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    time.sleep(120)
                os._exit(0)
            os.waitpid(pid, 0)
        p = subprocess.Popen(["sleep", "120"], start_new_session=True)
        _note(p.pid)"""),
    "multi-gigabyte-file": module(in_call="""
        block = b"x" * (16 * 1024 * 1024)
        for target in (os.path.join(os.path.dirname(PIDS), "big.bin"), "big-here.bin"):
            with open(target, "wb") as out:
                for _ in range(256):  # 4 GiB
                    out.write(block)"""),
    "overwrite-progress-database": module(at_import="""
        db = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".d2lkit", "progress.sqlite3")
        for attack in (lambda: open(db, "wb").write(b"garbage" * 1000),
                       lambda: os.remove(db),
                       lambda: os.truncate(db, 0),
                       lambda: os.rename(db, db + ".gone"),
                       lambda: __import__("sqlite3").connect(db).executescript("DROP TABLE results;"),
                       lambda: os.write(os.open(db, os.O_WRONLY), b"garbage" * 1000)):
            try:
                attack()
            except BaseException:
                pass
        """),
    "read-reference-solutions": module(at_import=f"""
        SOL = {str(SOLUTIONS / "ch02" / "norms.py")!r}
        try:
            source = open(SOL).read()
        except BaseException:
            source = ""
        ns = {{}}
        try:
            exec(compile(source, "stolen", "exec"), ns)
        except BaseException:
            pass
        """, returns="    return ns['vector_norm'](x, p) if 'vector_norm' in ns else torch.zeros(())\n"),
    "import-reference-solutions": module(at_import=f"""
        import importlib.util
        SOL = {str(SOLUTIONS / "ch02" / "norms.py")!r}
        stolen = None
        try:
            spec = importlib.util.spec_from_file_location("stolen_norms", SOL)
            stolen = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(stolen)
        except BaseException:
            stolen = None
        """, returns="    return stolen.vector_norm(x, p) if stolen else torch.zeros(())\n"),
    "import-the-kit": module(at_import="""
        try:  # spelled so that the static scan cannot see it: the runtime guard must
            import importlib
            api = importlib.import_module("d2l" + "kit.grading.api")
            ref = api.reference("grader/ch02/test_norms.py")
        except BaseException:
            ref = None
        """, returns="    return ref.vector_norm(x, p) if ref else torch.zeros(())\n"),
    "segfault": module(in_call="import ctypes\nctypes.string_at(0)"),
}


def rows(ws: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{ws / '.d2lkit' / 'progress.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT id, exercise, status FROM results ORDER BY id").fetchall()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A workspace with one earlier graded row, and how long a normal check takes here."""
    root = tmp_path_factory.mktemp("hostile")
    assert run_cli("init", root / "ws").returncode == 0
    ws = root / "ws"
    # an edited module (a stub with a note), so that the normal check runs the sandbox as a
    # hostile one does; an untouched stub is reported without starting anything
    norms = ws / "ch02" / "norms.py"
    norms.write_text(norms.read_text() + "\n# a learner's note\n")
    times = []
    for _ in range(2):
        start = time.monotonic()
        r = run_cli("check", EXERCISE, "--json", "--timeout", TIMEOUT, cwd=ws)
        times.append(time.monotonic() - start)
        assert r.returncode == 1, r.stderr
    return ws, max(times)


@pytest.mark.parametrize("kind", list(CASES))
def test_hostile_submission(kind, base, tmp_path):
    ws, normal = base
    before = rows(ws)
    assert before
    pids = tmp_path / "pids"
    (ws / "ch02" / "norms.py").write_text(CASES[kind].replace("__PIDS__", repr(str(pids))))
    start = time.monotonic()
    # the pid notes live where a confined child may write (and nowhere else outside its scratch)
    r = run_cli("check", EXERCISE, "--json", "--timeout", TIMEOUT, cwd=ws, timeout=120,
                env={"D2LKIT_TEST_WRITABLE": str(tmp_path)})
    elapsed = time.monotonic() - start
    # a non-passing result, in a readable schema-1 object on stdout
    assert r.returncode == 1, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    out = json.loads(r.stdout)
    [result] = out["results"]
    assert result["status"] != "passed" and out["summary"]["passed"] == 0, result
    # back within the timeout plus 2 s of a normal check
    assert elapsed <= normal + TIMEOUT + 2.0, (elapsed, normal)
    # every earlier progress row is still there, and this run's row too
    after = rows(ws)
    assert after[: len(before)] == before
    assert after[-1][1:] == (EXERCISE, result["status"])
    # nothing the submission started is still running
    time.sleep(0.2)
    made = [int(p) for p in pids.read_text().split()] if pids.exists() else []
    assert made, "the hostile module never ran"
    assert not [p for p in made if alive(p)]
    # nothing big left behind
    for big in (tmp_path / "big.bin", ws / "big-here.bin", ws / "ch02" / "big-here.bin"):
        assert not big.exists() or big.stat().st_size <= 64 * 1024**2
    (ws / "ch02" / "norms.py").write_text((ROOT / "exercises" / "ch02" / "norms.py").read_text())


def test_progress_database_survives_and_keeps_rows(base):
    ws, _ = base
    r = run_cli("progress", "--json", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert "corrupt" not in r.stderr
    assert len(json.loads(r.stdout)["results"]) >= 2
