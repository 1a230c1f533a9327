"""The curriculum: one ordered catalogue, read from d2lkit/curriculum/chNN.toml.

The order of the files and of the entries in them is the curriculum order. Exercise ids
(`ch6.conv_output_shape`), topic slugs (`conv_shapes`) and chapter slugs double as CLI targets and
as the keys of the learner's progress. Reading it never imports torch.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from d2lkit.paths import PACKAGE, chapter_dir_name

CURRICULUM = PACKAGE / "curriculum"
LANGS = ("en", "zh")


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

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def chapter_id(self) -> str:
        return f"ch{self.chapter}"

    @property
    def relpath(self) -> str:
        """Path of the topic module inside a workspace, exercises/ or solutions/."""
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


def _read_chapter(path: Path) -> Chapter:
    with path.open("rb") as f:
        data = tomllib.load(f)
    head = data["chapter"]
    number = int(head["number"])
    exercises = []
    for raw in data.get("exercises", []):
        name = raw["id"].split(".", 1)[1]
        exercises.append(Exercise(
            id=raw["id"], chapter=number, topic=raw["topic"], section=str(raw["section"]),
            title=raw["title"], points=int(raw.get("points", 1)),
            functions=tuple(raw.get("functions", [name])), forbid=tuple(raw.get("forbid", [])),
            hints=tuple(raw.get("hints", [])),
            mistakes=tuple(Mistake(m["id"], m["hint"]) for m in raw.get("mistakes", [])),
            stretch=bool(raw.get("stretch", False)),
        ))
    return Chapter(id=head.get("id", f"ch{number}"), number=number, slug=head.get("slug", ""),
                   aliases=tuple(head.get("aliases", [])), title=head["title"],
                   sections=head.get("sections", {}), exercises=tuple(exercises))


@cache
def load() -> Catalogue:
    chapters = sorted((_read_chapter(p) for p in CURRICULUM.glob("ch*.toml")),
                      key=lambda ch: ch.number)
    editions_file = CURRICULUM / "editions.toml"
    editions = tomllib.loads(editions_file.read_text("utf-8")) if editions_file.exists() else {}
    return Catalogue(chapters, editions)
