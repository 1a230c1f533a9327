"""What runs next to the learner's code: import their module once, answer jobs, return data.

A sandbox child runs `serve` for one exercise: the first request carries a `Setup` (whose code,
what is forbidden, which folders are protected); every request carries a `Job` and gets a `Reply`.
The learner's module is imported once per child, and each call starts from the same global state
(RNG, default dtype, grad mode) as a freshly forked process would, so that one call cannot steer
the next. The in-process transport (`d2lkit.grader`) uses `LearnerSession` directly on objects
that already live in the caller's process. Exceptions raised by learner code become data
describing them (type, message, the learner's own frames).
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import linecache
import os
import random
import sys
import traceback
import types
from pathlib import Path

from d2lkit.authoring.stubs import STUB_LINE
from d2lkit.grading import probes, tripwire, wire
from d2lkit.grading.protocol import Job, ProtocolError, Reply, ReplyKind, Setup
from d2lkit.grading.shared import attach
from d2lkit.grading.tripwire import (ALWAYS_FORBIDDEN, THIRD_PARTY, FileGuard, ForbiddenCall,
                                     Tripwire, learner_calling_in_child, matches, trusted_roots)

LEARNER_PACKAGE = "d2lkit_learner"
ENTRY = "d2lkit.grading.child:serve"  # what the sandbox runs in each child


def protected_folders(workspace: str) -> list[str]:
    """What a child may not open: the workspace's .d2lkit/ (progress) and the kit's reference
    solutions, unless the solutions are what is being graded (dev check, the benchmark)."""
    from d2lkit.paths import content_dir

    folders = [os.path.join(workspace, ".d2lkit")]
    solutions = os.path.realpath(content_dir("solutions"))
    if not (workspace == solutions or workspace.startswith(solutions + os.sep)):
        folders.append(solutions)
    return folders


def learner_frames(tb, is_learner_file) -> list[dict]:
    """The learner's own frames of a traceback; a function is named by its qualified name
    (`DotProductAttention.__init__`), so that a method nested by mistake still has a name."""
    out = []
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        if is_learner_file(code.co_filename):
            line = linecache.getline(code.co_filename, lineno).strip()
            out.append({"file": code.co_filename, "line": lineno,
                        "function": getattr(code, "co_qualname", code.co_name), "code": line})
    return out


def _from_the_stub(exc: BaseException, frames: list[dict]) -> bool:
    """The stub's own line raised it: not started. A NotImplementedError the learner raises,
    with a message or from a line of their own, is their code's answer (an unknown mode)."""
    return (isinstance(exc, NotImplementedError) and not exc.args and bool(frames)
            and frames[-1]["code"] == STUB_LINE)


class _LearnerFinder(importlib.abc.MetaPathFinder):
    """Finds `d2lkit_learner.<chNN>.<topic>` in the workspace, and gives every learner module a
    guarded `__import__` before its first line runs (functions capture their builtins when they
    are defined, so setting it afterwards would be too late)."""

    def __init__(self, workspace: str, builtins_for_learner: dict):
        self.workspace = workspace
        self.builtins = builtins_for_learner

    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split(".")
        if parts[0] != LEARNER_PACKAGE or len(parts) != 3:
            return None
        file = Path(self.workspace) / parts[1] / f"{parts[2]}.py"
        if not file.is_file():
            return None
        finder = self

        class Loader(importlib.machinery.SourceFileLoader):
            def exec_module(self, module):
                module.__builtins__ = finder.builtins
                super().exec_module(module)

        return importlib.util.spec_from_file_location(fullname, file, loader=Loader(fullname, str(file)))


def import_learner_module(workspace: str, relpath: str, builtins_for_learner: dict | None = None):
    """Import `<workspace>/<chNN>/<topic>.py` as `d2lkit_learner.<chNN>.<topic>`.

    The chapter folder becomes a package so that relative imports between topics of one chapter
    resolve to the learner's own files.
    """
    chapter, filename = relpath.split("/")
    root = sys.modules.get(LEARNER_PACKAGE) or types.ModuleType(LEARNER_PACKAGE)
    root.__path__ = []
    sys.modules[LEARNER_PACKAGE] = root
    pkg_name = f"{LEARNER_PACKAGE}.{chapter}"
    pkg = types.ModuleType(pkg_name)
    pkg.__path__ = [str(Path(workspace) / chapter)]
    pkg.__package__ = pkg_name
    sys.modules[pkg_name] = pkg
    finder = _LearnerFinder(workspace, builtins_for_learner or vars(builtins))
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(f"{pkg_name}.{Path(filename).stem}")
    finally:
        sys.meta_path.remove(finder)


