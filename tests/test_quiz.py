"""Quizzes (kind "quiz"): the catalogue's schema, the answers file, grading, `d2lkit quiz`,
`check` of quizzes and code together, no truth in any workspace file, nbgrader export and
autograde, and `dev check` refusing a planted bad key."""

from __future__ import annotations

import json
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from d2lkit import catalogue
from d2lkit.catalogue import CatalogueError
from d2lkit.cli import main
from d2lkit.grading.protocol import Status
from d2lkit.progress import Progress
from d2lkit.quiz import answers, checks, key
from d2lkit.quiz.grading import BadAnswer, grade_value, grade_workspace, parse

CAT = catalogue.load()
MHA = CAT.by_id["ch10.quiz_mha_parameters"]  # number, 16640
CROSS = CAT.by_id["ch10.quiz_decoder_cross_attention"]  # one, "b"
WEIGHTS = CAT.by_id["ch10.quiz_mha_weights_shape"]  # shape, (2, 5, 7)
HYPER = CAT.by_id["ch3.quiz_minibatch_hyperparameters"]  # many, "ab"
UNIFORM = CAT.by_id["ch3.quiz_uniform_cross_entropy"]  # number, log 10, tolerance 0.001


# ----------------------------------------------------------------------------- the catalogue
QUIZ = '''\
schema = 1

[chapter]
number = 10
title = { en = "Attention", zh = "注意力" }

[[exercises]]
id = "ch10.quiz_planted"
topic = "quiz"
section = "10.5"
kind = "quiz"
title = { en = "Planted", zh = "植入" }
answer = "one"
question = { en = "Which?", zh = "哪个？" }
choices = [ { en = "first", zh = "第一" }, { en = "second", zh = "第二" } ]
explanation = { en = "Because.", zh = "因为。" }
'''


def read(tmp_path, text):
    path = tmp_path / "curriculum" / "ch10.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return catalogue.read_chapter(path)


def test_a_quiz_reads_with_its_own_fields_and_no_code(tmp_path):
    [ex] = read(tmp_path, QUIZ).exercises
    assert ex.is_quiz and ex.answer_kind == "one" and ex.functions == () and ex.tolerance == 0
    assert [c["en"] for c in ex.choices] == ["first", "second"]
    assert ex.relpath == "ch10/quiz.toml" and ex.explanation["zh"] == "因为。"


@pytest.mark.parametrize("old, new, key_, problem", [
    ('answer = "one"\n', "", "answer", "missing"),
    ('answer = "one"', 'answer = "two"', "answer", "must be one of"),
    ("choices = [", "tolerance = 0.1\nchoices = [", "tolerance", 'only for answer "number"'),
    ('choices = [ { en = "first", zh = "第一" }, { en = "second", zh = "第二" } ]\n', "",
     "choices", "missing"),
    ('answer = "one"', 'answer = "number"', "choices", 'only for answer "one" or "many"'),
    ('kind = "quiz"', 'kind = "quiz"\nfunctions = ["f"]', "functions", "not for a quiz"),
    ('id = "ch10.quiz_planted"', 'id = "ch10.planted"', "id", '"ch10.quiz_<slug>"'),
    ('topic = "quiz"', 'topic = "attention"', "topic", '"quiz"'),
    ('question = { en = "Which?", zh = "哪个？" }', 'question = "Which?"', "question",
     "must be a table"),
])
def test_quiz_schema_errors_name_the_key(tmp_path, old, new, key_, problem):
    assert old in QUIZ
    with pytest.raises(CatalogueError) as e:
        read(tmp_path, QUIZ.replace(old, new, 1))
    assert e.value.key.endswith(f").{key_}"), str(e.value)
    assert problem in str(e.value)


def test_quiz_keys_are_refused_on_code_exercises(tmp_path):
    text = QUIZ.replace('kind = "quiz"\n', "").replace('topic = "quiz"', 'topic = "t"')
    with pytest.raises(CatalogueError) as e:
        read(tmp_path, text)
    assert 'only for kind "quiz"' in str(e.value)


