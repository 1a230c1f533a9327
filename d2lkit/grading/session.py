"""One grading session: the sandbox's zygote plus the runner, set up in the right order."""

from __future__ import annotations

from pathlib import Path

# Import everything a child needs before the zygote forks, so children inherit it for free;
# the supervisor must run no tensor operation before that fork.
import torch  # noqa: F401
import pytest  # noqa: F401
import numpy  # noqa: F401
import hypothesis  # noqa: F401  (graders' property tests; imported by children through grader files)

from d2lkit.grading import api, child, probes, wire  # noqa: F401
from d2lkit.grading.runner import grade
from d2lkit.grading.sandbox import Limits, Sandbox
from d2lkit.grading.student import SandboxStudent


def check_exercises(exercises, workspace: Path, *, seed: int, timeout: float = 10.0,
                    device: str = "cpu", on_result=None, limits: Limits | None = None,
                    sandbox: Sandbox | None = None):
    own = sandbox is None
    sandbox = sandbox or Sandbox(device=device, limits=limits).start()
    try:
        torch.set_float32_matmul_precision("highest")
        if device.startswith("cuda"):
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
        return grade(exercises, workspace, seed=seed, device=device, on_result=on_result,
                     make_student=lambda ex: SandboxStudent(ex, workspace, sandbox, timeout, device))
    finally:
        if own:
            sandbox.close()