def guarded_import(banned: tuple[str, ...]):
    """An `__import__` for learner modules: refuses d2l, the kit and forbidden packages even when
    they are already in sys.modules (where a meta-path hook would never be asked)."""
    real_import = builtins.__import__

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and any(matches(name, bad) for bad in banned):
            top = name.split(".")[0]
            raise ForbiddenCall(top if top in ALWAYS_FORBIDDEN else name)
        return real_import(name, globals, locals, fromlist, level)

    return __import__


def describe_exception(exc: BaseException, is_learner_file, kind=ReplyKind.ERROR) -> Reply:
    if isinstance(exc, SyntaxError) and exc.filename and is_learner_file(exc.filename):
        return Reply(ReplyKind.SYNTAX, type=type(exc).__name__, message=exc.msg or str(exc),
                     file=exc.filename, line=exc.lineno or 0, col=exc.offset or 0,
                     text=(exc.text or "").rstrip("\n"))
    try:
        message = str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a learner's exception may fail to print
        message = "<unprintable exception>"
    frames = learner_frames(exc.__traceback__, is_learner_file)
    return Reply(kind, type=type(exc).__name__, message=message, frames=tuple(frames),
                 not_implemented=_from_the_stub(exc, frames))


def _signature_problem(fn, name, args, kwargs) -> Reply | None:
    """A call that would fail on the learner's signature, not inside their code."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        return Reply(ReplyKind.SIGNATURE, function=name, got=f"{name}{sig}", message=str(e))
    return None


class LearnerSession:
    """The learner's code for one exercise, and the tripwires around it.

    In a sandbox child (`module=None`) the learner's module is imported here, once, with a
    guarded `__import__`, and the file guard protects the setup's folders. In process
    (`module` given) the objects are the caller's own: nothing here confines them.
    """

    def __init__(self, setup: Setup, device: str = "cpu", module=None, learner_files=()):
        self.setup = setup
        self.device = device
        self.workspace = os.path.realpath(setup.workspace)
        self.learner_files = set(learner_files)
        self.in_process = module is not None
        # A child's tripwire stays installed: nothing but the learner's code and the graders'
        # probes runs there, and any frame that is not the kit's or a library's counts as the
        # learner's. In process it is armed only during a call, because the caller's own
        # frames (a notebook cell, a test module) count as the learner's and the graders' own
        # torch calls would trip it.
        calling = self._learner_on_stack if self.in_process else learner_calling_in_child(
            self.workspace, floor=serve.__code__)
        self.tripwire = Tripwire(tuple(setup.forbid), calling, in_child=not self.in_process)
        self.audited = False  # set by the child's audit hook, which then keeps the record
        self.guard = None
        if not self.in_process:
            self.tripwire.install()
        if not self.in_process and setup.audit:  # off only in the tests' positive controls
            self.guard = FileGuard([*protected_folders(self.workspace), *setup.protect],
                                   self.tripwire.trip).install()
        self.module = module
        self.import_failure: Reply | None = None
        self._state = None if self.in_process else (_ZYGOTE_STATE or _GlobalState.save())

    def is_learner_file(self, filename: str) -> bool:
        if filename in self.learner_files:
            return True
        return filename.startswith(self.workspace + os.sep) and filename.endswith(".py")

    def _learner_on_stack(self) -> bool:
        f = sys._getframe(1)
        while f is not None:
            if self.is_learner_file(f.f_code.co_filename):
                return True
            f = f.f_back
        return False

    def _record(self, check: bool = True) -> tuple[tuple[str, ...], str | None]:
        """(every forbidden call seen so far, a guard found switched off or None). In a child
        with the audit hook this is the hook's own record, which learner code cannot reach:
        a record that does not answer is itself a sign of tampering."""
        if not self.audited:
            return tuple(self.tripwire.tripped), self.tripwire.integrity()() if check else None
        box: list = []
        sys.audit("d2lkit.record", box, check)
        if len(box) != 1:
            return (), "sys.audit (the from-scratch record no longer answers)"
        return box[0]

    def _forbidden_since(self, mark: int) -> str | None:
        tripped, switched_off = self._record()
        if len(tripped) > mark:
            return tripped[mark]
        return switched_off

    def close(self):
        if self.guard is not None:
            self.guard.uninstall()
        self.tripwire.uninstall()

    def handle(self, job: Job, probe_fn=None, fd: int | None = None) -> Reply:
        """Run one job. `probe_fn` is given in process; a child imports the job's probe file.
        `fd` is the shared memory that holds the job's shared tensors (sandbox only)."""
        if not self.in_process:
            return self._handle(job, probe_fn, fd)
        self.tripwire.install()
        try:
            return self._handle(job, probe_fn, fd)
        finally:
            self.tripwire.uninstall()

    def _load(self) -> Reply | None:
        if self.module is not None or self.import_failure is not None:
            return self.import_failure
        learner_builtins = dict(vars(builtins))
        learner_builtins["__import__"] = guarded_import(ALWAYS_FORBIDDEN + tuple(
            p for p in self.setup.forbid if p.split(".")[0] in THIRD_PARTY))
        try:
            self.module = import_learner_module(self.workspace, self.setup.relpath, learner_builtins)
        except ForbiddenCall as e:
            self.import_failure = Reply(ReplyKind.FORBIDDEN, name=e.name)
        except BaseException as e:  # noqa: BLE001 - anything at import time is the learner's
            if isinstance(e, KeyboardInterrupt):
                raise
            self.import_failure = describe_exception(e, self.is_learner_file, ReplyKind.IMPORT_ERROR)
        return self.import_failure

    def _handle(self, job: Job, probe_fn=None, fd: int | None = None) -> Reply:
        shared = []
        if job.shared:
            if fd is None:
                raise ProtocolError("shared tensors without their memory")
            shared = attach(fd, job.shared)
        elif fd is not None:
            os.close(fd)
        failure = self._load()
        if failure is not None:
            return failure
        if job.op == "load":
            return Reply(ReplyKind.OK)
        missing = [n for n in job.needs if not hasattr(self.module, n)]
        if missing:
            return Reply(ReplyKind.MISSING, names=tuple(missing))
        if self._state is not None:
            self._state.restore()
        args = wire.materialize(job.args, self.device, shared)
        kwargs = wire.materialize(job.kwargs, self.device, shared)
        mark = len(self._record(check=False)[0])  # a local: what learner code cannot rewrite
        try:
            if job.op == "call":
                fn = getattr(self.module, job.name)
                if not callable(fn):
                    return Reply(ReplyKind.MISSING, names=(job.name,))
                problem = _signature_problem(fn, job.name, args, kwargs)
                if problem:
                    return problem
                before = _Traces.of(fn, args, kwargs)
                value = fn(*args, **kwargs)
                # with shared inputs the supervisor looks at them itself: no account of them
                reply = Reply(ReplyKind.OK, value=value,
                              args_after=None if job.shared else [args, kwargs],
                              left_behind=before.left_behind(args, kwargs))
            elif job.op == "trace":
                from d2lkit.grading import shapetrace

                if job.probe_file:  # a probe traced on the learner's module
                    probe = probe_fn or _load_probe(job.probe_file, job.name)
                    fn = functools.partial(probe, self.module)
                else:
                    fn = getattr(self.module, job.name)
                own = os.path.realpath(os.path.join(self.workspace, self.setup.relpath))
                reply = Reply(ReplyKind.OK, value=shapetrace.record(
                    fn, args, kwargs, lambda f: f == own or os.path.realpath(f) == own))
            else:
                probe = probe_fn or _load_probe(job.probe_file, job.name)
                reply = Reply(ReplyKind.OK, value=probe(self.module, *args, **kwargs))
        except ForbiddenCall as e:
            return Reply(ReplyKind.FORBIDDEN, name=e.name)
        except BaseException as e:  # noqa: BLE001 - SystemExit in learner code is a result too
            forbidden = self._forbidden_since(mark)
            if forbidden:
                return Reply(ReplyKind.FORBIDDEN, name=forbidden)
            return describe_exception(e, self.is_learner_file)
        forbidden = self._forbidden_since(mark)  # caught by the learner, or a guard switched off
        if forbidden:
            return Reply(ReplyKind.FORBIDDEN, name=forbidden)
        return reply