def test_the_kits_quizzes():
    quizzes = [ex for ex in CAT.exercises if ex.is_quiz]
    for chapter in range(2, 12):  # at least 3 per chapter, ch2 to ch11
        assert len([ex for ex in quizzes if ex.chapter == chapter]) >= 3, chapter
    # the notes' own questions
    assert {"ch10.quiz_mha_parameters", "ch10.quiz_decoder_cross_attention",
            "ch10.quiz_layer_norm_batch"} <= {ex.id for ex in quizzes}
    # curriculum order: a quiz comes after the exercises of its section
    order = [ex.id for ex in CAT.exercises]
    assert order.index("ch10.MultiHeadAttention") < order.index(MHA.id) \
        < order.index("ch10.positional_encoding")


# ----------------------------------------------------------------------------- the key
def test_measured_truths():
    assert key.truth(MHA) == 16640 and key.truth(WEIGHTS) == (2, 5, 7)
    assert key.truth(CROSS) == "b" and key.truth(HYPER) == frozenset("ab")
    assert abs(key.truth(UNIFORM) - 2.302585) < 1e-5
    assert key.uses_torch(key.keys_of(10)[MHA.id]) and not key.uses_torch(
        key.keys_of(10)[CROSS.id])


# ----------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("ex, raw, parsed", [
    (CROSS, "b", "b"), (CROSS, "B", "b"), (CROSS, " (b) ", "b"), (CROSS, "b)", "b"),
    (HYPER, "a,b", frozenset("ab")), (HYPER, "BA", frozenset("ab")), (HYPER, "a c", frozenset("ac")),
    (HYPER, ["a", "b"], frozenset("ab")),
    (MHA, 16640, 16640), (MHA, "16640", 16640), (MHA, "16,640", 16640), (MHA, 2.5, 2.5),
    (MHA, "1e3", 1000.0),
    (WEIGHTS, [2, 5, 7], (2, 5, 7)), (WEIGHTS, "(2, 5, 7)", (2, 5, 7)),
    (WEIGHTS, "[2, 5, 7]", (2, 5, 7)), (WEIGHTS, "torch.Size([2, 5, 7])", (2, 5, 7)),
    (WEIGHTS, "2x5x7", (2, 5, 7)), (WEIGHTS, 3, (3,)),
    (CROSS, "", None), (MHA, "  ", None), (WEIGHTS, [], None),
])
def test_answers_are_parsed(ex, raw, parsed):
    assert parse(ex, raw) == parsed


@pytest.mark.parametrize("ex, raw", [
    (CROSS, "z"), (CROSS, "ab"), (CROSS, 2), (HYPER, "a,x"), (MHA, "many"), (MHA, True),
    (MHA, "nan"), (WEIGHTS, "(2, -5)"), (WEIGHTS, "__import__('os')"), (WEIGHTS, [2.5, 3]),
    (WEIGHTS, "(2, 5"),
])
def test_answers_not_of_the_form_are_refused(ex, raw):
    with pytest.raises(BadAnswer):
        parse(ex, raw)


# ----------------------------------------------------------------------------- grading
@pytest.mark.parametrize("ex, raw, status", [
    (MHA, 16640, Status.PASSED), (MHA, 16641, Status.FAILED), (MHA, "", Status.NOT_IMPLEMENTED),
    (CROSS, "B", Status.PASSED), (CROSS, "a", Status.FAILED), (CROSS, "q", Status.ERROR),
    (HYPER, "b,a", Status.PASSED), (HYPER, "a", Status.FAILED), (HYPER, "abc", Status.FAILED),
    (WEIGHTS, "(2, 5, 7)", Status.PASSED), (WEIGHTS, [2, 7, 5], Status.FAILED),
    (UNIFORM, 2.303, Status.PASSED), (UNIFORM, "2.3026", Status.PASSED),
    (UNIFORM, 2.31, Status.FAILED),
])
def test_grading(ex, raw, status):
    r = grade_value(ex, raw)
    assert r.status is status
    assert r.points == (ex.points if status is Status.PASSED else 0)
    if status is Status.FAILED:
        assert r.mistake == "wrong-answer" and r.detail.key == "quiz.wrong"
        assert r.detail.params["explanation"] == ex.explanation


