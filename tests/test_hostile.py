"""Hostile submissions: each must end as a non-passing result, with d2lkit back within the timeout
plus 2 s (over a normal check of the same exercise), every earlier progress row still readable,
and no process of the submission left running.

The first cases write a hostile ch02/norms.py into a workspace made by `d2lkit init` and run
`d2lkit check ch2.vector_norm --json --timeout 1` as a learner would. The hostile code appends the
pid of every process it makes to a file outside the workspace, in the one folder the hostile suite
lets children write (D2LKIT_TEST_WRITABLE), checked afterwards.

The cases after them follow the threat model kind by kind (README, "Learner code is untrusted"):
writes outside the scratch folder, code planted in the kit, forged replies, reads of the hidden
files, progress forged or destroyed, other processes, `grade`'s other submissions and its --out,
and the supervisor's own limits. Each runs its attack twice: confined, asserting the promise it
tests (the target unchanged, the verdict not passed, the kit back in time, no process left,
earlier progress rows intact, other submissions' results unchanged); and as a positive control
with the sandbox switched off (the test-only D2LKIT_TEST_UNCONFINED=1: no Landlock, seccomp,
no_new_privs, uid change, audit hook or file guard), asserting that the same attack then
succeeds — so that "held" means the defence worked, not that the attack crashed first. Where the
defence is not the child's confinement, the control switches that defence off instead (the
supervisor's own look at the inputs and the reply decoder's limits, in this process) or runs the
attack without the kit (the fork chain, without the zygote that reaps it). Attacks aim only at
decoys the test creates: files and folders, a copy of the kit's layout and of a package the
supervisor imports, processes it started. What an attack did is recorded, never what it read, in
the folder children may write.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from d2lkit.grading.options import TEST_UNCONFINED, TEST_WRITABLE, Options

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


def normal_time(base, *args, env=None, exercise: str = EXERCISE) -> float:
    """How long a normal check of the exercise takes now (an edited stub, so that the sandbox runs
    as it does for a hostile module)."""
    ws, _ = base
    folder = Path(tempfile.mkdtemp(prefix="normal-", dir=ws.parent))
    try:
        shutil.copytree(ws, folder / "ws", symlinks=True)
        relpath = {EXERCISE: "ch02/norms.py", "ch3.softmax": "ch03/softmax_scratch.py"}[exercise]
        stub = (ROOT / "exercises" / relpath).read_text() + "\n# a learner's note\n"
        (folder / "ws" / relpath).write_text(stub)
        start = time.monotonic()
        run_cli("check", exercise, "--timeout", TIMEOUT, *args, cwd=folder / "ws", env=env)
        return time.monotonic() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def assert_back_in_time(elapsed: float, base, *args, env=None, exercise: str = EXERCISE,
                        timeout: float = TIMEOUT):
    """Back within the timeout plus 2 s of a normal check: the one measured first, or, when this
    shared machine has got busier since, one measured now."""
    limit = base[1] + timeout + 2.0
    if elapsed > limit:
        now = normal_time(base, *args, env=env, exercise=exercise)
        limit = max(base[1], now) + timeout + 2.0
    assert elapsed <= limit, (elapsed, limit)


@pytest.mark.parametrize("kind", list(CASES))
def test_hostile_submission(kind, base, tmp_path):
    ws, _ = base
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
    assert_back_in_time(elapsed, base, "--json")
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


# ==================================================================================================
# The threat model, kind by kind: each attack confined (the promise) and unconfined (the positive
# control).
UNCONFINED, WRITABLE = TEST_UNCONFINED, TEST_WRITABLE  # honoured only while pytest runs a test
# A control proves that the attack works, not how fast: it has time to spare on a busy machine.
CONTROL_TIMEOUT = 5.0
D2LKIT = [sys.executable, "-m", "d2lkit"]



def test_the_test_switches_are_inert_outside_pytest(monkeypatch, tmp_path):
    monkeypatch.setenv(UNCONFINED, "1")
    monkeypatch.setenv(WRITABLE, str(tmp_path))
    o = Options()
    assert not o.confine and not o.audit and o.extra_writable == (str(tmp_path),)
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    o = Options()
    assert o.confine and o.audit and o.extra_writable == ()


# The learner module's helpers: pid notes, and a record of what each attack did ("done" or how it
# was refused: never what it read), both in the folder children may write.
ATTACK = '''
import ctypes, glob, io, json, linecache, os, posix, signal, struct, subprocess, sys, time, torch
from concurrent.futures import ThreadPoolExecutor
NOTES = __NOTES__

def _append(name, line):
    fd = os.open(os.path.join(NOTES, name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, (line + "\\n").encode())
    os.close(fd)

def _note(pid=None):
    _append("pids", str(pid or os.getpid()))

def attempt(key, fn):
    try:
        value = fn()
        outcome = f"done {value}" if type(value) is int else "done"
    except BaseException as e:
        outcome = f"refused: {type(e).__name__} {getattr(e, 'errno', '') or ''}".strip()
    _append("record", json.dumps([key, outcome]))
    return outcome.startswith("done")

def _parent(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])

_CALLS = []

def once():
    """True on the first call only: the graders go on calling after a failed check."""
    _CALLS.append(1)
    return len(_CALLS) == 1

_POOL = ThreadPoolExecutor(1)

def native(fn, *args):
    """fn(*args) on a worker thread, where no frame of this file is on the stack: a way around
    checks that look for the learner's frames, towards the kernel's layer."""
    return _POOL.submit(fn, *args).result()

_note()
'''


def render(source: str, **values) -> str:
    for name, value in values.items():
        source = source.replace(f"__{name.upper()}__", repr(value))
    return source


@dataclass
class Run:
    """One d2lkit command, as a learner or an instructor runs it."""
    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    maxrss: int  # bytes: the largest process of the run (supervisor, workers, zygotes, children)
    notes: Path
    pid: int
    since: float  # when it started, in seconds since boot

    def records(self) -> dict[str, list[str]]:
        """Each attack's outcomes (one per attempt)."""
        path = self.notes / "record"
        out: dict[str, list[str]] = {}
        for line in path.read_text().splitlines() if path.exists() else []:
            key, outcome = json.loads(line)
            out.setdefault(key, []).append(outcome)
        return out

    def pids(self) -> list[int]:
        path = self.notes / "pids"
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def result(self) -> dict:
        [result] = json.loads(self.stdout)["results"]
        return result

    def tail(self) -> str:
        return f"exit {self.returncode}\n{self.stdout[-1500:]}\n{self.stderr[-1500:]}"


