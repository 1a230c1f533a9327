"""The static half of `d2lkit dev check`: inconsistencies between the catalogue and the files.

Every check is a pure function of a catalogue and the kit's trees that returns a list of
`Problem`s; none imports torch or runs pytest (the graders' `@grades` ids are read with `ast`), so
they run in well under a second and before any grading. Each is the kind of slip that otherwise
passes unnoticed: a check whose id has a typo is never collected, a grader or a stub for a removed
exercise lingers, a mutant folder names an exercise that no longer exists, a probe defined in a
grader file fails only once a confined child tries to read that file.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from d2lkit.authoring.stubs import MarkerError, forbid_map_of, make_stub
from d2lkit.i18n import LANGS
from d2lkit.catalogue import QUIZ_FILE
from d2lkit.paths import chapter_dir_name, content_dir, repository_root
from d2lkit.quiz.key import KEY_FILE

_CHAPTER_DIR = re.compile(r"ch(\d\d)")
_IGNORED = ("__pycache__",)  # made by Python itself, never by an author


@dataclass(frozen=True)
class Problem:
    where: str  # a path relative to the kit ("grader/ch03/test_huber.py:12") or an exercise id
    message: str
    exercise: str | None = None  # the exercise it belongs to, when there is one
    chapter: int | None = None  # the chapter folder it was found in, when there is one

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Trees:
    """Where the kit's files are. `mutants` is tests/mutants in a checkout, None in a wheel."""
    exercises: Path
    solutions: Path
    grader: Path
    mutants: Path | None = None

    @classmethod
    def of_kit(cls) -> "Trees":
        root = repository_root()
        return cls(content_dir("exercises"), content_dir("solutions"), content_dir("grader"),
                   root / "tests" / "mutants" if root else None)


def _shown(path: Path, tree: Path, line: int | None = None) -> str:
    """A path as an author would type it: relative to the folder that holds the tree (for
    tests/mutants, pass tests/ as the tree)."""
    text = path.relative_to(tree.parent).as_posix()
    return f"{text}:{line}" if line else text


def _chapter_dirs(tree: Path) -> list[tuple[int, Path]]:
    if not tree.is_dir():
        return []
    return sorted((int(m.group(1)), d) for d in tree.iterdir()
                  if d.is_dir() and (m := _CHAPTER_DIR.fullmatch(d.name)))


def _visible(path: Path) -> bool:
    return path.name not in _IGNORED and not path.name.startswith(".")


