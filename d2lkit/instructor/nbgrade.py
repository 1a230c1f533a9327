"""Notebooks graded by d2lkit's engine, outside the learner's kernel.

A notebook handed in (an nbgrader submission `submitted/<student>/<assignment>/*.ipynb`, or any
notebook exported by `d2lkit nbgrader export`) is never run. Its solution cells — the code cells
whose nbgrader grade id the export gave to an exercise's solution (`ch2_vector_norm-solution`),
a helper (`norms-helper_name-helper`) or a sibling topic's code (`multihead-from-attention_scoring`)
— are read as text and written into a workspace: each topic module is the kit's stub with the
definitions of the learner's cells put in place of the stub's (the kit's given code stays the
kit's, whatever the notebook's locked cells say). That workspace is graded like any other by
`d2lkit.instructor.batch` (private copy, sandbox children, `--jobs`), with the engine of
`d2lkit check`. So a hang, a crash or an exit inside a function costs that exercise only; code
at the top of a cell that hangs or fails on import blocks the exercises of that notebook and says
so; patched comparisons, a redefined `check` or a read of the kit's solutions happen inside a
confined child and change nothing. The test cells are never read: they are the learner's
self-check.

A solution cell that does not parse costs its own exercise (a syntax error, shown in the cell's
own line numbers); the rest of the notebook is graded without it. Messages name notebook cells,
not the temporary files (`norms.ipynb (cell ch2_vector_norm-solution), line 3`).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult, Results
from d2lkit.instructor import batch
from d2lkit.i18n import t
from d2lkit.instructor.batch import Graded, Submission
from d2lkit.instructor.notebooks import grade_id

MAX_NOTEBOOK_BYTES = 20 * 1024**2  # a notebook larger than this is not read (outputs, images)
NBGRADER_STUB = "raise NotImplementedError()"  # what nbgrader's ClearSolutions writes by default
KIT_STUB = "raise NotImplementedError"  # the kit's own stub line (`d2lkit.authoring.stubs`)


# ------------------------------------------------------------------------------ submissions
@dataclass
class NotebookSubmission(Submission):
    """One learner's notebooks (a folder, an nbgrader submission, or a single notebook)."""
    notebooks: list[Path] = field(default_factory=list)


def notebooks_in(folder: Path) -> list[Path]:
    """The notebooks of a learner's folder: `*.ipynb` in it, else in its sub-folders (nbgrader's
    `<student>/<assignment>/`); never in hidden folders (.ipynb_checkpoints)."""
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if found:
        return found
    return sorted(p for p in folder.glob("*/*.ipynb")
                  if p.is_file() and not p.parent.name.startswith("."))


def discover(paths) -> list[Submission]:
    """Workspaces (as `batch.discover`) and notebooks: a notebook file is a submission, a folder
    of notebooks is one, and a folder whose sub-folders are workspaces or hold notebooks (nbgrader's
    `submitted/`) is one submission per sub-folder."""
    found: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.suffix == ".ipynb":
            found.append(NotebookSubmission(path.stem, path.resolve(), [path.resolve()]))
        elif batch.is_workspace(path):
            found.append(Submission(path.resolve().name, path.resolve()))
        elif path.is_dir():
            own = sorted(p for p in path.glob("*.ipynb") if p.is_file())
            if own:
                found.append(NotebookSubmission(path.resolve().name, path.resolve(),
                                                [p.resolve() for p in own]))
                continue
            for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
                if batch.is_workspace(sub):
                    found.append(Submission(sub.name, sub.resolve()))
                else:
                    nbs = notebooks_in(sub)
                    if nbs:
                        found.append(NotebookSubmission(sub.name, sub.resolve(),
                                                        [p.resolve() for p in nbs]))
        else:
            raise FileNotFoundError(str(path))
    names: dict[str, int] = {}
    for s in found:  # unique names, as the outputs key submissions by name
        n = names.get(s.name, 0)
        names[s.name] = n + 1
        if n:
            s.name = f"{s.name}~{n + 1}"
    return found


# ------------------------------------------------------------------------------ cells
@dataclass(frozen=True)
class Role:
    kind: str  # "solution" (an exercise's), "helper", "sibling" (a topic it builds on), "test"
    relpath: str  # the topic module the cell's code belongs to
    exercise: str = ""  # for "solution" and "test"


