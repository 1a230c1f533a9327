"""The `student` object: the only way graders reach learner code.

Two transports run the same graders. `SandboxStudent` sends each call to the exercise's sandbox
worker, a child process that serves every call of one exercise and nothing else (`d2lkit check`,
`watch`, `grade`, `dev check`); `InProcessStudent` calls objects that already live in this process
(the REPL and notebooks' `d2lkit.grader.check`), unconfined. Both pass every argument and result
through `wire`, so a grader sees the same data either way.
"""

from __future__ import annotations

import functools
import os
import signal
import time
from pathlib import Path

import torch

from d2lkit.grading import wire
from d2lkit.grading.child import LearnerSession, encode_reply
from d2lkit.grading.errors import (CheckFailed, Forbidden, LearnerCrashed, LearnerError,
                                   LearnerProblem, LearnerTimeout, NotImplementedYet,
                                   SandboxFailure)
from d2lkit.grading.protocol import STICKY, Job, ProtocolError, Reply, ReplyKind, Setup
from d2lkit.grading.results import Detail
from d2lkit.grading.tripwire import ALWAYS_FORBIDDEN


class Student:
    """What graders call. Subclasses decide where the learner's code runs."""

    def __init__(self, exercise, device: str = "cpu"):
        self.exercise = exercise
        self.device = torch.device(device)
        self.outputs: list[str] = []
        self.warnings: list[Detail] = []
        self._sticky: LearnerProblem | None = None
        self._forms_seen: set[tuple[str, str]] = set()  # (function, argument) already exercised
        self._repeated: set[str] = set()  # functions whose first call was made twice
        self.last_call: tuple | None = None  # (name, args, kwargs) of the latest call

    # ---------------------------------------------------------------- the grader-facing API
    def call(self, name: str, *args, mutates: bool | str = False, **kwargs):
        """`mutates=True`: the spec allows changing the inputs; `mutates="warn"`: allowed, but the
        learner is told (d2l's own masked_softmax mutates its argument).

        Besides the result, every call is checked for what it leaves behind (changed inputs,
        requires_grad or .grad on them, torch's settings, the global RNG when a generator was
        given), and the first call of each function is made twice, on fresh copies of the same
        inputs: the results must be equal (hidden state kept between calls changes them)."""
        self.last_call = ("call", name, args, kwargs)  # what a shape trace replays
        value = self._call_checked(name, args, kwargs, mutates)
        if name not in self._repeated:
            self._repeated.add(name)
            again = self._call_checked(name, args, kwargs, mutates)
            if not _same_result(again, value, exact=True):
                raise CheckFailed("not-repeatable", mistake="not-repeatable", function=name)
        self._check_forms(name, args, kwargs, value, mutates)
        return value

    def _call_checked(self, name: str, args, kwargs, mutates):
        shared = self._share(args, kwargs)
        try:
            if shared is not None:
                job = Job("call", name, needs=(name,), args=shared.args, kwargs=shared.kwargs,
                          shared=tuple(shared.table))
                reply = self._checked(job, fd=shared.fd)
                where = shared.changed() if mutates is not True else None
            else:
                reply = self._checked(Job("call", name, needs=(name,), args=tuple(args),
                                          kwargs=kwargs))
                where = (_mutated(args, kwargs, *(reply.args_after or ((), {})))
                         if mutates is not True else None)
        finally:
            if shared is not None:
                shared.close()
        if where is not None:
            if mutates == "warn":
                self.warnings.append(Detail("input-mutated-warning", {"where": where, "function": name}))
            else:
                raise CheckFailed("input-mutated", mistake="input-mutated", where=where, function=name)
        if reply.left_behind and mutates is not True:
            left = list(reply.left_behind)
            if "the global RNG" in left:
                raise CheckFailed("global-rng", mistake="global-rng", function=name)
            raise CheckFailed("left-behind", mistake="left-behind", function=name,
                              what=", ".join(left))
        strayed = self._strayed_device(args, kwargs, reply.value)
        if strayed is not None:
            raise CheckFailed("device", what=f"{name}(...)", got=strayed, expected=str(self.device))
        return reply.value

    def _check_forms(self, name: str, args, kwargs, value, mutates):
        """The argument forms the docstring documents (the catalogue's `forms`), once per
        argument: "pair:NAME" calls again with NAME's other spelling — n for (n, n), (n, n) for
        n — and the result must be the same. So "an int means a square window" is graded in
        every exercise that promises it, whatever its graders happen to pass."""
        for form in getattr(self.exercise, "forms", ()):
            kind, _, param = form.partition(":")
            if kind != "pair" or (name, param) in self._forms_seen:
                continue
            bound = _bound(self.exercise, name, args, kwargs)
            if bound is None or param not in bound.arguments:
                continue
            given = bound.arguments[param]
            other = _other_pair_form(given)
            if other is None:
                continue
            self._forms_seen.add((name, param))
            bound.arguments[param] = other
            shown = {"call": f"{name}(…, {param}={other!r})", "param": param,
                     "given": repr(given), "other": repr(other), "function": name}
            try:
                again = self.call(name, *bound.args, mutates=mutates, **bound.kwargs)
            except LearnerError as e:
                raise CheckFailed("form-refused", mistake="pair-form", type=e.type,
                                  message=e.message[:300], **shown) from None
            if not _same_result(again, value):
                raise CheckFailed("form-differs", mistake="pair-form", **shown)

    def _strayed_device(self, args, kwargs, value) -> str | None:
        """The device of a result tensor that left the grading device although the inputs were
        on it (a tensor made on the CPU inside the learner's function); None if all is well.
        Graders then compare values wherever they computed their expectation."""
        if self.device.type == "cpu" or not any(
                t.device.type == self.device.type for t in _tensors((args, kwargs))):
            return None
        return next((str(t.device) for t in _tensors(value) if t.device.type != self.device.type),
                    None)

    def shape_trace(self) -> dict | None:
        """The latest call made again, here under the shape recorder and with the reference in
        this process (`grading.shapetrace`): both sides up to where their shapes part, or None.
        It explains a failure already found, so nothing here may raise."""
        from d2lkit.grading import shapetrace
        from d2lkit.grading.api import load_solution_module
        from d2lkit.paths import content_dir

        if self.last_call is None or self._sticky is not None:
            return None
        kind, target, args, kwargs = self.last_call
        try:
            path = content_dir("solutions") / self.exercise.relpath
            reference = load_solution_module(path)
            args, kwargs = tuple(args), dict(kwargs)
            if kind == "call":
                job = Job("trace", target, needs=(target,), args=args, kwargs=kwargs)
                fn = getattr(reference, target)
            else:  # a probe runs on a module: the learner's there, the reference's here
                job = Job("trace", target.__name__, args=args, kwargs=kwargs,
                          probe_file=os.path.abspath(target.__code__.co_filename))
                fn = functools.partial(target, reference)
            mine = self._run(job, probe=target if kind == "probe" else None).value
            mine = mine if isinstance(mine, dict) else {}
            theirs = shapetrace.record(fn, *_fresh_copies(args, kwargs),
                                       lambda f: f == str(path) or os.path.realpath(f) == os.path.realpath(path))
            source = self._source_lines()
            return shapetrace.compare(mine, theirs, source)
        except Exception:  # noqa: BLE001 - no trace is better than a wrong one
            return None

    def _source_lines(self) -> list[str]:
        return []

    def probe(self, fn, *args, **kwargs):
        """Run a grader's probe (a module-level `probe_*` function) on the learner's module."""
        if not getattr(fn, "__name__", "").startswith("probe_") or "<locals>" in fn.__qualname__:
            raise TypeError("a probe is a module-level function of the grader named probe_*")
        job = Job("probe", fn.__name__, probe_file=os.path.abspath(fn.__code__.co_filename),
                  args=tuple(args), kwargs=kwargs)
        self.last_call = ("probe", fn, args, kwargs)
        return self._checked(job, probe=fn).value

    def module(self, name: str, *args, state_dict=None, inputs=(), kwargs=None, train=True,
               backward=False, dtype=torch.float64, strict=True):
        from d2lkit.grading import probes

        return self.probe(probes.probe_module, name, args, kwargs or {}, state_dict, tuple(inputs),
                          train, backward, dtype, strict, str(self.device))

    def train_then_eval(self, name: str, args, state_dict, X):
        """Build mod.<name>(*args), load state_dict, one forward in train mode and one in eval
        mode (compare with api.train_then_eval on the reference via api.expect_modes_close)."""
        from d2lkit.grading import probes

        return self.probe(probes.probe_train_then_eval, name, tuple(args), state_dict, X)

    def close(self):
        """The exercise is graded: release whatever runs the learner's code."""

    def _share(self, args, kwargs):
        """The arguments in memory this process can read after the call (a SharedInputs), or
        None: then the mutation check reads the transport's own account of the arguments."""
        return None

    def interrupted_by_the_user(self, reply: Reply) -> bool:
        """Whether a reply is a KeyboardInterrupt that came from outside the learner's code (only
        in process: in a sandbox child no one but the learner's code can raise it)."""
        return False

    # ---------------------------------------------------------------- transport
    def _checked(self, job: Job, probe=None, fd=None) -> Reply:
        if self._sticky is not None:
            raise self._sticky
        try:
            return self._run(job, probe, fd)
        except LearnerProblem as e:
            if e.status in STICKY:
                self._sticky = e
            raise

    def _run(self, job: Job, probe=None, fd=None) -> Reply:
        raise NotImplementedError

    def _interpret(self, reply: Reply | None, exchange=None) -> Reply:
        """Turn what came back into a reply, or into the exception that explains why not."""
        if exchange is not None and exchange.output:
            self.outputs.append(exchange.output)
        if exchange is not None and exchange.timed_out:
            raise LearnerTimeout("timeout", seconds=self.timeout)
        if reply is None:
            if exchange is not None and exchange.over_memory:
                raise LearnerCrashed("over-memory", limit=_size(self.memory_limit))
            sig = exchange.signal if exchange is not None else None
            if sig is not None:
                raise LearnerCrashed("crashed-signal", signal=signal.Signals(sig).name)
            raise LearnerCrashed("crashed-exit", code=exchange.exit_code if exchange else None,
                                 note=getattr(exchange, "note", ""))
        kind = reply.kind
        if kind is ReplyKind.OK:
            return reply
        if self.interrupted_by_the_user(reply):
            # a hang the user (or a notebook's cell timeout) interrupted: every later call of the
            # exercise would hang too, so it ends here, as a timeout does
            raise LearnerTimeout("interrupted")
        if kind is ReplyKind.UNCONFINED:  # after learner code ran: a forgery, not believed
            raise LearnerCrashed("crashed-exit", code=None, note="a reply only a starting child gives")
        if kind is ReplyKind.FORBIDDEN:
            if reply.name.split(".")[0] in ALWAYS_FORBIDDEN:  # refused in every exercise
                raise Forbidden("never-allowed-import", name=reply.name)
            raise Forbidden("forbidden", name=reply.name)
        if kind is ReplyKind.MISSING:
            raise LearnerError("missing", names=list(reply.names), file=self.relpath)
        if kind is ReplyKind.SYNTAX:
            raise LearnerError("syntax", type=reply.type, message=reply.message, file=reply.file,
                               line=reply.line, col=reply.col, text=reply.text)
        if kind is ReplyKind.SIGNATURE:
            raise LearnerError("signature", function=reply.function, got=reply.got,
                               message=reply.message)
        if reply.not_implemented:
            where = reply.frames[-1]["function"] if reply.frames else ""
            raise NotImplementedYet("not-implemented", function=where)
        if reply.type == "SystemExit":
            raise LearnerCrashed("exited", message=reply.message)
        key = "import-error" if kind is ReplyKind.IMPORT_ERROR else "exception"
        raise LearnerError(key, type=reply.type, message=reply.message, frames=list(reply.frames))