def test_a_wrong_answers_message_has_the_explanation_in_each_language():
    from d2lkit.output.messages import detail_text, mistake_hint

    r = grade_value(CROSS, "a")
    assert "not right" in detail_text(r.detail, "en") and CROSS.explanation["en"] in \
        detail_text(r.detail, "en")
    assert CROSS.explanation["zh"] in detail_text(r.detail, "zh")
    assert "d2lkit quiz ch10.quiz_decoder_cross_attention" in mistake_hint(CROSS, r.mistake, "en")


def test_a_broken_key_is_the_kits_fault(tmp_path):
    grader = tmp_path / "grader"
    (grader / "ch10").mkdir(parents=True)
    (grader / "ch10" / "quiz_key.py").write_text(
        "from d2lkit.quiz.key import answer\n\n@answer('ch10.quiz_mha_parameters')\n"
        "def _():\n    raise RuntimeError('boom')\n", "utf-8")
    try:
        r = grade_value(MHA, 16640, grader)
        assert r.status is Status.INFRASTRUCTURE and "boom" in r.detail.params["message"]
        r = grade_value(CROSS, "b", grader)  # no key for it there
        assert r.status is Status.INFRASTRUCTURE and "no @answer" in r.detail.params["message"]
    finally:
        key.clear_cache()


# ----------------------------------------------------------------------------- answers files
@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quiz") / "ws"
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