class _Traces:
    """What a call may leave behind besides its result, recorded before it: whether each input
    tensor requires grad and has a .grad, and, for a function that takes a generator, the
    global RNG (randomness must come from the generator only). The default dtype and grad mode
    are restored before every call, so after it they must be as restored."""

    RNG_PARAMETERS = ("generator", "rng", "gen")

    def __init__(self, inputs: dict, rng):
        self.inputs, self.rng = inputs, rng

    @classmethod
    def of(cls, fn, args, kwargs) -> "_Traces":
        import torch

        inputs = {where: (t.requires_grad, t.grad is not None)
                  for where, t in _tensors_in(args, kwargs)}
        try:  # a generator given: randomness must come from it (None allows the global one)
            given = inspect.signature(fn).bind_partial(*args, **kwargs).arguments
            takes_rng = any(given.get(p) is not None for p in cls.RNG_PARAMETERS)
        except (TypeError, ValueError):
            takes_rng = False
        return cls(inputs, torch.get_rng_state() if takes_rng else None)

    def left_behind(self, args, kwargs) -> tuple[str, ...]:
        import torch

        out = []
        for where, t in _tensors_in(args, kwargs):
            requires_grad, has_grad = self.inputs.get(where, (t.requires_grad, t.grad is not None))
            if t.requires_grad and not requires_grad:
                out.append(f"{where}.requires_grad")
            if t.grad is not None and not has_grad:
                out.append(f"{where}.grad")
        if torch.get_default_dtype() != torch.float32:
            out.append(f"torch.get_default_dtype() = {torch.get_default_dtype()}")
        if not torch.is_grad_enabled():
            out.append("torch.is_grad_enabled() = False")
        if self.rng is not None and not torch.equal(self.rng, torch.get_rng_state()):
            out.append("the global RNG")
        return tuple(out)


