"""Instructor tools: nbgrader courses, batch grading, Gradescope/Classroom output, class reports.

Everything grades with the same graders as `d2lkit check` (one source of truth): notebooks call
`d2lkit.grader.check` in the kernel, batch grading runs `check_exercises` in sandboxes.
"""
