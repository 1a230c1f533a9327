"""Quizzes: exercises of kind "quiz", one question each, answered with data instead of code.

The question, its lettered choices and its explanation are in the catalogue (chNN.toml); the
learner answers in the workspace's chNN/quiz.toml (`answers`) or in the terminal (`ask`, `d2lkit
quiz`); the truth comes from a function of the kit's grader tree, grader/chNN/quiz_key.py (`key`),
which the workspace never holds. An answer is parsed, never executed (`grading`), so grading a
quiz needs no sandbox; `check` grades quizzes and code in one run (grading.engine).
"""
