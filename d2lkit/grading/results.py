"""Results of grading: one status per exercise, one record per check. Plain data, no torch.

`ExerciseResult.of` is the one constructor (it derives points from the status), and `Results`
is one run's list of them, which owns the totals: required exercises count; stretch exercises
count by the course's stretch rule (`score`: by default extra credit, never in the maximum).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from d2lkit.grading import series as _series
from d2lkit.grading.protocol import Status

SCHEMA = 1  # of the JSON that `check --json` and `grade --format json` print

# How stretch exercises count: one rule for every path that scores (`check`, `grade` and its
# formats, Gradescope, Classroom, nbgrader's gradebook), chosen by the course
# (d2lkit.instructor.course); `check` always uses the default. "extra-credit": their points add
# to the score, never to the maximum, and failing one fails nothing; "ignore": graded and shown,
# worth nothing; "required": they count like any other exercise.
STRETCH_RULES = ("extra-credit", "ignore", "required")
DEFAULT_STRETCH_RULE = "extra-credit"


def stretch_rule(rule: str | None) -> str:
    """A valid rule (None is the default); ValueError names the valid ones."""
    rule = DEFAULT_STRETCH_RULE if rule is None else str(rule)
    if rule not in STRETCH_RULES:
        raise ValueError(f"unknown stretch rule {rule!r}; one of {', '.join(STRETCH_RULES)}")
    return rule


@dataclass(frozen=True)
class Score:
    """How one exercise counts under a stretch rule (`score`)."""
    points: int  # earned, in the total
    max_points: int  # in the maximum
    extra: int  # earned extra credit: added to the score, never to the maximum
    required: bool  # not passing it fails the assignment (Classroom's status, check's exit)

    @property
    def earned(self) -> int:
        """What the learner gets for it: points plus extra credit."""
        return self.points + self.extra


def score(stretch: bool, points: int, max_points: int, rule: str | None = None) -> Score:
    """The one scoring rule: an exercise worth `max_points`, of which `points` were earned."""
    rule = stretch_rule(rule)
    if not stretch or rule == "required":
        return Score(points, max_points, 0, True)
    if rule == "extra-credit":
        return Score(0, 0, points, False)
    return Score(0, 0, 0, False)  # ignore


@dataclass
class Detail:
    """A learner-facing message as a translation key plus parameters (rendered per language)."""
    key: str
    params: dict = field(default_factory=dict)


@dataclass
class CheckResult:
    name: str  # the test function, e.g. "test_book_example[float32]"
    title: dict  # {"en": ..., "zh": ...}
    status: Status
    mistake: str | None = None
    detail: Detail | None = None
    output: str = ""  # what the learner's code printed during this check
    duration_s: float = 0.0
    warnings: list[Detail] = field(default_factory=list)  # allowed but worth knowing
    hidden: bool = False  # the grader marked this check hidden (its inputs are not shown)
    trace: dict | None = None  # where the shapes parted from the reference's (grading.shapetrace)
    # pictures of the learner's run next to the reference's (grading.series): built in part from
    # values the child sent, so cleaned here, on every way in (runner, service, stored results)
    series: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.status = Status(self.status)
        self.series = _series.clean_all(self.series)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def about_the_environment(self) -> bool:
        """A device mismatch: real, but a correct computation on the wrong device is a smaller
        problem than a wrong one, and often fixed by the same line."""
        return self.detail is not None and self.detail.key in ENVIRONMENT_DETAILS


# details that describe where a result was computed, not what was computed
ENVIRONMENT_DETAILS = frozenset({"device", "device-hint", "device-error"})


@dataclass
class ExerciseResult:
    id: str
    chapter: str
    section: str
    status: Status
    points: int
    max_points: int
    stretch: bool = False
    mistake: str | None = None
    detail: Detail | None = None
    checks: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0
    code_hash: str = ""

    def __post_init__(self):
        self.status = Status(self.status)

    @classmethod
    def of(cls, ex, status, *, mistake: str | None = None, detail: Detail | None = None,
           checks=(), duration_s: float = 0.0, code_hash: str = "") -> "ExerciseResult":
        """The result of catalogue exercise `ex`: full points exactly when it passed."""
        status = Status(status)
        return cls(ex.id, ex.chapter_id, ex.section, status,
                   ex.points if status is Status.PASSED else 0, ex.points, ex.stretch, mistake,
                   detail, list(checks), duration_s, code_hash)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

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
    def series(self) -> list[dict]:
        """The checks' pictures, one of each kind and `what` (one loss curve, not one per check):
        a failing check's first, the run worth looking at."""
        seen, out = set(), []
        for c in [*self.failing_checks, *(c for c in self.checks if c.passed)]:
            for s in c.series:
                if (s["kind"], s["what"]) not in seen:
                    seen.add((s["kind"], s["what"]))
                    out.append(s)
        return out

    @property
    def failing_check(self) -> CheckResult | None:
        """The failure to show first: `headline` of the failing checks."""
        failing = self.failing_checks
        return failing[0] if failing else None

    @property
    def failing_checks(self) -> list[CheckResult]:
        """Every failing check, the most telling first: one that diagnosed a catalogued mistake
        (its hint says what to change), then the learner's other bugs, then complaints about the
        environment (a result on another device); each group in the graders' order."""
        failing = [c for c in self.checks if c.status is not Status.PASSED]
        return sorted(failing, key=lambda c: (c.about_the_environment, c.mistake is None))