def copy_of(fresh: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(fresh, tmp_path / "ws")
    return tmp_path / "ws"


def truths_as_text() -> dict[str, list[str]]:
    """Each quiz's truth as it could be written in a file (for the no-truth test)."""
    out = {}
    for ex in CAT.exercises:
        if ex.is_quiz and ex.answer_kind in ("number", "shape"):
            truth = key.truth(ex)
            out[ex.id] = ([str(truth)] if ex.answer_kind == "number" else
                          [f"[{', '.join(map(str, truth))}]", str(truth),
                           ", ".join(map(str, truth))])
    return out


def test_init_writes_answers_files_without_any_truth(fresh):
    for number in answers.chapters_with_quizzes(CAT):
        path = fresh / f"ch{number:02d}" / "quiz.toml"
        data = answers.read(path)
        quizzes = answers.quizzes_of(CAT, number)
        assert data == {ex.name: "" for ex in quizzes}  # every question, no answer
        text = path.read_text("utf-8")
        for ex in quizzes:  # the file alone is enough to answer
            assert ex.question["en"] in text and ex.question["zh"] in text
            assert all(c["en"] in text for c in ex.choices)
    texts = {p: p.read_text("utf-8", errors="replace") for p in fresh.rglob("*")
             if p.is_file() and ".d2lkit" not in p.parts}
    assert any(p.name == "quiz.toml" for p in texts)
    for quiz_id, forms in truths_as_text().items():
        for p, text in texts.items():
            assert not any(form in text for form in forms if len(form) >= 4), (quiz_id, p)
    # and no key in the workspace, whatever its name
    assert not [p for p in fresh.rglob("*key*")]


def test_bad_answers_files_are_messages_not_crashes(tmp_path):
    path = tmp_path / "ch10" / "quiz.toml"
    path.parent.mkdir()
    path.write_text('quiz_mha_parameters = 16640\nquiz_decoder_cross_attention = "b\n', "utf-8")
    results = grade_workspace([MHA, CROSS], tmp_path)
    assert [r.status for r in results] == [Status.ERROR, Status.ERROR]
    assert {r.detail.key for r in results} == {"quiz.file-syntax"}
    assert path.read_text("utf-8").startswith("quiz_mha_parameters = 16640")  # untouched
    path.write_text("x" * (answers.MAX_BYTES + 1), "utf-8")
    assert grade_workspace([MHA], tmp_path)[0].detail.key == "quiz.file-too-big"
    path.write_text('quiz_mha_parameters = "lots"\nquiz_mha_weights_shape = {a = 1}\n', "utf-8")
    r = grade_workspace([MHA, WEIGHTS, CROSS], tmp_path)
    assert [x.detail.key for x in r] == ["quiz.bad-number", "quiz.bad-shape", "quiz.unanswered"]
    path.unlink()
    assert grade_workspace([MHA], tmp_path)[0].detail.key == "quiz.file-missing"


def test_writing_an_answer_keeps_the_rest_of_the_file(tmp_path):
    path = tmp_path / "quiz.toml"
    path.write_text('# my notes\nquiz_a = ""  # think\nquiz_b = [\n  2,\n  3,\n]\n# end\n', "utf-8")
    assert answers.set_answer(path, "quiz_a", "b") is None
    answers.set_answer(path, "quiz_b", [4, 5])
    answers.set_answer(path, "quiz_c", 1.5)
    assert path.read_text("utf-8") == ('# my notes\nquiz_a = "b"\nquiz_b = [4, 5]\n# end\n'
                                       "quiz_c = 1.5\n")
    path.write_text('quiz_a = "\n# mine\n', "utf-8")  # does not parse: backed up first
    backup = answers.set_answer(path, "quiz_a", "c", backups=tmp_path / "backups")
    assert backup.read_text("utf-8") == 'quiz_a = "\n# mine\n'
    assert path.read_text("utf-8") == 'quiz_a = "c"\n# mine\n'


# ----------------------------------------------------------------------------- the commands
def invoke(ws: Path, *args, input=None):
    return CliRunner().invoke(main, [*args, "--workspace", str(ws)], input=input,
                              env={"D2LKIT_LANG": "en", "NO_COLOR": "1"})


def results_of(ws: Path) -> dict:
    with Progress(ws / ".d2lkit" / "progress.sqlite3") as store:
        return {eid: s.status for eid, s in store.stats().items()}


def test_quiz_answer_option_grades_records_and_writes(fresh, tmp_path):
    ws = copy_of(fresh, tmp_path)
    out = invoke(ws, "quiz", "--answer", "ch10.quiz_mha_parameters=16640",
                 "--answer", "quiz_decoder_cross_attention=a",
                 "--answer", "ch10.quiz_mha_weights_shape=(2, 5, 7)")
    assert out.exit_code == 1, out.output  # one was wrong
    assert out.output.count("✓ Right.") == 2 and "✗ Not right: you answered a." in out.output
    assert CROSS.explanation["en"] in out.output and MHA.explanation["en"] in out.output
    data = answers.read(ws / "ch10" / "quiz.toml")
    assert (data["quiz_mha_parameters"], data["quiz_decoder_cross_attention"],
            data["quiz_mha_weights_shape"]) == (16640, "a", [2, 5, 7])
    stats = results_of(ws)
    assert (str(stats[MHA.id]), str(stats[CROSS.id])) == ("passed", "failed")
    # retrying a wrong answer is allowed, and in Chinese it says so in Chinese
    out = invoke(ws, "quiz", "--answer", "ch10.quiz_decoder_cross_attention=b", "--lang", "zh")
    assert out.exit_code == 0 and "✓ 正确。" in out.output and CROSS.explanation["zh"] in out.output
    assert str(results_of(ws)[CROSS.id]) == "passed"
    with Progress(ws / ".d2lkit" / "progress.sqlite3") as store:
        assert store.stats()[CROSS.id].attempts == 2
    # a usage error, not a crash
    assert invoke(ws, "quiz", "--answer", "ch10.MultiHeadAttention=3").exit_code == 2
    assert invoke(ws, "quiz", "--answer", "nonsense").exit_code == 2


def test_reset_empties_only_the_named_answer_after_a_backup(fresh, tmp_path):
    ws = copy_of(fresh, tmp_path)
    path = ws / "ch10" / "quiz.toml"
    assert invoke(ws, "reset", "ch10.quiz_mha_parameters", "--yes").output.startswith(
        "Nothing to reset")  # unanswered: already as the kit gave it
    invoke(ws, "quiz", "--answer", "ch10.quiz_mha_parameters=16640",
           "--answer", "ch10.quiz_decoder_cross_attention=b")
    answered = path.read_text("utf-8")
    out = invoke(ws, "reset", "ch10.quiz_mha_parameters", "--yes")
    assert out.exit_code == 0, out.output
    assert "the empty answer of quiz_mha_parameters in ch10/quiz.toml" in out.output
    after = path.read_text("utf-8")
    # that one line changed, nothing else: the other answer and every comment kept
    assert after == answered.replace("quiz_mha_parameters = 16640", 'quiz_mha_parameters = ""')
    assert answers.read(path)["quiz_decoder_cross_attention"] == "b"
    [backup] = (ws / ".d2lkit" / "backups").iterdir()
    assert (backup / "ch10" / "quiz.toml").read_text("utf-8") == answered
    stats = results_of(ws)
    assert (str(stats[MHA.id]), str(stats[CROSS.id])) == ("reset", "passed")
    # an answers file that is not TOML goes back whole, after its own backup
    path.write_text('quiz_mha_parameters = "unclosed\n', "utf-8")
    out = invoke(ws, "reset", "ch10.quiz_decoder_cross_attention", "--yes")
    assert "the whole answers file ch10/quiz.toml" in out.output
    assert path.read_text("utf-8") == answers.kit_copy(10).read_text("utf-8")
    assert any((b / "ch10" / "quiz.toml").read_text("utf-8").startswith('quiz_mha_parameters = "un')
               for b in (ws / ".d2lkit" / "backups").iterdir())


def test_quiz_interactive_letters_arrows_and_typed_values(fresh, tmp_path):
    ws = copy_of(fresh, tmp_path)
    # a typed letter answers a "one" at once
    out = invoke(ws, "quiz", "ch10.quiz_decoder_cross_attention", input="b")
    assert out.exit_code == 0 and "✓ Right." in out.output, out.output
    assert "a) the first" in out.output and "❯" in out.output
    # arrows: down twice, up once, Enter -> b
    out = invoke(ws, "quiz", "ch10.quiz_layer_norm_batch", input="\x1b[B\x1b[B\x1b[A\r")
    assert out.exit_code == 0 and "✓ Right." in out.output, out.output
    # "many": letters toggle (a, c, c again: the cursor is on c), up to b, space ticks it
    out = invoke(ws, "quiz", "ch3.quiz_minibatch_hyperparameters", input="acc\x1b[A \r")
    assert out.exit_code == 0 and "✓ Right." in out.output, out.output
    assert answers.read(ws / "ch03" / "quiz.toml")["quiz_minibatch_hyperparameters"] == "a,b"
    # typed: a bad value is asked again, then a right one
    out = invoke(ws, "quiz", "ch10.quiz_mha_weights_shape", input="two by three\n2, 5, 7\n")
    assert out.exit_code == 0 and "Try again" in out.output and "✓ Right." in out.output
    out = invoke(ws, "quiz", "ch10.quiz_mha_parameters", input="16000\n")
    assert out.exit_code == 1 and "✗ Not right: you answered 16000." in out.output
    # the chapter: only what is not right yet is asked; end of input stops cleanly
    out = invoke(ws, "quiz", "ch10", input="")
    assert "ch10.quiz_mha_parameters" in out.output and "ch10.quiz_layer_norm_batch" not in out.output
    assert "Traceback" not in out.output
    stats = results_of(ws)
    assert {str(stats[i]) for i in ("ch10.quiz_decoder_cross_attention",
                                    "ch10.quiz_layer_norm_batch",
                                    "ch3.quiz_minibatch_hyperparameters",
                                    "ch10.quiz_mha_weights_shape")} == {"passed"}


def test_check_grades_code_and_quizzes_together(fresh, tmp_path):
    ws = copy_of(fresh, tmp_path)
    answers.set_answer(ws / "ch10" / "quiz.toml", "quiz_mha_parameters", 16640)
    answers.set_answer(ws / "ch10" / "quiz.toml", "quiz_decoder_cross_attention", "c")
    out = invoke(ws, "check", "ch10.transpose_qkv", "ch10.quiz_mha_parameters",
                 "ch10.quiz_decoder_cross_attention", "ch10.quiz_layer_norm_batch", "--json")
    data = json.loads(out.output[out.output.index("{"):])
    got = {r["id"]: r["status"] for r in data["results"]}
    assert got == {"ch10.transpose_qkv": "not_implemented", MHA.id: "passed",
                   CROSS.id: "failed", "ch10.quiz_layer_norm_batch": "not_implemented"}
    assert out.exit_code == 1
    stats = results_of(ws)
    assert str(stats[MHA.id]) == "passed" and str(stats[CROSS.id]) == "failed"
    listing = invoke(ws, "list", "ch10", "--plain").output
    assert "quiz_mha_parameters" in listing and "quiz" in listing


def test_solution_of_a_quiz_is_its_answer_once_passed(fresh, tmp_path):
    ws = copy_of(fresh, tmp_path)
    out = invoke(ws, "solution", MHA.id)
    assert out.exit_code == 1 and "16640" not in out.output
    invoke(ws, "quiz", "--answer", f"{MHA.id}=16640")
    out = invoke(ws, "solution", MHA.id)
    assert out.exit_code == 0 and "Answer: 16640" in out.output


# ----------------------------------------------------------------------------- nbgrader
def test_nbgrader_export_and_autograde_read_the_answer_cell(tmp_path):
    from d2lkit.grading.options import Options
    from d2lkit.instructor import nbgrade, notebooks
    from d2lkit.quiz.notebook import read_answer

    quizzes = [ex for ex in CAT.exercises if ex.is_quiz and ex.chapter == 10]
    [path] = notebooks.export(quizzes, CAT, tmp_path / "course", "quiz10")
    nb = json.loads(path.read_text("utf-8"))
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]}
    solution = by_id[notebooks.grade_id(MHA.id, "solution")]
    assert solution["metadata"]["nbgrader"]["solution"] and "ANSWER = 16640" in solution["source"]
    test = by_id[notebooks.grade_id(MHA.id, "test")]
    assert test["metadata"]["nbgrader"]["grade"] and test["metadata"]["nbgrader"]["points"] == 1
    intro = by_id[notebooks.grade_id(CROSS.id, "intro")]["source"]
    assert CROSS.question["en"] in intro and "**b)**" in intro
    # the released notebook: nbgrader's ClearSolutions leaves no truth
    released = json.loads(json.dumps(nb))
    for cell in released["cells"]:
        src = cell["source"]
        if "### BEGIN SOLUTION" in src:
            cell["source"] = (src[:src.index("### BEGIN SOLUTION")]
                              + "# YOUR CODE HERE\nraise NotImplementedError()")
    text = json.dumps(released, ensure_ascii=False)
    assert "16640" not in text and "[2, 5, 7]" not in text and "(2, 5, 7)" not in text
    # a learner answers two (one right, one wrong), leaves the others
    for cell in released["cells"]:
        gid = cell["metadata"]["nbgrader"]["grade_id"]
        if gid == notebooks.grade_id(MHA.id, "solution"):
            cell["source"] = "ANSWER = 4 * 64 * 64 + 4 * 64  # not a literal: read as text\n" \
                             "ANSWER = 16640"
        if gid == notebooks.grade_id(WEIGHTS.id, "solution"):
            cell["source"] = "import os\nANSWER = (2, 7, 5)"
    sub_dir = tmp_path / "submitted" / "alice"
    sub_dir.mkdir(parents=True)
    (sub_dir / "quiz.ipynb").write_text(json.dumps(released), "utf-8")
    sub = nbgrade.NotebookSubmission("alice", sub_dir, [sub_dir / "quiz.ipynb"])
    [graded] = nbgrade.grade([sub], quizzes, Options(seed=1, lang="en"), catalogue=CAT)
    got = {r.id: r.status for r in graded.results}
    assert got[MHA.id] is Status.PASSED and got[WEIGHTS.id] is Status.FAILED
    assert got[CROSS.id] is Status.NOT_IMPLEMENTED
    assert read_answer("ANSWER = __import__('os').system('x')") == "__import__('os').system('x')"
    assert read_answer("raise NotImplementedError()") == ""


