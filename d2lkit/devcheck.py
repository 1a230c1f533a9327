"""`d2lkit dev check`: the authoring lint. For every catalogue entry it proves that

- the committed stub equals the one generated from the solution, and grades `not_implemented`;
- the reference solution passes;
- titles, hints and mistake hints exist in en and zh;
- every catalogued mistake has a mutant in tests/mutants/ that the grader rejects with that id.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rich.table import Table
from rich.text import Text

from d2lkit.i18n import LANGS, t
from d2lkit.paths import content_dir, repository_root
from d2lkit.stubs import make_stub


def mutant_dir() -> Path | None:
    root = repository_root()
    return root / "tests" / "mutants" if root else None


def text_problems(ex) -> list[str]:
    problems = []
    tables = [("title", ex.title)] + [(f"hint {i + 1}", h) for i, h in enumerate(ex.hints)] + \
             [(f"mistake {m.id}", m.hint) for m in ex.mistakes]
    if not ex.hints:
        problems.append("no hints")
    for label, table in tables:
        for lang in LANGS:
            if not isinstance(table, dict) or not str(table.get(lang, "")).strip():
                problems.append(f"{label}: no {lang}")
    return problems


def stub_problem(ex) -> str | None:
    sol = content_dir("solutions") / ex.relpath
    stub = content_dir("exercises") / ex.relpath
    if not sol.is_file():
        return f"no solution {sol}"
    if not stub.is_file():
        return f"no stub {stub} (run d2lkit dev sync)"
    if stub.read_text("utf-8") != make_stub(sol.read_text("utf-8"), str(sol)):
        return f"{stub} is out of date (run d2lkit dev sync)"
    return None


def mutant_workspace(ex, mutant: Path, into: Path) -> Path:
    """A copy of the solutions' chapter with the mutant appended to the exercise's module."""
    chapter = Path(ex.relpath).parent
    shutil.copytree(content_dir("solutions") / chapter, into / chapter,
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = into / ex.relpath
    target.write_text(target.read_text("utf-8") + "\n\n# --- mutant ---\n" +
                      mutant.read_text("utf-8"), "utf-8")
    return into


def run(cat, exercises, lang: str, console, mutants: bool = True, seed: int = 1234) -> bool:
    from d2lkit.grading.sandbox import Sandbox
    from d2lkit.grading.session import check_exercises

    rows: dict[str, list[tuple[bool, str]]] = {ex.id: [] for ex in exercises}

    def note(ex, ok: bool, text: str):
        rows[ex.id].append((ok, text))

    for ex in exercises:
        problem = stub_problem(ex)
        note(ex, problem is None, problem or t("dev.stub-current", lang))
        problems = text_problems(ex)
        note(ex, not problems, "; ".join(problems) or t("dev.text-complete", lang))

    with Sandbox() as sandbox:
        for tree, want, label in (("exercises", "not_implemented", "dev.stub-grades"),
                                  ("solutions", "passed", "dev.solution-passes")):
            results = check_exercises(exercises, content_dir(tree), seed=seed, sandbox=sandbox)
            for ex, r in zip(exercises, results):
                ok = r.status == want
                from d2lkit.render import message
                note(ex, ok, t(label, lang) if ok else
                     f"{tree}: {r.status} {r.mistake or ''} {message(r.detail, lang)}"[:300])
        folder = mutant_dir()
        if mutants and folder is not None:
            for ex in exercises:
                for m in ex.mistakes:
                    path = folder / Path(ex.relpath).parent.name / ex.name / f"{m.id}.py"
                    if not path.is_file():
                        note(ex, False, t("dev.mutant-missing", lang, mistake=m.id))
                        continue
                    with tempfile.TemporaryDirectory(prefix="d2lkit-mutant-") as tmp:
                        ws = mutant_workspace(ex, path, Path(tmp))
                        [r] = check_exercises([ex], ws, seed=seed, sandbox=sandbox)
                    ok = r.status != "passed" and r.mistake == m.id
                    note(ex, ok, t("dev.mutant-caught", lang, mistake=m.id) if ok else
                         f"mutant {m.id}: got {r.status} / mistake {r.mistake!r}")
            # mutants for mistakes the catalogue does not list are a typo somewhere
            for ex in exercises:
                known = {m.id for m in ex.mistakes}
                extra = folder / Path(ex.relpath).parent.name / ex.name
                for path in sorted(extra.glob("*.py")) if extra.is_dir() else []:
                    if path.stem not in known:
                        note(ex, False, f"mutant {path.name} names no catalogued mistake")

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
    console.print(t("dev.summary", lang, ok=good, total=len(exercises)),
                  style="bold green" if good == len(exercises) else "bold red")
    return good == len(exercises)