def launch(*args, cwd: Path, notes: Path, unconfined=False, env=None, prefix=(), timeout=120,
           during=None) -> Run:
    """Run d2lkit with `notes` as the folder its children may also write, TMPDIR (where scratch
    folders and private copies go) next to it, and its pid in notes/supervisor.pid (the suite's
    bookkeeping, so that an attack on the supervisor tests the signal, not the finding of a pid).
    `during(pid, notes)` runs on a thread meanwhile."""
    notes.mkdir(parents=True, exist_ok=True)
    tmp = notes.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    full = {**os.environ, "D2LKIT_LANG": "en", "COLUMNS": "120", "NO_COLOR": "1",
            WRITABLE: str(notes), "TMPDIR": str(tmp), **(env or {})}
    full.pop("D2LKIT_WORKSPACE", None)
    full.pop(UNCONFINED, None)
    if unconfined:
        full[UNCONFINED] = "1"
    out, err = notes.parent / f"{notes.name}.out", notes.parent / f"{notes.name}.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        since = since_boot()
        start = time.monotonic()
        proc = subprocess.Popen([*prefix, *D2LKIT, *map(str, args)], cwd=cwd, env=full,
                                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        (notes / "supervisor.pid").write_text(str(proc.pid))
        if during is not None:
            threading.Thread(target=during, args=(proc.pid, notes), daemon=True).start()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise AssertionError(f"d2lkit {args[0]} still running after {timeout} s")
            time.sleep(0.01)
        elapsed = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(proc.returncode, out.read_text(), err.read_text(), elapsed,
               usage.ru_maxrss * 1024, notes, proc.pid, since)


def fresh_workspace(base, dest: Path) -> tuple[Path, list[tuple]]:
    """A copy of the suite's workspace, with its earlier progress rows."""
    ws, _ = base
    shutil.copytree(ws, dest, symlinks=True)
    return dest, rows(dest)


def assert_no_process_left(pids):
    time.sleep(0.2)
    assert pids, "the hostile module never ran"
    assert not [p for p in pids if alive(p)]


def assert_promises(run: Run, ws: Path, before: list[tuple], base, exercise: str = EXERCISE,
                    timeout: float = TIMEOUT) -> str:
    """A learner's `check --json` of a hostile module: a non-passing result, back within the
    timeout plus 2 s of a normal check, every earlier progress row intact, no process left."""
    assert run.returncode == 1, run.tail()
    out = json.loads(run.stdout)
    [result] = out["results"]
    assert result["status"] != "passed" and out["summary"]["passed"] == 0, result
    assert_back_in_time(run.elapsed, base, "--json", exercise=exercise, timeout=timeout)
    db = ws / ".d2lkit" / "progress.sqlite3"
    assert stat.S_ISREG(os.lstat(db).st_mode)
    after = rows(ws)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert after[-1][1:] == (exercise, result["status"])
    assert_no_process_left(run.pids())
    return result["status"]


def refused(records: dict, *keys):
    """Each attack was tried, and refused every time."""
    for key in keys:
        outcomes = records.get(key, [])
        assert outcomes and all(o.startswith("refused") for o in outcomes), (key, outcomes)


def done(records: dict, *keys):
    """Each attack worked."""
    for key in keys:
        outcomes = records.get(key, [])
        assert any(o.startswith("done") for o in outcomes), (key, outcomes)


def since_boot() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def started(pid: int) -> float | None:
    """When a process started, in seconds since boot (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def kill_leftovers(pids, since: float):
    """After a positive control: end what the unconfined attack left — only processes started
    since the control began, so that a pid reused by someone else's process is left alone."""
    for pid in pids:
        began = started(pid)
        if began is not None and began >= since - 0.05 and alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def strings(value) -> str:
    """Every string of a parsed JSON value, one per line (secrets are searched for as written,
    not as JSON escapes them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(strings(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(strings(v) for v in value)
    return ""


# ----------------------------------------------------------------------------------- writes outside
WRITES = ATTACK + '''
ROOT = __ROOT__  # the case's own folder: the walk never climbs above it
DECOYS = __DECOYS__

def vector_norm(x, p=2.0):
    _note()
    if not once():
        return torch.zeros((), dtype=x.dtype)
    here = os.path.dirname(os.path.abspath(__file__))
    # a bind mount of a decoy folder into the scratch folder, which is deleted (with everything
    # below it) when this child ends
    src, dst = os.path.join(DECOYS, "keep"), os.path.abspath("mnt")
    os.mkdir(dst)
    def direct():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mount(src.encode(), dst.encode(), None, ctypes.c_ulong(4096), None):  # MS_BIND
            raise OSError(ctypes.get_errno(), "mount")
    def threaded():
        libc = native(ctypes.CDLL, None, 0, None, True)
        mount = native(getattr, libc, "mount")
        if native(mount, src.encode(), dst.encode(), None, ctypes.c_ulong(4096), None):
            raise OSError(native(ctypes.get_errno), "mount")
    def binary():
        subprocess.run(["mount", "--bind", src, dst], check=True, capture_output=True, timeout=5)
    for key, how in (("mount", direct), ("mount from a thread", threaded),
                     ("mount binary", binary)):
        if attempt(key, how):
            break
    # every database found walking up from here, and the ones whose place is known
    found = {os.path.join(DECOYS, "gradebook.db"),
             os.path.join(os.path.dirname(here), ".d2lkit", "progress.sqlite3")}
    folder = here
    while True:
        for top, _, files in os.walk(folder):
            found.update(os.path.join(top, f) for f in files
                         if f.endswith((".db", ".sqlite", ".sqlite3")))
        if len(folder) <= len(ROOT):
            break
        folder = os.path.dirname(folder)
    for path in sorted(found):
        attempt("overwrite " + os.path.relpath(path, ROOT),
                lambda path=path: open(path, "r+b").write(b"overwritten " * 100))
    # 144 MiB outside the scratch folder, in files under the 64 MiB limit: in the learner's own
    # chapter, a decoy folder, and the folder that holds the scratch folders
    block = b"x" * (16 << 20)
    for i, folder in enumerate((here, DECOYS, os.path.dirname(os.getcwd()))):
        def big(path=os.path.join(folder, f"big{i}.bin")):
            with open(path, "wb") as out:
                for _ in range(3):
                    out.write(block)
        attempt(f"48 MiB file {i}", big)
    return torch.zeros((), dtype=x.dtype)
'''
GRADEBOOK = b"SQLite format 3\x00 the instructor's gradebook"
# the control's bind mount happens in a mount namespace of its own, which ends with the run
PRIVATE_MOUNTS = ("unshare", "--mount", "--propagation", "private")


def writes_run(base, root: Path, unconfined: bool) -> tuple[Run, Path, list[tuple]]:
    ws, before = fresh_workspace(base, root / "ws")
    decoys = root / "decoys"
    (decoys / "keep").mkdir(parents=True)
    (decoys / "keep" / "notes.txt").write_text("keep me")
    (decoys / "gradebook.db").write_bytes(GRADEBOOK)
    notes = root / "notes"
    notes.mkdir()
    (ws / "ch02" / "norms.py").write_text(render(WRITES, notes=str(notes), root=str(root),
                                                 decoys=str(decoys)))
    run = launch("check", EXERCISE, "--json", "--timeout",
                 CONTROL_TIMEOUT if unconfined else TIMEOUT, cwd=ws, notes=notes,
                 unconfined=unconfined, prefix=PRIVATE_MOUNTS if unconfined else ())
    return run, ws, before


def unmount_below(folder: Path):
    """Only if a confined mount got through: leave no mount of ours behind."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for point in points:
        if point.startswith(str(folder) + os.sep):
            subprocess.run(["umount", "-l", point], check=False)


def big_files(root: Path, ws: Path) -> list[Path]:
    return [p for p in (ws / "ch02" / "big0.bin", root / "decoys" / "big1.bin",
                        root / "tmp" / "big2.bin") if p.exists()]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="the control needs unshare(1)")
