"""The answer keys of the quizzes: grader/chNN/quiz_key.py, one function per question.

    @answer("ch10.quiz_mha_parameters")
    def _():
        from torch import nn
        return sum(p.numel() for p in nn.MultiheadAttention(64, 8).parameters())

A function returns the truth: a letter ("one"), letters ("many"), an int or float ("number"), a
tuple of ints ("shape"). A number or a shape is measured by building the layer with torch, never
written down (`dev check` refuses a key of those kinds that does not use torch). The keys run in
the supervisor, never in a sandbox child (they are the kit's code, and the workspace never holds
them); each truth is computed once per process.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import threading
from pathlib import Path
from typing import Callable

from d2lkit.paths import chapter_dir_name, content_dir

KEY_FILE = "quiz_key.py"
_collecting: list | None = None  # set while load_file imports a key file
_lock = threading.Lock()


class KeyError_(Exception):
    """A key that is missing, fails, or returns a truth of the wrong type (the kit's fault)."""


def answer(quiz_id: str) -> Callable:
    """Register the decorated function as the answer key of quiz `quiz_id`."""
    def register(fn: Callable) -> Callable:
        if _collecting is not None:
            _collecting.append((quiz_id, fn))
        return fn
    return register


def key_path(chapter: int, grader: Path | None = None) -> Path:
    return (grader or content_dir("grader")) / chapter_dir_name(chapter) / KEY_FILE


def load_file(path: Path) -> list[tuple[str, Callable]]:
    """(quiz id, function) for every @answer in one key file, in file order (repeats kept, so
    that `dev check` can refuse them)."""
    global _collecting
    name = f"d2lkit_quiz_key_{path.parent.name}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    with _lock:
        _collecting = []
        try:
            spec.loader.exec_module(module)
            return list(_collecting)
        finally:
            _collecting = None
            sys.modules.pop(name, None)


_files: dict[Path, dict[str, Callable]] = {}
_truths: dict[tuple[Path, str], object] = {}


def keys_of(chapter: int, grader: Path | None = None) -> dict[str, Callable]:
    """Quiz id -> key function, for one chapter (an empty dict when it has no key file)."""
    path = key_path(chapter, grader)
    if path not in _files:
        _files[path] = dict(load_file(path)) if path.is_file() else {}
    return _files[path]


def truth(ex, grader: Path | None = None):
    """The normalised truth of quiz `ex` (`normalise`), computed once per process. Raises
    KeyError_ when its key is missing, fails, or returns the wrong type."""
    path = key_path(ex.chapter, grader)
    if (path, ex.id) in _truths:
        return _truths[(path, ex.id)]
    try:
        fn = keys_of(ex.chapter, grader).get(ex.id)
    except Exception as e:  # a key file that does not import
        raise KeyError_(f"{path.name}: {type(e).__name__}: {e}") from e
    if fn is None:
        raise KeyError_(f"no @answer({ex.id!r}) in {chapter_dir_name(ex.chapter)}/{KEY_FILE}")
    try:
        raw = fn()
    except Exception as e:
        raise KeyError_(f"the key of {ex.id} raised {type(e).__name__}: {e}") from e
    value, problem = normalise(ex, raw)
    if problem:
        raise KeyError_(f"the key of {ex.id} returned {raw!r}: {problem}")
    _truths[(path, ex.id)] = value
    return value


def normalise(ex, raw) -> tuple[object, str | None]:
    """(the truth in the form the grader compares, None), or (None, what is wrong with it):
    "one" a lower-case letter among the choices, "many" a frozenset of them (at least one),
    "number" an int or a float, "shape" a tuple of non-negative ints."""
    letters = "abcdefghijklmnopqrstuvwxyz"[:len(ex.choices)]
    kind = ex.answer_kind
    if kind == "one":
        if not (isinstance(raw, str) and len(raw) == 1 and raw.lower() in letters):
            return None, f"must be one letter among {letters!r}"
        return raw.lower(), None
    if kind == "many":
        if not (isinstance(raw, str) and raw and all(c.lower() in letters for c in raw)
                and len(set(raw.lower())) == len(raw)):
            return None, f"must be distinct letters among {letters!r}, e.g. 'ac'"
        return frozenset(raw.lower()), None
    if kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            try:  # a 0-d tensor or a numpy scalar is a number too
                import numbers
                if not isinstance(raw, numbers.Number) and hasattr(raw, "item"):
                    raw = raw.item()
            except Exception:
                pass
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
            return None, "must be an int or a float"
        return raw, None
    if kind == "shape":
        if not (isinstance(raw, tuple) and all(isinstance(d, int) and not isinstance(d, bool)
                                               and d >= 0 for d in raw)):
            return None, "must be a tuple of ints (tuple(out.shape))"
        return tuple(int(d) for d in raw), None
    return None, f"unknown answer kind {kind!r}"


def uses_torch(fn: Callable) -> bool:
    """Whether a key function's own code refers to torch (a measured truth, not a literal)."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return False
    body = [n for d in tree.body for n in getattr(d, "body", [])]  # not the decorator
    for node in (sub for n in body for sub in ast.walk(n)):
        if isinstance(node, ast.Name) and node.id in ("torch", "nn", "F"):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "torch"
                                                for a in node.names):
            return True
    return False


def clear_cache():
    """Forget loaded keys and truths (tests that plant a key file)."""
    _files.clear()
    _truths.clear()