# ----------------------------------------------------------------------------- dev check
def planted(tmp_path, key_source: str):
    cat = catalogue.load_dir(write_chapter(tmp_path))
    grader = tmp_path / "grader"
    (grader / "ch10").mkdir(parents=True, exist_ok=True)
    (grader / "ch10" / "quiz_key.py").write_text(textwrap.dedent(key_source), "utf-8")
    key.clear_cache()
    return cat, grader


def write_chapter(tmp_path) -> Path:
    folder = tmp_path / "curriculum"
    folder.mkdir(exist_ok=True)
    text = QUIZ + '''
[[exercises]]
id = "ch10.quiz_count"
topic = "quiz"
section = "10.5"
kind = "quiz"
title = { en = "Count", zh = "计数" }
answer = "number"
question = { en = "How many?", zh = "多少？" }
explanation = { en = "So many.", zh = "这么多。" }
'''
    (folder / "ch10.toml").write_text(text, "utf-8")
    return folder


def test_dev_check_accepts_a_good_key_and_counts_the_rejected_wrong_answers(tmp_path):
    cat, grader = planted(tmp_path, '''
        from d2lkit.quiz.key import answer

        @answer("ch10.quiz_planted")
        def _():
            return "b"

        @answer("ch10.quiz_count")
        def _():
            from torch import nn
            return sum(p.numel() for p in nn.Linear(3, 2).parameters())
    ''')
    try:
        planted_ex, count = cat.exercises
        assert checks.problems(planted_ex, grader) == ([], 1)
        assert checks.problems(count, grader) == ([], 3)
        assert checks.extra_keys(cat, {10}, grader) == []
    finally:
        key.clear_cache()