def test_writes_outside_the_scratch_folder(base, tmp_path):
    """A walk up the folders overwriting every database (a decoy gradebook.db beside the
    workspace, and its progress), 144 MiB left outside the scratch folder, a bind mount of a decoy
    folder into the scratch folder (deleted with it when the child ends)."""
    root = tmp_path / "confined"
    try:
        run, ws, before = writes_run(base, root, unconfined=False)
    finally:
        unmount_below(root)
    assert_promises(run, ws, before, base)
    records = run.records()
    refused(records, "mount", "mount from a thread", "mount binary",
            "overwrite decoys/gradebook.db", "overwrite ws/.d2lkit/progress.sqlite3",
            "48 MiB file 0", "48 MiB file 1", "48 MiB file 2")
    assert (root / "decoys" / "gradebook.db").read_bytes() == GRADEBOOK
    assert (root / "decoys" / "keep" / "notes.txt").read_text() == "keep me"
    assert big_files(root, ws) == []
    assert list((root / "tmp").iterdir()) == []  # every scratch folder is gone

    # positive control: every one of them works without the sandbox
    root = tmp_path / "open"
    run, ws, _ = writes_run(base, root, unconfined=True)
    try:
        records = run.records()
        done(records, "mount", "overwrite decoys/gradebook.db",
             "overwrite ws/.d2lkit/progress.sqlite3", "48 MiB file 0", "48 MiB file 1",
             "48 MiB file 2")
        assert (root / "decoys" / "gradebook.db").read_bytes().startswith(b"overwritten")
        assert list((root / "decoys" / "keep").iterdir()) == []  # emptied through the mount
        assert sum(p.stat().st_size for p in big_files(root, ws)) == 144 * 1024**2
    finally:
        kill_leftovers(run.pids(), run.since)
        for path in big_files(root, ws):
            path.unlink()


# -------------------------------------------------------------------------------------------- reads
# Every way of reading a file the hostile tester used, on the kit's reference solutions, a hidden
# grader, and a decoy secret outside every folder a child may read; what is read is leaked through
# the exception (into the result's message) and the printed output.
STEAL = '''
TARGETS = __TARGETS__

def _cat(path):
    return subprocess.run(["cat", path], capture_output=True, check=True, timeout=5).stdout.decode()

def _lines(path):
    text = "".join(linecache.getlines(path))
    if not text:
        raise OSError("linecache read nothing")
    return text

def _posix(path):
    fd = posix.open(path, posix.O_RDONLY)
    try:
        return posix.read(fd, 1 << 20).decode()
    finally:
        posix.close(fd)

READERS = {
    "open()": lambda path: open(path).read(),
    "posix.open": _posix,
    "io.FileIO": lambda path: io.FileIO(path).read().decode(),
    "open.__wrapped__": lambda path: getattr(open, "__wrapped__", open)(path).read(),
    "linecache": _lines,
    "torch.from_file": lambda path: bytes(torch.from_file(
        path, size=os.stat(path).st_size, dtype=torch.uint8).numpy()).decode(),
    "subprocess cat": _cat,
}

def _gist(text):
    if "### BEGIN SOLUTION" in text:
        text = text.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
    return " | ".join(line.strip() for line in text[:300].splitlines() if line.strip())

def steal():
    leaks = {}
    for target, path in TARGETS.items():
        for how, read in READERS.items():
            box = []
            if attempt(f"{how} {target}", lambda read=read, path=path: box.append(read(path))):
                leaks.setdefault(target, _gist(box[0]))
    if leaks:
        text = " || ".join(f"{target}: {gist}" for target, gist in leaks.items())
        print(text, flush=True)
        raise RuntimeError(text)
'''
READS = ATTACK + STEAL + '''
def vector_norm(x, p=2.0):
    _note()
    if not once():
        return torch.zeros((), dtype=x.dtype)
    steal()
    return torch.zeros((), dtype=x.dtype)
'''
READERS = ("open()", "posix.open", "io.FileIO", "open.__wrapped__", "linecache", "torch.from_file",
           "subprocess cat")
# what each secret's leak would show
SOLUTION_LINE = "return (a ** p).sum() ** (1.0 / p)"
GRADER_LINE = "(Linear Algebra): vector_norm, frobenius_norm, row_normalize"


def secrets(root: Path) -> tuple[dict[str, str], list[str]]:
    """The files to steal (the real solutions and grader, a decoy) and what must not leak."""
    token = f"hostile-decoy-secret-{os.urandom(8).hex()}"
    decoy = root / "decoys" / "secret.txt"
    decoy.parent.mkdir(parents=True, exist_ok=True)
    decoy.write_text(token + "\n")
    targets = {"decoy": str(decoy), "solutions": str(SOLUTIONS / "ch02" / "norms.py"),
               "grader": str(ROOT / "grader" / "ch02" / "test_norms.py")}  # as leaked, in 500 chars
    assert SOLUTION_LINE in Path(targets["solutions"]).read_text()
    assert GRADER_LINE in Path(targets["grader"]).read_text()
    return targets, [token, SOLUTION_LINE, GRADER_LINE]


