"""Grading learner source in the sandbox: a scratch workspace for the module built from it, the
grading service, and the result told in the learner's terms (a line of the cell, not of the
scratch file).

The scratch workspace is a temporary folder of this process (removed when it exits) laid out like
a learner's workspace: `chNN/<topic>.py` is the graded module, and the chapter's other modules
that it imports relatively (`from .conv_basics import corr2d`) are copied beside it, from the
learner's real workspace when it has them, else from the kit's stubs. A child may read only that
chapter folder (and the libraries): never the real workspace, its progress, or the notebook.
"""

from __future__ import annotations

import ast
import atexit
import os
import shutil
import tempfile
from pathlib import Path

from d2lkit.jupyter.service import Graded, shared
from d2lkit.jupyter.sources import GradedModule
from d2lkit.paths import content_dir


class Scratch:
    """A temporary workspace for graded modules, one per process."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="d2lkit-graded-"))
        # as root, children run as nobody, who must reach the chapter folder (nothing else here)
        os.chmod(self.root, 0o711)
        atexit.register(self.remove)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, ex, source: str, workspace_root: Path | None) -> Path:
        """Lay out `source` as the exercise's topic module, with its relatively imported
        siblings; returns the module's path."""
        chapter = self.root / ex.relpath.split("/")[0]
        if chapter.exists():
            shutil.rmtree(chapter)
        chapter.mkdir(mode=0o755)
        os.chmod(chapter, 0o755)  # whatever the umask
        target = self.root / ex.relpath
        _write(target, source)
        todo = [source]
        done = {target.name}
        while todo:
            for name in _relative_imports(todo.pop()):
                file = f"{name}.py"
                if file in done:
                    continue
                done.add(file)
                origin = None
                if workspace_root is not None and (workspace_root / chapter.name / file).is_file():
                    origin = workspace_root / chapter.name / file
                elif (content_dir("exercises") / chapter.name / file).is_file():
                    origin = content_dir("exercises") / chapter.name / file
                if origin is None:
                    continue
                try:
                    text = origin.read_text("utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                _write(chapter / file, text)
                todo.append(text)
        return target


def _write(path: Path, text: str):
    path.write_text(text, "utf-8")
    os.chmod(path, 0o644)


def _relative_imports(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.append(node.module.split(".")[0])
            else:
                out += [a.name for a in node.names]
    return out


_SCRATCH: Scratch | None = None


def scratch() -> Scratch:
    global _SCRATCH
    if _SCRATCH is None or not _SCRATCH.root.is_dir():
        _SCRATCH = Scratch()
    return _SCRATCH


def grade(ex, module: GradedModule, *, seed: int, timeout: float, device: str = "cpu",
          workspace_root: Path | None = None, lang: str = "en") -> Graded:
    """Grade `module` as exercise `ex` in the sandbox (the service's engine); the result's
    places are told in the learner's terms. Raises ServiceError when the grader itself fails."""
    space = scratch()
    path = space.write(ex, module.source, workspace_root)
    graded = shared(device).grade(ex.id, space.root, seed=seed, timeout=timeout)
    relabel(graded.result, module, str(path), ex, lang)
    return graded


# ------------------------------------------------------------------------------ places
def where(piece, lang: str, ex=None) -> str:
    """A piece of the graded module as the learner knows it."""
    from d2lkit.i18n import t
    from d2lkit.output.messages import short_path

    if piece is None:
        return t("jupyter.where-added", lang)
    if piece.origin == "cell":
        return t("jupyter.where-cell", lang)
    if piece.origin == "earlier":
        return t("jupyter.where-earlier", lang, name=piece.name)
    if piece.origin == "object":
        if _is_cell_file(piece.file):
            return t("jupyter.where-your-cell", lang, name=piece.name)
        return short_path(piece.file) if piece.file else piece.name
    return t("jupyter.where-stub", lang, file=ex.relpath if ex is not None else "")


def _is_cell_file(file: str) -> bool:
    name = os.path.basename(file or "")
    return (not file or file.startswith("<") or "ipykernel_" in file
            or (name.endswith(".py") and name[:-3].isdigit()))


def relabel(result, module: GradedModule, path: str, ex, lang: str):
    """Tell every place in `result` (a syntax error's file and line, a forbidden name's line,
    the learner's stack frames) as a place of the cell or object it came from."""
    real = os.path.realpath(path)

    def ours(file) -> bool:
        return isinstance(file, str) and (file == path or os.path.realpath(file) == real)

    def fix_frames(frames):
        for f in frames or ():
            if isinstance(f, dict) and ours(f.get("file")):
                piece = module.locate(int(f.get("line") or 0))
                f["file"] = where(piece, lang, ex)
                if piece is not None:
                    f["line"] = piece.line(int(f["line"]))

    seen: set[int] = set()

    def fix(detail):
        if detail is None or id(detail) in seen:
            return
        seen.add(id(detail))
        params = detail.params
        line = params.get("line")
        if ours(params.get("file")):
            piece = module.locate(int(line)) if isinstance(line, int) else None
            if "file" in params:
                params["file"] = where(piece, lang, ex)
            if piece is not None and isinstance(line, int):
                params["line"] = piece.line(line)
        fix_frames(params.get("frames"))
        if isinstance(params.get("error"), dict):
            fix_frames(params["error"].get("frames"))

    fix(result.detail)
    for check in result.checks:
        fix(check.detail)
        for warning in check.warnings:
            fix(warning)
