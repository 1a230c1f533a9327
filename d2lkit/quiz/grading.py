"""Grading a quiz: the learner's answer is data (parsed, never run), compared with the truth.

"one": one letter; "many": the set of letters; "number": within the quiz's relative tolerance
(exact when it is 0); "shape": the tuple, exactly. Results are the engine's own ExerciseResult:
passed, failed with mistake "wrong-answer" (the explanation in the detail), not_implemented when
unanswered, error for an answer or a file that cannot be read, infrastructure_error when the
kit's key fails.
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult, Results
from d2lkit.quiz import answers
from d2lkit.quiz.answers import LETTERS

WRONG = "wrong-answer"  # the mistake id of a wrong answer (locales: mistake.wrong-answer)


class BadAnswer(ValueError):
    """An answer that is not of its quiz's form (letters, a number, a shape)."""


def letters_of(ex) -> str:
    return LETTERS[:len(ex.choices)]


def parse(ex, raw):
    """The learner's answer in the form the grader compares (see key.normalise), or None when
    unanswered (an empty string, a missing key). Raises BadAnswer."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    kind = ex.answer_kind
    if kind in ("one", "many"):
        if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            raw = ",".join(raw)
        if not isinstance(raw, str):
            raise BadAnswer(raw)
        text = re.sub(r"[\s,;/、，；+&()\[\]'\".)）（]", "", raw).lower()
        if not text or any(c not in letters_of(ex) for c in text):
            raise BadAnswer(raw)
        if kind == "one":
            if len(set(text)) != 1:
                raise BadAnswer(raw)
            return text[0]
        return frozenset(text)
    if kind == "number":
        if isinstance(raw, bool):
            raise BadAnswer(raw)
        if isinstance(raw, (int, float)):
            return raw
        if isinstance(raw, str):
            text = raw.strip().replace("_", "")
            if re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):  # 4,096
                text = text.replace(",", "")
            try:
                return int(text)
            except ValueError:
                try:
                    value = float(text)
                except ValueError:
                    raise BadAnswer(raw) from None
                if value != value or value in (float("inf"), float("-inf")):
                    raise BadAnswer(raw)
                return value
        raise BadAnswer(raw)
    if kind == "shape":
        value = raw
        if isinstance(raw, str):
            text = raw.strip()
            text = re.sub(r"^torch\.Size\((.*)\)$", r"\1", text)
            if re.fullmatch(r"\d+(\s*[x×]\s*\d+)+", text):
                text = re.sub(r"\s*[x×]\s*", ",", text)
            try:
                value = ast.literal_eval(text) if text else None
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                raise BadAnswer(raw) from None
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,)
        if not (isinstance(value, (list, tuple)) and all(
                isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value)):
            raise BadAnswer(raw)
        return tuple(value)
    raise BadAnswer(raw)


def matches(ex, value, truth) -> bool:
    if ex.answer_kind == "number":
        if ex.tolerance == 0:
            return value == truth
        return abs(value - truth) <= ex.tolerance * max(abs(truth), 1e-12)
    return value == truth


def shown(ex, value) -> str:
    """An answer (parsed, or a truth) as the learner would write it."""
    if ex.answer_kind == "many":
        return ",".join(sorted(value))
    if ex.answer_kind == "shape":
        return "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def answer_hash(ex, value) -> str:
    """Attempts count changed answers, as they count changed code."""
    return hashlib.sha256(f"{ex.id}\0{shown(ex, value)}".encode()).hexdigest()[:16]


def _raw_shown(raw) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    return text if len(text) <= 60 else text[:59] + "…"


def precheck(ex, raw) -> ExerciseResult | None:
    """What needs no key: an unanswered quiz, an answer not of the quiz's form. None: answered."""
    try:
        value = parse(ex, raw)
    except BadAnswer:
        return ExerciseResult.of(ex, Status.ERROR, detail=Detail(
            f"quiz.bad-{ex.answer_kind}", {"answer": _raw_shown(raw), "letters": ", ".join(
                letters_of(ex)), "name": ex.name}))
    if value is None:
        return ExerciseResult.of(ex, Status.NOT_IMPLEMENTED, detail=Detail(
            "quiz.unanswered", {"name": ex.name, "file": ex.relpath, "id": ex.id}))
    return None


