"""`d2lkit dev check`: proof that the exercises are consistent. For the exercises asked for it
refuses, as rustlings' `dev check` does, every inconsistency:

- the static lint (`lint.lint`): unknown or misplaced `@grades` ids, graders and files that belong
  to no exercise, exercises without checks, stubs that differ from the generated ones, titles and
  hints missing a language;
- every stub grades `not_implemented` and every reference solution passes;
- every catalogued mistake has a mutant in tests/mutants/ that the grader rejects with that id;
- in a checkout, every exercise's mutation report (`d2lkit dev mutate`, see mutate.py) is current
  (made from the solution and grader files as they are now) and lists no survivor that is not
  recorded as equivalent, and no auto-generated mutant diagnosed with a catalogued mistake that
  its change is not (recorded in chNN.diagnoses.toml when it is): together with the written
  mutants above, each mistake id is given only for the mutants that make that mistake. Reading
  the reports grades nothing, so this costs no time.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rich.table import Table
from rich.text import Text

from d2lkit.authoring import lint, mutate
from d2lkit.i18n import t
from d2lkit.output.messages import detail_text
from d2lkit.paths import content_dir


def mutant_workspace(ex, mutant: Path, into: Path) -> Path:
    """A copy of the solutions' chapter with the mutant appended to the exercise's module (later
    definitions win, so the mutant replaces what it redefines)."""
    chapter = Path(ex.relpath).parent
    shutil.copytree(content_dir("solutions") / chapter, into / chapter,
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = into / ex.relpath
    target.write_text(target.read_text("utf-8") + "\n\n# --- mutant ---\n" +
                      mutant.read_text("utf-8"), "utf-8")
    return into


def run(cat, exercises, lang: str, console, mutants: bool = True, seed: int = 1234) -> bool:
    """Check `exercises`, print a table of their problems, and say whether there were none."""
    trees = lint.Trees.of_kit()
    rows: dict[str, list[tuple[bool, str]]] = {ex.id: [] for ex in exercises}
    kit_problems = []  # those that belong to no exercise: a stray file, an unknown id

    def note(ex_id: str, ok: bool, text: str):
        rows[ex_id].append((ok, text))

    for problem in lint.lint(cat, exercises, trees):
        if problem.exercise in rows:  # the row names the exercise; a file's place is news
            note(problem.exercise, False,
                 problem.message if problem.where == problem.exercise else str(problem))
        else:
            kit_problems.append(problem)
    for ex in exercises:
        if not rows[ex.id]:
            note(ex.id, True, t("quiz.template-current" if ex.is_quiz else "dev.stub-current",
                                lang))
            note(ex.id, True, t("dev.text-complete", lang))
    quizzes = [ex for ex in exercises if ex.is_quiz]
    code = [ex for ex in exercises if not ex.is_quiz]
    if quizzes:  # their key, and every generated wrong answer refused (d2lkit.quiz.checks)
        from d2lkit.quiz import checks

        for chapter, why in checks.extra_keys(cat, {ex.chapter for ex in quizzes},
                                              trees.grader):
            kit_problems.append(lint.Problem(f"grader/ch{chapter:02d}/quiz_key.py", why))
        for ex in quizzes:
            found, rejected = checks.problems(ex, trees.grader)
            for why in found:
                note(ex.id, False, why)
            if not found:
                note(ex.id, True, t("quiz.key-ok", lang))
                note(ex.id, True, t("quiz.rejected", lang, count=rejected))
    if mutants and trees.mutants is not None:  # a checkout: the mutation reports are there too
        reported = mutate.report_problems(code)
        for ex in code:
            for text in reported.get(ex.id, []):
                note(ex.id, False, text)
            if ex.id not in reported:
                note(ex.id, True, "mutation report current, every survivor equivalent, "
                     "every diagnosis of an auto-mutant that mistake")

    # Imported here: the engine imports torch, which the lint above does not need.
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options
    from d2lkit.grading.protocol import Status

    with Engine(Options(seed=seed, untouched_stubs=False), cache=False) as engine:
        for tree, want, label in (("exercises", Status.NOT_IMPLEMENTED, "dev.stub-grades"),
                                  ("solutions", Status.PASSED, "dev.solution-passes")):
            # a quiz's kit copy is its unanswered answers file; it has no solution
            graded = exercises if tree == "exercises" else code
            for ex, r in zip(graded, engine.grade(graded, content_dir(tree))):
                ok = r.status == want
                note(ex.id, ok, t(label, lang) if ok else
                     f"{tree}: {r.status} {r.mistake or ''} {detail_text(r.detail, lang)}"[:300])
        if mutants and trees.mutants is not None:
            for ex in code:
                for m in ex.mistakes:
                    path = trees.mutants / Path(ex.relpath).parent.name / ex.name / f"{m.id}.py"
                    if not path.is_file():
                        note(ex.id, False, t("dev.mutant-missing", lang, mistake=m.id))
                        continue
                    with tempfile.TemporaryDirectory(prefix="d2lkit-mutant-") as tmp:
                        [r] = engine.grade([ex], mutant_workspace(ex, path, Path(tmp)))
                    ok = r.status != Status.PASSED and r.mistake == m.id
                    note(ex.id, ok, t("dev.mutant-caught", lang, mistake=m.id) if ok else
                         f"mutant {m.id}: got {r.status} / mistake {r.mistake!r}")

    table = Table(show_header=True, header_style="bold", show_lines=False)
    table.add_column("exercise", style="cyan", no_wrap=True)
    table.add_column("")
    table.add_column("problems")
    good = 0
    for ex in exercises:
        bad = [text for ok, text in rows[ex.id] if not ok]
        good += not bad
        table.add_row(ex.id, Text("✓", style="green") if not bad else Text("✗", style="red"),
                      Text("\n".join(bad), style="red") if bad else
                      Text(f"{len(rows[ex.id])} checks", style="dim"))
    console.print(table)
    for problem in kit_problems:
        console.print(Text(f"✗ {problem}", style="red"))
    console.print(t("dev.summary", lang, ok=good, total=len(exercises)),
                  style="bold green" if good == len(exercises) and not kit_problems else "bold red")
    return good == len(exercises) and not kit_problems
