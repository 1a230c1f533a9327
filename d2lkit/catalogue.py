"""The curriculum: one ordered catalogue, read from d2lkit/curriculum/chNN.toml.

The order of the files and of the entries in them is the curriculum order. Exercise ids
(`ch6.conv_output_shape`), topic slugs (`conv_shapes`) and chapter slugs double as CLI targets and
as the keys of the learner's progress. Reading it never imports torch.

Each file declares the version of its schema (`schema = 1`) and is checked against it while it is
read: an unknown key or a value of the wrong type is a `CatalogueError` naming the file and the
key, so that a typo (`hint` for `hints`, `stretch = "yes"`) fails loudly instead of being ignored.
"""

from __future__ import annotations

import difflib
import re
from d2lkit.compat import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from d2lkit.paths import PACKAGE, chapter_dir_name

CURRICULUM = PACKAGE / "curriculum"
LANGS = ("en", "zh")
SCHEMA = 1  # the version of the chNN.toml layout this code reads (docs/AUTHORING.md §2)
KINDS = ("function", "module", "training", "optimizer", "quiz")
ANSWER_KINDS = ("one", "many", "number", "shape")  # what a quiz's answer is (docs/AUTHORING.md)
QUIZ_FILE = "quiz.toml"  # a chapter's quiz answers in a workspace: chNN/quiz.toml


class CatalogueError(ValueError):
    """A curriculum file that does not follow the schema; the message names the file and key."""

    def __init__(self, path: Path, key: str, problem: str):
        super().__init__(f"{path.name}: {key}: {problem}")
        self.path = path
        self.key = key


class TargetError(ValueError):
    """An unknown target; carries the nearest known names."""

    def __init__(self, target: str, suggestions: list[str]):
        super().__init__(target)
        self.target = target
        self.suggestions = suggestions


@dataclass(frozen=True)
class Mistake:
    id: str
    hint: dict[str, str]


@dataclass(frozen=True)
class Exercise:
    id: str  # "ch6.conv_output_shape"
    chapter: int
    topic: str  # module stem: exercises/ch06/conv_shapes.py
    section: str  # "6.3" or "6.3.1"
    title: dict[str, str]
    points: int
    functions: tuple[str, ...]
    forbid: tuple[str, ...]
    hints: tuple[dict[str, str], ...]
    mistakes: tuple[Mistake, ...]
    stretch: bool = False
    kind: str = "function"  # one of KINDS: what the learner writes
    forms: tuple[str, ...] = ()  # argument forms the docstring documents, each graded by the
    #   engine on every call that uses it: "pair:NAME" — argument NAME may be an int n, meaning
    #   (n, n), or a pair (see `grading.student.Student._check_forms`)
    time_budget: float | None = None  # seconds per call into learner code; None: the run's timeout
    # kind "quiz" only (d2lkit/quiz): one question, answered in the workspace's chNN/quiz.toml;
    # its truth is in grader/chNN/quiz_key.py, never here (the workspace must not hold it)
    question: dict | None = None  # {en, zh}
    answer_kind: str = ""  # one of ANSWER_KINDS
    choices: tuple[dict[str, str], ...] = ()  # lettered a, b, c, … in order ("one"/"many")
    tolerance: float = 0.0  # "number": relative tolerance; 0 means exact
    explanation: dict | None = None  # {en, zh}, shown once the learner has answered

    @property
    def is_quiz(self) -> bool:
        return self.kind == "quiz"

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def chapter_id(self) -> str:
        return f"ch{self.chapter}"

    @property
    def relpath(self) -> str:
        """Path of the topic module inside a workspace, exercises/ or solutions/; of a quiz, the
        chapter's answers file (d2lkit/quiz/answers.py)."""
        if self.kind == "quiz":
            return f"{chapter_dir_name(self.chapter)}/{QUIZ_FILE}"
        return f"{chapter_dir_name(self.chapter)}/{self.topic}.py"

    def mistake(self, mistake_id: str) -> Mistake | None:
        return next((m for m in self.mistakes if m.id == mistake_id), None)


@dataclass(frozen=True)
class Chapter:
    id: str  # "ch6"
    number: int
    slug: str
    aliases: tuple[str, ...]
    title: dict[str, str]
    sections: dict[str, dict[str, str]]
    exercises: tuple[Exercise, ...] = field(default=())

    def section_title(self, section: str, lang: str) -> str:
        for key in (section, ".".join(section.split(".")[:2])):
            if key in self.sections:
                return self.sections[key].get(lang) or self.sections[key].get("en", "")
        return ""


