"""`d2lkit nbgrader init`: an nbgrader course directory set up for d2lkit's notebooks."""

from __future__ import annotations

from pathlib import Path

CONFIG = '''\
# nbgrader configuration written by `d2lkit nbgrader init` (d2lkit {version}).
# The test cells of d2lkit's notebooks call the same graders as `d2lkit check`.
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 - provided by nbgrader
_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = _here
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_here, "gradebook.db")

# Every cell gets {timeout} s; a hung cell (an infinite loop) is interrupted and the notebook goes
# on, so one exercise's loop costs that exercise only.
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True

# nbgrader gives 0 to a test cell that printed anything on stderr. In d2lkit's test cells the
# verdict is the exception raised by `check`, never stderr, so a library warning (or the learner's
# own warnings.warn / print(file=sys.stderr)) must not zero a correct answer: drop it all.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = {pattern!r}

# A submission that deleted a test cell gets it back (and it runs); an edited locked cell is
# overwritten with the released one (OverwriteCells always does that).
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "d2lkit: cell {{cell_id}} was missing from the submission and was put back by nbgrader.\\n")

# Long outputs are cut; feedback never shows hidden tests: ClearHiddenTests removes the hidden
# region of each test cell, and the notebooks' setup installs minimal tracebacks inside hidden-test
# cells (d2lkit.instructor.nbsupport), so a failing hidden assertion does not quote its source.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 20
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
c.ClearHiddenTests.enforce_metadata = True
'''

# everything on stderr (see the comment in CONFIG); narrower: r"(?i)warn"
IGNORE_STDERR = r"[\s\S]+"


def config_text(course_id: str, timeout: int = 60, pattern: str = IGNORE_STDERR) -> str:
    from d2lkit import __version__

    return CONFIG.format(version=__version__, course_id=course_id, timeout=int(timeout),
                         pattern=pattern)


class CourseExists(Exception):
    pass


def init(course_dir: Path, course_id: str | None = None, timeout: int = 60,
         force: bool = False) -> Path:
    """Create COURSE_DIR with nbgrader_config.py and source/; refuses to overwrite a config."""
    course_dir = Path(course_dir)
    config = course_dir / "nbgrader_config.py"
    if config.exists() and not force:
        raise CourseExists(str(config))
    (course_dir / "source").mkdir(parents=True, exist_ok=True)
    config.write_text(config_text(course_id or course_dir.resolve().name, timeout), "utf-8")
    return config