@pytest.fixture(scope="module")
def reads(base, tmp_path_factory):
    """The read attacks run once confined and once with the sandbox off."""
    runs = {}
    for mode in ("confined", "open"):
        root = tmp_path_factory.mktemp(f"reads-{mode}")
        targets, leaks = secrets(root)
        ws, before = fresh_workspace(base, root / "ws")
        notes = root / "notes"
        (ws / "ch02" / "norms.py").write_text(render(READS, notes=str(notes), targets=targets))
        run = launch("check", EXERCISE, "--json", "--timeout",
                     CONTROL_TIMEOUT if mode == "open" else TIMEOUT, cwd=ws, notes=notes,
                     unconfined=mode == "open")
        runs[mode] = (run, ws, before, leaks)
    yield runs
    kill_leftovers(runs["open"][0].pids(), runs["open"][0].since)


def test_reads_leak_nothing(reads, base):
    run, ws, before, leaks = reads["confined"]
    assert_promises(run, ws, before, base)
    shown = run.stdout + run.stderr + strings(json.loads(run.stdout))
    assert not [secret for secret in leaks if secret in shown]
    # positive control: the same module leaks all three through the result's message
    run, _, _, leaks = reads["open"]
    message = run.result()["message"]
    assert all(secret in message for secret in leaks), message


@pytest.mark.parametrize("how", READERS)
def test_reads_of_hidden_files(reads, how):
    keys = [f"{how} {target}" for target in ("solutions", "grader", "decoy")]
    refused(reads["confined"][0].records(), *keys)
    done(reads["open"][0].records(), *keys)


# ----------------------------------------------------------------------------------------- progress
# The workspace's progress database: rows forged (a pass that would unlock `d2lkit solution`) or
# destroyed, by routes around the Python-level guards.
PROGRESS = ATTACK + '''
DB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".d2lkit",
                  "progress.sqlite3")
FORGE = ("INSERT INTO {}results(run_id, exercise, status, mistake, duration_s, code_hash, at) "
         "VALUES (NULL, 'ch2.vector_norm', 'passed', NULL, 0.0, 'forged', 1.0)")
SQL = ("import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); "
       "db.commit()")

def attached(sql):
    import sqlite3
    db = sqlite3.connect(":memory:")
    db.execute("ATTACH DATABASE ? AS p", (DB,))
    db.execute(sql.format("p."))
    db.commit()
    db.close()

def by_uri(sql):
    import sqlite3
    db = sqlite3.connect("file://localhost" + DB + "?mode=rw", uri=True)
    db.execute(sql.format(""))
    db.commit()
    db.close()

def other_python(sql):  # a fresh interpreter has neither the audit hook nor the file guard
    subprocess.run([sys.executable, "-c", SQL, DB, sql.format("")], check=True,
                   capture_output=True, timeout=30)

def linked():  # a hard link in the scratch folder is no protected path
    posix.link(DB, "progress-link")
    with open("progress-link", "r+b") as f:
        f.write(b"overwritten " * 400)

def fifo():  # the next d2lkit to open its progress would wait forever
    posix.unlink(DB)
    posix.mkfifo(DB)

def vector_norm(x, p=2.0):
    _note()
    if not once():
        return torch.zeros((), dtype=x.dtype)
    if MODE == "forge":
        attempt("ATTACH from :memory:", lambda: attached(FORGE))
        attempt("file://localhost URI", lambda: by_uri(FORGE))
        attempt("another interpreter", lambda: other_python(FORGE))
    else:
        attempt("ATTACH from :memory:", lambda: attached("DELETE FROM {}results"))
        attempt("file://localhost URI", lambda: by_uri("DROP TABLE {}results"))
        attempt("another interpreter", lambda: other_python("DROP TABLE {}runs"))
        attempt("hard link", linked)
        attempt("unlink and FIFO", fifo)
    return torch.zeros((), dtype=x.dtype)
'''
ROUTES = ("ATTACH from :memory:", "file://localhost URI", "another interpreter")


def progress_run(base, root: Path, mode: str, unconfined: bool) -> tuple[Run, Path, list[tuple]]:
    ws, before = fresh_workspace(base, root / "ws")
    notes = root / "notes"
    module = render(PROGRESS, notes=str(notes)).replace("if MODE ==", f"if {mode!r} ==")
    (ws / "ch02" / "norms.py").write_text(module)
    run = launch("check", EXERCISE, "--json", "--timeout",
                 CONTROL_TIMEOUT if unconfined else TIMEOUT, cwd=ws, notes=notes,
                 unconfined=unconfined)
    return run, ws, before


def test_progress_forged_to_unlock_the_solution(base, tmp_path):
    run, ws, before = progress_run(base, tmp_path / "confined", "forge", unconfined=False)
    assert_promises(run, ws, before, base)
    refused(run.records(), *ROUTES)
    r = run_cli("solution", EXERCISE, cwd=ws)
    assert r.returncode == 1 and SOLUTION_LINE not in r.stdout, r.stdout + r.stderr
    # positive control: each route writes a forged pass, and the solution is shown
    run, ws, _ = progress_run(base, tmp_path / "open", "forge", unconfined=True)
    kill_leftovers(run.pids(), run.since)
    done(run.records(), *ROUTES)
    with sqlite3.connect(f"file:{ws / '.d2lkit' / 'progress.sqlite3'}?mode=ro", uri=True) as db:
        forged = db.execute("SELECT COUNT(*) FROM results WHERE code_hash='forged'").fetchone()
    assert forged == (3,)
    r = run_cli("solution", EXERCISE, cwd=ws)
    assert r.returncode == 0 and SOLUTION_LINE in r.stdout, r.stdout + r.stderr


def test_progress_destroyed(base, tmp_path):
    run, ws, before = progress_run(base, tmp_path / "confined", "destroy", unconfined=False)
    assert_promises(run, ws, before, base)  # the database is still a file, every row in it
    refused(run.records(), *ROUTES, "hard link", "unlink and FIFO")
    # positive control: every route does its damage, and the database ends as a FIFO
    run, ws, _ = progress_run(base, tmp_path / "open", "destroy", unconfined=True)
    kill_leftovers(run.pids(), run.since)
    done(run.records(), *ROUTES, "hard link", "unlink and FIFO")
    assert stat.S_ISFIFO(os.lstat(ws / ".d2lkit" / "progress.sqlite3").st_mode)