@pytest.mark.parametrize("source, which, problem", [
    ('@answer("ch10.quiz_planted")\ndef _():\n    return "c"\n', 0, "one letter among 'ab'"),
    ('@answer("ch10.quiz_planted")\ndef _():\n    return ["b"]\n', 0, "one letter"),
    ("", 0, "no @answer('ch10.quiz_planted')"),
    ('@answer("ch10.quiz_count")\ndef _():\n    return 8\n', 1, "must measure it with torch"),
    ('@answer("ch10.quiz_count")\ndef _():\n    import torch\n    return "8"\n', 1,
     "must be an int or a float"),
])
def test_dev_check_refuses_a_planted_bad_key(tmp_path, source, which, problem):
    cat, grader = planted(tmp_path, "from d2lkit.quiz.key import answer\n\n" + source)
    try:
        found, _ = checks.problems(cat.exercises[which], grader)
        assert any(problem in f for f in found), found
    finally:
        key.clear_cache()


def test_dev_check_refuses_extra_and_repeated_keys(tmp_path):
    cat, grader = planted(tmp_path, '''
        from d2lkit.quiz.key import answer

        @answer("ch10.quiz_planted")
        def _():
            return "b"

        @answer("ch10.quiz_planted")
        def _():
            return "a"

        @answer("ch10.quiz_gone")
        def _():
            return "a"
    ''')
    try:
        found = [why for _, why in checks.extra_keys(cat, {10}, grader)]
        assert any("quiz_gone" in f and "no such quiz" in f for f in found)
        assert any("appears 2 times" in f for f in found)
    finally:
        key.clear_cache()


