"""`d2lkit update`: a workspace made by an older kit gets what the installed kit adds.

It only adds. A file of `workspace.kit_files()` the workspace lacks is copied in whole (a new
chapter, topic or answers file). A topic file the learner already has gets, appended at its end,
the stubs of the exercise definitions it lacks, with what they need from the stub's module level
(every import of the stub the learner's module lacks, and the helpers the stubs use, found by
reading names, never by running the code), under one comment line naming the kit version.
An answers file (chNN/quiz.toml) the learner already has gets the questions it lacks appended the
same way, each as the kit's file writes it, with an empty answer. Nothing the learner wrote is
changed or removed: the file before the update is a prefix of the file after it. A file that does
not parse (or is not UTF-8), or an answers file with a [table] that appended answers would fall
into, is left alone and reported with what it would get.

Before writing, every file it changes is copied to .d2lkit/backups/<stamp>/ (as `reset` does), and
each is written atomically. d2lkit.toml gets the kit's version in `kit_version`, its other lines
kept as they are. Renamed exercises (renames.toml) take the learner's progress rows with them,
after a copy of the database is put in the same backup folder.

`pending()` is the cheap question the other commands ask (no torch, no parsing): which exercises
of the installed kit the workspace lacks.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from d2lkit import __version__
from d2lkit.compat import tomllib
from d2lkit.workspace import MARKER, Workspace, kit_files, marker_text

ADDED = "add"  # a file the workspace lacks, copied whole
APPENDED = "append"  # definitions appended to the learner's file
LEFT_ALONE = "left-alone"  # nothing written, reported with `why`
SYNTAX = "syntax"  # why: the learner's file does not parse
TABLES = "tables"  # why: an answers file with a [table], which appended answers would fall into


@dataclass(frozen=True)
class FileChange:
    relpath: str
    action: str  # ADDED, APPENDED or LEFT_ALONE
    names: tuple[str, ...]  # the exercise definitions it adds (LEFT_ALONE: would add)
    helpers: tuple[str, ...] = ()  # the other names its added lines bind (imports, helpers)
    new: bytes | None = None  # the file after the update (None: LEFT_ALONE)
    why: str = SYNTAX  # LEFT_ALONE only: SYNTAX or TABLES


@dataclass
class Plan:
    changes: list[FileChange]
    kit_version: str | None  # the workspace's kit_version before the update
    marker_new: str | None  # d2lkit.toml after the update, None when it does not change
    renames: dict[str, str] = field(default_factory=dict)  # old -> new ids with progress rows

    @property
    def writes(self) -> list[FileChange]:
        return [c for c in self.changes if c.action != LEFT_ALONE]

    @property
    def left_alone(self) -> list[FileChange]:
        return [c for c in self.changes if c.action == LEFT_ALONE]

    @property
    def empty(self) -> bool:
        return not self.writes and not self.left_alone and self.marker_new is None \
            and not self.renames


# ------------------------------------------------------------------------------ names
def _bound(node: ast.AST) -> set[str]:
    """The module-level names a top-level statement binds (not those inside functions)."""
    out: set[str] = set()

    def visit(n):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
            return
        if isinstance(n, ast.Import):
            out.update(a.asname or a.name.split(".")[0] for a in n.names)
            return
        if isinstance(n, ast.ImportFrom):
            out.update(a.asname or a.name for a in n.names if a.name != "*")
            return
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return out


def _used(node: ast.AST) -> set[str]:
    """Every name a statement reads, at definition time or when called (decorators, defaults,
    annotations, bases and bodies alike)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _lines(source: str, node: ast.stmt) -> str:
    """A top-level statement's own lines (with its decorators) as the stub has them."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "".join(source.splitlines(keepends=True)[first - 1:node.end_lineno]).rstrip() + "\n"


def _import_line(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    """One name of an import statement, alone: `from torch import nn, Tensor` may be needed for
    Tensor only, and importing nn again could rebind the learner's own `nn`."""
    name = alias.name + (f" as {alias.asname}" if alias.asname else "")
    if isinstance(node, ast.Import):
        return f"import {name}\n"
    return f"from {'.' * node.level}{node.module or ''} import {name}\n"


