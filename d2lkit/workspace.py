"""The learner's workspace: a copy of the stubs, a d2lkit.toml, and .d2lkit/ for progress and
backups. Nothing here ever deletes or overwrites a learner's file without a backup."""

from __future__ import annotations

import ast
import os
import re
import shutil
from d2lkit.compat import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from d2lkit import __version__
from d2lkit.paths import content_dir

MARKER = "d2lkit.toml"
STATE = ".d2lkit"


class WorkspaceError(Exception):
    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    @property
    def is_initialised(self) -> bool:
        return (self.root / MARKER).is_file()

    @property
    def state_dir(self) -> Path:
        return self.root / STATE

    @property
    def progress_path(self) -> Path | None:
        # only a real workspace keeps progress: grading solutions/ must not write into the kit
        return self.state_dir / "progress.sqlite3" if self.is_initialised else None

    def settings(self) -> dict:
        try:
            return tomllib.loads((self.root / MARKER).read_text("utf-8")).get("workspace", {})
        except (OSError, tomllib.TOMLDecodeError):
            return {}

    def file_for(self, ex) -> Path:
        return self.root / ex.relpath


def find(explicit: str | None = None, cwd: Path | None = None) -> Workspace:
    """--workspace, else D2LKIT_WORKSPACE, else the nearest d2lkit.toml above the cwd."""
    chosen = explicit or os.environ.get("D2LKIT_WORKSPACE")
    if chosen:
        ws = Workspace(Path(chosen).expanduser())
        if not ws.root.is_dir() or not (ws.is_initialised or any(ws.root.glob("ch[0-9][0-9]"))):
            raise WorkspaceError("not-a-workspace", path=str(chosen))
        return ws
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return Workspace(folder)
    raise WorkspaceError("no-workspace")


@dataclass(frozen=True)
class KitFile:
    """One file the kit puts in a workspace: where it goes and what the kit holds there.

    `init` writes every one of them and `update` adds the ones a workspace lacks (and, for a
    Python topic file the learner already has, the definitions it lacks), so a file added here
    reaches new and old workspaces alike."""
    relpath: Path  # relative to the workspace root
    source: Path | None = None  # the kit's copy, or
    generated: str | None = None  # the text, for a file the kit makes (e.g. a blank answers file)

    @property
    def text(self) -> str:
        return self.generated if self.generated is not None else self.source.read_text("utf-8")

    @property
    def data(self) -> bytes:
        return (self.generated.encode("utf-8") if self.generated is not None
                else self.source.read_bytes())

    @property
    def is_python(self) -> bool:
        return self.relpath.suffix == ".py"


def kit_files() -> list[KitFile]:
    """Every file a workspace of this kit holds, besides d2lkit.toml and .gitignore (which say
    things about the workspace, not the kit), sorted by path. The one list `init` and `update`
    share: add new kinds of workspace files here."""
    root = content_dir("exercises")
    # the topic stubs, and each chapter's quiz answers file (generated from the catalogue by
    # `d2lkit dev sync`, d2lkit/quiz/answers.py; it holds the questions, never their answers)
    files = [KitFile(p.relative_to(root), p)
             for p in (*root.glob("ch*/*.py"), *root.glob("ch*/quiz.toml"))]
    return sorted(files, key=lambda f: f.relpath)


def stub_files() -> list[Path]:
    """The topic files (chNN/*.py) among kit_files(), relative to the workspace root."""
    return [f.relpath for f in kit_files() if f.is_python]


def marker_text(lang: str | None = None) -> str:
    """A new workspace's d2lkit.toml."""
    return (
        "# A d2lkit workspace: edit the files in chNN/, then run `d2lkit check`.\n"
        "# d2lkit 工作区：修改 chNN/ 中的文件，然后运行 `d2lkit check`。\n"
        "[workspace]\n"
        f'created = "{datetime.now().isoformat(timespec="seconds")}"\n'
        f'kit_version = "{__version__}"\n'
        + (f'lang = "{lang}"   # the language of this workspace (en or zh); --lang still wins\n'
           if lang else '# lang = "zh"   # default language for this workspace (en or zh)\n'))