# ---------------------------------------------------------------------------------- other processes
CHAIN = '''
def chain(links):
    """`links` processes, each started by the one before it in a new session of its own, all
    staying alive: nobody waits for them. A fork that is refused ends the chain (noted)."""
    for depth in range(links):
        try:
            pid = os.fork()
        except OSError as e:
            _append("chain", f"fork {depth + 1} refused: {e}")
            pid = None
        if pid != 0:
            if depth == 0:
                return
            time.sleep(60)
            os._exit(0)
        os.setsid()
        _note()
    time.sleep(60)
    os._exit(0)
'''
PROCESSES = ATTACK + CHAIN + '''
def vector_norm(x, p=2.0):
    _note()
    if not once():
        return torch.zeros((), dtype=x.dtype)
    zygote = os.getppid()
    _note(zygote)  # gone too, once d2lkit is back
    attempt("SIGSTOP to the zygote", lambda: os.kill(zygote, signal.SIGSTOP))
    attempt("the supervisor's pid from /proc", lambda: _parent(zygote))
    with open(os.path.join(NOTES, "supervisor.pid")) as f:  # the suite's bookkeeping
        supervisor = int(f.read())
    attempt("SIGKILL to the supervisor", lambda: os.kill(supervisor, signal.SIGKILL))
    if CHAIN_LINKS:
        chain(CHAIN_LINKS)
        deadline = time.monotonic() + 0.7  # until the last link is up, or a fork is refused
        while time.monotonic() < deadline:
            with open(os.path.join(NOTES, "pids")) as f:
                if len(f.read().split()) >= 3 + CHAIN_LINKS:
                    break
            if os.path.exists(os.path.join(NOTES, "chain")):
                break
            time.sleep(0.01)
    return torch.zeros((), dtype=x.dtype)
'''
LINKS = 70


def state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_other_processes_signalled_or_outlived(base, tmp_path):
    """SIGSTOP to the zygote (its parent), SIGKILL to the supervisor (its pid from /proc, or from
    the suite's note), and a chain of 70 forks in new sessions."""
    ws, before = fresh_workspace(base, tmp_path / "confined" / "ws")
    notes = tmp_path / "confined" / "notes"
    (ws / "ch02" / "norms.py").write_text(
        render(PROCESSES, notes=str(notes)).replace("CHAIN_LINKS", str(LINKS)))
    run = launch("check", EXERCISE, "--json", "--timeout", TIMEOUT, cwd=ws, notes=notes)
    assert_promises(run, ws, before, base)  # the zygote and every link are gone too
    # the chain grew (up to 70 links, or until RLIMIT_NPROC refused a fork where children run as
    # nobody, or until the call's time was up), and not one link outlived d2lkit
    links = len(run.pids()) - 3  # after the child's two notes and its zygote's
    assert 0 < links <= LINKS, run.tail()
    refused(run.records(), "SIGSTOP to the zygote", "the supervisor's pid from /proc",
            "SIGKILL to the supervisor")

    # positive control: the zygote stops, the pid is found, the supervisor dies
    ws, _ = fresh_workspace(base, tmp_path / "open" / "ws")
    notes = tmp_path / "open" / "notes"
    (ws / "ch02" / "norms.py").write_text(
        render(PROCESSES, notes=str(notes)).replace("CHAIN_LINKS", "0"))
    run = launch("check", EXERCISE, "--json", "--timeout", CONTROL_TIMEOUT, cwd=ws, notes=notes,
                 unconfined=True)
    zygote = run.pids()[2]  # after the child's two notes
    try:
        assert run.returncode == -signal.SIGKILL, run.tail()
        done(run.records(), "SIGSTOP to the zygote", "the supervisor's pid from /proc",
             "SIGKILL to the supervisor")
        assert state(zygote) == "T"
    finally:
        kill_leftovers(run.pids(), run.since)


def test_a_chain_of_forks_outlives_its_starter_without_the_kit(tmp_path):
    """The fork chain's positive control: the kit's defence is its subreaper, not confinement,
    so the control runs the same chain outside the kit, where every link outlives its starter."""
    notes = tmp_path / "notes"
    notes.mkdir()
    script = ("import os, time\nNOTES = " + repr(str(notes)) + "\n"
              + ATTACK.split("def _note", 1)[0].split("NOTES = __NOTES__", 1)[1]
              + "def _note" + ATTACK.split("def _note", 1)[1].split("def attempt", 1)[0]
              + CHAIN + f"\nchain({LINKS})\n")
    since = since_boot()
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)  # the starter ends
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pids = [int(p) for p in (notes / "pids").read_text().split()]
        if len(pids) == LINKS:
            break
        time.sleep(0.05)
    try:
        assert len(pids) == LINKS and all(alive(p) for p in pids)
    finally:
        kill_leftovers(pids, since)


# -------------------------------------------------------------------------- code planted in the kit
# The kit's files and the packages the supervisor imports are what a child may read; they must
# not be writable. The attack appends code to a grader, to a module of the kit's package, and to
# rich._emoji_codes, which the supervisor imports only when it renders the report, after the
# children have run. So that no attack, confined or not, ever aims at the real checkout or the
# real environment, both runs use a copy: the kit's checkout layout (its package beside grader/,
# solutions/, exercises/) and rich in a folder named site-packages, both first on PYTHONPATH. A
# child's policy grants the copy exactly what it grants the real kit and site-packages (the
# package and every `*-packages` folder on sys.path readable, the content trees hidden), and the
# supervisor imports from the copy — so the control shows the planted code running there.
PLANT = ATTACK + '''
TARGETS = __TARGETS__
PAYLOAD = ("\\nimport os as _o\\n_f = _o.open(%r, _o.O_WRONLY | _o.O_APPEND | _o.O_CREAT)\\n"
           "_o.write(_f, b'planted code ran in %%d\\\\n' %% _o.getpid())\\n_o.close(_f)\\n"
           % os.path.join(NOTES, "planted"))

def append(path):
    with open(path, "a") as f:
        f.write(PAYLOAD)

def plant(path):  # a new module beside it
    with open(os.path.join(os.path.dirname(path), "d2lkit_planted.py"), "x") as f:
        f.write(PAYLOAD)

def vector_norm(x, p=2.0):
    _note()
    if not once():
        return torch.zeros((), dtype=x.dtype)
    for name, path in TARGETS.items():
        attempt("append to " + name, lambda path=path: append(path))
        attempt("plant beside " + name, lambda path=path: plant(path))
    return torch.zeros((), dtype=x.dtype)
'''
KIT_TARGETS = ("the grader", "the kit's package", "rich._emoji_codes")


