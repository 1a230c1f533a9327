"""The current exercise: what a learner works on next (`d2lkit next`, and `hint`, `check`,
`watch` without an id).

It is the first required exercise, in curriculum order, that has not passed (its latest result
is not "passed", or it was reset since) — looked for in the last target the learner named
(`d2lkit check ch3` makes ch3 the target), else in the whole curriculum. Once every required
exercise of that target has passed, the search goes on after it (wrapping round to the start):
the learner moves on instead of being sent back. Stretch exercises become current only when
every required exercise of the curriculum has passed, or when the target itself is made of
stretch exercises. No torch here: `d2lkit next` must start fast.
"""

from __future__ import annotations

from dataclasses import dataclass

# why an exercise is current (each has a sentence in the locales' [next] table)
IN_TARGET = "in-target"  # the first one not yet passed in the last target
AFTER_TARGET = "after-target"  # the target is done: the first one not yet passed after it
CURRICULUM = "curriculum"  # no target yet: the first one not yet passed in the curriculum
STRETCH = "stretch"  # every required exercise has passed: a stretch exercise (extra)
DONE = "done"  # nothing left: every exercise has passed


@dataclass(frozen=True)
class Current:
    exercise: object | None  # a catalogue Exercise, or None when everything has passed
    reason: str  # one of the constants above
    target: str | None  # the last target (None when there is none, or it no longer resolves)
    scope: tuple = ()  # the target's exercises, in curriculum order ((): the curriculum)


def target_exercises(catalogue, target: str | None) -> list:
    """The exercises of a stored target ("ch3", "ch2.vector_norm ch2.frobenius_norm"), or []
    when there is none or it no longer names anything."""
    if not target:
        return []
    from d2lkit.catalogue import TargetError

    try:
        return catalogue.resolve(target.split())
    except TargetError:
        return []


def current_exercise(catalogue, stats: dict, target: str | None = None) -> Current:
    """The current exercise given the learner's progress (`Progress.stats()`) and last target."""
    def passed(ex) -> bool:
        s = stats.get(ex.id)
        return s is not None and s.passed

    scope = target_exercises(catalogue, target)
    target = target if scope else None
    if scope:
        required = [ex for ex in scope if not ex.stretch and not passed(ex)]
        if required:
            return Current(required[0], IN_TARGET, target, tuple(scope))
        if all(ex.stretch for ex in scope):  # the learner asked for stretch exercises
            left = [ex for ex in scope if not passed(ex)]
            if left:
                return Current(left[0], IN_TARGET, target, tuple(scope))
    order = list(catalogue.exercises)
    if scope:  # go on after the target, then wrap round to what was skipped before it
        after = order.index(scope[-1]) + 1
        order = order[after:] + order[:after]
    required = [ex for ex in order if not ex.stretch and not passed(ex)]
    if required:
        return Current(required[0], AFTER_TARGET if scope else CURRICULUM, target, tuple(scope))
    stretch = [ex for ex in [*scope, *order] if ex.stretch and not passed(ex)]
    if stretch:
        return Current(stretch[0], STRETCH, target, tuple(scope))
    return Current(None, DONE, target, tuple(scope))


def in_chapter_scope(catalogue, current: Current) -> list:
    """The exercises `watch` without an id goes through: the last target when the current
    exercise is in it, else the current exercise's chapter."""
    ex = current.exercise
    if ex is None:
        return []
    if ex in current.scope:
        return list(current.scope)
    return list(catalogue.chapter_of(ex).exercises)