_DEF = re.compile(r"(?:async\s+def|def|class)\s+(\w+)", re.M)


def _defined_roughly(source: str) -> set[str]:
    """Names defined at the start of a line: for a file that does not parse."""
    return {m.group(1) for m in re.finditer(r"^" + _DEF.pattern, source, re.M)}


def appendix(current: str, stub: str, wanted: tuple[str, ...]) -> tuple[tuple[str, ...],
                                                                         tuple[str, ...], str]:
    """What to append to the learner's `current` module so that it has the stub's definitions
    of `wanted` it lacks: (the definitions added, the other names bound by added lines, the text
    to append after the comment line). Raises SyntaxError when `current` does not parse."""
    mine = set().union(*(_bound(n) for n in ast.parse(current).body))
    body = ast.parse(stub).body
    # the units the appendix is made of: one per imported name, one per other statement
    units: list[tuple[tuple[int, int], set[str], ast.AST, str]] = []
    for i, node in enumerate(body):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue  # only valid at the top of a module: never appended (no stub has one)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for j, alias in enumerate(node.names):
                if alias.name != "*":
                    units.append(((i, j), _bound(ast.Import(names=[alias]))
                                  if isinstance(node, ast.Import) else {alias.asname or alias.name},
                                  node, _import_line(node, alias)))
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            units.append(((i, 0), _bound(node), node, _lines(stub, node)))
    binder = {}
    for key, names, node, text in units:
        for name in names:
            binder.setdefault(name, (key, names, node, text))
    added_defs = tuple(n for n in dict.fromkeys(wanted) if n not in mine and n in binder
                       and isinstance(binder[n][2], (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.ClassDef)))
    if not added_defs:
        return (), (), ""
    chosen: dict[tuple[int, int], tuple] = {}
    # every import of the stub's the learner's module lacks: the stubs' bodies only raise, but
    # the code the learner writes in them will need what the kit's module imports
    queue = list(added_defs) + [name for _, names, node, _ in units
                                if isinstance(node, (ast.Import, ast.ImportFrom))
                                for name in names]
    while queue:
        name = queue.pop()
        unit = binder.get(name)
        if unit is None or unit[0] in chosen or name in mine:
            continue
        key, names, node, text = unit
        if names & mine:
            continue  # appending it would rebind a name of the learner's: left out
        chosen[key] = unit
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            queue += [n for n in _used(node) if n not in mine and not hasattr(builtins, n)]
    ordered = [chosen[k] for k in sorted(chosen)]
    imports = "".join(text for _, _, node, text in ordered
                      if isinstance(node, (ast.Import, ast.ImportFrom)))
    others = [text for _, _, node, text in ordered
              if not isinstance(node, (ast.Import, ast.ImportFrom))]
    helpers = tuple(n for _, names, _, _ in ordered for n in sorted(names) if n not in added_defs)
    text = imports + ("\n\n" if imports and others else "") + "\n\n".join(others)
    return added_defs, helpers, text


def _joined(current: str, comment: str, text: str) -> str:
    """`current` with two blank lines, `comment` and `text` after it, in its own line endings."""
    newline = "\r\n" if "\r\n" in current else "\n"
    trailing = len(current) - len(current.rstrip("\r\n"))
    gap = max(0, 3 - current[len(current) - trailing:].count("\n")) if current.strip() else 0
    block = f"{comment}\n{text}"
    if newline != "\n":
        block = block.replace("\n", newline)
    return current + newline * gap + block


# ------------------------------------------------------------------------------ planning
def _exercise_names(cat) -> dict[str, tuple[str, ...]]:
    """Topic file -> the definitions of its exercises, in curriculum order."""
    out: dict[str, list[str]] = {}
    for ex in cat.exercises:
        out.setdefault(ex.relpath, []).extend(ex.functions)
    return {rel: tuple(dict.fromkeys(names)) for rel, names in out.items()}


def _quiz_questions(cat) -> dict[str, list]:
    """Answers file -> its quiz exercises, in curriculum order."""
    out: dict[str, list] = {}
    for ex in cat.exercises:
        if ex.kind == "quiz":
            out.setdefault(ex.relpath, []).append(ex)
    return out


