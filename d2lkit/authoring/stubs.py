"""Stubs are generated from solutions: each marked region becomes `raise NotImplementedError`,
and the docstring of each definition of a "from scratch" exercise gets the list of what it may not
use, generated from the catalogue (`forbid = [...]` in d2lkit/curriculum/chNN.toml) so that the
stub and the grader can never disagree about it."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

from d2lkit.paths import content_dir

# What each solution becomes in a stub: the one NotImplementedError that means "not started"
# (the sandbox tells it from one a learner raises for a case their code does not handle)
STUB_LINE = "raise NotImplementedError"

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)### (?P<kind>BEGIN|END) SOLUTION\s*$")


# The block a stub's docstring ends with when its exercise forbids anything. Bilingual, like the
# docstrings; the names are the catalogue's, public ones listed, private aliases counted.
FORBID_HEADING = "Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）："
FORBID_PRIVATE = "(and {count} private {aliases} of these / 以及它们的 {count} 个内部别名)"
WIDTH = 100  # the kit's line length


class MarkerError(ValueError):
    pass


def forbid_map(relpath: str, catalogue=None) -> dict[str, tuple[str, ...]]:
    """Definition name -> what it may not use, for the exercises of one topic module
    ("ch03/softmax_scratch.py") in `catalogue` (the kit's own when None)."""
    if catalogue is None:
        from d2lkit import catalogue as catalogue_module

        catalogue = catalogue_module.load()
    return forbid_map_of([ex for ex in catalogue.exercises if ex.relpath == relpath])


def forbid_map_of(exercises) -> dict[str, tuple[str, ...]]:
    """Definition name -> forbidden names, for `exercises` (those of one topic module)."""
    out: dict[str, tuple[str, ...]] = {}
    for ex in exercises:
        if ex.forbid:
            for name in ex.functions:
                out[name] = tuple(dict.fromkeys((*out.get(name, ()), *ex.forbid)))
    return out


def forbid_block(names: tuple[str, ...], indent: str) -> list[str]:
    """The docstring lines that list `names` (without a trailing newline)."""
    public = [n for n in names if not any(part.startswith("_") for part in n.split("."))]
    private = len(names) - len(public)
    body = textwrap.wrap(", ".join(public), width=WIDTH, initial_indent=indent + "    ",
                         subsequent_indent=indent + "    ", break_long_words=False,
                         break_on_hyphens=False)
    if private:  # on a line of its own, never wrapped in the middle of the Chinese
        body.append(indent + "    " + FORBID_PRIVATE.format(
            count=private, aliases="alias" if private == 1 else "aliases"))
    return [indent + FORBID_HEADING, *body]


def add_forbidden(source: str, forbid: dict[str, tuple[str, ...]],
                  filename: str = "<solution>") -> str:
    """`source` with the forbid block at the end of the docstring of each top-level definition
    named in `forbid` (a definition without a docstring gets one)."""
    if not forbid:
        return source
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    edits = []  # (line index, replace how many lines, new lines), applied from the bottom
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        names = forbid.get(node.name)
        if not names:
            continue
        first = node.body[0]
        indent = " " * first.col_offset
        block = forbid_block(names, indent)
        if ast.get_docstring(node, clean=False) is None:
            new = [f'{indent}"""{block[0].strip()}\n', *(b + "\n" for b in block[1:]),
                   f'{indent}"""\n']
            edits.append((first.lineno - 1, 0, new))
            continue
        end = first.end_lineno - 1  # the line that closes the docstring
        line = lines[end]
        close = first.end_col_offset - 3  # the closing quotes
        before, after = line[:close], line[close:]
        if before.strip():  # closes on a line of text: `Doc."""` -> `Doc.` + block + `"""`
            new = [before.rstrip() + "\n", "\n", *(b + "\n" for b in block), indent + after]
        else:  # closes on a line of its own
            new = ["\n", *(b + "\n" for b in block), line]
        edits.append((end, 1, new))
    for index, count, new in sorted(edits, key=lambda e: -e[0]):
        lines[index:index + count] = new
    return "".join(lines)


def make_stub(source: str, filename: str = "<solution>",
              forbid: dict[str, tuple[str, ...]] | None = None) -> str:
    """The learner's version of a solution module; `forbid` (definition name -> forbidden names,
    `forbid_map`) adds what each may not use to its docstring."""
    if forbid:
        source = add_forbidden(source, forbid, filename)
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


def stub_for(solution: Path, catalogue=None) -> str:
    """The stub generated from a solution file of the kit (`exercises/` holds these)."""
    rel = f"{solution.parent.name}/{solution.name}"
    return make_stub(solution.read_text("utf-8"), str(solution), forbid_map(rel, catalogue))


def out_of_date(relpaths: set[str] | None = None) -> list[Path]:
    """Solutions whose committed stub differs from the generated one (only `relpaths`, such as
    "ch06/conv_shapes.py", when given)."""
    stale = []
    for sol in solution_files():
        if relpaths is not None and f"{sol.parent.name}/{sol.name}" not in relpaths:
            continue
        stub = stub_path_for(sol)
        if not stub.is_file() or stub.read_text("utf-8") != stub_for(sol):
            stale.append(sol)
    return stale


def sync(relpaths: set[str] | None = None) -> list[Path]:
    """Regenerate stale stubs (all, or those of `relpaths`); returns the stubs written."""
    written = []
    for sol in out_of_date(relpaths):
        stub = stub_path_for(sol)
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(stub_for(sol), "utf-8")
        written.append(stub)
    return written