# ----------------------------------------------------------------------------- @grades ids
def grades_calls(path: Path) -> list[tuple[int, str | None]]:
    """(line, exercise id) of every `@grades(...)` decorator in a grader file, read with `ast`.

    The id may be a string literal or a module-level string constant (`PPL = "ch8.perplexity"`);
    anything else gives None, since no static reader could check it. A file that does not parse
    raises SyntaxError.
    """
    stat = path.stat()
    return list(_grades_calls(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=None)
def _grades_calls(path: Path, mtime_ns: int, size: int) -> tuple[tuple[int, str | None], ...]:
    # Keyed on the file's mtime and size too, so that a cached answer is never a stale one;
    # the cache spares `dev check` parsing each grader once per lint.
    tree = ast.parse(path.read_text("utf-8"), str(path))
    constants = {target.id: node.value.value
                 for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in tree.body:  # tests are module-level functions
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and _called_name(deco.func) == "grades"):
                continue
            arg = deco.args[0] if deco.args else next(
                (k.value for k in deco.keywords if k.arg == "exercise_id"), None)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((deco.lineno, arg.value))
            elif isinstance(arg, ast.Name) and arg.id in constants:
                found.append((deco.lineno, constants[arg.id]))
            else:
                found.append((deco.lineno, None))
    return tuple(found)


def _ids_in(path: Path) -> list[tuple[int, str | None]]:
    """grades_calls, or nothing for a file that does not parse (unknown_grades_ids says so)."""
    try:
        return grades_calls(path)
    except SyntaxError:
        return []


def _called_name(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _grader_files(grader: Path) -> list[tuple[int, Path]]:
    return [(number, f) for number, d in _chapter_dirs(grader) for f in sorted(d.glob("test_*.py"))]


def _probes_files(grader: Path) -> list[tuple[int, Path]]:
    return [(number, f) for number, d in _chapter_dirs(grader)
            for f in sorted(d.glob("probes_*.py"))]


def unknown_grades_ids(cat, grader: Path) -> list[Problem]:
    """`@grades` ids that name no catalogue exercise. The runner collects a check only for the
    exercises it grades, so such a check would never run."""
    problems = []
    known = list(cat.by_id)
    for number, path in _grader_files(grader):
        try:
            calls = grades_calls(path)
        except SyntaxError as e:
            problems.append(Problem(_shown(path, grader, e.lineno), f"does not parse: {e.msg}",
                                    chapter=number))
            continue
        for line, exercise_id in calls:
            where = _shown(path, grader, line)
            if exercise_id is None:
                problems.append(Problem(where, "@grades id is neither a string nor a module "
                                        "constant, so it cannot be checked", chapter=number))
            elif exercise_id not in cat.by_id:
                near = difflib.get_close_matches(exercise_id, known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                problems.append(Problem(where, f"@grades({exercise_id!r}) names no catalogue "
                                        f"exercise{hint}", chapter=number))
    return problems


def misplaced_checks(cat, grader: Path) -> list[Problem]:
    """Checks of a known exercise in another topic's grader file: the runner only reads
    `grader/chNN/test_<topic>.py` for an exercise, so they would never run."""
    problems = []
    for number, path in _grader_files(grader):
        topic = path.stem.removeprefix("test_")
        for line, exercise_id in _ids_in(path):
            ex = cat.by_id.get(exercise_id)
            if ex is not None and (ex.topic != topic or ex.chapter != number):
                problems.append(Problem(_shown(path, grader, line),
                                        f"checks {exercise_id}, whose grader is "
                                        f"{chapter_dir_name(ex.chapter)}/test_{ex.topic}.py",
                                        exercise=exercise_id, chapter=number))
    return problems


def graders_without_exercises(cat, grader: Path) -> list[Problem]:
    """Grader files whose topic the catalogue does not have in that chapter."""
    topics = {(ex.chapter, ex.topic) for ex in cat.exercises}
    return [Problem(_shown(path, grader), f"no catalogue exercise has topic "
                    f"{path.stem.removeprefix('test_')!r} in ch{number}", chapter=number)
            for number, path in _grader_files(grader)
            if (number, path.stem.removeprefix("test_")) not in topics]


def exercises_without_checks(cat, grader: Path, exercises=None) -> list[Problem]:
    """Catalogue exercises (all, or `exercises`) with no `@grades` check in their grader file:
    nothing would grade them."""
    ids_by_file: dict[Path, set[str]] = {}
    problems = []
    for ex in cat.exercises if exercises is None else exercises:
        if ex.is_quiz:  # graded by its answer key (quiz_problems in d2lkit.quiz.checks)
            continue
        path = grader / chapter_dir_name(ex.chapter) / f"test_{ex.topic}.py"
        if not path.is_file():
            problems.append(Problem(ex.id, f"no grader {_shown(path, grader)}", exercise=ex.id,
                                    chapter=ex.chapter))
            continue
        if path not in ids_by_file:
            ids_by_file[path] = {eid for _, eid in _ids_in(path)}
        if ex.id not in ids_by_file[path]:
            problems.append(Problem(ex.id, f"no @grades({ex.id!r}) check in {_shown(path, grader)}",
                                    exercise=ex.id, chapter=ex.chapter))
    return problems


# ----------------------------------------------------------------------------- probes
def probes_in_graders(grader: Path) -> list[Problem]:
    """`def probe_*` at the top of a grader file. A probe runs in the sandbox child, which the
    kernel lets read `probes_<topic>.py` but not the grader, so such a probe fails with a
    PermissionError only when a check runs it."""
    problems = []
    for number, path in _grader_files(grader):
        topic = path.stem.removeprefix("test_")
        for node in _parsed_body(path):
            if _is_function(node) and node.name.startswith("probe_"):
                problems.append(Problem(
                    _shown(path, grader, node.lineno), f"{node.name}: probes must live in "
                    f"probes_{topic}.py: sandbox children cannot read grader files",
                    chapter=number))
    return problems


def leaky_probes(grader: Path) -> list[Problem]:
    """Probes files that hold what only the supervisor may. A child, and so the learner's code
    beside it, can read a probes file: neither the reference solution nor a check (its inputs,
    its expected values) belongs there."""
    problems = []
    for number, path in _probes_files(grader):
        try:
            tree = ast.parse(path.read_text("utf-8"), str(path))
        except SyntaxError as e:
            problems.append(Problem(_shown(path, grader, e.lineno), f"does not parse: {e.msg}",
                                    chapter=number))
            continue
        test_file = "test_" + path.name.removeprefix("probes_")
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom) and any(a.name == "reference" for a in node.names)
                    or isinstance(node, ast.Call) and _called_name(node.func) == "reference"):
                problems.append(Problem(
                    _shown(path, grader, node.lineno), "uses reference: sandbox children read "
                    "probes files, the reference solution stays in the grader", chapter=number))
        for node in tree.body:
            if _is_function(node) and node.name.startswith("test_"):
                problems.append(Problem(
                    _shown(path, grader, node.lineno), f"{node.name}: checks belong in "
                    f"{test_file}; sandbox children read probes files", chapter=number))
    return problems


def _is_function(node) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))


