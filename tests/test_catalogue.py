"""The catalogue's schema and `dev check`'s static lint, on small temporary trees and tomls."""

import dataclasses
import subprocess
import sys
import textwrap

import pytest

from d2lkit import catalogue
from d2lkit.authoring import lint
from d2lkit.authoring.stubs import make_stub
from d2lkit.catalogue import CatalogueError

CHAPTER = """\
schema = 1

[chapter]
number = 3
slug = "linear-networks"
title = { en = "Linear Neural Networks", zh = "线性神经网络" }

[chapter.sections]
"3.6" = { en = "Softmax from scratch", zh = "softmax回归的从零开始实现" }

[[exercises]]
id = "ch3.softmax"
topic = "softmax_scratch"
section = "3.6"
title = { en = "Softmax", zh = "softmax" }
hints = [{ en = "exp, then divide", zh = "先取指数再相除" }]
mistakes = [{ id = "no-max", hint = { en = "subtract the max", zh = "减去最大值" } }]

[[exercises]]
id = "ch3.accuracy"
topic = "softmax_scratch"
section = "3.6"
title = { en = "Accuracy", zh = "准确率" }
hints = [{ en = "argmax", zh = "argmax" }]
"""

SOLUTION = '''\
import torch


def softmax(X):
    """Rows of X turned into distributions."""
    ### BEGIN SOLUTION
    return torch.softmax(X, dim=1)
    ### END SOLUTION


def accuracy(y_hat, y):
    """How many predictions are right."""
    ### BEGIN SOLUTION
    return float((y_hat.argmax(1) == y).sum())
    ### END SOLUTION
'''

GRADER = '''\
from d2lkit.grading.api import expect, grades

ACC = "ch3.accuracy"


@grades("ch3.softmax", en="rows sum to 1", zh="每行之和为 1")
def test_rows(student):
    expect(True, what="")


@grades(ACC, en="counts", zh="计数")
def test_counts(student):
    expect(True, what="")
'''


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def read(tmp_path, text):
    return catalogue.read_chapter(write(tmp_path / "ch03.toml", text))


# ----------------------------------------------------------------------------- the schema
def test_a_well_formed_chapter_reads_with_the_new_fields_defaulted(tmp_path):
    ch = read(tmp_path, CHAPTER)
    softmax = ch.exercises[0]
    assert (softmax.kind, softmax.forms, softmax.time_budget) == ("function", (), None)
    assert softmax.functions == ("softmax",) and softmax.points == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        softmax.kind = "module"


def test_kind_defaults_to_module_for_a_class(tmp_path):
    text = CHAPTER.replace('id = "ch3.accuracy"', 'id = "ch3.accuracy"\nfunctions = ["Accuracy"]')
    assert read(tmp_path, text).exercises[1].kind == "module"


def test_the_new_optional_fields(tmp_path):
    text = CHAPTER.replace('id = "ch3.softmax"', 'id = "ch3.softmax"\nkind = "training"\n'
                           'forms = ["pair:padding", "pair:stride"]\ntime_budget = 30')
    ex = read(tmp_path, text).exercises[0]
    assert ex.kind == "training" and ex.forms == ("pair:padding", "pair:stride")
    assert ex.time_budget == 30.0 and isinstance(ex.time_budget, float)


@pytest.mark.parametrize("text, key", [
    (CHAPTER.replace("schema = 1\n", ""), "schema"),
    (CHAPTER.replace("schema = 1", "schema = 2"), "schema"),
    (CHAPTER.replace("schema = 1", 'schema = "1"'), "schema"),
])
def test_a_missing_or_unsupported_schema_version_is_an_error(tmp_path, text, key):
    with pytest.raises(CatalogueError) as e:
        read(tmp_path, text)
    assert str(e.value).startswith(f"ch03.toml: {key}: ")


@pytest.mark.parametrize("old, new, key", [
    ("schema = 1", "schema = 1\nversion = 3", "version"),
    ('slug = "linear-networks"', 'slug = "linear-networks"\nalias = ["lin"]', "chapter.alias"),
    ('section = "3.6"\ntitle = { en = "Softmax"',
     'section = "3.6"\nhint = "x"\ntitle = { en = "Softmax"', "exercises[0] (ch3.softmax).hint"),
    ('{ en = "exp, then divide", zh', '{ en = "exp, then divide", fr = "x", zh',
     "exercises[0] (ch3.softmax).hints[0].fr"),
    ('{ id = "no-max", hint', '{ id = "no-max", text = "x", hint',
     "exercises[0] (ch3.softmax).mistakes[0].text"),
    ('"3.6" = { en = "Softmax from scratch"', '"3.6" = { EN = "Softmax from scratch"',
     "chapter.sections.3.6.EN"),
])
def test_unknown_keys_are_errors_naming_the_file_and_the_key(tmp_path, old, new, key):
    assert old in CHAPTER
    with pytest.raises(CatalogueError) as e:
        read(tmp_path, CHAPTER.replace(old, new, 1))
    assert str(e.value).startswith(f"ch03.toml: {key}: unknown key")
    assert e.value.key == key