def test_a_grader_that_accepts_a_wrong_answer_is_refused(tmp_path, monkeypatch):
    cat, grader = planted(tmp_path, '''
        from d2lkit.quiz.key import answer

        @answer("ch10.quiz_count")
        def _():
            from torch import nn
            return sum(p.numel() for p in nn.Linear(3, 2).parameters())
    ''')
    count = cat.exercises[1]
    import dataclasses

    loose = dataclasses.replace(count, tolerance=0.5)  # ±1 of 8 passes: a grader hole
    try:
        found, _ = checks.problems(loose, grader)
        assert any("the wrong answer 9 is accepted" in f for f in found), found
        assert checks.wrong_answers(count, 8) == [9, 7, 16]
        assert checks.wrong_answers(WEIGHTS, (2, 5, 7)) == [
            (1, 5, 7), (3, 5, 7), (2, 4, 7), (2, 6, 7), (2, 5, 6), (2, 5, 8)]
        assert frozenset("a") in checks.wrong_answers(HYPER, frozenset("ab"))
        assert frozenset("abc") in checks.wrong_answers(HYPER, frozenset("ab"))
    finally:
        key.clear_cache()


def test_dev_check_of_the_kits_quizzes_is_green():
    from d2lkit.authoring import devcheck

    out = StringIO()
    quizzes = [ex for ex in CAT.exercises if ex.is_quiz]
    assert devcheck.run(CAT, quizzes, "en", Console(file=out, width=300), mutants=False), \
        out.getvalue()
    assert f"{len(quizzes)}/{len(quizzes)} exercises pass" in out.getvalue()


