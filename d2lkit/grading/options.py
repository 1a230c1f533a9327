"""How a grading runs: one object with every setting and its default, read by every path.

`check`, `watch`, `grade`, `dev check` and the notebook path build an `Options`; nothing below
them takes a seed, timeout or device as a loose parameter. No torch here.

Two test-only environment switches, honoured only while pytest runs a test (PYTEST_CURRENT_TEST
is set), so that a variable left in an environment cannot weaken a real grading:
  - `D2LKIT_TEST_UNCONFINED=1`: children run with every layer of the sandbox off (no Landlock,
    seccomp, no_new_privs or uid change, no audit hook, no file guard), as in the hostile suite's
    positive controls, which prove that each attack works without them (tests/test_hostile.py);
  - `D2LKIT_TEST_WRITABLE=DIR[:DIR...]`: folders children may also write (the hostile suite's
    pid notes and attack records).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

DEFAULT_TIMEOUT = 10.0  # seconds for one call into the learner's code (README, `--timeout`)

TEST_UNCONFINED = "D2LKIT_TEST_UNCONFINED"
TEST_WRITABLE = "D2LKIT_TEST_WRITABLE"


def _under_pytest() -> bool:
    return "PYTEST_CURRENT_TEST" in os.environ


def _test_unconfined() -> bool:
    return os.environ.get(TEST_UNCONFINED) == "1" and _under_pytest()


def _test_writable() -> tuple[str, ...]:
    if not _under_pytest():
        return ()
    return tuple(p for p in os.environ.get(TEST_WRITABLE, "").split(os.pathsep) if p)


@dataclass(frozen=True)
class Limits:
    """A child's resource limits (README, "Learner code is untrusted")."""
    cpu_seconds: int = 60  # CPU time; the wall-clock timeout normally fires first
    extra_address_space: int = 4 * 1024**3  # on top of what torch already maps (CPU grading)
    extra_resident: int = 4 * 1024**3  # memory in use on top of the zygote's; watched by the
    #                                    zygote on every device (CUDA maps too much for an AS cap)
    file_size: int = 64 * 1024**2  # largest file the child may write
    open_files: int = 256
    threads: int = 1  # torch intra-op threads in the child


def normalise_device(name: str) -> str:
    """`cuda` means `cuda:0`: results come back with an index, and graders compare devices."""
    name = str(name).strip()
    return "cuda:0" if name == "cuda" else name


def new_seed() -> int:
    """A fresh seed for the random inputs; a failure prints it so that the run can be replayed."""
    return int.from_bytes(os.urandom(3), "little")


@dataclass(frozen=True)
class Options:
    seed: int = 0
    timeout: float = DEFAULT_TIMEOUT
    device: str = "cpu"
    lang: str = "en"
    limits: Limits = field(default_factory=Limits)
    strict: bool = False  # a sandbox hardening step that fails is an error (grade), not a warning
    untouched_stubs: bool = True  # a module still equal to the kit's stub is not_implemented
    #                               without running it (dev check turns this off: it proves it)
    # kernel confinement of children (Landlock, seccomp, no_new_privs, uid); False only in the
    # tests' positive controls, which prove that each attack works without it
    confine: bool = field(default_factory=lambda: not _test_unconfined())
    # the second layer in each child (audit hook, file guard); False only in positive controls
    audit: bool = field(default_factory=lambda: not _test_unconfined())
    # folders children may also write: only the hostile suite sets this (for its pid notes)
    extra_writable: tuple[str, ...] = field(default_factory=_test_writable)

    def __post_init__(self):
        object.__setattr__(self, "device", normalise_device(self.device))
        if not self.timeout > 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("cuda")

    def but(self, **changes) -> "Options":
        """A copy with some settings changed."""
        return replace(self, **changes)