def _answer_keys_roughly(text: str) -> set[str]:
    """The keys assigned at the start of a line: for an answers file that does not parse."""
    return set(re.findall(r"^\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?\s*=", text, re.M))


def _quiz_change(rel: str, path: Path, questions: list, lang: str) -> FileChange | None:
    """The questions the learner's answers file lacks, appended after everything in it (None:
    it has them all). Which answers they gave is never read here, only which keys exist."""
    from d2lkit.quiz.answers import question_block

    raw = path.read_bytes()
    try:
        current = raw.decode("utf-8")
        answers = tomllib.loads(current)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        theirs = _answer_keys_roughly(raw.decode("utf-8", "replace"))
        would = tuple(ex.name for ex in questions if ex.name not in theirs)
        return FileChange(rel, LEFT_ALONE, would) if would else None
    lacking = [ex for ex in questions if ex.name not in answers]
    if not lacking:
        return None
    names = tuple(ex.name for ex in lacking)
    if any(isinstance(v, dict) for v in answers.values()):
        # keys written after a [table] header belong to that table: the answers would be lost
        return FileChange(rel, LEFT_ALONE, names, why=TABLES)
    text = "\n\n".join("\n".join(question_block(ex)) for ex in lacking) + "\n"
    new = _joined(current, comment_line(names, lang), text)
    after = tomllib.loads(new)  # the learner's answers kept, every new one empty
    assert all(after[k] == v for k, v in answers.items()) and all(after[n] == "" for n in names)
    return FileChange(rel, APPENDED, names, new=new.encode("utf-8"))


def comment_line(names: tuple[str, ...], lang: str) -> str:
    from d2lkit.i18n import t

    return "# " + t("update.comment", lang, version=__version__,
                    names=t("cli.list-sep", lang).join(names))


def plan(ws: Workspace, cat, lang: str = "en", renames: dict[str, str] | None = None,
         progress=None) -> Plan:
    """What `update` would do to `ws`; nothing is written. `progress` (a Progress, read-only is
    enough) tells which renamed exercises have rows to move."""
    wanted = _exercise_names(cat)
    questions = _quiz_questions(cat)
    changes = []
    for kit_file in kit_files():
        rel = kit_file.relpath.as_posix()
        path = ws.root / kit_file.relpath
        if not path.exists():
            changes.append(FileChange(rel, ADDED, wanted.get(rel, ()) if kit_file.is_python else (),
                                      new=kit_file.data))
            continue
        if not kit_file.is_python:
            change = _quiz_change(rel, path, questions.get(rel, []), lang)
            if change is not None:
                changes.append(change)
            continue
        if not wanted.get(rel):
            continue
        stub = kit_file.text
        raw = path.read_bytes()
        try:
            current = raw.decode("utf-8")
            names, helpers, text = appendix(current, stub, wanted[rel])
        except (UnicodeDecodeError, SyntaxError, ValueError):
            theirs, ours = _defined_roughly(raw.decode("utf-8", "replace")), _defined_roughly(stub)
            would = tuple(n for n in wanted[rel] if n not in theirs and n in ours)
            if would:
                changes.append(FileChange(rel, LEFT_ALONE, would))
            continue
        if names:
            new = _joined(current, comment_line(names, lang), text)
            ast.parse(new)  # the appendix must leave the module valid Python
            changes.append(FileChange(rel, APPENDED, names, helpers, new.encode("utf-8")))
    moving = {}
    if renames and progress is not None:
        have = progress.exercises_with_rows()
        moving = {old: new for old, new in renames.items() if old in have}
    return Plan(changes, ws.settings().get("kit_version"), _marker_after(ws), moving)


_KIT_VERSION = re.compile(r'^(\s*kit_version\s*=\s*)(["\'])[^"\'\n]*\2', re.M)


def _version_key(version) -> tuple[int, ...]:
    """A version to compare: 0.10.1 -> (0, 10, 1); anything unreadable sorts first."""
    parts = re.findall(r"\d+", version) if isinstance(version, str) else []
    return tuple(int(p) for p in parts[:3])