@pytest.fixture
def kit_copy(tmp_path):
    """A copy of the kit's checkout layout and of rich, first on the path."""
    import rich

    from d2lkit.paths import PACKAGE, content_dir

    kit, site = tmp_path / "kit", tmp_path / "lib" / "site-packages"
    shutil.copytree(PACKAGE, kit / "d2lkit", ignore=shutil.ignore_patterns("_content"))
    for tree in ("exercises", "solutions", "grader"):
        shutil.copytree(content_dir(tree), kit / tree)
    shutil.copytree(Path(rich.__file__).parent, site / "rich")
    targets = {"the grader": kit / "grader" / "ch02" / "test_norms.py",
               "the kit's package": kit / "d2lkit" / "grading" / "options.py",
               "rich._emoji_codes": site / "rich" / "_emoji_codes.py"}
    return {"PYTHONPATH": f"{kit}{os.pathsep}{site}"}, {k: str(v) for k, v in targets.items()}


def test_code_planted_in_the_kit(base, tmp_path, kit_copy):
    env, targets = kit_copy
    originals = {name: Path(path).read_bytes() for name, path in targets.items()}
    runs = {}
    for mode in ("confined", "open"):
        ws, before = fresh_workspace(base, tmp_path / mode / "ws")
        notes = tmp_path / mode / "notes"
        (ws / "ch02" / "norms.py").write_text(render(PLANT, notes=str(notes), targets=targets))
        # the terminal report: rendering it imports rich._emoji_codes
        run = launch("check", EXERCISE, "--timeout", CONTROL_TIMEOUT if mode == "open" else TIMEOUT,
                     cwd=ws, notes=notes, env=env, unconfined=mode == "open")
        runs[mode] = run
        if mode == "confined":
            assert run.returncode == 1, run.tail()
            assert "vector_norm" in run.stdout and "Traceback" not in run.stderr
            assert_back_in_time(run.elapsed, base, env=env)
            after = rows(ws)
            assert after[: len(before)] == before and after[-1][1] == EXERCISE
            assert after[-1][2] != "passed"
            assert_no_process_left(run.pids())
            refused(run.records(), *(f"{how} {name}" for name in KIT_TARGETS
                                     for how in ("append to", "plant beside")))
            assert {n: Path(p).read_bytes() for n, p in targets.items()} == originals
            assert not any((Path(p).parent / "d2lkit_planted.py").exists()
                           for p in targets.values())
            assert not (notes / "planted").exists()
    # positive control: every file takes the code, and the supervisor runs the planted rich code
    run = runs["open"]
    kill_leftovers(run.pids(), run.since)
    done(run.records(), *(f"{how} {name}" for name in KIT_TARGETS
                          for how in ("append to", "plant beside")))
    assert all(Path(p).read_bytes() != originals[n] for n, p in targets.items())
    assert f"planted code ran in {run.pid}" in (tmp_path / "open" / "notes" / "planted").read_text()


# ----------------------------------------------------------------------------------- forged replies
# A softmax that changes its input, then writes a well-formed reply frame of its own to its result
# channel (fd 3) — the right value, and an account of its arguments that shows them unchanged —
# and exits. The supervisor does not read that account: it compares the shared memory that holds
# the inputs itself. The control switches that off (as on a GPU, where the supervisor must take
# the child's account) and shows the forged account would have passed.
FORGED = ATTACK + '''
def _enc(obj, blobs):
    if isinstance(obj, torch.Tensor):
        t = obj.detach().contiguous()
        blobs.append(t.reshape(-1).view(torch.uint8).numpy().tobytes())
        return {"$": "tensor", "dtype": str(t.dtype).split(".")[1], "shape": list(t.shape),
                "device": "cpu", "blob": len(blobs) - 1}
    if isinstance(obj, dict):
        return {"$": "dict", "keys": [_enc(k, blobs) for k in obj],
                "values": [_enc(v, blobs) for v in obj.values()]}
    if isinstance(obj, (list, tuple)):
        return {"$": "list" if isinstance(obj, list) else "tuple",
                "items": [_enc(v, blobs) for v in obj]}
    return obj

def frame(reply):
    blobs = []
    value = _enc(reply, blobs)
    header = json.dumps({"v": value, "blobs": [len(b) for b in blobs]}).encode()
    return struct.pack("<Q", len(header)) + header + b"".join(blobs)

def softmax(X):
    _note()
    before = X.clone()
    E = (X - X.max(dim=1, keepdim=True).values).exp()
    P = E / E.sum(dim=1, keepdim=True)
    X.zero_()  # the input, changed in place
    data = frame({"v": __VERSION__, "kind": "ok", "value": P, "args_after": [[before], {}]})
    data = struct.pack("<Q", len(data)) + data
    while data:
        data = data[os.write(3, data):]
    os._exit(0)
'''
SOFTMAX = "ch3.softmax"


def forged_module(notes: Path) -> str:
    from d2lkit.grading.protocol import PROTOCOL_VERSION  # the kit's source is readable anyway

    return render(FORGED, notes=str(notes), version=PROTOCOL_VERSION)


def test_a_forged_reply_does_not_hide_a_changed_input(base, tmp_path):
    ws, before = fresh_workspace(base, tmp_path / "ws")
    notes = tmp_path / "notes"
    (ws / "ch03" / "softmax_scratch.py").write_text(forged_module(notes))
    run = launch("check", SOFTMAX, "--json", "--timeout", TIMEOUT, cwd=ws, notes=notes)
    assert_promises(run, ws, before, base, exercise=SOFTMAX)
    result = run.result()
    assert result["status"] == "failed" and result["mistake"] == "input-mutated", result


