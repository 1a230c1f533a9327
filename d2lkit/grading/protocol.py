"""The engine's vocabulary: what a result can be, and the messages between supervisor and child.

Everything that names a status lives here: adding one is an edit of this module and of the two
locale files (`status.<value>`), and tests/test_protocol.py refuses a status that lacks either.
A job (supervisor → child) and a reply (child → supervisor) are small versioned dataclasses; the
wire codec carries them as plain dicts, so a reply can never smuggle an object with behaviour.
No torch here: the command line reads statuses without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum


class Status(str, Enum):
    """One exercise's (or one check's) outcome, in the order a report shows them."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not_implemented"
    ERROR = "error"  # an exception in the learner's code
    FORBIDDEN = "forbidden"  # a "from scratch" exercise used what it forbids
    TIMEOUT = "timeout"
    CRASHED = "crashed"  # the learner's process died (a signal, os._exit)
    BLOCKED = "blocked"  # it cannot be graded because something it builds on is broken
    INFRASTRUCTURE = "infrastructure_error"  # the kit failed, not the learner

    def __str__(self) -> str:  # "passed", not "Status.PASSED", in f-strings and str()
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def icon(self) -> str:
        return _LOOK[self][0]

    @property
    def style(self) -> str:
        return _LOOK[self][1]

    @property
    def learners_fault(self) -> bool:
        """Whether the learner's code caused this (an infrastructure error is the kit's)."""
        return self is not Status.INFRASTRUCTURE


_LOOK = {
    Status.PASSED: ("✓", "green"),
    Status.FAILED: ("✗", "red"),
    Status.NOT_IMPLEMENTED: ("·", "yellow"),
    Status.ERROR: ("!", "magenta"),
    Status.FORBIDDEN: ("⊘", "red"),
    Status.TIMEOUT: ("⧗", "magenta"),
    Status.CRASHED: ("☠", "magenta"),
    Status.BLOCKED: ("⊟", "yellow"),
    Status.INFRASTRUCTURE: ("⚙", "bright_red"),
}

# Once a learner's code shows one of these, every later call of the same exercise would too:
# the runner stops calling it (a stub, a hang, a crash, a forbidden call).
STICKY = frozenset({Status.NOT_IMPLEMENTED, Status.TIMEOUT, Status.CRASHED, Status.FORBIDDEN,
                    Status.INFRASTRUCTURE})
# Results that follow from the code and the seed alone, so a warm grader may reuse them while the
# files are unchanged; a timeout or a crash may be the machine's doing and is always re-run.
CACHEABLE = frozenset({Status.PASSED, Status.FAILED, Status.NOT_IMPLEMENTED, Status.ERROR,
                       Status.FORBIDDEN, Status.BLOCKED})


# ------------------------------------------------------------------------------ messages
PROTOCOL_VERSION = 2


class ProtocolError(ValueError):
    """A message that is not a job or reply of this protocol version (a forged or broken frame)."""


class _Message:
    """to_wire/from_wire for the dataclasses below: a dict with the version, checked on the way in."""

    def to_wire(self) -> dict:
        # shallow on purpose: asdict would deep-copy every tensor argument
        return {"v": PROTOCOL_VERSION, **{f.name: getattr(self, f.name) for f in fields(self)}}

    @classmethod
    def from_wire(cls, data):
        if not isinstance(data, dict) or data.get("v") != PROTOCOL_VERSION:
            raise ProtocolError(f"not a version-{PROTOCOL_VERSION} {cls.__name__}")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names - {"v"}
        if unknown:
            raise ProtocolError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
        try:
            return cls(**{k: v for k, v in data.items() if k in names})
        except TypeError as e:
            raise ProtocolError(f"{cls.__name__}: {e}") from None


@dataclass(frozen=True)
class Setup(_Message):
    """What a child needs to know once: whose code it runs. Sent with its first job."""
    workspace: str  # the submission's folder
    relpath: str  # "ch06/conv_basics.py"
    forbid: tuple = ()  # what this exercise forbids ("torch.softmax", "torch.nn.functional")
    protect: tuple = ()  # folders the child may not open (progress, reference solutions)
    read: tuple = ()  # what the kernel lets the child read besides the learner's chapter
    write: tuple = ()  # what it may write besides its scratch folder (the hostile suite's notes)
    confine: bool = True  # the kernel's layer; False only in the tests' positive controls
    audit: bool = True  # the audit hook, the second layer; False only in tests of the first
    nobody_reads: bool = False  # nobody can read it all (else the child, as nobody, keeps the
    #                             capability to read past file permissions; see confine.Policy)


@dataclass(frozen=True)
class Job(_Message):
    """One call into the learner's code: `call` a function of their module by name, or run a
    grader's `probe` (a module-level probe_* function of a grader file) on their module; `load`
    only imports the module (a child's first job, so that a module that never finishes importing
    is told from a function that never returns); `trace` calls a function under the shape
    recorder (`grading.shapetrace`), after a check found a shape gone wrong."""
    op: str  # "call" | "probe" | "load" | "trace"
    name: str  # the learner's function (call) or the probe's name (probe)
    needs: tuple = ()  # names the learner's module must define
    probe_file: str = ""  # the grader file that defines the probe
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    shared: tuple = ()  # (offset, dtype, shape, requires_grad) of each tensor in shared memory

    def __post_init__(self):
        if self.op not in ("call", "probe", "load", "trace"):
            raise ProtocolError(f"unknown job op {self.op!r}")


class ReplyKind(str, Enum):
    OK = "ok"
    FORBIDDEN = "forbidden"  # name
    MISSING = "missing"  # names
    SYNTAX = "syntax"  # type, message, file, line, col, text
    SIGNATURE = "signature"  # function, got, message
    ERROR = "error"  # type, message, frames, not_implemented
    IMPORT_ERROR = "import_error"  # same fields as ERROR, raised while importing the module
    UNCONFINED = "unconfined"  # message: the child could not confine itself; believed only as
    #                            the reply to a child's first request, before any learner code ran

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Reply(_Message):
    """What came back from one job. Only `kind` and the fields that kind uses are set."""
    kind: str
    value: object = None
    args_after: object = None  # [args, kwargs] after a call (see Student.call)
    left_behind: tuple = ()  # what a call changed besides its result ("args[0].requires_grad")
    name: str = ""
    names: tuple = ()
    type: str = ""
    message: str = ""
    frames: tuple = ()
    not_implemented: bool = False
    file: str = ""
    line: int = 0
    col: int = 0
    text: str = ""
    function: str = ""
    got: str = ""

    def __post_init__(self):
        try:
            object.__setattr__(self, "kind", ReplyKind(self.kind))
        except ValueError:
            raise ProtocolError(f"unknown reply kind {self.kind!r}") from None

    def to_wire(self) -> dict:
        """Only the fields that differ from their defaults travel (a reply is mostly empty)."""
        out = {"v": PROTOCOL_VERSION, "kind": self.kind.value}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "kind" and value != f.default:
                out[f.name] = value
        return out
