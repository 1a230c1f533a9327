"""Forked grading workers sharing one queue of tasks: `d2lkit grade --jobs N` (a task is a
submission) and a `check` of many exercises (a task is an exercise).

Each worker is forked from this process after torch is imported and before any tensor work, and
starts its own `Engine` (its own zygote), so workers share nothing but the modules they were forked
with. Tasks are handed out one at a time to whichever worker is idle, so a slow task never holds
up the others. A task's value comes back through a pipe and is passed to `on_done` in this process,
which alone writes anything (progress, reports).

A worker that dies (killed, crashed: never the learner's doing, since learner code only runs in
the sandbox's children) has its task handed to a fresh worker, up to `attempts` times; after that
the task's value is `lost(index, starting=False)`. Workers that keep dying before their engine is
up (at most MAX_START_FAILURES) give every remaining task `lost(index, starting=True)`.

The caller becomes the child subreaper while the pool runs: a killed worker leaves its zygote, and
perhaps sandbox children, behind; as our children they can be ended, so that a caller writes its
results only once no process that ran learner code is left.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from d2lkit.grading.options import Options

MAX_START_FAILURES = 3  # workers that die before their engine is up (then the rest is given up)

# Test-only: a worker that receives the task of this name (a submission's folder, an exercise's
# id) kills itself with SIGKILL, as the OOM killer would. "NAME" kills on every attempt, "NAME:1"
# on the first attempt only. Honoured only while pytest runs (PYTEST_CURRENT_TEST is set), so
# that no environment can make a real grading fail.
TEST_KILL_WORKER = "D2LKIT_TEST_KILL_WORKER"


@dataclass
class _Slot:
    process: object
    conn: object
    task: int | None = None  # the task it is working on
    ready: bool = False


def _test_kill_hook(name: str, attempt: int):
    rule = os.environ.get(TEST_KILL_WORKER)
    if not rule or "PYTEST_CURRENT_TEST" not in os.environ:
        return
    target, _, attempts = rule.partition(":")
    if name == target and (not attempts or attempt < int(attempts)):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _worker(conn, work, name, options: Options):
    """One worker process: its own engine, then tasks as the caller hands them out.
    Messages: ("refused", text), ("ready", zygote pid, weaknesses),
    ("done", index, value, zygote pid, weaknesses)."""
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.sandbox import SandboxError

    os.environ["OMP_NUM_THREADS"] = "1"
    caller = os.getppid()
    try:
        engine = Engine(options, cache=False)  # this worker's own zygote, started after the fork
    except SandboxError as e:
        conn.send(("refused", str(e)))
        return
    with engine, contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: the caller reports it
        conn.send(("ready", engine.sandbox.zygote_pid, engine.weaknesses))
        while True:
            # other workers hold copies of our pipe's far end, so a dead caller shows up as a
            # new parent, never as end-of-file
            while not conn.poll(1.0):
                if os.getppid() != caller:
                    return
            task = conn.recv()
            if task is None:
                return
            index, attempt = task
            _test_kill_hook(name(index), attempt)
            value = work(engine, index, attempt)
            conn.send(("done", index, value, engine.sandbox.zygote_pid, engine.weaknesses))


def run(tasks: int, work: Callable[[Any, int, int], Any], options: Options, jobs: int, *,
        on_done: Callable[[int, Any], None], lost: Callable[[int, bool], Any],
        on_weakness: Callable[[list[str]], None] = lambda weaknesses: None,
        name: Callable[[int], str] = str, attempts: int = 2) -> None:
    """Run tasks 0…tasks-1 in `jobs` forked workers: `work(engine, index, attempt)` in a worker,
    then `on_done(index, value)` here, once per task, in the order they finish.
    Raises `SandboxError` when a worker's engine refuses to start (`options.strict`)."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    from d2lkit.grading.sandbox import SandboxError

    ctx = mp.get_context("fork")
    todo = deque(range(tasks))
    tries = [0] * tasks
    finished: set[int] = set()
    slots: list[_Slot] = []
    zygotes: set[int] = set()
    start_failures = 0
    was_subreaper = _subreaper(True)  # a dead worker's zygote becomes ours to end

    def start():
        mine, theirs = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(theirs, work, name, options), daemon=True)
        p.start()
        theirs.close()
        slots.append(_Slot(p, mine))

    def finish(index: int, value):
        finished.add(index)
        on_done(index, value)

    def died(slot: _Slot):
        nonlocal start_failures
        slots.remove(slot)
        slot.conn.close()
        slot.process.join(timeout=5)
        _end_strays(zygotes)
        if not slot.ready:
            start_failures += 1
            print(f"d2lkit: a grading worker died while starting its sandbox (exit status "
                  f"{slot.process.exitcode})", file=sys.stderr)
        if slot.task is not None:
            tries[slot.task] += 1
            again = tries[slot.task] < attempts
            # the user's to know: a re-grade costs time, and a second death costs a result
            print(f"d2lkit: the grading worker died (exit status {slot.process.exitcode}) while "
                  f"grading {name(slot.task)}"
                  + ("; grading it again in a fresh worker" if again else "; giving up on it"),
                  file=sys.stderr)
            if again:
                todo.appendleft(slot.task)
            else:
                finish(slot.task, lost(slot.task, False))
        if start_failures >= MAX_START_FAILURES and not any(s.ready for s in slots):
            while todo:
                index = todo.popleft()
                finish(index, lost(index, True))

    def receive(slot: _Slot) -> bool:
        """Handle one message; False when the worker is gone."""
        try:
            msg = slot.conn.recv()
        except (EOFError, OSError):
            return False
        if msg[0] == "refused":
            raise SandboxError(msg[1])
        if msg[0] == "ready":
            slot.ready = True
            zygotes.add(msg[1])
            on_weakness(msg[2])
        elif msg[0] == "done":
            _, index, value, zygote, weaknesses = msg
            zygotes.add(zygote)
            on_weakness(weaknesses)
            slot.task = None
            finish(index, value)
        return True

    clean = False
    try:
        for _ in range(min(jobs, tasks)):
            start()
        while len(finished) < tasks:
            for slot in slots:
                if slot.ready and slot.task is None and todo:
                    slot.task = todo.popleft()
                    slot.conn.send((slot.task, tries[slot.task]))
            # a fresh worker replaces a dead one while there is work that no worker holds
            busy = sum(s.task is not None for s in slots)
            while todo and len(slots) < min(jobs, len(todo) + busy):
                start()
            by_handle = {}
            for slot in slots:
                by_handle[slot.conn] = slot
                by_handle[slot.process.sentinel] = slot
            for handle in wait(list(by_handle), timeout=1.0):
                slot = by_handle[handle]
                if slot not in slots:
                    continue
                if handle is slot.conn:
                    alive = receive(slot)
                else:  # it exited: what it sent before that still counts
                    while slot.conn.poll(0) and receive(slot):
                        pass
                    alive = False
                if not alive:
                    died(slot)
        for slot in slots:
            slot.conn.send(None)
        clean = True
    finally:
        for slot in slots:
            if clean:
                slot.process.join(timeout=30)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.conn.close()
        _end_strays(zygotes)
        if not was_subreaper:
            _subreaper(False)