def test_a_forged_reply_fools_a_supervisor_that_takes_the_childs_account(tmp_path):
    """The positive control, in this process: the same module and call, the sandbox switched off,
    and the supervisor's shared-memory comparison too (the account-trusting path)."""
    import torch

    from d2lkit import catalogue
    from d2lkit.grading.child import ENTRY, runtime_read_paths
    from d2lkit.grading.errors import CheckFailed
    from d2lkit.grading.sandbox import Sandbox
    from d2lkit.grading.student import SandboxStudent

    class AccountTrusting(SandboxStudent):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._repeated.add("softmax")  # one call, as before the engine made a first call twice

        def _share(self, args, kwargs):
            return None

    ex = catalogue.load().by_id[SOFTMAX]
    notes = tmp_path / "notes"
    notes.mkdir()
    (tmp_path / "ws" / "ch03").mkdir(parents=True)
    (tmp_path / "ws" / "ch03" / "softmax_scratch.py").write_text(forged_module(notes))
    X = torch.randn(2, 5, dtype=torch.float64)
    since = since_boot()
    with Sandbox(ENTRY) as sandbox:
        for cls, trusted in ((SandboxStudent, False), (AccountTrusting, True)):
            st = cls(ex, tmp_path / "ws", sandbox, 10.0, read=runtime_read_paths(),
                     confine=False, audit=False)
            try:
                if trusted:  # fooled: the value passes, the change to X goes unseen
                    got = st.call("softmax", X.clone())
                    assert torch.allclose(got, torch.softmax(X, dim=1))
                else:
                    with pytest.raises(CheckFailed) as e:
                        st.call("softmax", X.clone())
                    assert e.value.mistake == "input-mutated"
            finally:
                st.close()
    kill_leftovers([int(p) for p in (notes / "pids").read_text().split()], since)


# ----------------------------------------------------------- `grade`: other submissions, --out
# a-mallory is graded beside b-victim (--jobs 2) and before c-bystander: she appends a wrong vector_norm to the other submissions (their originals, and the
# private copies graded next to hers), plants a symlink where --out is written, SIGKILLs the
# other worker while it grades b-victim (the workers' pids are the suite's notes), and leaks the
# hidden files into her Gradescope feedback. Every other promise is compared with a grading of the
# same class without her attack. (An --out planted before grading starts — a symlink, a FIFO, a
# folder — is refused up front: tests/test_instructor_output.py.)
MALLORY = ATTACK + STEAL + '''
CLASS = __CLASS__
OUT = __OUT__
DECOY = __DECOY__
WRONG = "\\n\\ndef vector_norm(x, p=2.0):\\n    return x.sum() * 0  # return X*0\\n"

def vector_norm(x, p=2.0):
    _note()
    if not once():
        return torch.zeros((), dtype=x.dtype)
    _note(os.getppid())
    mine = os.path.realpath(__file__)
    for name in ("b-victim", "c-bystander"):
        path = os.path.join(CLASS, name, "ch02", "norms.py")
        attempt("append to " + name, lambda path=path: open(path, "a").write(WRONG))
    copies = os.path.dirname(os.path.dirname(os.path.dirname(mine)))
    for path in glob.glob(os.path.join(copies, "*", "ch02", "norms.py")):
        if os.path.realpath(path) != mine:
            attempt("append to a private copy", lambda path=path: open(path, "a").write(WRONG))
    attempt("symlink at --out", lambda: os.symlink(DECOY, OUT))
    own = []
    attempt("own worker's pid from /proc", lambda: own.append(_parent(os.getppid())))
    deadline = time.monotonic() + 2.0
    while not os.path.exists(os.path.join(NOTES, "workers")) and time.monotonic() < deadline:
        time.sleep(0.02)
    with open(os.path.join(NOTES, "workers")) as f:
        workers = [int(p) for p in f.read().split()]
    for pid in workers:
        if pid not in own:
            attempt("SIGKILL to the other worker", lambda pid=pid: os.kill(pid, signal.SIGKILL))
    steal()
    return torch.zeros((), dtype=x.dtype)
'''
# b-victim: right, slow enough to be mid-grading when a-mallory strikes; notes its processes
VICTIM = '''
import os, time
NOTES = __NOTES__
fd = os.open(os.path.join(NOTES, "pids"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
os.write(fd, f"{os.getpid()}\\n{os.getppid()}\\n".encode())
os.close(fd)
time.sleep(1.5)
'''
BATCH_TIMEOUT = 3.0