def test_an_unknown_key_suggests_the_known_one(tmp_path):
    with pytest.raises(CatalogueError, match="did you mean 'hints'"):
        read(tmp_path, CHAPTER.replace('section = "3.6"\ntitle = { en = "Softmax"',
                                       'section = "3.6"\nhint = []\ntitle = { en = "Softmax"'))


def with_accuracy_field(field, value):
    """CHAPTER with one field of ch3.accuracy set to the TOML text `value`."""
    head, tail = CHAPTER.split('[[exercises]]\nid = "ch3.accuracy"\n')
    kept = [line for line in tail.splitlines() if not line.startswith(f"{field} = ")]
    return (head + '[[exercises]]\nid = "ch3.accuracy"\n' + f"{field} = {value}\n"
            + "\n".join(kept) + "\n")


@pytest.mark.parametrize("field, value", [
    ("points", '"2"'), ("points", "0"), ("points", "true"), ("stretch", '"yes"'),
    ("forbid", '"torch.softmax"'), ("functions", "[1]"), ("kind", '"class"'),
    ("forms", '"batched"'), ("forms", '["batched"]'), ("forms", '["pair:"]'),
    ("time_budget", "0"), ("time_budget", '"10"'), ("section", "3.6"), ("hints", '"exp"'),
    ("mistakes", '["no-max"]'), ("title", '"Accuracy"'),
])
def test_wrong_types_are_errors_naming_the_file_and_the_key(tmp_path, field, value):
    with pytest.raises(CatalogueError) as e:
        read(tmp_path, with_accuracy_field(field, value))
    assert str(e.value).startswith(f"ch03.toml: exercises[1] (ch3.accuracy).{field}")
    assert "must be" in str(e.value)


def test_an_id_of_another_chapter_is_an_error(tmp_path):
    with pytest.raises(CatalogueError) as e:
        read(tmp_path, CHAPTER.replace('id = "ch3.accuracy"', 'id = "ch4.accuracy"'))
    assert str(e.value).startswith(
        'ch03.toml: exercises[1] (ch4.accuracy).id: must be "ch3.<name>"')


def test_a_file_that_is_not_toml_names_itself(tmp_path):
    with pytest.raises(CatalogueError, match="^ch03.toml: toml: "):
        read(tmp_path, CHAPTER + "\n[[exercises]\n")


def test_the_kits_catalogue_follows_the_schema():
    catalogue.load.cache_clear()
    cat = catalogue.load()
    assert all(ex.kind in catalogue.KINDS for ex in cat.exercises)
    assert cat.by_id["ch5.MyLinear"].kind == "module"
    assert cat.by_id["ch2.vector_norm"].kind == "function"


def test_loading_the_catalogue_imports_no_torch():
    code = ("import sys; from d2lkit import catalogue; catalogue.load(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- the lint
@pytest.fixture
def kit(tmp_path):
    """A one-chapter kit that is consistent: catalogue, solution, stub, grader and a mutant."""
    write(tmp_path / "curriculum" / "ch03.toml", CHAPTER)
    sol = write(tmp_path / "solutions" / "ch03" / "softmax_scratch.py", SOLUTION)
    write(tmp_path / "exercises" / "ch03" / "softmax_scratch.py", make_stub(sol.read_text()))
    write(tmp_path / "grader" / "ch03" / "test_softmax_scratch.py", GRADER)
    write(tmp_path / "tests" / "mutants" / "ch03" / "softmax" / "no-max.py",
          "def softmax(X): ...\n")
    (tmp_path / "grader" / "ch03" / "__pycache__").mkdir()  # Python's, never a stray
    trees = lint.Trees(tmp_path / "exercises", tmp_path / "solutions", tmp_path / "grader",
                       tmp_path / "tests" / "mutants")
    return catalogue.load_dir(tmp_path / "curriculum"), trees


def messages(problems):
    return [str(p) for p in problems]


def test_a_consistent_kit_has_no_problems(kit):
    cat, trees = kit
    assert lint.lint(cat, cat.exercises, trees) == []


def test_grades_ids_are_read_statically(kit):
    cat, trees = kit
    assert lint.grades_calls(trees.grader / "ch03" / "test_softmax_scratch.py") == [
        (6, "ch3.softmax"), (11, "ch3.accuracy")]


def test_an_unknown_grades_id_is_reported_with_the_nearest_ids(kit):
    cat, trees = kit
    grader = trees.grader / "ch03" / "test_softmax_scratch.py"
    grader.write_text(grader.read_text().replace('@grades("ch3.softmax"', '@grades("ch3.sofmax"'))
    assert messages(lint.unknown_grades_ids(cat, trees.grader)) == [
        "grader/ch03/test_softmax_scratch.py:6: @grades('ch3.sofmax') names no catalogue exercise; "
        "did you mean ch3.softmax?"]
    # ...and since nothing checks ch3.softmax any more:
    assert messages(lint.exercises_without_checks(cat, trees.grader)) == [
        "ch3.softmax: no @grades('ch3.softmax') check in grader/ch03/test_softmax_scratch.py"]


def test_an_id_that_cannot_be_read_statically_is_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "test_softmax_scratch.py", GRADER + '''

@grades("ch3." + "softmax", en="", zh="")
def test_more(student):
    pass
''')
    assert messages(lint.unknown_grades_ids(cat, trees.grader)) == [
        "grader/ch03/test_softmax_scratch.py:16: @grades id is neither a string nor a module "
        "constant, so it cannot be checked"]


