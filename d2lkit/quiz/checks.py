"""`d2lkit dev check` of the quizzes: the quiz analogue of "every stub fails, every solution
passes, every mutant is caught". A quiz is refused when its texts lack a language (lint), when
it has fewer than 2 choices, when its key is missing, repeated, or returns a truth of the wrong
kind, when a number or shape key does not build anything with torch (a hand-written literal),
when the grader refuses the truth, and when it accepts any of the generated wrong answers:
every other choice; for "many" every other set of at most 2 letters, and the truth with one
letter more or less; for numbers the truth ±1 and ×2; for shapes each dimension ±1.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from d2lkit.grading.protocol import Status
from d2lkit.quiz import key as keys
from d2lkit.quiz.answers import as_written
from d2lkit.quiz.grading import grade_value, letters_of


def wrong_answers(ex, truth) -> list:
    """Answers the grader must refuse, in the parsed form (see the module's docstring)."""
    letters = letters_of(ex)
    if ex.answer_kind == "one":
        return [c for c in letters if c != truth]
    if ex.answer_kind == "many":
        small = [frozenset(s) for n in (1, 2) for s in combinations(letters, n)]
        near = [truth - {c} for c in truth] + [truth | {c} for c in letters if c not in truth]
        return list(dict.fromkeys(s for s in small + near if s and s != truth))
    if ex.answer_kind == "number":
        out = [truth + 1, truth - 1, truth * 2 if truth else 1]
        return [v for v in dict.fromkeys(out) if v != truth]
    if ex.answer_kind == "shape":
        out = []
        for i, d in enumerate(truth):
            for v in (d - 1, d + 1):
                if v >= 0:
                    out.append(truth[:i] + (v,) + truth[i + 1:])
        return out
    return []


def extra_keys(cat, chapters, grader: Path | None = None) -> list[tuple[int, str]]:
    """(chapter, id) of @answer functions for no quiz of the catalogue, and repeated ones."""
    out = []
    for number in sorted(chapters):
        path = keys.key_path(number, grader)
        if not path.is_file():
            continue
        try:
            found = [quiz_id for quiz_id, _ in keys.load_file(path)]
        except Exception as e:
            out.append((number, f"{path.name} does not import: {type(e).__name__}: {e}"))
            continue
        known = {ex.id for ex in cat.exercises if ex.is_quiz and ex.chapter == number}
        out += [(number, f"@answer({q!r}): no such quiz in the catalogue")
                for q in dict.fromkeys(found) if q not in known]
        out += [(number, f"@answer({q!r}) appears {found.count(q)} times")
                for q in dict.fromkeys(found) if found.count(q) > 1]
    return out


def problems(ex, grader: Path | None = None) -> tuple[list[str], int]:
    """(what is wrong with quiz `ex`, how many wrong answers were rejected)."""
    found = []
    if ex.answer_kind in ("one", "many") and len(ex.choices) < 2:
        found.append(f"{len(ex.choices)} choice(s): a choice question needs at least 2")
    fn = keys.keys_of(ex.chapter, grader).get(ex.id) if keys.key_path(
        ex.chapter, grader).is_file() else None
    if fn is None:
        return found + [f"no @answer({ex.id!r}) in grader/ch{ex.chapter:02d}/{keys.KEY_FILE}"], 0
    if ex.answer_kind in ("number", "shape") and not keys.uses_torch(fn):
        found.append(f'the key of an answer "{ex.answer_kind}" must measure it with torch '
                     "(build the layer, run it), not return a literal")
    try:
        truth = keys.truth(ex, grader)
    except keys.KeyError_ as e:
        return found + [str(e)], 0
    r = grade_value(ex, as_written(ex, truth), grader)
    if r.status is not Status.PASSED:
        found.append(f"the truth {as_written(ex, truth)!r} is not accepted: {r.status}")
    rejected = 0
    for wrong in wrong_answers(ex, truth):
        r = grade_value(ex, as_written(ex, wrong), grader)
        if r.status is Status.PASSED:
            found.append(f"the wrong answer {as_written(ex, wrong)!r} is accepted")
        else:
            rejected += 1
    return found, rejected