def _parsed_body(path: Path) -> list:
    """The top-level statements of a file, or none for one that does not parse (reported by
    unknown_grades_ids)."""
    try:
        return ast.parse(path.read_text("utf-8"), str(path)).body
    except SyntaxError:
        return []


# ----------------------------------------------------------------------------- stray files
def stray_files(cat, trees: Trees) -> list[Problem]:
    """Files that belong to no exercise: in exercises/ and solutions/ anything but
    `chNN/<topic>.py`; in grader/ anything but `chNN/test_*.py` (whose topics
    graders_without_exercises judges) and a `chNN/probes_<topic>.py` beside its
    `chNN/test_<topic>.py`; in tests/mutants/ anything but
    `chNN/<exercise name>/<catalogued mistake id>.py`."""
    topics = {(ex.chapter, ex.topic) for ex in cat.exercises if not ex.is_quiz}
    by_name = {(ex.chapter, ex.name): ex for ex in cat.exercises}
    quizzes = {ex.chapter for ex in cat.exercises if ex.is_quiz}  # their answers file and key
    problems = []

    def stray(path: Path, tree: Path, why: str, number: int | None, exercise: str | None = None):
        problems.append(Problem(_shown(path, tree), why, exercise=exercise, chapter=number))

    for tree in (trees.exercises, trees.solutions):
        for path, number in _entries(tree, tree, problems):
            if tree == trees.exercises and path.name == QUIZ_FILE and number in quizzes:
                continue
            if path.suffix != ".py" or not path.is_file():
                stray(path, tree, "not a topic module", number)
            elif (number, path.stem) not in topics:
                stray(path, tree, f"no catalogue exercise has topic {path.stem!r} in ch{number}",
                      number)
    for path, number in _entries(trees.grader, trees.grader, problems):
        if path.name == KEY_FILE and number in quizzes:
            continue
        if not (path.is_file() and path.suffix == ".py"
                and path.name.startswith(("test_", "probes_"))):
            stray(path, trees.grader, "not a grader file (grader/chNN/test_<topic>.py) nor its "
                  "probes (probes_<topic>.py)", number)
        elif path.name.startswith("probes_"):
            grader_file = path.with_name("test_" + path.name.removeprefix("probes_"))
            if not grader_file.is_file():
                stray(path, trees.grader,
                      f"probes without a grader: no {_shown(grader_file, trees.grader)}", number)
    if trees.mutants is not None and trees.mutants.is_dir():
        tests = trees.mutants.parent  # shown as tests/mutants/..., where authors look for it
        for folder, number in _entries(trees.mutants, tests, problems):
            ex = by_name.get((number, folder.name))
            if not folder.is_dir() or ex is None:
                stray(folder, tests, f"no catalogue exercise ch{number}.{folder.name}", number)
                continue
            known = {m.id for m in ex.mistakes}
            for path in sorted(p for p in folder.iterdir() if _visible(p)):
                if path.suffix != ".py" or path.stem not in known:
                    stray(path, tests, f"names no catalogued mistake of {ex.id}", number, ex.id)
    return problems


def _entries(tree: Path, shown_from: Path, problems: list[Problem]):
    """(path, chapter number) for every entry of every chapter folder of `tree`; whatever sits
    beside the chapter folders is reported as stray on the way."""
    if not tree.is_dir():
        return
    for path in sorted(p for p in tree.iterdir() if _visible(p)):
        if not (path.is_dir() and _CHAPTER_DIR.fullmatch(path.name)):
            problems.append(Problem(_shown(path, shown_from), "not a chapter folder (chNN)"))
    for number, folder in _chapter_dirs(tree):
        for path in sorted(p for p in folder.iterdir() if _visible(p)):
            yield path, number


