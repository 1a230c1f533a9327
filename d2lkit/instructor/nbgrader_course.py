"""`d2lkit nbgrader init`: an nbgrader course directory set up for d2lkit's notebooks, graded by
d2lkit's engine outside the learners' kernels (`d2lkit.instructor.nbautograde`)."""

from __future__ import annotations

from pathlib import Path

CONFIG = '''\
# nbgrader configuration written by `d2lkit nbgrader init` (d2lkit {version}).
#
# Grades come from d2lkit's engine, never from the learner's kernel: `d2lkit nbgrader autograde
# ASSIGNMENT` grades the solution cells' code in d2lkit's sandbox (as `d2lkit grade` does) and
# writes the scores into this course's gradebook. The test cells of d2lkit's notebooks are the
# learners' own self-checks and decide nothing. The Autograde settings below make a plain
# `nbgrader autograde` (and formgrader's autograde button) grade the same way, one student at a
# time, instead of running the notebooks.
import os

from d2lkit.instructor.nbautograde import autograde_preprocessors, sanitize_preprocessors

c = get_config()  # noqa: F821 - provided by nbgrader
_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = _here
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_here, "gradebook.db")

# nbgrader's Autograde, d2lkit's way: nothing is executed; d2lkit's verdict of each exercise
# becomes its test cell's output and its score (see d2lkit/instructor/nbautograde.py). Locked
# cells are still restored from the gradebook, and a changed one is reported.
c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
c.Autograde.autograde_preprocessors = autograde_preprocessors()

# Released notebooks stub each solution with the kit's own line, so an untouched one is graded
# "not implemented" rather than as an error.
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError"}}

# `nbgrader validate` still runs notebooks (the learners' self-checks): {timeout} s per cell.
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True

# A submission that deleted a test cell gets it back; an edited locked cell is overwritten with
# the released one (OverwriteCells always does that).
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "d2lkit: cell {{cell_id}} was missing from the submission and was put back by nbgrader.\\n")

# Feedback (nbgrader generate_feedback) shows d2lkit's report of each exercise as its test
# cell's output, hidden checks redacted; nothing else of the grading is in the notebook.
'''

def config_text(course_id: str, timeout: int = 60) -> str:
    from d2lkit import __version__

    return CONFIG.format(version=__version__, course_id=course_id, timeout=int(timeout))


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