def grade_value(ex, raw, grader: Path | None = None) -> ExerciseResult:
    """The result of answer `raw` (as read from the answers file or typed) to quiz `ex`."""
    decided = precheck(ex, raw)
    if decided is not None:
        return decided
    value = parse(ex, raw)
    from d2lkit.quiz.key import KeyError_, truth

    try:
        right = truth(ex, grader)
    except KeyError_ as e:
        return ExerciseResult.of(ex, Status.INFRASTRUCTURE,
                                 detail=Detail("quiz.key-failed", {"message": str(e)}))
    digest = answer_hash(ex, value)
    if matches(ex, value, right):
        return ExerciseResult.of(ex, Status.PASSED, code_hash=digest)
    return ExerciseResult.of(ex, Status.FAILED, mistake=WRONG, code_hash=digest, detail=Detail(
        "quiz.wrong", {"answer": shown(ex, value), "explanation": dict(ex.explanation or {})}))


def _read_chapter_files(exercises, workspace: Path) -> dict[str, object]:
    """relpath -> the parsed answers file, or the AnswersFileError it raised."""
    out: dict[str, object] = {}
    for ex in exercises:
        if ex.relpath not in out:
            try:
                out[ex.relpath] = answers.read(Path(workspace) / ex.relpath)
            except answers.AnswersFileError as e:
                out[ex.relpath] = e
    return out


def _file_problem(ex, e: answers.AnswersFileError) -> ExerciseResult:
    return ExerciseResult.of(ex, Status.ERROR, detail=Detail(e.key, dict(e.params)))


def raw_answers(exercises, workspace: Path) -> dict[str, object]:
    """Quiz id -> its raw answer in the workspace, or the AnswersFileError of its file."""
    files = _read_chapter_files(exercises, workspace)
    out = {}
    for ex in exercises:
        data = files[ex.relpath]
        out[ex.id] = data if isinstance(data, Exception) else data.get(ex.name, "")
    return out


def precheck_file(ex, path: Path) -> ExerciseResult | None:
    """`grading.precheck` of a quiz: decided without its key, or None."""
    try:
        data = answers.read(path)
    except answers.AnswersFileError as e:
        return _file_problem(ex, e)
    return precheck(ex, data.get(ex.name, ""))


def grade_workspace(exercises, workspace: Path, grader: Path | None = None) -> list:
    """Results of the quizzes `exercises` from the answers files of `workspace`, in order."""
    raw = raw_answers(exercises, workspace)
    return [_file_problem(ex, raw[ex.id]) if isinstance(raw[ex.id], Exception)
            else grade_value(ex, raw[ex.id], grader) for ex in exercises]


def with_quizzes(exercises, workspace: Path, on_result, grade_code) -> Results:
    """One run of code exercises and quizzes: `grade_code(code_exercises, on_result)` grades the
    code (the engine), the quizzes are graded here; `on_result` sees every result in the order
    of `exercises`, each as soon as it and those before it are known."""
    exercises = list(exercises)
    quizzes = [ex for ex in exercises if ex.is_quiz]
    if not quizzes:
        return grade_code(exercises, on_result)
    code = [ex for ex in exercises if not ex.is_quiz]
    known = dict(zip((ex.id for ex in quizzes), grade_workspace(quizzes, workspace)))
    order = [ex.id for ex in exercises]
    shown_up_to = 0

    def show(upto: int):
        nonlocal shown_up_to
        while shown_up_to < upto:
            r = known.get(order[shown_up_to])
            if r is not None and on_result is not None:
                on_result(r)
            shown_up_to += 1

    def arrived(result):
        nonlocal shown_up_to
        index = order.index(result.id) if result.id in order else shown_up_to
        show(index)
        if on_result is not None:
            on_result(result)
        shown_up_to = max(shown_up_to, index + 1)

    graded = grade_code(code, arrived) if code else []
    for r in graded:
        known.setdefault(r.id, r)
    show(len(order))
    return Results(known[eid] for eid in order)
