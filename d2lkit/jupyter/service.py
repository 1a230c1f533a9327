"""A warm grader in a process of its own, for notebook kernels and the REPL.

    kernel (or REPL) ──JSON lines──▶ service: Engine ──▶ zygote ──▶ child (the learner's code)

The notebook's kernel must not become the grading supervisor: an `Engine` forks its zygote from
the process that creates it, which must not have run tensor work (a learner's kernel has), and
sets that process's torch threads and matmul precision (the learner's own training would slow
down). So the kernel starts this service — `python -m d2lkit.jupyter.service`, a fresh
interpreter that imports torch and starts one `Engine` before any tensor work, exactly as
`d2lkit check` does — and sends it one request per grading: an exercise id, a workspace folder
(the temporary one holding the module built from the cell), the seed and the timeout. The
service grades with `Engine.grade` (the one runner of every path: pre-checks, the hidden
graders, the sandbox's confined children) and sends the result back as plain data.

The engine stays warm between requests: its zygote, the collected graders and the expected
values of the reference solutions, so a re-grade costs a fork and the checks. The service runs in
a session of its own (a kernel's interrupt is the client's to pass on) and exits when its
standard input closes, that is when the kernel (or REPL) that started it ends; closing the
engine kills the zygote and every child.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from d2lkit.grading.results import CheckResult, Detail, ExerciseResult

PROTOCOL = 1
START_DEADLINE = 180.0  # seconds for a fresh service to import torch and start its engine
STOP_DEADLINE = 5.0  # seconds for a service to end after its input closes or an interrupt


class ServiceError(RuntimeError):
    """The grading service failed (never a verdict on the learner's code)."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


# ------------------------------------------------------------------------------ results as data
def result_to_dict(result: ExerciseResult) -> dict:
    return asdict(result)


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _detail(data) -> Detail | None:
    return Detail(data.get("key", ""), dict(data.get("params") or {})) if data else None


def result_from_dict(data: dict) -> ExerciseResult:
    checks = []
    for c in data.get("checks") or ():
        c = _known(CheckResult, c)
        c["detail"] = _detail(c.get("detail"))
        c["warnings"] = [_detail(w) for w in c.get("warnings") or ()]
        checks.append(CheckResult(**c))
    data = _known(ExerciseResult, data)
    data["detail"] = _detail(data.get("detail"))
    data["checks"] = checks
    return ExerciseResult(**data)


# ------------------------------------------------------------------------------ the service side
def main(argv: list[str] | None = None) -> int:
    """`python -m d2lkit.jupyter.service [DEVICE]`: requests on stdin, replies on stdout."""
    argv = sys.argv[1:] if argv is None else argv
    device = argv[0] if argv else "cpu"
    # The protocol owns the original stdout; anything else printed (a warning, a grader's
    # output) goes to stderr, which the client keeps for the report of a failure.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # closes the engine on the way out

    def send(message: dict):
        replies.write(json.dumps({"protocol": PROTOCOL, **message}, ensure_ascii=False,
                                 default=repr) + "\n")
        replies.flush()

    try:
        # imports torch and forks the zygote before this process runs any tensor work
        from d2lkit import catalogue
        from d2lkit.grading.engine import Engine
        from d2lkit.grading.options import Options

        base = Options(device=device)
        engine = Engine(base)
    except Exception as e:  # noqa: BLE001 - reported to the client (SandboxError among them)
        send({"kind": "failed", "error": f"{type(e).__name__}: {e}"})
        return 1
    with engine:
        send({"kind": "ready", "pid": os.getpid(), "weaknesses": engine.weaknesses})
        cat = catalogue.load()
        for line in sys.stdin:
            try:
                request = json.loads(line)
            except ValueError:
                send({"kind": "failed", "error": "unreadable request"})
                continue
            if request.get("op") == "ping":
                send({"kind": "pong"})
                continue
            try:
                ex = cat.by_id[request["id"]]
                engine.options = base.but(seed=int(request["seed"]),
                                          timeout=float(request["timeout"]))
                start = time.perf_counter()
                [result] = engine.grade([ex], Path(request["workspace"]))
                send({"kind": "result", "result": result_to_dict(result),
                      "seconds": time.perf_counter() - start, "weaknesses": engine.weaknesses})
            except KeyboardInterrupt:
                # the client passed on the learner's interrupt; an engine stopped mid-grading is
                # not reused (its supervisor has run tensor work, so no new zygote is forked
                # from it): this service ends, the next grading starts a fresh one
                send({"kind": "interrupted"})
                return 130
            except Exception as e:  # noqa: BLE001 - the kit failed, not the learner
                send({"kind": "failed", "error": f"{type(e).__name__}: {e}"})
    return 0


# ------------------------------------------------------------------------------ the client side
@dataclass
class Graded:
    result: ExerciseResult
    seconds: float  # how long the caller waited for this result
    start_seconds: float  # of those, waiting for the service to start (0 when it was warm)
    weaknesses: list[str]


class Service:
    """The client's handle on one grading service process (started on first use)."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self.proc: subprocess.Popen | None = None
        self.ready = False
        self.weaknesses: list[str] = []
        self._log: collections.deque[str] = collections.deque(maxlen=200)
        self._started_at = 0.0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def log(self) -> str:
        return "".join(self._log)

    def start(self) -> "Service":
        """Start the process (it imports torch in the background); returns at once."""
        if self.alive:
            return self
        self.close()
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._log.clear()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "d2lkit.jupyter.service", self.device],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, env=env)
        self.ready = False
        self._started_at = time.perf_counter()
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
        return self

    def _drain(self, proc):
        for raw in iter(proc.stderr.readline, b""):
            self._log.append(raw.decode("utf-8", "replace"))

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            try:
                self.proc.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self._kill()
            time.sleep(0.05)  # let the stderr thread catch the last lines
            raise ServiceError(f"the grading service ended (exit status {self.proc.returncode})",
                               self.log)
        try:
            return json.loads(line)
        except ValueError:
            raise ServiceError("the grading service sent an unreadable reply", self.log) from None

    def _wait_ready(self) -> float:
        """Seconds spent waiting for a fresh service to start (0 if it was ready)."""
        if self.ready:
            return 0.0
        waited = time.perf_counter()
        timer = threading.Timer(START_DEADLINE, self._kill)
        timer.start()
        try:
            message = self._read()
        finally:
            timer.cancel()
        if message.get("kind") != "ready":
            self._kill()
            raise ServiceError(f"the grading service did not start: {message.get('error', message)}",
                               self.log)
        self.ready = True
        self.weaknesses = list(message.get("weaknesses") or [])
        return time.perf_counter() - waited

    def grade(self, exercise_id: str, workspace: Path, *, seed: int, timeout: float) -> Graded:
        """Grade one exercise of `workspace` in the sandbox. Raises ServiceError if the service
        fails, and KeyboardInterrupt (after stopping the grading) if interrupted."""
        start = time.perf_counter()
        if not self.alive:
            self.start()
        try:
            started = self._wait_ready()
            request = {"op": "grade", "id": exercise_id, "workspace": str(workspace),
                       "seed": seed, "timeout": timeout}
            try:
                self.proc.stdin.write((json.dumps(request) + "\n").encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                raise ServiceError("the grading service is gone", self.log) from None
            reply = self._read()
        except KeyboardInterrupt:
            self._interrupt()
            raise
        if reply.get("kind") != "result":
            raise ServiceError(f"the grading service failed: {reply.get('error', reply)}", self.log)
        self.weaknesses = list(reply.get("weaknesses") or self.weaknesses)
        return Graded(result_from_dict(reply["result"]), time.perf_counter() - start, started,
                      self.weaknesses)

    def _interrupt(self):
        """Pass the learner's interrupt on (the engine stops the running call and the service
        exits); kill it if it does not end within the deadline."""
        if not self.alive:
            return
        try:
            os.kill(self.proc.pid, signal.SIGINT)
            self.proc.wait(timeout=STOP_DEADLINE)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self._kill()
        self.ready = False

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the service and its zygote
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait()
        self.ready = False

    def close(self):
        """End the service: its input closes, the engine kills its zygote and children."""
        proc, self.proc = self.proc, None
        self.ready = False
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=STOP_DEADLINE)
        except (OSError, subprocess.TimeoutExpired):
            try:
                proc.terminate()
                proc.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            try:
                stream.close()
            except (OSError, AttributeError):
                pass


_SERVICES: dict[str, Service] = {}


def shared(device: str = "cpu") -> Service:
    """This process's service for `device` (one per device: an engine is started for one)."""
    from d2lkit.grading.options import normalise_device

    device = normalise_device(device)
    if device not in _SERVICES:
        _SERVICES[device] = Service(device)
    return _SERVICES[device]


@atexit.register
def _close_all():
    for service in list(_SERVICES.values()):
        service.close()
    _SERVICES.clear()


if __name__ == "__main__":
    sys.exit(main())
