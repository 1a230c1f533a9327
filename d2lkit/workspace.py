"""The learner's workspace: a copy of the stubs, a d2lkit.toml, and .d2lkit/ for progress and
backups. Nothing here ever deletes or overwrites a learner's file without a backup."""

from __future__ import annotations

import ast
import os
import shutil
import tomllib
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


def stub_files() -> list[Path]:
    root = content_dir("exercises")
    return sorted(p.relative_to(root) for p in root.glob("ch*/*.py"))


def init(target: Path) -> tuple[Workspace, int]:
    """Create a workspace; refuses (changing nothing) if any file it would write exists."""
    target = Path(target)
    stubs = stub_files()
    clashes = [str(rel) for rel in [Path(MARKER), *stubs] if (target / rel).exists()]
    if clashes:
        shown = ", ".join(clashes[:3]) + (" …" if len(clashes) > 3 else "")
        raise WorkspaceError("init-exists", path=str(target), files=shown)
    src = content_dir("exercises")
    for rel in stubs:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target / rel)
    (target / STATE).mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(
        "# A d2lkit workspace: edit the files in chNN/, then run `d2lkit check`.\n"
        "# d2lkit 工作区：修改 chNN/ 中的文件，然后运行 `d2lkit check`。\n"
        "[workspace]\n"
        f'created = "{datetime.now().isoformat(timespec="seconds")}"\n'
        f'kit_version = "{__version__}"\n'
        '# lang = "zh"   # default language for this workspace (en or zh)\n', "utf-8")
    (target / ".gitignore").exists() or (target / ".gitignore").write_text(".d2lkit/\n", "utf-8")
    return Workspace(target), len(stubs)


# ------------------------------------------------------------------------------ reset
def _definition_spans(source: str) -> dict[str, tuple[int, int]]:
    """Top-level def/class name -> (first line incl. decorators, last line), 1-based."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def reset_source(current: str, stub: str, names: tuple[str, ...]) -> str:
    """The learner's file with only `names` put back to the stub; the rest is theirs."""
    try:
        mine = _definition_spans(current)
    except SyntaxError:
        return stub  # cannot splice a broken file: the whole file goes back (after the backup)
    theirs = _definition_spans(stub)
    lines = current.splitlines(keepends=True)
    stub_lines = stub.splitlines(keepends=True)
    # replace from the bottom so earlier line numbers stay valid
    for name in sorted((n for n in names if n in mine), key=lambda n: -mine[n][0]):
        if name in theirs:
            a, b = theirs[name]
            lo, hi = mine[name]
            lines[lo - 1:hi] = stub_lines[a - 1:b]
    for name in names:
        if name not in mine and name in theirs:
            a, b = theirs[name]
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines += ["\n", "\n", *stub_lines[a - 1:b]]
    return "".join(lines)


def reset(ws: Workspace, exercises) -> tuple[Path | None, list[str]]:
    """Back up the learner's files, then restore the stubs of `exercises`.

    Returns (backup folder, files changed)."""
    by_file: dict[str, list] = {}
    for ex in exercises:
        by_file.setdefault(ex.relpath, []).append(ex)
    plans = []
    for rel, exs in by_file.items():
        stub = (content_dir("exercises") / rel).read_text("utf-8")
        path = ws.root / rel
        current = path.read_text("utf-8") if path.exists() else None
        names = tuple(n for ex in exs for n in ex.functions)
        new = stub if current is None else reset_source(current, stub, names)
        if new != current:
            plans.append((rel, path, current, new))
    if not plans:
        return None, []
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = ws.state_dir / "backups" / stamp
    for rel, path, current, _ in plans:
        if current is not None:
            (backup / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, backup / rel)
    for rel, path, _, new in plans:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".py.d2lkit-tmp")
        tmp.write_text(new, "utf-8")
        os.replace(tmp, path)
    return (backup if backup.exists() else None), [rel for rel, *_ in plans]
