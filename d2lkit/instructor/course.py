"""A course's grading settings: one small file read by every path that scores.

`d2lkit-course.toml`, in the folder the instructor works in (the nbgrader course folder, the
folder `d2lkit grade`, `d2lkit gradescope` and `d2lkit classroom` run from), or named with
`--course FILE`:

    [grading]
    stretch = "extra-credit"               # or "ignore", "required" (grading.results.STRETCH_RULES)
    hidden_visibility = "after_due_date"   # Gradescope: when an exercise with hidden checks shows

Every key is optional; an unknown key or value is an error that names the valid ones (a typo must
not silently change how a class is scored). `d2lkit gradescope` and `d2lkit classroom` write
the settings into the files they generate, so Gradescope and GitHub need no copy of this file.
No torch here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from d2lkit.compat import tomllib
from d2lkit.grading.results import DEFAULT_STRETCH_RULE, STRETCH_RULES

FILE = "d2lkit-course.toml"
# Gradescope's visibilities (autograder specification), for the test that carries the score of an
# exercise with checks the graders mark hidden
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_HIDDEN_VISIBILITY = "after_due_date"

TEMPLATE = f'''\
# d2lkit's grading settings for this course (docs/INSTRUCTORS.md). `d2lkit grade`, `d2lkit
# gradescope`, `d2lkit classroom` and d2lkit's nbgrader grading read this file from the folder
# they run in (or from --course FILE).

[grading]
# Stretch exercises: "extra-credit" (their points add to the score, never to the maximum, and
# failing one fails nothing), "ignore" (graded and shown, worth nothing) or "required" (they
# count like every other exercise).
stretch = "{DEFAULT_STRETCH_RULE}"

# Gradescope: when a learner sees the test of an exercise whose graders have hidden checks
# ("hidden", "after_due_date", "after_published" or "visible"); its visible checks are always
# shown, in a test of their own worth no points.
hidden_visibility = "{DEFAULT_HIDDEN_VISIBILITY}"
'''


class CourseConfigError(Exception):
    """The course file cannot be read or holds an unknown key or value."""


@dataclass(frozen=True)
class Course:
    stretch: str = DEFAULT_STRETCH_RULE
    hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY
    path: str | None = None  # where the settings came from (None: the defaults)

    def but(self, stretch: str | None = None, hidden_visibility: str | None = None) -> "Course":
        """These settings with command-line overrides (None keeps the file's)."""
        return Course(stretch or self.stretch, hidden_visibility or self.hidden_visibility,
                      self.path)


KEYS = {"stretch": STRETCH_RULES, "hidden_visibility": VISIBILITIES}


def parse(text: str, where: str = FILE) -> Course:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CourseConfigError(f"{where}: {e}") from None
    unknown = sorted(set(data) - {"grading"})
    if unknown:
        raise CourseConfigError(f"{where}: unknown table(s) {', '.join(unknown)}; "
                                "the settings live in [grading]")
    grading = data.get("grading", {})
    if not isinstance(grading, dict):
        raise CourseConfigError(f"{where}: [grading] must be a table")
    values = {}
    for key, value in grading.items():
        if key not in KEYS:
            raise CourseConfigError(f"{where}: unknown key grading.{key}; "
                                    f"known: {', '.join(KEYS)}")
        if value not in KEYS[key]:
            raise CourseConfigError(f"{where}: grading.{key} = {value!r}; "
                                    f"one of {', '.join(map(repr, KEYS[key]))}")
        values[key] = value
    return Course(**values, path=where)


def load(explicit: str | Path | None = None, folder: str | Path | None = None) -> Course:
    """The settings in `explicit` (a file, which must exist), else `folder/d2lkit-course.toml`
    (by default the current folder) when there is one, else the defaults."""
    if explicit is not None:
        path = Path(explicit)
    else:
        path = Path(folder if folder is not None else ".") / FILE
        if not path.is_file():
            return Course()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CourseConfigError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    return parse(text, str(path))


def write_template(folder: str | Path) -> Path | None:
    """Write the commented default `d2lkit-course.toml` into `folder` unless one is there;
    returns its path when written."""
    path = Path(folder) / FILE
    if path.exists():
        return None
    path.write_text(TEMPLATE, "utf-8")
    return path
