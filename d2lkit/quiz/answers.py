"""The answers file: chNN/quiz.toml in a workspace, one `quiz_<slug> = ""` line per question.

The kit's copy (exercises/chNN/quiz.toml) is generated from the catalogue (`template`, written by
`d2lkit dev sync`, checked by `dev check`) and copied by `init` and `update` like the stubs. It
holds the questions (en and zh, so the file alone is enough to answer) and empty answers; never a
truth. Reading it parses data (tomllib), never runs it; writing one answer replaces that answer's
line only and keeps the rest of the learner's file, atomically, after a backup when the file did
not parse.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

from d2lkit.compat import tomllib
from d2lkit.i18n import t

MAX_BYTES = 256 * 1024  # a larger answers file is refused, not parsed
LETTERS = "abcdefghijklmnopqrstuvwxyz"
WIDTH = 100


class AnswersFileError(Exception):
    """The answers file cannot be read: `detail` is (key, params) for the learner."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


def quizzes_of(catalogue, chapter: int) -> list:
    return [ex for ex in catalogue.exercises if ex.chapter == chapter and ex.is_quiz]


def _comment(text: str, prefix: str = "# ") -> list[str]:
    return [(prefix + line).rstrip() for line in text.splitlines() or [""]]


def template(catalogue, chapter: int) -> str:
    """The kit's answers file of `chapter`: every question of it, both languages, no truth."""
    ch = catalogue.chapter_by_number[chapter]
    out = []
    for lang in ("en", "zh"):
        out += _comment(t("quiz.file-title", lang, chapter=chapter,
                          title=ch.title.get(lang) or ch.title.get("en", "")))
    out.append("#")
    for lang in ("en", "zh"):
        out += _comment(t("quiz.file-how", lang, chapter=ch.id))
    for lang in ("en", "zh"):
        out += _comment(t("quiz.file-forms", lang))
    section = None
    for ex in quizzes_of(catalogue, chapter):
        out.append("")
        if ex.section != section:
            section = ex.section
            out.append(f"# {'-' * (WIDTH - 4 - len(section))} {section}")
            out.append("")
        out += question_block(ex)
    return "\n".join(out) + "\n"


def question_block(ex) -> list[str]:
    """One question's lines: its id, title, question and choices as comments, then the empty
    answer. `template` is made of these, and `update` appends them to an older answers file."""
    out = [f"# {ex.id} ({ex.points} pt) — {ex.title.get('en', '')} / {ex.title.get('zh', '')}"]
    for lang in ("en", "zh"):
        out += _comment(ex.question.get(lang, ""))
    for i, choice in enumerate(ex.choices):
        out.append(f"#   {LETTERS[i]}) {choice.get('en', '')}")
        if choice.get("zh") and choice.get("zh") != choice.get("en"):
            out.append(f"#      {choice['zh']}")
    out += _comment(f"{t(f'quiz.form-{ex.answer_kind}', 'en')} / "
                    f"{t(f'quiz.form-{ex.answer_kind}', 'zh')}")
    out.append(f'{ex.name} = ""')
    return out


def read(path: Path) -> dict:
    """The answers in the learner's file (slug -> raw value). Raises AnswersFileError for a
    missing, unreadable, huge or unparsable file, or one that is not a table of answers."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AnswersFileError("quiz.file-missing", file=str(path)) from None
    except OSError as e:
        raise AnswersFileError("file-unreadable", file=str(path), message=str(e)) from None
    if size > MAX_BYTES:
        raise AnswersFileError("quiz.file-too-big", file=str(path), size=size, limit=MAX_BYTES)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AnswersFileError("file-unreadable", file=str(path), message=str(e)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise AnswersFileError("quiz.file-syntax", file=str(path), message=str(e)) from None


def as_written(ex, value):
    """A parsed answer (or truth) as it is written in the answers file: letters "a,c", a number,
    [2, 3]."""
    if ex.answer_kind == "many":
        return ",".join(sorted(value))
    if ex.answer_kind == "shape":
        return list(value)
    return value


def toml_value(value) -> str:
    """An answer as the TOML text written after `=`."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(str(int(d)) for d in value) + "]"
    return repr(value)


def _value_span(lines: list[str], start: int) -> int:
    """How many lines from `start` the assignment there takes (a multi-line array: several)."""
    for count in range(1, min(40, len(lines) - start) + 1):
        try:
            tomllib.loads("".join(lines[start:start + count]))
            return count
        except tomllib.TOMLDecodeError:
            continue
    return 1


def set_answer(path: Path, name: str, value, backups: Path | None = None,
               kit_copy: Path | None = None) -> Path | None:
    """Write `name = value` into the answers file at `path`: that assignment replaced (or added),
    everything else the learner wrote kept. A missing file starts from `kit_copy`. A file that
    does not parse is first copied into `backups` (returned). Atomic: a temporary file, then
    os.replace."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        text = kit_copy.read_text("utf-8") if kit_copy is not None and kit_copy.is_file() else ""
    except (OSError, UnicodeDecodeError):
        text = path.read_bytes().decode("utf-8", "replace")
    backup = None
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        if path.exists() and backups is not None:
            backup = backups / datetime.now().strftime("%Y%m%d-%H%M%S-%f") / path.parent.name
            backup.mkdir(parents=True, exist_ok=True)
            backup = backup / path.name
            backup.write_bytes(path.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".d2lkit-tmp")
    tmp.write_text(with_answer(text, name, value), "utf-8")
    os.replace(tmp, path)
    return backup


def with_answer(text: str, name: str, value) -> str:
    """The answers file `text` with `name = value`: that assignment replaced (a multi-line one
    whole), or added at the end; every other line kept."""
    line = f"{name} = {toml_value(value)}\n"
    lines = text.splitlines(keepends=True)
    pattern = re.compile(rf'^\s*(?:{re.escape(name)}|"{re.escape(name)}"|\'{re.escape(name)}\')'
                         r'\s*=')
    at = next((i for i, ln in enumerate(lines) if pattern.match(ln)), None)
    if at is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(line)
    else:
        lines[at:at + _value_span(lines, at)] = [line]
    return "".join(lines)


# ----------------------------------------------------------------------------- the kit's copies
def kit_copy(chapter: int, exercises_tree: Path | None = None) -> Path:
    """exercises/chNN/quiz.toml: what init and update copy into a workspace."""
    from d2lkit.catalogue import QUIZ_FILE
    from d2lkit.paths import chapter_dir_name, content_dir

    return (exercises_tree or content_dir("exercises")) / chapter_dir_name(chapter) / QUIZ_FILE


def chapters_with_quizzes(catalogue) -> list[int]:
    return sorted({ex.chapter for ex in catalogue.exercises if ex.is_quiz})


def stale(catalogue, chapters=None, exercises_tree: Path | None = None) -> list[Path]:
    """The kit's answers files that are missing or differ from `template` (dev sync writes them)."""
    out = []
    for number in chapters_with_quizzes(catalogue):
        if chapters is not None and number not in chapters:
            continue
        path = kit_copy(number, exercises_tree)
        try:
            current = path.read_text("utf-8")
        except OSError:
            current = None
        if current != template(catalogue, number):
            out.append(path)
    return out


def sync(catalogue, chapters=None) -> list[Path]:
    """Write the stale answers files of the kit; returns those written."""
    written = []
    for path in stale(catalogue, chapters):
        number = int(path.parent.name[2:])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template(catalogue, number), "utf-8")
        written.append(path)
    return written
