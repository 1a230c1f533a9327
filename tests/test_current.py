"""The current exercise (`d2lkit.current`): what `next` shows and `hint`, `check` and `watch`
use without an id. No grading here: progress is made of ExerciseStats."""

from __future__ import annotations

import pytest

from d2lkit import catalogue
from d2lkit.current import (AFTER_TARGET, CURRICULUM, DONE, IN_TARGET, STRETCH, current_exercise,
                            in_chapter_scope)
from d2lkit.progress import ExerciseStats


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def passed(*exercises) -> dict:
    return {ex.id: ExerciseStats(ex.id, status="passed", first_pass_at=1.0) for ex in exercises}


def required(cat, chapter=None):
    return [ex for ex in cat.exercises if not ex.stretch
            and (chapter is None or ex.chapter == chapter)]


def test_no_target_no_progress_is_the_first_required_exercise(cat):
    current = current_exercise(cat, {})
    assert current.exercise is required(cat)[0] and current.reason == CURRICULUM
    assert current.exercise.id == "ch2.broadcast_shape"


def test_the_first_required_exercise_not_passed_in_the_last_target(cat):
    ch3 = required(cat, 3)
    assert current_exercise(cat, {}, "ch3").exercise is ch3[0]
    current = current_exercise(cat, passed(ch3[0]), "ch3")
    assert current.exercise is ch3[1] and current.reason == IN_TARGET and current.target == "ch3"
    # failed or tried is not passed: it stays current
    stats = {ch3[0].id: ExerciseStats(ch3[0].id, status="failed", attempts=3)}
    assert current_exercise(cat, stats, "ch3").exercise is ch3[0]


def test_a_target_that_is_done_moves_on_after_it_then_wraps(cat):
    ch3 = [ex for ex in cat.exercises if ex.chapter == 3]
    current = current_exercise(cat, passed(*ch3), "ch3")
    assert current.exercise is required(cat, 4)[0] and current.reason == AFTER_TARGET
    # everything after ch3 passed too: back to what was skipped before it
    later = [ex for ex in cat.exercises if ex.chapter >= 3]
    assert current_exercise(cat, passed(*later), "ch3").exercise is required(cat, 2)[0]


def test_stretch_exercises_wait_for_every_required_one(cat):
    ch6 = [ex for ex in cat.exercises if ex.chapter == 6]
    stretch6 = [ex for ex in ch6 if ex.stretch]
    assert stretch6, "ch6 has stretch exercises"
    # ch6's required exercises passed: the next required one after it, not ch6's stretch ones
    current = current_exercise(cat, passed(*[ex for ex in ch6 if not ex.stretch]), "ch6")
    assert not current.exercise.stretch and current.exercise.chapter == 7
    # every required exercise passed: a stretch one, the target's first
    current = current_exercise(cat, passed(*required(cat)), "ch6")
    assert current.exercise is stretch6[0] and current.reason == STRETCH
    # the target is a stretch exercise: it is current at once
    current = current_exercise(cat, {}, stretch6[0].id)
    assert current.exercise is stretch6[0] and current.reason == IN_TARGET


def test_everything_passed_is_done(cat):
    current = current_exercise(cat, passed(*cat.exercises), "ch2")
    assert current.exercise is None and current.reason == DONE


def test_a_reset_exercise_is_current_again(cat):
    ch2 = required(cat, 2)
    stats = passed(*ch2)
    stats[ch2[3].id].status = "reset"
    assert current_exercise(cat, stats, "ch2").exercise is ch2[3]


def test_a_stored_target_that_no_longer_resolves_is_ignored(cat):
    current = current_exercise(cat, {}, "ch2.renamed_long_ago")
    assert current.exercise is required(cat)[0] and current.target is None
    assert current.reason == CURRICULUM


def test_watch_without_an_id_goes_through_the_target_or_the_chapter(cat):
    two = "ch2.vector_norm ch2.frobenius_norm"
    current = current_exercise(cat, {}, two)
    assert [ex.id for ex in in_chapter_scope(cat, current)] == two.split()
    current = current_exercise(cat, passed(*cat.resolve(two.split())), two)
    assert current.reason == AFTER_TARGET
    assert in_chapter_scope(cat, current) == list(cat.chapter_of(current.exercise).exercises)