def note_workers(pid: int, notes: Path):
    """The suite's bookkeeping: the grading workers' pids (the supervisor's first children)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                children = f.read().split()
        except OSError:
            return
        if len(children) >= 2:
            (notes / "workers.tmp").write_text("\n".join(children[:2]))
            os.replace(notes / "workers.tmp", notes / "workers")
            return
        time.sleep(0.02)


def grade_class(root: Path, hostile: bool, unconfined: bool = False):
    targets, leaks = secrets(root)
    cls, notes, out = root / "class", root / "notes", root / "grades.json"
    decoy = root / "decoys" / "gradebook.json"
    decoy.write_text('{"the instructor": "keeps this"}')
    sol = (SOLUTIONS / "ch02" / "norms.py").read_text()
    for name in ("a-mallory", "b-victim", "c-bystander"):
        shutil.copytree(ROOT / "exercises", cls / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (cls / "b-victim" / "ch02" / "norms.py").write_text(render(VICTIM, notes=str(notes)) + sol)
    (cls / "c-bystander" / "ch02" / "norms.py").write_text(sol)
    if hostile:
        (cls / "a-mallory" / "ch02" / "norms.py").write_text(render(
            MALLORY, notes=str(notes), targets=targets, **{"class": str(cls)}, out=str(out),
            decoy=str(decoy)))
    originals = {p: p.read_bytes() for p in cls.glob("[bc]-*/ch02/norms.py")}
    run = launch("grade", cls, "--target", EXERCISE, "--format", "gradescope", "--out", out,
                 "--jobs", 2, "--seed", 3, "--timeout", BATCH_TIMEOUT, "--no-progress",
                 cwd=root, notes=notes, unconfined=unconfined, during=note_workers)
    return run, out, decoy, originals, leaks


def feedback(out: Path, name: str) -> list:
    return [(t["name"], t["score"], t["status"], t["output"])
            for t in json.loads(out.read_text())[name]["tests"]]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return {mode: grade_class(tmp_path_factory.mktemp(f"batch-{mode}"), mode != "baseline",
                              unconfined=mode == "open")
            for mode in ("baseline", "confined", "open")}


def test_grade_keeps_other_submissions_and_the_results_file(batch):
    base_run, base_out, _, _, _ = batch["baseline"]
    assert base_run.returncode == 0, base_run.tail()
    run, out, decoy, originals, leaks = batch["confined"]
    assert run.returncode == 0, run.tail()
    # the other submissions: their files and their results as without her; no worker died
    assert {p: p.read_bytes() for p in originals} == originals
    for name in ("b-victim", "c-bystander"):
        assert feedback(out, name) == feedback(base_out, name)
        assert json.loads(out.read_text())[name]["score"] == 2
    assert "died" not in run.stderr
    assert json.loads(out.read_text())["a-mallory"]["score"] == 0
    # the results file is the supervisor's, the decoy is untouched, nothing leaked
    assert not out.is_symlink() and decoy.read_text() == '{"the instructor": "keeps this"}'
    shown = strings(json.loads(out.read_text())) + run.stdout + run.stderr
    assert not [secret for secret in leaks if secret in shown]
    assert run.elapsed <= base_run.elapsed + BATCH_TIMEOUT + 2.0, (run.elapsed, base_run.elapsed)
    assert_no_process_left(run.pids())
    records = run.records()
    refused(records, "append to b-victim", "append to c-bystander", "symlink at --out",
            "own worker's pid from /proc", "SIGKILL to the other worker")
    assert len(records["SIGKILL to the other worker"]) == 2  # her own unknown: both tried


def test_grade_attacks_work_without_the_sandbox(batch):
    """The positive control: the same class graded with the sandbox off."""
    run, out, decoy, originals, leaks = batch["open"]
    kill_leftovers(run.pids(), run.since)
    done(run.records(), "append to b-victim", "append to c-bystander", "symlink at --out",
         "own worker's pid from /proc", "SIGKILL to the other worker")
    assert all(p.read_bytes() != data for p, data in originals.items())
    assert "died (exit status -9) while grading b-victim" in run.stderr
    assert all(secret in strings(json.loads(out.read_text())["a-mallory"]) for secret in leaks)


# -------------------------------------------------------------------------- the supervisor's limits
# A reply frame that costs the supervisor time or memory to decode, received just before the
# call's deadline: the kit must be back within the timeout plus 2 s, and stay under a memory bound
# (a normal check's largest process is ~250-550 MB here). Each control decodes the same frame in
# this process with the limit in question off, and shows what the attack would have cost.
FRAMES = {
    "116 MB of small tensors": '''
def build():
    n, each = 250_000, 400
    items = ",".join('{"$":"tensor","dtype":"uint8","shape":[%d],"blob":%d}' % (each, i)
                     for i in range(n))
    value = ('{"$":"dict","keys":["v","kind","value"],"values":[%d,"ok",{"$":"list","items":[%s]}]}'
             % (VERSION, items))
    header = ('{"v":%s,"blobs":[%s]}' % (value, ",".join([str(each)] * n))).encode()
    return struct.pack("<Q", len(header)) + header + bytes(n * each)
''',
    "a 16 MiB header of empty lists": '''
def build():
    n = (16 * 1024 * 1024 - 64) // 3
    header = ('{"v":{"$":"list","items":[%s]},"blobs":[]}' % ",".join(["[]"] * n)).encode()
    return struct.pack("<Q", len(header)) + header
''',
    "a 16 MiB blob referenced 96 times": '''
def build():
    item = '{"$":"tensor","dtype":"uint8","shape":[16777216],"blob":0}'
    value = ('{"$":"dict","keys":["v","kind","value"],"values":[%d,"ok",{"$":"list","items":[%s]}]}'
             % (VERSION, ",".join([item] * 96)))
    header = ('{"v":%s,"blobs":[16777216]}' % value).encode()
    return struct.pack("<Q", len(header)) + header + bytes(16 << 20)
''',
}
SEND = ATTACK + '''
VERSION = __VERSION__
T0 = time.monotonic()
__BUILD__
FRAME = build()

def vector_norm(x, p=2.0):
    _note()
    # sent LEAD seconds before the deadline as seen from here (the call started a little before
    # this module was imported): it arrives in time even on a busy machine, and decoding it runs
    # into the deadline
    time.sleep(max(0.0, T0 + __SEND_AT__ - time.monotonic()))
    view = memoryview(struct.pack("<Q", len(FRAME)) + FRAME)
    while view:
        view = view[os.write(3, view):]
    time.sleep(60)
'''
MEMORY_BOUND = 1024**3
FRAME_TIMEOUT = 3.0  # room to aim the frame just before the deadline, even on a busy machine


@pytest.mark.parametrize("kind", list(FRAMES))
def test_a_costly_reply_frame(kind, base, tmp_path, monkeypatch):
    from d2lkit.grading import wire
    from d2lkit.grading.protocol import PROTOCOL_VERSION, Reply

    ws, before = fresh_workspace(base, tmp_path / "ws")
    notes = tmp_path / "notes"
    lead = 1.8 if kind.startswith("116 MB") else 0.8  # time for 116 MB to cross the socket
    module = render(SEND, notes=str(notes), version=PROTOCOL_VERSION, send_at=FRAME_TIMEOUT - lead)
    (ws / "ch02" / "norms.py").write_text(module.replace("__BUILD__", FRAMES[kind]))
    run = launch("check", EXERCISE, "--json", "--timeout", FRAME_TIMEOUT, cwd=ws, notes=notes)
    assert_promises(run, ws, before, base, timeout=FRAME_TIMEOUT)
    # it arrived before the deadline, and was refused (not a timeout: then it was never read)
    assert run.result()["status"] == "crashed", run.result()
    assert run.maxrss < MEMORY_BOUND, run.maxrss

    # positive control, in this process: what the same frame costs without the limit
    ns = {"struct": struct, "VERSION": PROTOCOL_VERSION}
    exec(FRAMES[kind], ns)
    message = ns["build"]()
    if kind.endswith("96 times"):
        class Reusing(wire._Decoder):  # without the rule that each blob backs one value
            def blob(self, index):
                return self.blobs[index]

        header_len = struct.unpack("<Q", message[:8])[0]
        header = json.loads(message[8:8 + header_len])
        blobs = [memoryview(message)[8 + header_len:]]
        value = Reply.from_wire(Reusing(blobs).dec(header["v"])).value
        assert sum(t.untyped_storage().nbytes() for t in value) == 96 * 16 * 1024**2
    else:  # without the count of values made before parsing, decoding it takes longer than
        # the 2 s the kit may be late (not finished after 2 s)
        # (and without the collector switched off while it parses)
        monkeypatch.setattr(wire, "MAX_ITEMS", 10**9)
        monkeypatch.setattr(wire, "gc", types.SimpleNamespace(
            isenabled=lambda: False, disable=lambda: None, enable=lambda: None))
        start = time.monotonic()
        with pytest.raises(wire.WireError):
            Reply.from_wire(wire.decode(message, deadline=start + 2.0))
        assert time.monotonic() - start > 2.0