class Catalogue:
    def __init__(self, chapters: list[Chapter], editions: dict):
        self.chapters = chapters
        self.exercises = [ex for ch in chapters for ex in ch.exercises]
        self.by_id = {ex.id: ex for ex in self.exercises}
        self.chapter_by_number = {ch.number: ch for ch in chapters}
        self.editions = editions

    # ----------------------------------------------------------------- lookups
    def chapter_of(self, ex: Exercise) -> Chapter:
        return self.chapter_by_number[ex.chapter]

    def topics(self) -> dict[str, list[Exercise]]:
        out: dict[str, list[Exercise]] = {}
        for ex in self.exercises:
            out.setdefault(ex.topic, []).append(ex)
        return out

    def known_names(self) -> list[str]:
        names = ["all"]
        for ch in self.chapters:
            names += [ch.id, str(ch.number), ch.slug, *ch.aliases, *(f"{s}" for s in ch.sections)]
        names += list(self.by_id) + [ex.name for ex in self.exercises] + list(self.topics())
        return list(dict.fromkeys(names))

    # ----------------------------------------------------------------- targets
    def resolve(self, targets: list[str] | tuple[str, ...]) -> list[Exercise]:
        """Exercises named by the targets, in curriculum order, without repeats."""
        wanted: set[str] = set()
        for target in targets or ("all",):
            wanted.update(ex.id for ex in self._resolve_one(target.strip()))
        return [ex for ex in self.exercises if ex.id in wanted]

    def _resolve_one(self, target: str) -> list[Exercise]:
        t = target.lower()
        if t == "all":
            return list(self.exercises)
        if t.startswith("en:"):
            return self._resolve_english(t[3:], target)
        if target in self.by_id:
            return [self.by_id[target]]
        m = re.fullmatch(r"(?:ch)?(\d+)", t)
        if m and int(m.group(1)) in self.chapter_by_number:
            return list(self.chapter_by_number[int(m.group(1))].exercises)
        m = re.fullmatch(r"(?:ch)?(\d+(?:\.\d+)+)", t)
        if m:
            found = self._section(m.group(1))
            if found:
                return found
        for ch in self.chapters:
            if t in (ch.slug, *ch.aliases):
                return list(ch.exercises)
        topic = [ex for ex in self.exercises if ex.topic == target]
        if topic:
            return topic
        named = [ex for ex in self.exercises if ex.name == target]
        if len(named) == 1:
            return named
        raise TargetError(target, self.suggest(target))

    def _section(self, section: str) -> list[Exercise]:
        return [ex for ex in self.exercises
                if ex.section == section or ex.section.startswith(section + ".")]

    def _resolve_english(self, rest: str, original: str) -> list[Exercise]:
        en = self.editions.get("en", {})
        if rest in en.get("chapters", {}):
            return [ex for t in en["chapters"][rest] for ex in self._resolve_one(t)]
        if rest in en.get("sections", {}):
            return self._section(en["sections"][rest])
        m = re.fullmatch(r"(\d+)\.(\d+(?:\.\d+)*)", rest)
        if m and int(m.group(1)) in en.get("shifted", []):
            found = self._section(f"{int(m.group(1)) - 1}.{m.group(2)}")
            if found:
                return found
        raise TargetError(original, self.suggest(original))

    def suggest(self, target: str, n: int = 3) -> list[str]:
        names = self.known_names()
        close = difflib.get_close_matches(target, names, n=n, cutoff=0.5)
        if not close:  # a fragment such as "norm" still deserves a pointer
            close = [name for name in names if target.lower() in name.lower()][:n]
        return close


# ----------------------------------------------------------------------------- reading
FILE_KEYS = ("schema", "chapter", "exercises")
CHAPTER_KEYS = ("id", "number", "slug", "aliases", "title", "sections")
EXERCISE_KEYS = ("id", "topic", "section", "functions", "title", "points", "stretch", "forbid",
                 "hints", "mistakes", "kind", "forms", "time_budget",
                 "question", "answer", "choices", "tolerance", "explanation")
QUIZ_KEYS = ("question", "answer", "choices", "tolerance", "explanation")  # kind "quiz" only
NOT_FOR_QUIZ = ("functions", "forbid", "forms", "time_budget", "mistakes")  # no code to grade
MISTAKE_KEYS = ("id", "hint")
_ONE_OF_KINDS = "one of " + ", ".join(map(repr, KINDS))


FORM = r"pair:[A-Za-z_]\w*"  # the argument forms the engine knows how to exercise


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