def _decode_reply(frame: bytes, deadline: float | None = None) -> Reply | None:
    """A child's reply frame, or None when it is not one (a forged or broken frame is a crash,
    and so is one whose decoding would run past the call's deadline)."""
    try:
        return Reply.from_wire(wire.decode(frame, deadline=deadline))
    except (wire.WireError, ProtocolError):
        return None


class SandboxStudent(Student):
    """Calls go to one sandbox worker per exercise; a timeout or crash ends that worker, and a
    later call (if the status is not sticky) gets a fresh one."""

    @property
    def memory_limit(self) -> int:
        """Bytes a child may use beyond what it inherits from the zygote (the zygote kills it
        past this: `sandbox.OVER_MEMORY`)."""
        return self.sandbox.limits.extra_resident

    def __init__(self, exercise, workspace: Path, sandbox, timeout: float, device="cpu",
                 protect=(), read=None, confine=True, write=(), nobody_reads=None, audit=True):
        from d2lkit.grading import confine as kernel
        from d2lkit.grading.child import runtime_read_paths

        super().__init__(exercise, device)
        self.workspace = str(Path(workspace).resolve())
        self.relpath = exercise.relpath
        self.sandbox = sandbox
        self.timeout = timeout
        read = runtime_read_paths() if read is None else tuple(read)
        chapter = os.path.join(self.workspace, self.relpath.split("/")[0])
        if nobody_reads is None:
            nobody_reads = kernel.nobody_can_read(read)
        nobody_reads = nobody_reads and kernel.nobody_can_read([chapter, *write])
        self.setup = Setup(self.workspace, self.relpath, tuple(exercise.forbid), tuple(protect),
                           read, tuple(write), confine, audit, nobody_reads)
        self.worker = None

    def _share(self, args, kwargs):
        from d2lkit.grading.shared import SharedInputs

        # on a GPU the child copies its inputs to the device, where this process cannot see them
        return SharedInputs(args, kwargs) if self.device.type == "cpu" else None

    def _run(self, job: Job, probe=None, fd=None) -> Reply:
        message = {"job": job.to_wire()}
        if self.worker is None or not self.worker.alive:
            self._start_worker()
        start = time.monotonic()
        exchange = self.worker.request(wire.encode(message), self.timeout, fd)
        reply = (_decode_reply(exchange.reply, start + self.timeout)
                 if exchange.reply is not None else None)
        if exchange.reply is not None and reply is None:
            exchange.note = "unreadable reply"
            self.worker.close()
        return self._interpret(reply, exchange)

    def _source_lines(self) -> list[str]:
        try:
            return (Path(self.workspace) / self.relpath).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return []

    def _start_worker(self):
        """A fresh child, which imports the learner's module before its first call, with a
        deadline of its own: a module that hangs at import is then reported as such."""
        self.worker = self.sandbox.worker()
        message = {"job": Job("load", "").to_wire(), "setup": self.setup.to_wire()}
        start = time.monotonic()
        exchange = self.worker.request(wire.encode(message), self.timeout, None)
        if exchange.timed_out:
            if exchange.output:
                self.outputs.append(exchange.output)
            self.worker.close()
            raise LearnerTimeout("import-timeout", file=self.relpath, seconds=self.timeout)
        reply = (_decode_reply(exchange.reply, start + self.timeout)
                 if exchange.reply is not None else None)
        if exchange.reply is not None and reply is None:
            exchange.note = "unreadable reply"
            self.worker.close()
        if reply is not None and reply.kind is ReplyKind.UNCONFINED:
            # the first reply of a child comes before any learner code ran: believed here only
            self.worker.close()
            raise SandboxFailure("unconfined", message=reply.message)
        self._interpret(reply, exchange)  # an import error, a crash: raised here

    def close(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None


class InProcessStudent(Student):
    """Runs graders against objects in this process (the REPL, a notebook kernel). NOT confined:
    the learner's code runs with the caller's rights and no timeout (a notebook's per-cell
    timeout bounds it). Data still goes through the wire codec both ways, so the learner's code
    never holds the grader's own tensors."""

    def interrupted_by_the_user(self, reply: Reply) -> bool:
        return reply.kind is ReplyKind.ERROR and reply.type == "KeyboardInterrupt"

    def __init__(self, exercise, namespace: dict, device="cpu"):
        super().__init__(exercise, device)
        self.relpath = "<notebook>"
        self.timeout = None
        files = set()
        for obj in namespace.values():
            code = getattr(obj, "__code__", None)
            if code is not None:
                files.add(code.co_filename)
            for member in vars(obj).values() if isinstance(obj, type) else ():
                code = getattr(member, "__code__", None)
                if code is not None:
                    files.add(code.co_filename)
        import types

        setup = Setup(os.path.join(os.sep, "nonexistent-d2lkit-workspace"), "<notebook>",
                      tuple(exercise.forbid))
        self.session = LearnerSession(setup, str(self.device),
                                      module=types.SimpleNamespace(**namespace),
                                      learner_files=sorted(files))

    def _run(self, job: Job, probe=None, fd=None) -> Reply:
        # the same data round trip as the sandbox, so the learner cannot touch the grader's copies
        job = Job.from_wire(wire.decode(wire.encode(job.to_wire()),
                                        device=str(self.device) if self.device.type != "cpu" else None))
        reply = self.session.handle(job, probe_fn=probe)
        return self._interpret(_decode_reply(encode_reply(reply)))

    def close(self):
        self.session.close()


def _fresh_copies(args, kwargs):
    """Deep copies of a call's arguments (the reference must not change the grader's)."""
    import copy

    return copy.deepcopy(tuple(args)), copy.deepcopy(dict(kwargs))


def _tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors(v)


def _size(n: int) -> str:
    return f"{n / 1024**3:g} GiB" if n >= 1024**3 else f"{n / 1024**2:g} MiB"


def _bound(exercise, name: str, args, kwargs):
    """The call's arguments by parameter name, read off the reference solution's signature
    (the learner's may differ; the docstring's is the reference's). None when they do not fit."""
    import inspect

    from d2lkit.grading.api import load_solution_module
    from d2lkit.paths import content_dir

    try:
        fn = getattr(load_solution_module(content_dir("solutions") / exercise.relpath), name)
        return inspect.signature(fn).bind(*args, **kwargs)
    except (AttributeError, OSError, TypeError, ValueError):
        return None


def _other_pair_form(value):
    """n → (n, n) and (n, n) → n; None for anything else (a non-square pair has no int form)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if (isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1]
            and isinstance(value[0], int) and not isinstance(value[0], bool)):
        return value[0]
    return None


def _same_result(a, b, exact: bool = False) -> bool:
    """Equal results of two calls: tensors within the dtype's tolerance (two spellings of one
    call) or, `exact`, bit for bit (one call made twice; NaN where NaN was), everything else by
    ==, recursively."""
    from d2lkit.grading.api import is_close

    if isinstance(b, torch.Tensor):
        if not isinstance(a, torch.Tensor):
            return False
        if exact and "meta" in (a.device.type, b.device.type):  # no data to compare
            return a.shape == b.shape and a.dtype == b.dtype and a.device == b.device
        if exact:
            return (a.shape == b.shape and a.dtype == b.dtype
                    and bool(torch.isclose(a.detach().cpu(), b.detach().cpu(), rtol=0, atol=0,
                                           equal_nan=True).all()
                             if a.is_floating_point() or a.is_complex()
                             else torch.equal(a.cpu(), b.cpu())))
        return is_close(a, b)
    if isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and len(a) == len(b)
                and all(_same_result(x, y, exact) for x, y in zip(a, b)))
    if isinstance(b, dict):
        return (isinstance(a, dict) and a.keys() == b.keys()
                and all(_same_result(a[k], b[k], exact) for k in b))
    if isinstance(b, float) and isinstance(a, float) and b != b:
        return a != a  # NaN then, NaN now
    return a == b


def _mutated(args, kwargs, args_after, kwargs_after) -> str | None:
    """The first argument (by position or keyword) whose tensors the learner changed."""
    for i, (a, b) in enumerate(zip(args, args_after)):
        if _differs(a, b):
            return f"#{i + 1}"
    for k, v in kwargs.items():
        if _differs(v, kwargs_after.get(k)):
            return k
    return None


def _differs(before, after) -> bool:
    if isinstance(before, torch.Tensor):
        if not isinstance(after, torch.Tensor) or before.shape != after.shape:
            return True
        a, b = before.cpu(), after.cpu()
        same = (a == b) | (torch.isnan(a) & torch.isnan(b)) if a.is_floating_point() else (a == b)
        return not bool(same.all())
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        return len(before) != len(after) or any(_differs(x, y) for x, y in zip(before, after))
    if isinstance(before, dict) and isinstance(after, dict):
        return any(_differs(v, after.get(k)) for k, v in before.items())
    return False