def _tensors_in(args, kwargs):
    """(where, tensor) for every tensor argument, one level into lists, tuples and dicts."""
    import torch

    def walk(where, x):
        if isinstance(x, torch.Tensor):
            yield where, x
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                if isinstance(v, torch.Tensor):
                    yield f"{where}[{i}]", v
        elif isinstance(x, dict):
            for k, v in x.items():
                if isinstance(v, torch.Tensor):
                    yield f"{where}[{k!r}]", v

    for i, a in enumerate(args):
        yield from walk(f"args[{i}]", a)
    for k, v in kwargs.items():
        yield from walk(k, v)


class _GlobalState:
    """The global state a fresh process starts with, restored before every call."""

    def __init__(self, torch_rng, py_rng, np_rng):
        self.torch_rng, self.py_rng, self.np_rng = torch_rng, py_rng, np_rng

    @classmethod
    def save(cls) -> "_GlobalState":
        import numpy as np
        import torch

        return cls(torch.get_rng_state(), random.getstate(), np.random.get_state())

    def restore(self):
        import numpy as np
        import torch

        torch.set_rng_state(self.torch_rng)
        random.setstate(self.py_rng)
        np.random.set_state(self.np_rng)
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)


_ZYGOTE_STATE: _GlobalState | None = None  # taken by `prepare` in the zygote


def _load_probe(path: str, name: str):
    """A probe: a `probe_*` function of the kit's own probes module or of a grader's probes file
    (`grader/chNN/probes_<topic>.py`) — never of a grader file, which a child may not read."""
    from d2lkit.grading.api import load_probes

    if not name.startswith("probe_"):
        raise ProtocolError(f"{name!r} is not a probe")
    if os.path.realpath(path) == os.path.realpath(probes.__file__):
        return getattr(probes, name)
    if not os.path.basename(path).startswith("probes_"):
        raise ProtocolError(f"{path} is not a probes file")
    return getattr(load_probes(path), name)


def encode_reply(reply: Reply) -> bytes:
    try:
        return wire.encode(reply.to_wire())
    except Exception as e:  # noqa: BLE001 - a value we cannot send is the learner's problem
        return wire.encode(Reply(ReplyKind.ERROR, type=type(e).__name__,
                                 message=f"result could not be sent: {e}").to_wire())


