"""Quizzes in nbgrader notebooks: `d2lkit nbgrader export` writes one notebook of a target's
quizzes (`quiz.ipynb`): per quiz, a locked markdown cell with the question and its lettered
choices (both languages), then an answer cell whose solution region holds
`ANSWER = <the truth>`; nbgrader's release replaces that region, so the released notebook holds
no truth; a locked test cell after it carries the points. `d2lkit nbgrader autograde` /
`d2lkit grade` read that cell statically — the last `ANSWER = <literal>` at its top level, by
ast.literal_eval, never run — and write the answers into the built workspace's chNN/quiz.toml,
which the quiz grader grades like a learner's own file.

The test cell runs nothing a learner sees: its call of `kernel_check` sits in nbgrader's hidden
tests region, which the release removes. It is there for nbgrader's own autograde in a course
d2lkit did not configure, which runs the test cells in the student's kernel: without it, a
comment-only cell would pass there and give every quiz its points, answered or not. (In the
kernel the student could forge that verdict, as any kernel-side grade; d2lkit never runs it.)
"""

from __future__ import annotations

import ast
from pathlib import Path

from d2lkit.i18n import pick, t
from d2lkit.quiz.answers import LETTERS, toml_value

NAME = "ANSWER"  # the variable a learner's answer cell assigns


def _solution_literal(ex, truth) -> str:
    if ex.answer_kind == "many":
        return repr(",".join(sorted(truth)))
    if ex.answer_kind == "shape":
        return repr(tuple(truth))
    return repr(truth)


def quiz_cells(ex, chapter, langs, points: int) -> list[dict]:
    """The markdown cell, the answer cell and the (locked, autograded) score cell of quiz `ex`."""
    from d2lkit.authoring.stubs import BEGIN, END
    from d2lkit.instructor.notebooks import HIDDEN_BEGIN, HIDDEN_END, code, grade_id, markdown
    from d2lkit.quiz.key import truth

    lang = langs[0]
    parts = []
    for l in langs:
        title = pick(ex.title, l)
        heading = f"## {ex.section} {title}" if l == lang else f"**{ex.section} {title}**"
        parts.append(f"{heading}  ({ex.id}, {ex.points} pt)\n\n{pick(ex.question, l)}")
        if ex.choices:
            parts.append("\n".join(f"- **{LETTERS[i]})** {pick(c, l)}"
                                   for i, c in enumerate(ex.choices)))
        parts.append(f"*{t(f'quiz.form-{ex.answer_kind}', l)}*")
    cells = [markdown("\n\n".join(parts), grade_id(ex.id, "intro"))]
    source = "\n".join([f"# {ex.id}: {t(f'quiz.form-{ex.answer_kind}', lang)}  ({NAME} = …)",
                        BEGIN, f"{NAME} = {_solution_literal(ex, truth(ex))}", END])
    cells.append(code(source, grade_id(ex.id, "solution"), solution=True))
    # the score's cell, as for code exercises: autograde gives it the quiz's verdict and its
    # report (right or wrong, and the explanation) as output
    check = "\n".join([f"# {ex.id} ({ex.points} pt) — {t('quiz.nb-test', lang, name=NAME)}",
                       HIDDEN_BEGIN, "from d2lkit.quiz.notebook import kernel_check",
                       f"kernel_check({ex.id!r}, {NAME})", HIDDEN_END])
    cells.append(code(check, grade_id(ex.id, "test"), grade=True, locked=True, points=points))
    return cells


def quiz_notebook(exercises: list, catalogue, lang: str = "en", stretch: str | None = None
                  ) -> dict:
    """The nbgrader source notebook of a target's quizzes."""
    from d2lkit.instructor.notebooks import cell_points, grade_id, markdown, notebook

    langs = (lang, "zh" if lang == "en" else "en")
    chapters = [catalogue.chapter_by_number[n] for n in dict.fromkeys(ex.chapter for ex in exercises)]
    title = " · ".join(f"{ch.id} " + " / ".join(pick(ch.title, l) for l in langs)
                       for ch in chapters)
    how = "\n\n".join(t("quiz.nb-how", l, name=NAME) for l in langs)
    cells = [markdown(f"# {t('quiz.nb-title', lang)} — {title}\n\n{how}",
                      grade_id("quiz", "intro"))]
    for ex in exercises:
        cells += quiz_cells(ex, catalogue.chapter_of(ex), langs, cell_points(ex, stretch))
    return notebook(cells)


def read_answer(source: str):
    """The value of the last top-level `ANSWER = …` of a cell, read without running it: a
    literal as itself, any other expression as its text (the grader then says it is not of the
    quiz's form); "" when the cell assigns none or does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    value = ""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == NAME):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                value = ast.get_source_segment(source, node.value) or ""
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, (str, int, float, list)) or isinstance(value, bool):
        value = repr(value)
    if isinstance(value, list) and not all(isinstance(v, int) and not isinstance(v, bool)
                                           for v in value):
        value = repr(value)
    return value


def kernel_check(quiz_id: str, answer) -> None:
    """nbgrader's own autograde of a quiz, in the kernel (see the module's docstring): raises
    AssertionError unless `answer` is right, as the kit's grader decides it. Says nothing about
    the truth."""
    from d2lkit import catalogue
    from d2lkit.quiz.grading import grade_value

    ex = catalogue.load().by_id[quiz_id]
    if isinstance(answer, tuple):
        answer = list(answer)
    result = grade_value(ex, answer)
    assert result.passed, f"{quiz_id}: {result.status.value}"


def write_answers(root: Path, cells, catalogue) -> list[str]:
    """Write the quiz answer cells (nbgrade.Cell of role "solution" of a quiz) as the answers
    files of the workspace being built at `root`; returns the relpaths written."""
    by_file: dict[str, list[str]] = {}
    for cell in cells:
        ex = catalogue.by_id.get(cell.role.exercise)
        if ex is None or not ex.is_quiz:
            continue
        by_file.setdefault(ex.relpath, []).append(
            f"{ex.name} = {toml_value(read_answer(cell.source))}")
    for relpath, lines in by_file.items():
        path = Path(root) / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", "utf-8")
    return list(by_file)