def _marker_after(ws: Workspace) -> str | None:
    """d2lkit.toml with the installed kit's version (every other line kept), or None when it
    already says it. A workspace without one (found by D2LKIT_WORKSPACE) gets a new one."""
    path = ws.root / MARKER
    if not path.is_file():
        return marker_text()
    if _version_key(ws.settings().get("kit_version")) > _version_key(__version__):
        return None  # made by a newer kit: an older one does not lower it
    text = path.read_bytes().decode("utf-8", "replace")
    if _KIT_VERSION.search(text):
        new = _KIT_VERSION.sub(lambda m: f"{m.group(1)}{m.group(2)}{__version__}{m.group(2)}",
                               text, count=1)
    else:
        header = re.search(r"^\s*\[workspace\]\s*(#.*)?$", text, re.M)
        line = f'kit_version = "{__version__}"\n'
        if header:
            end = header.end() + 1 if text[header.end():header.end() + 1] == "\n" else header.end()
            new = text[:end] + ("" if text[:end].endswith("\n") else "\n") + line + text[end:]
        else:
            new = text + ("" if text.endswith("\n") or not text else "\n") + "[workspace]\n" + line
    return None if new == text else new


# ------------------------------------------------------------------------------ applying
def new_backup_dir(ws: Workspace) -> Path:
    return ws.state_dir / "backups" / datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def _write_atomically(path: Path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".d2lkit-tmp")
    tmp.write_bytes(data)
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def apply(ws: Workspace, plan_: Plan, progress=None) -> Path | None:
    """Back up what will change, then write it; returns the backup folder (None: nothing backed
    up). `progress` (writable) takes the renames."""
    backup = new_backup_dir(ws)
    changed = [c.relpath for c in plan_.writes if (ws.root / c.relpath).exists()]
    if plan_.marker_new is not None and (ws.root / MARKER).exists():
        changed.append(MARKER)
    for rel in changed:
        (backup / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ws.root / rel, backup / rel)
    if plan_.renames and progress is not None:
        progress.backup_to(backup / "progress.sqlite3")
        progress.rename_rows(plan_.renames)
    for change in plan_.writes:
        _write_atomically(ws.root / change.relpath, change.new)
    if plan_.marker_new is not None:
        _write_atomically(ws.root / MARKER, plan_.marker_new.encode("utf-8"))
    return backup if backup.exists() else None


# ------------------------------------------------------------------------------ pending
def pending(ws: Workspace, cat) -> list[str]:
    """The exercises of the installed kit that the workspace lacks (its file is missing, or a
    definition of it is not there; a quiz: its answers file is missing or has no line for it),
    in curriculum order. Cheap: reads the files, parses none."""
    defined: dict[str, set[str] | None] = {}
    missing = []
    shipped = None
    keys: dict[str, set[str] | None] = {}
    for ex in cat.exercises:
        if ex.kind == "quiz":  # answered in an answers file that `update` adds or appends to
            if shipped is None:
                shipped = {f.relpath.as_posix() for f in kit_files()}
            if ex.relpath not in shipped:
                continue
            if ex.relpath not in keys:
                try:
                    keys[ex.relpath] = _answer_keys_roughly(
                        (ws.root / ex.relpath).read_bytes().decode("utf-8", "replace"))
                except OSError:
                    keys[ex.relpath] = None
            if keys[ex.relpath] is None or ex.name not in keys[ex.relpath]:
                missing.append(ex.id)
            continue
        if ex.relpath not in defined:
            defined[ex.relpath] = _names_in(ws.root / ex.relpath, wanted=set(
                n for other in cat.exercises if other.relpath == ex.relpath
                for n in other.functions))
        have = defined[ex.relpath]
        if have is None or not set(ex.functions) <= have:
            missing.append(ex.id)
    return missing


def _names_in(path: Path, wanted: set[str]) -> set[str] | None:
    """The names of `wanted` that the file defines (None: there is no file). A `def` or `class`
    at the start of a line is enough; only a file that seems to lack one is parsed, to see the
    names it binds otherwise (`norm = ...`, an import), as `update` would."""
    try:
        source = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None
    found = _defined_roughly(source)
    if wanted <= found:
        return found
    try:
        return found | set().union(*(_bound(n) for n in ast.parse(source).body))
    except (SyntaxError, ValueError):
        return found  # `update` will say why it cannot add to it
