"""The curriculum itself: a well-formed catalogue, and `d2lkit dev check` green for every chapter
(each stub grades not_implemented, each solution passes, each catalogued mistake's mutant is caught
with its id)."""

import re
from collections import Counter

import pytest

from conftest import run_cli
from d2lkit import catalogue
from d2lkit.authoring import lint
from d2lkit.i18n import LANGS

CAT = catalogue.load()
REQUIRED_CHAPTERS = range(2, 12)


def test_every_chapter_is_there():
    assert [ch.number for ch in CAT.chapters] == list(REQUIRED_CHAPTERS)


def test_ids_topics_and_mistakes_are_unique_and_well_formed():
    assert not [i for i, n in Counter(ex.id for ex in CAT.exercises).items() if n > 1]
    topic_chapters = {}
    for ex in CAT.exercises:
        assert re.fullmatch(rf"ch{ex.chapter}\.\w+", ex.id), ex.id
        if not ex.is_quiz:  # every chapter's quizzes share the topic "quiz"
            assert topic_chapters.setdefault(ex.topic, ex.chapter) == ex.chapter, f"topic {ex.topic} in two chapters"
        assert ex.section.split(".")[0] == str(ex.chapter), ex.id
        ids = [m.id for m in ex.mistakes]
        assert len(ids) == len(set(ids)), ex.id
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", m) for m in ids), ex.id
        for text in [ex.title, *ex.hints, *(m.hint for m in ex.mistakes)]:
            assert all(text.get(lang) for lang in LANGS), ex.id


def test_chapter_sizes_match_the_catalogue():
    main = Counter(ex.chapter for ex in CAT.exercises if not ex.stretch and not ex.is_quiz)
    expected = {2: 11, 3: 16, 4: 12, 5: 10, 6: 12, 7: 10, 8: 12, 9: 12, 10: 12, 11: 7}
    assert dict(main) == expected


def test_the_kit_passes_the_static_lint():
    """dev check's static half over the whole kit: every @grades id known and in its topic's
    grader, every exercise checked, no stray file, stubs current, texts in both languages."""
    problems = lint.lint(CAT, CAT.exercises, lint.Trees.of_kit())
    assert not problems, "\n".join(map(str, problems))


def test_english_edition_aliases():
    ids = lambda target: {ex.id for ex in CAT.resolve([target])}
    assert ids("en:7") == ids("ch6")
    assert ids("en:3.7") == ids("4.5")
    assert ids("en:10.1") == ids("9.2")  # en swaps LSTM and GRU
    assert ids("en:12") == ids("ch11") and ids("en:12.10") == ids("11.10")  # optimization


def test_unknown_targets_suggest_near_names():
    with pytest.raises(catalogue.TargetError) as e:
        CAT.resolve(["ch6.conv_output_shap"])
    assert "ch6.conv_output_shape" in e.value.suggestions


@pytest.mark.slow
@pytest.mark.parametrize("chapter", [f"ch{n}" for n in REQUIRED_CHAPTERS])
def test_dev_check_is_green(chapter):
    out = run_cli("dev", "check", chapter, timeout=1800, env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-3000:]