class _Reader:
    """Checks one chNN.toml against the schema while turning it into a Chapter."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str):
        raise CatalogueError(self.path, key, problem)

    def keys(self, where: str, table, allowed: tuple[str, ...], required: tuple[str, ...] = ()):
        if not isinstance(table, dict):
            self.fail(where, f"must be a table, not {type(table).__name__}")
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                self.fail(f"{where}.{key}" if where else key,
                          "unknown key" + (f" (did you mean {near[0]!r}?)" if near else ""))
        for key in required:
            if key not in table:
                self.fail(f"{where}.{key}" if where else key, "missing")

    def check(self, where: str, key: str, value, ok: bool, expected: str):
        if not ok:  # the key's full name is only built for the message
            self.fail(f"{where}.{key}" if where else key, f"must be {expected}, not {value!r}")

    def texts(self, where: str, table) -> dict[str, str]:
        """A {en, zh} table of strings (a language may be missing: `dev check` reports that)."""
        self.keys(where, table, LANGS)
        for lang, text in table.items():
            self.check(where, lang, text, isinstance(text, str), "a string")
        return table

    def chapter(self, data: dict) -> Chapter:
        self.keys("", data, FILE_KEYS, required=("schema", "chapter"))
        version = data["schema"]
        if version != SCHEMA:
            self.fail("schema", f"unsupported version {version!r} (this d2lkit reads {SCHEMA})")
        head = data["chapter"]
        self.keys("chapter", head, CHAPTER_KEYS, required=("number", "title"))
        number = head["number"]
        self.check("chapter", "number", number, _is_int(number) and number > 0,
                   "a positive integer")
        chapter_id = head.get("id", f"ch{number}")
        self.check("chapter", "id", chapter_id, chapter_id == f"ch{number}", f'"ch{number}"')
        slug = head.get("slug", "")
        self.check("chapter", "slug", slug, isinstance(slug, str), "a string")
        aliases = head.get("aliases", [])
        self.check("chapter", "aliases", aliases, _is_str_list(aliases), "a list of strings")
        sections = head.get("sections", {})
        self.check("chapter", "sections", sections, isinstance(sections, dict), "a table")
        for number_text, title in sections.items():
            self.texts(f"chapter.sections.{number_text}", title)
        raw_exercises = data.get("exercises", [])
        self.check("", "exercises", raw_exercises, isinstance(raw_exercises, list),
                   "an array of tables")
        exercises = tuple(self.exercise(i, raw, number) for i, raw in enumerate(raw_exercises))
        return Chapter(id=chapter_id, number=number, slug=slug, aliases=tuple(aliases),
                       title=self.texts("chapter.title", head["title"]), sections=sections,
                       exercises=exercises)

    def exercise(self, index: int, raw, chapter: int) -> Exercise:
        where = f"exercises[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            where = f"exercises[{index}] ({raw['id']})"
        self.keys(where, raw, EXERCISE_KEYS, required=("id", "topic", "section", "title"))
        ex_id = raw["id"]
        self.check(where, "id", ex_id,
                   isinstance(ex_id, str) and re.fullmatch(rf"ch{chapter}\.\w+", ex_id) is not None,
                   f'"ch{chapter}.<name>"')
        for key in ("topic", "section"):
            self.check(where, key, raw[key], isinstance(raw[key], str) and raw[key] != "",
                       "a non-empty string")
        points = raw.get("points", 1)
        self.check(where, "points", points, _is_int(points) and points > 0, "a positive integer")
        stretch = raw.get("stretch", False)
        self.check(where, "stretch", stretch, isinstance(stretch, bool), "true or false")
        functions = raw.get("functions", [ex_id.split(".", 1)[1]])
        for key, value in (("functions", functions), ("forbid", raw.get("forbid", [])),
                           ("forms", raw.get("forms", []))):
            self.check(where, key, value, _is_str_list(value), "a list of strings")
        for form in raw.get("forms", []):
            self.check(where, "forms", form, isinstance(form, str) and re.fullmatch(
                FORM, form) is not None, '"pair:<argument name>" (an int n means (n, n))')
        # A capitalised name is a class the learner writes: an nn.Module exercise.
        kind = raw.get("kind", "module" if any(f[:1].isupper() for f in functions) else "function")
        self.check(where, "kind", kind, kind in KINDS, _ONE_OF_KINDS)
        budget = raw.get("time_budget")
        self.check(where, "time_budget", budget, budget is None or (
            isinstance(budget, (int, float)) and not isinstance(budget, bool) and budget > 0),
            "a positive number of seconds")
        hints = raw.get("hints", [])
        self.check(where, "hints", hints, isinstance(hints, list), "an array of {en, zh} tables")
        mistakes = raw.get("mistakes", [])
        self.check(where, "mistakes", mistakes, isinstance(mistakes, list),
                   "an array of {id, hint} tables")
        if kind == "quiz":
            return self.quiz(where, raw, chapter, points, stretch, hints)
        for key in QUIZ_KEYS:
            if key in raw:
                self.fail(f"{where}.{key}", 'only for kind "quiz"')
        return Exercise(
            id=ex_id, chapter=chapter, topic=raw["topic"], section=raw["section"],
            title=self.texts(f"{where}.title", raw["title"]), points=points,
            functions=tuple(functions), forbid=tuple(raw.get("forbid", [])),
            hints=tuple(self.texts(f"{where}.hints[{i}]", h) for i, h in enumerate(hints)),
            mistakes=tuple(self.mistake(f"{where}.mistakes[{i}]", m)
                           for i, m in enumerate(mistakes)),
            stretch=stretch, kind=kind, forms=tuple(raw.get("forms", [])),
            time_budget=None if budget is None else float(budget),
        )

    def quiz(self, where: str, raw: dict, chapter: int, points: int, stretch: bool,
             hints: list) -> Exercise:
        """A quiz (kind "quiz"): one question, no code; its answer key lives in the grader tree."""
        ex_id = raw["id"]
        self.check(where, "id", ex_id, re.fullmatch(rf"ch{chapter}\.quiz_\w+", ex_id) is not None,
                   f'"ch{chapter}.quiz_<slug>"')
        self.check(where, "topic", raw["topic"], raw["topic"] == "quiz", '"quiz"')
        for key in NOT_FOR_QUIZ:
            if key in raw:
                self.fail(f"{where}.{key}", "not for a quiz (it has no code)")
        for key in ("question", "answer", "explanation"):
            if key not in raw:
                self.fail(f"{where}.{key}", "missing (a quiz needs it)")
        kind = raw["answer"]
        self.check(where, "answer", kind, kind in ANSWER_KINDS,
                   "one of " + ", ".join(map(repr, ANSWER_KINDS)))
        choices = raw.get("choices")
        if kind in ("one", "many"):
            if choices is None:
                self.fail(f"{where}.choices", f'missing (answer "{kind}" chooses among them)')
            self.check(where, "choices", choices, isinstance(choices, list) and len(choices) <= 26,
                       "an array of {en, zh} tables (at most 26: a to z)")
        elif choices is not None:
            self.fail(f"{where}.choices", f'only for answer "one" or "many", not "{kind}"')
        tolerance = raw.get("tolerance", 0.0)
        if "tolerance" in raw and kind != "number":
            self.fail(f"{where}.tolerance", f'only for answer "number", not "{kind}"')
        self.check(where, "tolerance", tolerance, isinstance(tolerance, (int, float))
                   and not isinstance(tolerance, bool) and 0 <= tolerance < 1,
                   "a relative tolerance in [0, 1)")
        return Exercise(
            id=ex_id, chapter=chapter, topic="quiz", section=raw["section"],
            title=self.texts(f"{where}.title", raw["title"]), points=points, functions=(),
            forbid=(), hints=tuple(self.texts(f"{where}.hints[{i}]", h)
                                   for i, h in enumerate(hints)),
            mistakes=(), stretch=stretch, kind="quiz",
            question=self.texts(f"{where}.question", raw["question"]), answer_kind=kind,
            choices=tuple(self.texts(f"{where}.choices[{i}]", c)
                          for i, c in enumerate(choices or [])),
            tolerance=float(tolerance),
            explanation=self.texts(f"{where}.explanation", raw["explanation"]))

    def mistake(self, where: str, raw) -> Mistake:
        self.keys(where, raw, MISTAKE_KEYS, required=MISTAKE_KEYS)
        self.check(where, "id", raw["id"], isinstance(raw["id"], str) and raw["id"] != "",
                   "a non-empty string")
        return Mistake(raw["id"], self.texts(f"{where}.hint", raw["hint"]))


def read_chapter(path: Path) -> Chapter:
    """One chNN.toml, checked against the schema (CatalogueError names the file and key)."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(path, "toml", str(e)) from None
    return _Reader(path).chapter(data)


def load_dir(folder: Path) -> Catalogue:
    """The catalogue of the chNN.toml files in `folder` (tests build small ones)."""
    chapters = sorted((read_chapter(p) for p in folder.glob("ch*.toml")), key=lambda ch: ch.number)
    editions_file = folder / "editions.toml"
    editions = tomllib.loads(editions_file.read_text("utf-8")) if editions_file.exists() else {}
    return Catalogue(chapters, editions)


@cache
def load() -> Catalogue:
    """The kit's own catalogue, read once per process."""
    return load_dir(CURRICULUM)