def cell_roles(catalogue) -> dict[str, Role]:
    """Grade id -> role, for the ids `d2lkit nbgrader export` gives exercise cells."""
    roles = {}
    for ex in catalogue.exercises:
        roles[grade_id(ex.id, "solution")] = Role("solution", ex.relpath, ex.id)
        roles[grade_id(ex.id, "test")] = Role("test", ex.relpath, ex.id)
    return roles


def _topics(catalogue) -> dict[str, str]:
    return {ex.topic: ex.relpath for ex in catalogue.exercises}


def role_of(gid: str, catalogue, roles: dict | None = None) -> Role | None:
    """What a cell of an exported notebook is, from its grade id (None: not the learner's code
    for grading)."""
    roles = cell_roles(catalogue) if roles is None else roles
    if gid in roles:
        return roles[gid]
    parts = gid.split("-")
    topics = _topics(catalogue)
    if len(parts) == 3 and parts[2] == "helper" and parts[0] in topics:
        return Role("helper", topics[parts[0]])
    if len(parts) == 3 and parts[1] == "from" and parts[0] in topics:
        folder = PurePosixPath(topics[parts[0]]).parent
        return Role("sibling", (folder / f"{parts[2]}.py").as_posix())
    return None


@dataclass
class Cell:
    notebook: str  # the notebook's file name
    grade_id: str
    role: Role
    source: str


def read_notebook(path: Path) -> dict:
    """A notebook's JSON (ValueError when it is not one, or too large to be read)."""
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MiB")
    nb = json.loads(path.read_text("utf-8"))
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path.name} is not a notebook")
    return nb


def _text(source) -> str:
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


def code_cells(nb: dict, name: str, catalogue, roles=None) -> list[Cell]:
    """The code cells of a notebook that hold the learner's code for grading, in order; the first
    of several cells with the same grade id (as nbgrader keeps it)."""
    roles = cell_roles(catalogue) if roles is None else roles
    out, seen = [], set()
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(gid, str) or gid in seen:
            continue
        role = role_of(gid, catalogue, roles)
        if role is None or role.kind == "test":
            continue
        seen.add(gid)
        out.append(Cell(name, gid, role, python_source(_text(cell.get("source")))))
    return out


_MAGIC = re.compile(r"^(\s*)([%!].*)$")


def python_source(source: str) -> str:
    """A cell's code as a module's: IPython magics and shell lines become `pass` (line for line,
    so line numbers stay the cell's), and nbgrader's stub line becomes the kit's, so that an
    untouched cell is "not started"."""
    lines = source.split("\n")
    out = []
    for i, line in enumerate(lines):
        m = _MAGIC.match(line)
        if m:
            out.append(f"{m.group(1)}pass  # {m.group(2)}")
        elif line.strip() == NBGRADER_STUB and i and lines[i - 1].strip() == "# YOUR CODE HERE":
            out.append(line.replace(NBGRADER_STUB, KIT_STUB))
        else:
            out.append(line)
    return "\n".join(out)


# ------------------------------------------------------------------------------ modules
@dataclass
class Span:
    """Lines `start`..`end` (1-based, inclusive) of a built module are lines 1.. of a cell."""
    start: int
    end: int
    notebook: str
    cell: str


def cell_name(notebook: str, cell: str, lang: str) -> str:
    return t("instructor.nb-cell", lang, notebook=notebook, cell=cell)


@dataclass
class BuiltModule:
    relpath: str
    text: str
    notebook: str
    lang: str = "en"
    spans: list[Span] = field(default_factory=list)
    broken: dict[str, Detail] = field(default_factory=dict)  # exercise id -> its cell's syntax error

    def where(self, line: int) -> tuple[str, int]:
        """(the notebook cell, its line) of a line of this module."""
        for s in self.spans:
            if s.start <= line <= s.end:
                return cell_name(s.notebook, s.cell, self.lang), line - s.start + 1
        return t("instructor.nb-given", self.lang, notebook=self.notebook), line