def test_lint_wants_the_answers_file_current(tmp_path):
    from d2lkit.authoring import lint

    trees = lint.Trees.of_kit()
    stale = lint.Trees(tmp_path / "exercises", trees.solutions, trees.grader)
    problems = lint.stale_stubs([MHA], stale, CAT)
    assert problems and "dev sync" in problems[0].message
    assert lint.stale_stubs([MHA], trees, CAT) == []
    # a quiz's missing zh explanation is a text problem
    import dataclasses

    bad = dataclasses.replace(MHA, explanation={"en": "x"})
    assert any("explanation: no zh" in p.message for p in lint.text_problems(bad))


@pytest.mark.slow
def test_real_nbgrader_releases_no_truth_and_autograde_scores_the_answers(tmp_path):
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook

    from tests.test_instructor_nbgrader_e2e import autograde, cells, d2lkit_cli, nbgrader, set_cell

    course, assignment = tmp_path / "course", "quizzes"
    d2lkit_cli("nbgrader", "init", course, "--course-id", "quiz", "--timeout", "60", cwd=tmp_path)
    d2lkit_cli("nbgrader", "export", "quiz", course, "--assignment", assignment, cwd=tmp_path)
    nbgrader("generate_assignment", assignment, "--create", "--force", cwd=course)
    released = (course / "release" / assignment / "quiz.ipynb").read_text("utf-8")
    assert "ANSWER = 16640" not in released and "16640" not in released
    assert MHA.question["en"] in released
    assert "kernel_check" not in released  # the hidden region went with the release
    # that region, in the source's test cell, is what nbgrader's own kernel-side autograde runs:
    # it must refuse a wrong or missing answer (a comment-only cell gave every quiz its points)
    source = json.loads((course / "source" / assignment / "quiz.ipynb").read_text("utf-8"))
    test_cell = cells(source)[notebooks_gid(MHA).replace("solution", "test")]["source"]
    assert "kernel_check('ch10.quiz_mha_parameters', ANSWER)" in test_cell
    exec(test_cell, {"ANSWER": 16640})
    for wrong in (16641, ""):
        with pytest.raises(AssertionError):
            exec(test_cell, {"ANSWER": wrong})
    with pytest.raises(NameError):
        exec(test_cell, {})
    nb = json.loads(released)
    mha, cross = (notebooks_gid(MHA), notebooks_gid(CROSS))
    assert "raise NotImplementedError" in cells(nb)[mha]["source"]
    answers_of = {"alice": ("ANSWER = 16640", "ANSWER = 'b'"),
                  "bob": ("ANSWER = 16641", "ANSWER = 'B'"), "carol": None}
    for name, given in answers_of.items():
        mine = json.loads(released)
        if given:
            set_cell(mine, mha, given[0])
            set_cell(mine, cross, given[1])
        folder = course / "submitted" / name / assignment
        folder.mkdir(parents=True)
        (folder / "quiz.ipynb").write_text(json.dumps(mine), "utf-8")
    r = autograde(assignment, course, "--seed", "1")
    assert r.exit_code == 0, r.output
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        got = {name: gb.find_submission(assignment, name).score for name in answers_of}
        assert gb.find_assignment(assignment).max_score == sum(
            ex.points for ex in CAT.exercises if ex.is_quiz and not ex.stretch)
    assert got == {"alice": 2.0, "bob": 1.0, "carol": 0.0}


def notebooks_gid(ex) -> str:
    from d2lkit.instructor.notebooks import grade_id

    return grade_id(ex.id, "solution")