def runtime_read_paths() -> tuple[str, ...]:
    """What a child may read besides the learner's chapter: Python's library and installed
    packages, the kit's own package, system libraries — and NOT the kit's reference solutions
    or graders. Landlock grants whole folders, so where a folder holds something the child must
    not read (the standard library holds site-packages, site-packages holds the kit, the kit's
    package holds `_content` in a wheel), its entries are granted one by one instead."""
    import site
    import sysconfig

    from d2lkit.paths import CONTENT_TREES, PACKAGE, content_dir, repository_root

    hidden = {os.path.realpath(content_dir(tree)) for tree in CONTENT_TREES}
    root = repository_root()
    if root is not None:
        hidden |= {os.path.realpath(root / name) for name in (*CONTENT_TREES, "tests")}
    libraries = {os.path.realpath(p) for p in
                 (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"],
                  *site.getsitepackages(), *(p for p in sys.path if p.endswith("-packages")),
                  PACKAGE)}
    granted: set[str] = set()

    def below(path: str, folder: str) -> bool:
        return path.startswith(folder + os.sep)

    def grant(folder: str):
        if folder in hidden:
            return
        if not any(below(h, folder) for h in hidden):
            granted.add(folder)
            return
        try:
            entries = os.listdir(folder)
        except OSError:
            return
        for entry in entries:  # something hidden lies below: grant its siblings one by one
            full = os.path.realpath(os.path.join(folder, entry))
            if os.path.isdir(full):
                grant(full)
            elif full not in hidden:
                granted.add(full)

    for folder in sorted(libraries):
        grant(folder)
    for path in ("/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/local/lib", "/etc/ld.so.cache",
                 "/etc/localtime", "/usr/share/zoneinfo", "/proc/self", "/proc/cpuinfo",
                 "/sys/devices/system/cpu"):
        if os.path.exists(path):
            granted.add(path)
    return tuple(sorted(granted))


def probes_file(relpath: str) -> str:
    """The probes file of the grader of a topic module (it may not exist): the one grader file a
    child may read, since its probes run there."""
    from d2lkit.paths import content_dir

    chapter, module = relpath.split("/")
    return os.path.realpath(content_dir("grader") / chapter / f"probes_{module}")


# What CUDA opens at start-up: the driver's device files and what NVML reads about the GPUs.
GPU_DEVICES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset")
GPU_READ = ("/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices", "/dev/shm")


def confinement_policy(setup: Setup, scratch: str, device: str = "cpu"):
    import glob

    from d2lkit.grading import confine

    chapter = os.path.join(os.path.realpath(setup.workspace), setup.relpath.split("/")[0])
    probes_of_topic = probes_file(setup.relpath)
    extra = (probes_of_topic,) if os.path.exists(probes_of_topic) else ()
    devices, read = confine.Policy.devices, ()
    if device.startswith("cuda"):  # untested here: no GPU on the development machines
        devices = (*devices, *GPU_DEVICES, *sorted(glob.glob("/dev/nvidia[0-9]*")))
        read = GPU_READ
    return confine.Policy(read=(*setup.read, chapter, *extra, *read),
                          write=(scratch, *setup.write), devices=devices,
                          nobody_reads=setup.nobody_reads)


def _start(setup: Setup, device: str) -> LearnerSession:
    """Confine this child (the kernel's part), then set up the learner's session. A confinement
    step that fails raises: no learner code runs unconfined by accident."""
    from d2lkit.grading import confine

    if setup.confine:
        confine.apply(confinement_policy(setup, os.getcwd(), device))
    session = LearnerSession(setup, device)
    if setup.audit:
        sys.addaudithook(_audit_hook(session))
    return session


# Audit events refused while the learner's code is on the stack: native code through ctypes
# (importing an already-loaded ctypes raises no event, so its calls are watched), the objects
# of the whole process (where the tripwires live), and hand-made code objects.
_LEARNER_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function",
                             "ctypes.cdata", "gc.get_objects", "gc.get_referrers",
                             "gc.get_referents", "code.__new__"})


def _is_kit(module: str) -> bool:
    """The kit and its reference solutions (not the learner's own package, d2lkit_learner)."""
    top = module.split(".")[0]
    return top in ("d2lkit", "d2lkit_reference")