def test_a_grader_that_does_not_parse_is_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "test_softmax_scratch.py", GRADER + "\ndef broken(:\n")
    [problem] = lint.unknown_grades_ids(cat, trees.grader)
    assert "does not parse" in problem.message


def test_a_grader_file_without_an_exercise_is_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "test_old_topic.py", "")
    assert messages(lint.graders_without_exercises(cat, trees.grader)) == [
        "grader/ch03/test_old_topic.py: no catalogue exercise has topic 'old_topic' in ch3"]


def test_checks_in_another_topics_grader_are_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "test_other.py", GRADER)
    problems = lint.misplaced_checks(cat, trees.grader)
    assert [p.exercise for p in problems] == ["ch3.softmax", "ch3.accuracy"]
    assert problems[0].where == "grader/ch03/test_other.py:6"
    assert "ch03/test_softmax_scratch.py" in problems[0].message


def test_an_exercise_without_a_grader_is_reported(kit):
    cat, trees = kit
    (trees.grader / "ch03" / "test_softmax_scratch.py").unlink()
    assert [p.exercise for p in lint.exercises_without_checks(cat, trees.grader)] == [
        "ch3.softmax", "ch3.accuracy"]


def test_files_that_belong_to_no_exercise_are_reported(kit):
    cat, trees = kit
    write(trees.exercises / "ch03" / "old.py", "")
    write(trees.solutions / "ch03" / "notes.txt", "")
    write(trees.grader / "ch03" / "helpers.py", "")
    write(trees.mutants / "ch03" / "removed_exercise" / "some-mistake.py", "")
    write(trees.mutants / "ch03" / "softmax" / "no-maxx.py", "")
    write(trees.exercises / "README.md", "")
    write(trees.mutants / "notes.txt", "")
    assert sorted(messages(lint.stray_files(cat, trees))) == sorted([
        "exercises/ch03/old.py: no catalogue exercise has topic 'old' in ch3",
        "solutions/ch03/notes.txt: not a topic module",
        "grader/ch03/helpers.py: not a grader file (grader/chNN/test_<topic>.py) nor its probes "
        "(probes_<topic>.py)",
        "tests/mutants/ch03/removed_exercise: no catalogue exercise ch3.removed_exercise",
        "tests/mutants/ch03/softmax/no-maxx.py: names no catalogued mistake of ch3.softmax",
        "exercises/README.md: not a chapter folder (chNN)",
        "tests/mutants/notes.txt: not a chapter folder (chNN)",
    ])


PROBES = '''\
import torch


def probe_rows(mod, X):
    return mod.softmax(X).sum(1)
'''


def test_a_probes_file_beside_its_grader_belongs_to_it(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "probes_softmax_scratch.py", PROBES)
    assert lint.lint(cat, cat.exercises, trees) == []


def test_a_probes_file_without_its_grader_is_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "probes_old_topic.py", PROBES)
    assert messages(lint.stray_files(cat, trees)) == [
        "grader/ch03/probes_old_topic.py: probes without a grader: no grader/ch03/test_old_topic.py"]


def test_a_probe_defined_in_a_grader_file_is_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "test_softmax_scratch.py", GRADER + "\n\n" + PROBES.split("\n\n\n")[1])
    assert messages(lint.probes_in_graders(trees.grader)) == [
        "grader/ch03/test_softmax_scratch.py:16: probe_rows: probes must live in "
        "probes_softmax_scratch.py: sandbox children cannot read grader files"]
    assert messages(lint.lint(cat, cat.exercises, trees)) == messages(
        lint.probes_in_graders(trees.grader))