def init(target: Path, lang: str | None = None) -> tuple[Workspace, int]:
    """Create a workspace; refuses (changing nothing) if any file it would write exists. With
    `lang` ("en" or "zh", from `init --lang`), the workspace speaks it from then on (every command
    reads it back from d2lkit.toml; `--lang` still wins). Returns the workspace and how many
    topic files it got."""
    target = Path(target)
    files = kit_files()
    clashes = [str(rel) for rel in [Path(MARKER), *(f.relpath for f in files)]
               if (target / rel).exists()]
    if clashes:
        shown = ", ".join(clashes[:3]) + (" …" if len(clashes) > 3 else "")
        raise WorkspaceError("init-exists", path=str(target), files=shown)
    for f in files:
        (target / f.relpath).parent.mkdir(parents=True, exist_ok=True)
        (target / f.relpath).write_bytes(f.data)
    (target / STATE).mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(marker_text(lang), "utf-8")
    (target / ".gitignore").exists() or (target / ".gitignore").write_text(".d2lkit/\n", "utf-8")
    return Workspace(target), sum(f.is_python for f in files)


# ------------------------------------------------------------------------------ where
def definition_line(source: str, names: tuple[str, ...]) -> int | None:
    """The line of the first of `names` defined at the top level of `source` (its `def` or
    `class`), or None. A file that does not parse is searched line by line."""
    try:
        found = {node.name: node.lineno for node in ast.parse(source).body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    except SyntaxError:
        found = {}
        for number, line in enumerate(source.splitlines(), 1):
            m = re.match(r"(?:async\s+)?(?:def|class)\s+(\w+)", line)
            if m:
                found.setdefault(m.group(1), number)
    lines = [found[n] for n in names if n in found]
    return lines[0] if lines else None


def locate(ws: Workspace, ex) -> tuple[Path, int | None]:
    """Where the learner writes exercise `ex`: its file in the workspace and the line of its
    first definition there (of the kit's stub when the file is gone)."""
    path = ws.file_for(ex)
    try:
        source = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        try:
            source = (content_dir("exercises") / ex.relpath).read_text("utf-8")
        except OSError:
            return path, None
    if ex.is_quiz:  # its answer's line in the answers file
        found = re.search(rf"^{re.escape(ex.name)}\s*=", source, re.M)
        return path, source.count("\n", 0, found.start()) + 1 if found else None
    return path, definition_line(source, ex.functions)


# ------------------------------------------------------------------------------ reset
def _definition_spans(source: str) -> dict[str, tuple[int, int]]:
    """Top-level def/class name -> (first line incl. decorators, last line), 1-based."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def _kinds(source: str) -> dict[str, str]:
    """Top-level definition name -> "class" or "function"."""
    try:
        return {node.name: "class" if isinstance(node, ast.ClassDef) else "function"
                for node in ast.parse(source).body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    except SyntaxError:
        return {}


def _splice(current: str, stub: str, names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(the learner's file with only `names` put back to the stub, the names that changed).
    Raises SyntaxError when the learner's file cannot be parsed."""
    mine = _definition_spans(current)
    theirs = _definition_spans(stub)
    lines = current.splitlines(keepends=True)
    stub_lines = stub.splitlines(keepends=True)
    changed = []
    # replace from the bottom so earlier line numbers stay valid
    for name in sorted((n for n in names if n in mine and n in theirs), key=lambda n: -mine[n][0]):
        a, b = theirs[name]
        lo, hi = mine[name]
        if lines[lo - 1:hi] != stub_lines[a - 1:b]:
            lines[lo - 1:hi] = stub_lines[a - 1:b]
            changed.append(name)
    for name in names:
        if name not in mine and name in theirs:
            a, b = theirs[name]
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines += ["\n", "\n", *stub_lines[a - 1:b]]
            changed.append(name)
    return "".join(lines), tuple(n for n in names if n in changed)


def reset_source(current: str, stub: str, names: tuple[str, ...]) -> str:
    """The learner's file with only `names` put back to the stub; the rest is theirs (a file that
    cannot be parsed goes back whole)."""
    try:
        return _splice(current, stub, names)[0]
    except SyntaxError:
        return stub


@dataclass(frozen=True)
class Restore:
    """What `reset` puts back in one file of the workspace."""
    relpath: str
    names: tuple[str, ...]  # the definitions (answers) that go back to the stub, in file order
    kinds: tuple[str, ...]  # "function", "class" or "answer", one per name
    whole_file: str | None  # None, or why the whole file goes back: "missing", "syntax" (a topic
    #                         file that does not parse) or "toml" (an answers file that does not)
    current: str | None  # the learner's file now (None when it is missing)
    new: str  # the file after the reset


def plan_reset(ws: Workspace, exercises) -> list[Restore]:
    """What `reset` of `exercises` would change, file by file (files already as the stub are
    left out). Nothing is written."""
    by_file: dict[str, list] = {}
    quizzes: dict[str, list] = {}
    for ex in exercises:
        (quizzes if ex.is_quiz else by_file).setdefault(ex.relpath, []).append(ex)
    plans = [plan for rel, exs in quizzes.items()
             if (plan := _plan_answers_reset(ws, rel, exs)) is not None]
    for rel, exs in by_file.items():
        stub = (content_dir("exercises") / rel).read_text("utf-8")
        path = ws.root / rel
        try:
            current = path.read_text("utf-8") if path.exists() else None
        except UnicodeDecodeError:
            current = path.read_bytes().decode("utf-8", "replace")
        names = tuple(dict.fromkeys(n for ex in exs for n in ex.functions))
        kinds = _kinds(stub)
        if current is None:
            new, changed, whole = stub, names, "missing"
        else:
            try:
                new, changed = _splice(current, stub, names)
                whole = None
            except SyntaxError:
                new, changed, whole = stub, names, "syntax"
        if new != current:
            plans.append(Restore(rel, changed, tuple(kinds.get(n, "function") for n in changed),
                                 whole, current, new))
    return plans


def _plan_answers_reset(ws: Workspace, rel: str, quizzes) -> Restore | None:
    """A quiz's stub is its empty answer: each of `quizzes` answered in the answers file `rel`
    gets `name = ""` again, every other line kept (None: none of them is answered). A missing
    file, or one that is not valid TOML, goes back whole to the kit's copy."""
    from d2lkit.compat import tomllib
    from d2lkit.quiz import answers

    kit = (content_dir("exercises") / rel).read_text("utf-8")
    path = ws.root / rel
    names = tuple(ex.name for ex in quizzes)
    kinds = ("answer",) * len(names)
    if not path.exists():
        return Restore(rel, names, kinds, "missing", None, kit)
    current = path.read_bytes().decode("utf-8", "replace")
    try:
        given = tomllib.loads(current)
    except tomllib.TOMLDecodeError:
        return Restore(rel, names, kinds, "toml", current, kit)
    answered = tuple(n for n in names if given.get(n, "") != "")
    if not answered:
        return None
    new = current
    for name in answered:
        new = answers.with_answer(new, name, "")
    return Restore(rel, answered, ("answer",) * len(answered), None, current, new)


def apply_reset(ws: Workspace, plans: list[Restore]) -> Path | None:
    """Back up the learner's files, then write the planned ones; returns the backup folder."""
    if not plans:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = ws.state_dir / "backups" / stamp
    for plan in plans:
        if plan.current is not None:
            (backup / plan.relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ws.root / plan.relpath, backup / plan.relpath)
    for plan in plans:
        path = ws.root / plan.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".d2lkit-tmp")
        tmp.write_text(plan.new, "utf-8")
        os.replace(tmp, path)
    return backup if backup.exists() else None


def reset(ws: Workspace, exercises) -> tuple[Path | None, list[Restore]]:
    """Back up the learner's files, then restore the stubs of `exercises`' definitions.

    Returns (backup folder, what was restored in each file that changed)."""
    plans = plan_reset(ws, exercises)
    return apply_reset(ws, plans), plans
