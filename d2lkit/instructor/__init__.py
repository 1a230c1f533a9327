"""Instructor tools: nbgrader courses, batch grading, Gradescope/Classroom output, class reports.

Everything grades with the same runner and graders as `d2lkit check` (one source of truth): batch
grading uses the engine's sandbox; nbgrader's test cells still call `d2lkit.grader.check` in the
student's kernel (unconfined: see docs/INSTRUCTORS.md).
"""