def _defined(tree: ast.Module) -> set[str]:
    return {n.name for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _syntax_detail(e: SyntaxError, where: str) -> Detail:
    # the keys of the engine's own syntax pre-check (grading.precheck)
    return Detail("syntax", {"file": where, "line": e.lineno or 0, "col": e.offset or 0,
                             "text": (e.text or "").rstrip("\n"), "message": e.msg,
                             "type": type(e).__name__})


def build_module(relpath: str, cells: list[Cell], notebook: str, lang: str = "en") -> BuiltModule:
    """The topic module `relpath` with the learner's cells: the kit's stub, each stub definition
    that a cell defines replaced by that cell's whole code (at the place of the first definition
    it replaces), cells that replace none at the end. A solution cell that does not parse is left
    out (its exercise is reported as a syntax error); a helper or sibling cell that does not parse
    stays in, and the module reports it."""
    from d2lkit.grading.precheck import kit_stub

    stub = kit_stub(relpath) or ""
    built = BuiltModule(relpath, "", notebook, lang)
    kept: list[tuple[Cell, set[str]]] = []
    for cell in cells:
        try:
            names = _defined(ast.parse(cell.source))
        except (SyntaxError, ValueError) as e:
            if cell.role.kind == "solution" and isinstance(e, SyntaxError):
                built.broken[cell.role.exercise] = _syntax_detail(
                    e, cell_name(cell.notebook, cell.grade_id, lang))
                continue
            names = set()
        kept.append((cell, names))
    try:
        nodes = ast.parse(stub).body
    except SyntaxError:
        nodes = []
    stub_lines = stub.splitlines(keepends=True)
    position = {}
    for i, node in enumerate(nodes):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            position.setdefault(node.name, i)
    replaced = set()
    anchored: dict[int, list[Cell]] = {}
    for cell, names in kept:
        mine = [position[n] for n in names if n in position]
        replaced.update(n for n in names if n in position)
        anchored.setdefault(min(mine) if mine else len(nodes), []).append(cell)

    out: list[str] = []

    def lines_so_far() -> int:
        return sum(chunk.count("\n") for chunk in out)

    def emit_cells(index: int):
        for cell in anchored.get(index, []):
            if out and not "".join(out[-1:]).endswith("\n\n\n"):
                out.append("\n\n")
            start = lines_so_far() + 1
            text = cell.source if cell.source.endswith("\n") else cell.source + "\n"
            out.append(text)
            built.spans.append(Span(start, start + text.count("\n") - 1, cell.notebook,
                                    cell.grade_id))
            out.append("\n\n")

    previous_end = 0
    for i, node in enumerate(nodes):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        gap = "".join(stub_lines[previous_end:first - 1])
        out.append(gap)
        previous_end = node.end_lineno
        emit_cells(i)
        name = getattr(node, "name", None)
        if not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and name in replaced):
            out.append("".join(stub_lines[first - 1:node.end_lineno]))
    out.append("".join(stub_lines[previous_end:]))
    if out and not out[-1].endswith("\n"):
        out.append("\n")
    emit_cells(len(nodes))
    built.text = "".join(out)
    return built


# ------------------------------------------------------------------------------ workspaces
@dataclass
class BuiltWorkspace:
    root: Path
    modules: dict[str, BuiltModule] = field(default_factory=dict)  # relpath -> module
    unreadable: dict[str, str] = field(default_factory=dict)  # notebook name -> why


def build_workspace(sub: NotebookSubmission, root: Path, catalogue, lang: str = "en"
                    ) -> BuiltWorkspace:
    """Write the learner's topic modules, built from their notebooks, under `root` (a new
    folder). A topic comes from the notebook named after it when there is one, else from the
    first notebook (by name) whose cells hold it; a sibling topic no notebook holds comes from
    the cells where the learner pasted it."""
    roles = cell_roles(catalogue)
    built = BuiltWorkspace(Path(root))
    own: dict[str, tuple[str, list[Cell]]] = {}  # relpath -> (notebook, cells)
    pasted: dict[str, tuple[str, list[Cell]]] = {}
    ordered = sorted(sub.notebooks, key=lambda p: p.name)
    for path in ordered:
        try:
            cells = code_cells(read_notebook(path), path.name, catalogue, roles)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError) as e:
            built.unreadable[path.name] = f"{type(e).__name__}: {e}"[:300]
            continue
        by_topic: dict[str, list[Cell]] = {}
        for cell in cells:
            target = pasted if cell.role.kind == "sibling" else own
            key = cell.role.relpath
            if target is own:
                by_topic.setdefault(key, []).append(cell)
            else:
                target.setdefault(key, (path.name, []))[1].append(cell)
        for relpath, topic_cells in by_topic.items():
            named_after = PurePosixPath(relpath).stem == path.stem
            if relpath not in own or (named_after and PurePosixPath(relpath).stem
                                      != Path(own[relpath][0]).stem):
                own[relpath] = (path.name, topic_cells)
    for relpath, (notebook, cells) in {**pasted, **own}.items():
        if relpath.endswith(".toml"):  # quiz answers: data read statically (d2lkit.quiz.notebook)
            from d2lkit.quiz.notebook import write_answers

            write_answers(built.root, cells, catalogue)
            continue
        module = build_module(relpath, cells, notebook, lang)
        built.modules[relpath] = module
        target = built.root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(module.text, "utf-8")
    return built