def test_a_nested_probe_or_a_probe_in_a_probes_file_is_not_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "probes_softmax_scratch.py", PROBES)
    write(trees.grader / "ch03" / "test_softmax_scratch.py", GRADER + '''

def helper():
    def probe_inner(mod):
        return mod
    return probe_inner
''')
    assert lint.probes_in_graders(trees.grader) == []


@pytest.mark.parametrize("text, line, message", [
    ("from d2lkit.grading.api import pair, reference\n", 1,
     "uses reference: sandbox children read probes files, the reference solution stays in the grader"),
    ("from d2lkit.grading import api\n\nref = api.reference(__file__)\n", 3,
     "uses reference: sandbox children read probes files, the reference solution stays in the grader"),
    ("def test_rows(student):\n    pass\n", 1,
     "test_rows: checks belong in test_softmax_scratch.py; sandbox children read probes files"),
])
def test_a_probes_file_with_the_graders_secrets_is_reported(kit, text, line, message):
    cat, trees = kit
    write(trees.grader / "ch03" / "probes_softmax_scratch.py", text + "\n\n" + PROBES)
    assert messages(lint.leaky_probes(trees.grader)) == [
        f"grader/ch03/probes_softmax_scratch.py:{line}: {message}"]
    assert messages(lint.lint(cat, cat.exercises, trees)) == [
        f"grader/ch03/probes_softmax_scratch.py:{line}: {message}"]


def test_a_probes_file_that_does_not_parse_is_reported(kit):
    cat, trees = kit
    write(trees.grader / "ch03" / "probes_softmax_scratch.py", "def probe_x(:\n")
    [problem] = lint.leaky_probes(trees.grader)
    assert problem.where == "grader/ch03/probes_softmax_scratch.py:1"
    assert "does not parse" in problem.message


def test_the_kits_graders_keep_their_probes_apart():
    trees = lint.Trees.of_kit()
    assert lint.probes_in_graders(trees.grader) == []
    assert lint.leaky_probes(trees.grader) == []


def test_a_chapter_folder_the_catalogue_lacks_is_reported(kit):
    cat, trees = kit
    write(trees.solutions / "ch04" / "mlp.py", "")
    assert messages(lint.stray_files(cat, trees)) == [
        "solutions/ch04/mlp.py: no catalogue exercise has topic 'mlp' in ch4"]


def test_stale_and_missing_stubs_are_reported(kit):
    cat, trees = kit
    stub = trees.exercises / "ch03" / "softmax_scratch.py"
    stub.write_text(stub.read_text() + "# edited by hand\n")
    problems = lint.stale_stubs(cat.exercises, trees)
    assert [p.exercise for p in problems] == ["ch3.softmax", "ch3.accuracy"]
    assert "out of date" in problems[0].message
    stub.unlink()
    [missing, _] = lint.stale_stubs(cat.exercises, trees)
    assert missing.message == "no stub exercises/ch03/softmax_scratch.py (run d2lkit dev sync)"


def test_unbalanced_solution_markers_are_reported(kit):
    cat, trees = kit
    sol = trees.solutions / "ch03" / "softmax_scratch.py"
    sol.write_text(sol.read_text().replace("    ### END SOLUTION\n", "", 1))
    problems = lint.stale_stubs(cat.exercises, trees)
    assert problems and "BEGIN SOLUTION inside another" in problems[0].message


def test_missing_translations_are_reported(kit, tmp_path):
    cat, _ = kit
    text = CHAPTER.replace('{ en = "argmax", zh = "argmax" }', '{ en = "argmax" }')
    ex = catalogue.read_chapter(write(tmp_path / "ch03.toml", text)).exercises[1]
    assert messages(lint.text_problems(ex)) == ["ch3.accuracy: hint 1: no zh"]
    assert lint.text_problems(cat.exercises[1]) == []


def test_lint_reports_what_concerns_the_exercises_checked(kit):
    cat, trees = kit
    write(trees.solutions / "ch04" / "mlp.py", "")  # another chapter's folder: its own run
    write(trees.solutions / "stray.py", "")  # beside the chapter folders: every run
    write(trees.exercises / "ch03" / "old.py", "")  # the chapter checked
    stub = trees.exercises / "ch03" / "softmax_scratch.py"
    stub.write_text(stub.read_text() + "# edited\n")
    accuracy = [cat.by_id["ch3.accuracy"]]
    assert sorted(messages(lint.lint(cat, accuracy, trees))) == sorted([
        "solutions/stray.py: not a chapter folder (chNN)",
        "exercises/ch03/old.py: no catalogue exercise has topic 'old' in ch3",
        "ch3.accuracy: exercises/ch03/softmax_scratch.py is out of date (run d2lkit dev sync)",
    ])