# ----------------------------------------------------------------------------- per exercise
def stale_stubs(exercises, trees: Trees, cat=None) -> list[Problem]:
    """Exercises whose committed stub is missing or differs from the one generated from the
    solution and the catalogue's forbid lists (`d2lkit dev sync` fixes both). The forbid lists
    of a topic module come from every exercise of it in `cat` (else in `exercises`)."""
    everything = cat.exercises if cat is not None else exercises
    return [Problem(ex.id, why, exercise=ex.id, chapter=ex.chapter)
            for ex in exercises
            if (why := _quiz_file_problem(ex, trees, cat) if ex.is_quiz else
                _stub_problem(ex, trees, [e for e in everything if e.relpath == ex.relpath]))]


def _quiz_file_problem(ex, trees: Trees, cat) -> str | None:
    """The kit's answers file of a quiz's chapter: present and as generated (dev sync)."""
    from d2lkit.quiz import answers

    if cat is None:
        return None
    path = answers.kit_copy(ex.chapter, trees.exercises)
    if answers.stale(cat, {ex.chapter}, trees.exercises):
        return f"{_shown(path, trees.exercises)} is missing or out of date (run d2lkit dev sync)"
    return None


def _stub_problem(ex, trees: Trees, siblings=()) -> str | None:
    sol, stub = trees.solutions / ex.relpath, trees.exercises / ex.relpath
    if not sol.is_file():
        return f"no solution {_shown(sol, trees.solutions)}"
    if not stub.is_file():
        return f"no stub {_shown(stub, trees.exercises)} (run d2lkit dev sync)"
    try:
        generated = make_stub(sol.read_text("utf-8"), str(sol), forbid_map_of(siblings))
    except MarkerError as e:
        return str(e)
    if stub.read_text("utf-8") != generated:
        return f"{_shown(stub, trees.exercises)} is out of date (run d2lkit dev sync)"
    return None


def text_problems(ex) -> list[Problem]:
    """A title, hints and mistake hints that are missing, or missing a language."""
    texts = ([("title", ex.title)] + [(f"hint {i + 1}", h) for i, h in enumerate(ex.hints)]
             + [(f"mistake {m.id}", m.hint) for m in ex.mistakes])
    if ex.is_quiz:  # hints are optional; the question, choices and explanation are not
        texts += ([("question", ex.question), ("explanation", ex.explanation)]
                  + [(f"choice {chr(97 + i)}", c) for i, c in enumerate(ex.choices)])
    missing = [] if ex.hints or ex.is_quiz else ["no hints"]
    missing += [f"{label}: no {lang}" for label, text in texts for lang in LANGS
                if not isinstance(text, dict) or not str(text.get(lang, "")).strip()]
    return [Problem(ex.id, why, exercise=ex.id, chapter=ex.chapter) for why in missing]


def kind_problems(ex) -> list[Problem]:
    """A kind that contradicts the exercise's definitions: a capitalised name is a class the
    learner writes, which a "function" exercise has none of and a "module" one needs."""
    classes = [name for name in ex.functions if name[:1].isupper()]
    why = None
    if ex.kind == "function" and classes:
        why = (f'kind "function", but {", ".join(classes)} is a class (say "module", or '
               '"training"/"optimizer" for what a training loop uses)')
    elif ex.kind == "module" and not classes:
        why = 'kind "module", but none of its functions is a class (a capitalised name)'
    return [Problem(ex.id, why, exercise=ex.id, chapter=ex.chapter)] if why else []


def rename_problems(cat) -> list[Problem]:
    """renames.toml entries that point nowhere (see d2lkit/renames.py)."""
    from d2lkit import renames
    from d2lkit.catalogue import CatalogueError

    try:
        found = renames.problems(cat, renames.load())
    except CatalogueError as e:
        found = [str(e).split(": ", 1)[-1]]  # the message names the file: Problem does
    return [Problem("d2lkit/curriculum/renames.toml", why) for why in found]


# ----------------------------------------------------------------------------- all of them
def lint(cat, exercises, trees: Trees) -> list[Problem]:
    """Every static problem that concerns `exercises`: their own, and those found in their
    chapters' folders or beside the chapter folders. Other chapters are left to their own run."""
    chapters = {ex.chapter for ex in exercises}
    ids = {ex.id for ex in exercises}
    found = (unknown_grades_ids(cat, trees.grader) + misplaced_checks(cat, trees.grader)
             + graders_without_exercises(cat, trees.grader)
             + probes_in_graders(trees.grader) + leaky_probes(trees.grader)
             + exercises_without_checks(cat, trees.grader, exercises)
             + stray_files(cat, trees) + stale_stubs(exercises, trees, cat)
             + [p for ex in exercises for p in text_problems(ex) + kind_problems(ex)]
             + rename_problems(cat))
    return [p for p in found if p.exercise in ids or p.chapter in chapters
            or (p.exercise is None and p.chapter is None)]