# ------------------------------------------------------------------------------ leftovers
def _subreaper(on: bool) -> bool:
    """Make this process the child subreaper (or stop being one); returns whether it was one."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        was = ctypes.c_int(0)
        libc.prctl(37, ctypes.byref(was), 0, 0, 0)  # PR_GET_CHILD_SUBREAPER
        libc.prctl(36, int(on), 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        return bool(was.value)
    except (OSError, AttributeError):  # not Linux: orphans go to init, nothing to end
        return True


def _children() -> list[int]:
    me, found = str(os.getpid()), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().decode(errors="replace").rsplit(")", 1)[-1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.append(int(entry))
    return found


def _end_strays(zygotes: set[int], grace: float = 3.0):
    """Reap what dead workers left to us: their zygotes, and sandbox children (each in a session
    of its own) that a killed zygote left in turn. Other children of this process (live workers,
    in our session, or anything a caller started) are left alone. A zygote whose worker died ends
    its children and cleans up by itself; after `grace` seconds whatever is left is killed, again
    and again, since killing a process hands its own children to us."""
    mine = os.getsid(0)
    deadline = time.monotonic() + grace
    for _ in range(100_000):
        strays = []
        for pid in _children():
            try:
                if pid in zygotes or os.getsid(pid) != mine:
                    strays.append(pid)
            except OSError:
                continue
        if not strays:
            return
        late = time.monotonic() >= deadline
        for pid in strays:
            try:
                if late:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                else:
                    os.waitpid(pid, os.WNOHANG)
            except (ChildProcessError, ProcessLookupError):
                pass
        if not late:
            time.sleep(0.01)
