"""Chinese text uses full-width punctuation after Chinese words (问题所在：, 提示：), in the locale
file and in the lines the code composes from it."""

from __future__ import annotations

import re

from d2lkit import i18n
from d2lkit.catalogue import Exercise, Mistake
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import CheckResult, Detail, ExerciseResult
from d2lkit.output.messages import failure_lines

# a CJK character, optional spaces, then ASCII punctuation that has a full-width form
HALF_WIDTH_AFTER_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e]\s*[:,;?!]")


def offenders(text: str) -> list[str]:
    return [m.group(0) for m in HALF_WIDTH_AFTER_CJK.finditer(text)]


def test_the_scanner_finds_what_it_is_for():
    assert offenders("问题所在: 形状不对") == ["在:"]
    assert offenders("检查项, 通过") == ["项,"]
    assert offenders("问题所在：形状不对") == [] and offenders("得到 (3, 1)，期望 (3,)") == []


def test_no_ascii_colon_or_comma_directly_after_chinese_in_zh_toml():
    bad = {key: offenders(text) for key, text in i18n._table("zh").items() if offenders(text)}
    assert bad == {}


def test_lines_composed_in_code_use_full_width_punctuation():
    mistake = Mistake("wrong-axis", {"en": "Sum each row.", "zh": "按行求和。"})
    ex = Exercise(id="ch2.bad", chapter=2, topic="norms", section="2.3",
                  title={"en": "bad", "zh": "错"}, points=1, functions=("bad",), forbid=(),
                  hints=({"en": "a hint", "zh": "提示"},), mistakes=(mistake,))
    problem = Detail("shape", {"what": "f(A)", "got": "(3,)", "expected": "(3, 1)"})
    check = CheckResult("test_rows", {"en": "rows", "zh": "每行"}, Status.FAILED,
                        mistake="wrong-axis", detail=problem)
    result = ExerciseResult.of(ex, Status.FAILED, mistake="wrong-axis", detail=problem,
                               checks=[check])
    lines = [line.text for line in failure_lines(result, ex, "zh")]
    assert any(line.startswith("问题所在：") for line in lines), lines
    assert any(line.startswith("提示：") for line in lines), lines
    assert not [line for line in lines if offenders(line)]
    # the stubs' bilingual heading of forbidden names too
    from d2lkit.authoring.stubs import FORBID_HEADING, FORBID_PRIVATE

    assert not offenders(FORBID_HEADING) and not offenders(FORBID_PRIVATE)
