"""How a check fails. Graders raise these; the runner turns them into statuses and messages."""

from __future__ import annotations

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail


class CheckFailed(AssertionError):
    """The learner's result is wrong: status `failed`, optionally naming a catalogued mistake."""

    status = Status.FAILED

    def __init__(self, key: str, mistake: str | None = None, **params):
        super().__init__(key, params)
        self.detail = Detail(key, params)
        self.mistake = mistake


class Mistake(CheckFailed):
    """The symptom of a catalogued mistake was seen: `raise Mistake("kernel-flipped")`."""

    def __init__(self, mistake: str, **params):
        super().__init__("mistake", mistake=mistake, **params)


class LearnerProblem(Exception):
    """The learner's code could not produce a result; `status` says how."""

    status = Status.ERROR

    def __init__(self, key: str, mistake: str | None = None, **params):
        super().__init__(key, params)
        self.detail = Detail(key, params)
        self.mistake = mistake
        self.output = ""


class NotImplementedYet(LearnerProblem):
    status = Status.NOT_IMPLEMENTED


class LearnerError(LearnerProblem):
    """An exception in learner code; `.type` and `.message` for graders that name a mistake."""

    status = Status.ERROR

    @property
    def type(self) -> str:
        return self.detail.params.get("type", "")

    @property
    def message(self) -> str:
        return self.detail.params.get("message", "")


class Forbidden(LearnerProblem):
    status = Status.FORBIDDEN

    @property
    def name(self) -> str:
        return self.detail.params.get("name", "")


class LearnerTimeout(LearnerProblem):
    status = Status.TIMEOUT


class LearnerCrashed(LearnerProblem):
    status = Status.CRASHED


class SandboxFailure(LearnerProblem):
    """Not the learner's: the sandbox could not be set up (say, a kernel that advertises
    Landlock and refuses it). Graded as an infrastructure error, never as the learner's code."""
    status = Status.INFRASTRUCTURE
