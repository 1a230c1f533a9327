"""Where the kit's own files are: in a repository checkout, or inside the installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CONTENT_TREES = ("exercises", "solutions", "grader")


@cache
def content_dir(tree: str) -> Path:
    """The `exercises`, `solutions` or `grader` tree.

    A wheel carries them as `d2lkit/_content/<tree>`; a checkout (also an editable install) has
    them beside the package, as the design card lays them out.
    """
    assert tree in CONTENT_TREES, tree
    installed = PACKAGE / "_content" / tree
    if installed.is_dir() and any(installed.glob("ch*")):
        return installed
    return PACKAGE.parent / tree


def repository_root() -> Path | None:
    """The checkout's root when running from one (authoring commands need tests/mutants)."""
    root = PACKAGE.parent
    return root if (root / "setup.cfg").is_file() and (root / "tests").is_dir() else None


def cache_folder() -> Path:
    """Where d2lkit keeps caches (never in a workspace): $XDG_CACHE_HOME/d2lkit, else
    ~/.cache/d2lkit."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "d2lkit"


def chapter_dir_name(number: int) -> str:
    return f"ch{number:02d}"
