"""Stubs are generated from solutions: each marked region becomes `raise NotImplementedError`."""

from __future__ import annotations

import re
from pathlib import Path

from d2lkit.paths import content_dir

# What each solution becomes in a stub: the one NotImplementedError that means "not started"
# (the sandbox tells it from one a learner raises for a case their code does not handle)
STUB_LINE = "raise NotImplementedError"

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)### (?P<kind>BEGIN|END) SOLUTION\s*$")


class MarkerError(ValueError):
    pass


def make_stub(source: str, filename: str = "<solution>") -> str:
    """The learner's version of a solution module."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        m = _MARKER.match(line.rstrip("\n"))
        if m and m["kind"] == "BEGIN":
            if inside:
                raise MarkerError(f"{filename}:{number}: BEGIN SOLUTION inside another")
            inside, indent = True, m["indent"]
            out.append(f"{indent}{STUB_LINE}\n")
        elif m and m["kind"] == "END":
            if not inside:
                raise MarkerError(f"{filename}:{number}: END SOLUTION without BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{filename}: BEGIN SOLUTION is never closed")
    return "".join(out)


def strip_markers(source: str) -> str:
    """The solution without its marker lines (what `d2lkit solution` shows)."""
    return "".join(line for line in source.splitlines(keepends=True)
                   if not _MARKER.match(line.rstrip("\n")))


def solution_files() -> list[Path]:
    return sorted(content_dir("solutions").glob("ch*/*.py"))


def stub_path_for(solution: Path) -> Path:
    return content_dir("exercises") / solution.parent.name / solution.name


def out_of_date(relpaths: set[str] | None = None) -> list[Path]:
    """Solutions whose committed stub differs from the generated one (only `relpaths`, such as
    "ch06/conv_shapes.py", when given)."""
    stale = []
    for sol in solution_files():
        if relpaths is not None and f"{sol.parent.name}/{sol.name}" not in relpaths:
            continue
        stub = stub_path_for(sol)
        if not stub.is_file() or stub.read_text("utf-8") != make_stub(sol.read_text("utf-8"), str(sol)):
            stale.append(sol)
    return stale


def sync(relpaths: set[str] | None = None) -> list[Path]:
    """Regenerate stale stubs (all, or those of `relpaths`); returns the stubs written."""
    written = []
    for sol in out_of_date(relpaths):
        stub = stub_path_for(sol)
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(make_stub(sol.read_text("utf-8"), str(sol)), "utf-8")
        written.append(stub)
    return written