# ------------------------------------------------------------------------------ results
def _fixer(built: BuiltWorkspace, original: Path):
    """A function that turns the built workspace's paths and lines in any parameter into the
    notebook cells they came from."""
    absolute = {str(built.root / relpath): module for relpath, module in built.modules.items()}
    by_path = {**absolute, **built.modules}  # a "file" parameter may be either
    root = str(built.root)

    def fix(value):
        if isinstance(value, str):
            for path, module in absolute.items():
                if path in value:
                    value = value.replace(path, module.notebook)
            return value.replace(root, str(original))
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            module = by_path.get(value.get("file")) if isinstance(value.get("file"), str) else None
            if module is not None:
                value = dict(value)
                line = value.get("line")
                if isinstance(line, int) and line > 0:
                    value["file"], value["line"] = module.where(line)
                else:
                    value["file"] = module.notebook
            return {k: fix(v) for k, v in value.items()}
        return value

    return fix


def _notebook_of(relpath: str) -> str:
    return f"{PurePosixPath(relpath).stem}.ipynb"


def finish(g: Graded, sub: NotebookSubmission, built: BuiltWorkspace, exercises) -> Graded:
    """A built workspace's grading, told in the learner's notebooks' terms."""
    fix = _fixer(built, sub.path)
    by_id = {ex.id: ex for ex in exercises}
    broken = {eid: detail for m in built.modules.values() for eid, detail in m.broken.items()}

    def detail(d: Detail | None, relpath: str = "") -> Detail | None:
        if d is None:
            return None
        if d.key == "file-missing" and relpath not in built.modules:
            notebook = _notebook_of(relpath)
            if notebook in built.unreadable:
                return Detail("notebook-unreadable", {"notebook": notebook,
                                                      "message": built.unreadable[notebook]})
            return Detail("notebook-missing", {"notebook": notebook})
        if d.key == "blocked-by" and d.params.get("id") in broken:
            return Detail(d.key, fix({**d.params, "status": Status.ERROR.value}))
        return Detail(d.key, fix(d.params))

    out = Results()
    for r in g.results:
        ex = by_id.get(r.id)
        relpath = ex.relpath if ex is not None else ""
        if r.id in broken and ex is not None:
            out.append(ExerciseResult.of(ex, Status.ERROR, detail=broken[r.id],
                                         code_hash=r.code_hash))
            continue
        checks = [replace(c, detail=detail(c.detail, relpath), output=fix(c.output),
                          warnings=[detail(w, relpath) for w in c.warnings]) for c in r.checks]
        out.append(replace(r, detail=detail(r.detail, relpath), checks=checks))
    return replace(g, submission=sub, results=out, error=fix(g.error), flags=fix(g.flags))


def grade(submissions: list[Submission], exercises, options, *, jobs: int = 1,
          record: bool = False, on_done=None, on_weakness=None, catalogue=None) -> list[Graded]:
    """`batch.grade` for workspaces and notebook submissions alike: each notebook submission is
    built into a workspace first (in a private temporary folder, deleted afterwards), graded with
    the others, and its results told in its notebooks' terms."""
    if catalogue is None:
        from d2lkit import catalogue as catalogue_module

        catalogue = catalogue_module.load()
    from d2lkit.instructor.nbsupport import keep_hypothesis_state_out

    keep_hypothesis_state_out()  # the graders' cache, not .hypothesis/ in the current folder
    scratch = Path(tempfile.mkdtemp(prefix="d2lkit-notebooks-"))
    try:
        built: dict[int, BuiltWorkspace] = {}
        subs: list[Submission] = []
        for i, sub in enumerate(submissions):
            if isinstance(sub, NotebookSubmission):
                built[i] = build_workspace(sub, scratch / f"s{i}", catalogue, options.lang)
                built[i].root.mkdir(parents=True, exist_ok=True)
                subs.append(Submission(sub.name, built[i].root))
            else:
                subs.append(sub)
        graded = batch.grade(subs, exercises, options, jobs=jobs, record=record, on_done=on_done,
                             on_weakness=on_weakness)
        return [finish(g, submissions[i], built[i], exercises) if i in built
                else g for i, g in enumerate(graded)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