def _audit_hook(session: LearnerSession):
    """A second layer inside the child, after the kernel's: PEP 578 hooks cannot be removed,
    and every way of opening a file (posix.open, io.FileIO, open.__wrapped__) raises "open".
    A refusal is reported as `forbidden`. It lives in the process it restrains, so it explains
    more than it protects: the kernel is what keeps files out of reach.

    It also keeps the from-scratch record: every forbidden call (`d2lkit.forbidden` events)
    in a list only this closure holds, and its own check that the dispatcher's guard is still in
    place, both read by the session after each call (`d2lkit.record`). And it refuses to learner
    code what would reach or rewrite the in-place guards (a guarded function's `__code__`, a
    function made from its original code, a `__code__` replaced) and code compiled under the
    name of a kit or library file (frames are told apart by their file)."""
    guard = session.guard
    tripwire = session.tripwire
    calling = tripwire.learner_calling
    integrity = tripwire.integrity()
    functions = frozenset(tripwire.in_place.functions)
    codes = frozenset(tripwire.in_place.codes)
    claims = (*trusted_roots(), "<frozen ")
    workspace = session.workspace + os.sep
    getframe = sys._getframe
    record: list[str] = []
    session.audited = True

    def refuse(what: str):
        record.append(what)
        tripwire.tripped.append(what)
        raise ForbiddenCall(what)

    def compiled_by_learner(filename) -> bool:
        if not isinstance(filename, str) or filename.startswith(workspace) \
                or not filename.startswith(claims):
            return False
        caller = getframe(2).f_code.co_filename  # the frame that called compile()
        return caller.startswith(workspace) or not caller.startswith(claims) or calling()

    def hook(event: str, args):
        if event == "d2lkit.forbidden":
            record.append(str(args[0]) if args else "?")
        elif event == "d2lkit.record":
            if args and isinstance(args[0], list):
                args[0].append((tuple(record), integrity() if len(args) < 2 or args[1] else None))
        elif event == "open" and guard is not None and args and args[0] is not None:
            where = guard.protected(args[0])
            if where is not None:
                refuse(f"open({args[0]})")
        elif event == "sqlite3.connect":
            refuse("sqlite3.connect")
        elif event == "import" and args and _is_kit(str(args[0])):
            if calling():
                refuse(str(args[0]))
        elif event in _LEARNER_EVENTS and calling():
            refuse(event)
        elif event == "object.__getattr__" and args[1] == "__code__" and \
                type(args[0]) is types.FunctionType and args[0] in functions and calling():
            refuse(f"{args[0].__qualname__}.__code__")
        elif event == "object.__setattr__" and args[1] == "__code__" and calling():
            refuse("__code__ (replaced)")
        elif event == "function.__new__" and type(args[0]) is types.CodeType and \
                args[0] in codes and calling():
            refuse(f"{args[0].co_name}.__code__")
        elif event == "compile" and len(args) > 1 and compiled_by_learner(args[1]):
            refuse(f"compile({args[1]})")

    return hook


def prepare():
    """Run once in the zygote: the first wire round trip, the first RNG snapshot and the lazy
    imports cost each child milliseconds (and copied pages) that the zygote can pay for all."""
    import torch

    global _ZYGOTE_STATE
    from d2lkit.grading import confine
    from d2lkit.paths import content_dir

    confine.warm()
    content_dir("solutions")
    tripwire.prepare()  # the operators each forbid list guards, traced once for every child
    tripwire.arm()  # and their kernels at the dispatcher, registered once for every child
    sample = Reply(ReplyKind.OK, value={"t": torch.zeros(2, 3), "n": [1, 2.5, "x", None]},
                   args_after=[(torch.ones(2),), {}])
    Reply.from_wire(wire.decode(encode_reply(sample)))
    Job.from_wire(wire.decode(wire.encode(Job("call", "f", args=(torch.zeros(1),)).to_wire())))
    # every child starts from this state (nothing draws a random number between the fork and
    # the learner's first call), so the snapshot each child restores before a call is taken here
    _ZYGOTE_STATE = _GlobalState.save()


def serve(channel, device: str):
    """A sandbox child's main loop (its entry point): one exercise's jobs, until the channel
    closes. The first request carries the Setup."""
    from d2lkit.grading import api

    api.IN_CHILD = True  # reference solutions refuse to load from here on
    session: LearnerSession | None = None
    while (frame := channel.recv()) is not None:
        try:
            msg = wire.decode(frame, device=device if device != "cpu" else None)
            if session is None:
                try:
                    session = _start(Setup.from_wire(msg["setup"]), device)
                except OSError as e:  # the kit's failure, told before any learner code runs
                    channel.send(encode_reply(Reply(ReplyKind.UNCONFINED, message=str(e)[:500])))
                    return
            reply = session.handle(Job.from_wire(msg["job"]), fd=channel.received_fd)
        except (wire.WireError, ProtocolError, KeyError, TypeError) as e:
            reply = Reply(ReplyKind.ERROR, type="ProtocolError", message=str(e)[:500])
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - the learner may have closed them
            pass
        channel.send(encode_reply(reply))