class Results(list):
    """One grading's results in curriculum order, with the totals every output shows, under its
    stretch rule (`scored(rule)` gives the same results under another; `score(r)` is one
    exercise's share)."""

    stretch_rule = DEFAULT_STRETCH_RULE

    def scored(self, rule: str | None) -> "Results":
        out = Results(self)
        out.stretch_rule = stretch_rule(rule)
        return out

    def score(self, r: ExerciseResult) -> Score:
        return score(r.stretch, r.points, r.max_points, self.stretch_rule)

    @property
    def counted(self) -> list[ExerciseResult]:
        """The exercises that must pass: the required ones, and stretch ones under "required"."""
        return [r for r in self if self.score(r).required]

    @property
    def required(self) -> list[ExerciseResult]:
        return [r for r in self if not r.stretch]

    @property
    def stretch(self) -> list[ExerciseResult]:
        return [r for r in self if r.stretch]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.counted)

    @property
    def total(self) -> int:
        return len(self.counted)

    @property
    def points(self) -> int:
        """Points earned on the exercises that count (`score`)."""
        return sum(self.score(r).points for r in self)

    @property
    def extra_points(self) -> int:
        """Extra credit earned (stretch exercises under "extra-credit"), outside the maximum."""
        return sum(self.score(r).extra for r in self)

    @property
    def max_points(self) -> int:
        """The maximum: required exercises, and stretch ones only under "required"."""
        return sum(self.score(r).max_points for r in self)

    @property
    def stretch_passed(self) -> int:
        return sum(r.passed for r in self.stretch)

    @property
    def all_required_passed(self) -> bool:
        return all(r.passed for r in self.required)

    @property
    def complete(self) -> bool:
        """What `check`'s exit status says: every required exercise passed (stretch exercises are
        extra credit), or, in a run of stretch exercises only, every one of them."""
        group = self.counted or self.stretch
        return all(r.passed for r in group)

    def first_to_fix(self) -> ExerciseResult | None:
        """The exercise a learner should look at first: the first, in curriculum order, that they
        attempted and did not pass (anything but an untouched stub: a partly done exercise, whose
        stub line still raises but some check passed, counts), else the first not started.
        Stretch exercises only in a run of stretch exercises alone: they never take the place
        of a required exercise, nor the box once every required one has passed. None when
        there is nothing left to fix in this run."""
        group = self.required or self.stretch
        left = [r for r in group if not r.passed]
        tried = [r for r in left if r.status is not Status.NOT_IMPLEMENTED
                 or any(c.passed for c in r.checks)]
        return (tried or left or [None])[0]

    def summary(self) -> dict:
        return {"passed": self.passed, "total": self.total, "points": self.points,
                "max_points": self.max_points, "stretch_passed": self.stretch_passed,
                "stretch_total": len(self.stretch)}


def as_dict(obj) -> dict:
    return asdict(obj)
