"""Results of grading: one status per exercise, one record per check. Plain data, no torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# in the order a report shows them; the first non-passing check decides an exercise's status
STATUSES = ("passed", "failed", "not_implemented", "error", "forbidden", "timeout", "crashed")
SCHEMA = 1


@dataclass
class Detail:
    """A learner-facing message as a translation key plus parameters (rendered per language)."""
    key: str
    params: dict = field(default_factory=dict)


@dataclass
class CheckResult:
    name: str  # the test function, e.g. "test_book_example[float32]"
    title: dict  # {"en": ..., "zh": ...}
    status: str
    mistake: str | None = None
    detail: Detail | None = None
    output: str = ""  # what the learner's code printed during this check
    duration_s: float = 0.0
    warnings: list[Detail] = field(default_factory=list)  # allowed but worth knowing


@dataclass
class ExerciseResult:
    id: str
    chapter: str
    section: str
    status: str
    points: int
    max_points: int
    stretch: bool = False
    mistake: str | None = None
    detail: Detail | None = None
    checks: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0
    code_hash: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def warnings(self) -> list[Detail]:
        seen, out = set(), []
        for c in self.checks:
            for w in c.warnings:
                key = (w.key, repr(sorted(w.params.items())))
                if key not in seen:
                    seen.add(key)
                    out.append(w)
        return out

    @property
    def failing_check(self) -> CheckResult | None:
        return next((c for c in self.checks if c.status != "passed"), None)


def as_dict(obj) -> dict:
    return asdict(obj)
