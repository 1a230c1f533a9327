"""The module the sandbox grades for a notebook cell or a REPL object, built from source.

The learner's code never runs in the grading process: what crosses into the sandbox is source
text. For a `%%d2lkit` cell that is the cell's code, for `d2lkit.grader.check(fn)` the source of
`fn`; in both cases the definitions of earlier cells (or of the caller's module) that this code
uses are collected and sent along:

  - a function or class defined in the notebook (or in a file outside the installed libraries,
    which a sandbox child cannot read) is sent as its source, found through the file its code
    was compiled from (IPython keeps every cell there), else through the notebook's input
    history; what it uses in turn is collected the same way;
  - a module, or a function or class of an installed library, becomes an import;
  - a simple constant (numbers, strings, tuples, lists, dicts of them) becomes an assignment;
  - anything else (a tensor, a model instance, a closure's captured variables) cannot be sent:
    it is listed in `GradedModule.unresolved`, and the grading sees the name undefined.

The graded module is the kit's stub of the exercise's topic module (its imports and the
provided code stay; the stubs of the other exercises of the topic are harmless), then the
collected definitions, then the learner's code, which redefines the exercise's names. Nothing
here executes any of that code: it is parsed (ast, symtable) and read, never run. No torch, no
IPython here.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import os
import re
import site
import symtable
import sys
import sysconfig
import textwrap
import types
from dataclasses import dataclass, field
from functools import cache

LITERAL_TYPES = (int, float, complex, str, bytes, bool, type(None), tuple, list, dict, set,
                 frozenset)
MAX_LITERAL = 20_000  # characters of a constant's repr sent to the sandbox


# ------------------------------------------------------------------------------ names
def free_names(source: str) -> list[str]:
    """Module-level names `source` reads without binding them itself, in every scope (function
    bodies, class bodies, comprehensions, decorators, default values, annotations)."""
    table = symtable.symtable(source, "<d2lkit>", "exec")
    bound = {s.get_name() for s in table.get_symbols()
             if s.is_assigned() or s.is_imported() or s.is_namespace()}
    used: list[str] = []

    def walk(t, top: bool):
        for s in t.get_symbols():
            name = s.get_name()
            if top:
                wanted = s.is_referenced()
            else:
                wanted = s.is_global() and (s.is_referenced() or s.is_declared_global())
            if wanted and name not in bound and name not in used:
                used.append(name)
        for child in t.get_children():
            walk(child, False)

    walk(table, True)
    return [n for n in used if not (n.startswith("__") and n.endswith("__"))]


def top_level_bindings(tree: ast.Module) -> set[str]:
    """Names a module's top-level statements bind (defs, classes, imports, assignments)."""
    names: set[str] = set()
    for node in tree.body:
        names |= _bound_by(node)
    return names


def _bound_by(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*"}
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
    out: set[str] = set()
    for target in targets:
        for n in ast.walk(target):
            if isinstance(n, ast.Name):
                out.add(n.id)
    if isinstance(node, (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor,
                         ast.While)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                out |= _bound_by(child)
        for handler in getattr(node, "handlers", ()):
            for child in handler.body:
                out |= _bound_by(child)
    return out


# ------------------------------------------------------------------------------ sources
def strip_bare_expressions(source: str) -> tuple[str, int]:
    """`source` with its top-level bare expressions (a test call, `print(...)`, IPython's
    `get_ipython().run_line_magic(...)`) blanked out, line numbers kept, and how many were.
    An expression that shares a line with another statement (`x = f(); x`) is kept."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, 0
    lines = source.splitlines(keepends=True)
    owners: dict[int, int] = {}  # line -> how many top-level statements touch it
    for node in tree.body:
        for line in range(node.lineno, node.end_lineno + 1):
            owners[line] = owners.get(line, 0) + 1
    stripped = 0
    for node in tree.body:
        if not isinstance(node, ast.Expr):
            continue
        span = range(node.lineno, node.end_lineno + 1)
        if any(owners[line] > 1 for line in span):
            continue
        for line in span:
            ending = "\n" if lines[line - 1].endswith("\n") else ""
            lines[line - 1] = ending
        stripped += 1
    return "".join(lines), stripped


def rename_definition(source: str, old: str, new: str) -> str:
    """`source` (one top-level def or class named `old`) with its name changed to `new`; the
    old name stays bound to it, so that the code can still call itself by that name."""
    if old == new:
        return source
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == old:
            lines = source.splitlines(keepends=True)
            line = lines[node.lineno - 1]
            head = re.compile(r"((?:async\s+)?def|class)(\s+)" + re.escape(old) + r"\b")
            m = head.search(line, node.col_offset)
            if m is None:
                break
            lines[node.lineno - 1] = line[:m.start()] + f"{m.group(1)}{m.group(2)}{new}" + line[m.end():]
            text = "".join(lines)
            return text + ("" if text.endswith("\n") else "\n") + f"{old} = {new}\n"
    raise ValueError(f"no definition of {old} in the source")


def _code_objects(obj) -> list[types.CodeType]:
    """The code objects a function or class was compiled from (for a class: its own methods)."""
    if isinstance(obj, types.FunctionType):
        return [obj.__code__]
    if isinstance(obj, type):
        out = []
        prefix = obj.__qualname__ + "."
        for member in vars(obj).values():
            for fn in (member, getattr(member, "__func__", None), getattr(member, "fget", None),
                       getattr(member, "fset", None)):
                code = getattr(fn, "__code__", None)
                if isinstance(code, types.CodeType) and \
                        getattr(code, "co_qualname", prefix).startswith(prefix):
                    out.append(code)
        return out
    return []


def _node_span(node) -> tuple[int, int]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def _segment(lines: list[str], node) -> str:
    first, last = _node_span(node)
    text = "".join(lines[first - 1:last])
    return textwrap.dedent(text) if node.col_offset else text


def _find_definition(lines: list[str], name: str, kind, line: int | None):
    """The def/class node called `name` in a file's lines: the innermost one containing `line`
    when it is given, else the last one. A lambda is found as the `name = lambda ...` statement."""
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None
    found = []
    for node in ast.walk(tree):
        if kind == "lambda":
            match = (isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
                     and [t.id for t in node.targets if isinstance(t, ast.Name)] == [name])
        else:
            match = isinstance(node, kind) and node.name == name
        if not match:
            continue
        first, last = _node_span(node)
        if line is None or first <= line <= last:
            found.append(node)
    if not found:
        return None
    if line is None:
        return max(found, key=lambda n: n.lineno)
    return max(found, key=lambda n: _node_span(n)[0])  # the innermost: it starts last


def history_definition(name: str, history: list[str], transform=None
                       ) -> tuple[str, int] | None:
    """(the last top-level statement of the input history that defines `name` — a def, a
    class, or `name = lambda ...` —, its first line in its cell), from the newest cell back;
    `%%d2lkit` cells count by their body (their lines are counted after the magic's line)."""
    for raw in reversed(history or []):
        if not raw or name not in raw:
            continue
        code, skipped = raw, 0
        if code.lstrip().startswith("%%"):
            first, _, body = code.lstrip().partition("\n")
            if not first.startswith("%%d2lkit"):
                continue
            code, skipped = body, 1
        if transform is not None:
            try:
                code = transform(code)
            except Exception:  # noqa: BLE001 - a cell IPython itself cannot read
                continue
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        lines = code.splitlines(keepends=True)
        for node in reversed(tree.body):
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and node.name == name) or (
                    isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
                    and [t.id for t in node.targets if isinstance(t, ast.Name)] == [name]):
                return _segment(lines, node), _node_span(node)[0] + skipped
    return None


def definition_source(obj, name: str, history: list[str] = (), transform=None
                      ) -> tuple[str | None, str, int]:
    """(the source that defines `name` as the function or class `obj`, or None; why not; the
    line of its file or cell where it starts, 0 if unknown): found in the file its code was
    compiled from (IPython keeps each cell's), else in the input history, else by `inspect`. A
    nested function that reads its enclosing function's variables (a closure) has no source
    that means the same on its own."""
    if isinstance(obj, types.FunctionType) and obj.__code__.co_freevars:
        return None, "closure", 0
    lambda_ = isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>"
    if lambda_:
        kind, own_name = "lambda", name
    elif isinstance(obj, type):
        kind, own_name = ast.ClassDef, obj.__name__
    else:
        kind, own_name = (ast.FunctionDef, ast.AsyncFunctionDef), obj.__name__
    for code in _code_objects(obj)[:1]:
        lines = linecache.getlines(code.co_filename)
        if lines:
            node = _find_definition(lines, own_name, kind, code.co_firstlineno)
            if node is not None:
                return _segment(lines, node), "", _node_span(node)[0]
    if lambda_:
        return None, "lambda", 0
    found = history_definition(own_name, list(history or ()), transform)
    if found is not None:
        return found[0], "", found[1]
    try:
        lines, first = inspect.getsourcelines(obj)
        return textwrap.dedent("".join(lines)), "", first
    except (OSError, TypeError):
        return None, "no-source", 0


@cache
def _library_folders() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    folders = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    try:
        folders |= set(site.getsitepackages())
    except AttributeError:  # a virtualenv's old site module
        pass
    user = getattr(site, "getusersitepackages", lambda: None)()
    folders |= {user, os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    folders |= {p for p in sys.path if p.endswith("-packages")}
    return tuple(os.path.realpath(f) + os.sep for f in folders if f)


def importable(module_name: str) -> bool:
    """Whether a sandbox child can import this module as this process did: built in, or a file
    of the standard library or an installed package (a child cannot read other folders)."""
    module = sys.modules.get(module_name)
    if module is None or module_name == "__main__":
        return False
    file = getattr(module, "__file__", None)
    if file is None:
        return True  # built in, or a namespace package of installed ones
    return os.path.realpath(file).startswith(_library_folders())


# ------------------------------------------------------------------------------ collecting
@dataclass
class Dependency:
    name: str
    kind: str  # "import", "constant" or "source"
    text: str  # the statements that bind `name` in the graded module
    line: int = 0  # for a source: its first line in the cell (or file) it came from; 0 unknown


@dataclass
class Collected:
    """What the learner's code needs from elsewhere, in an order that defines each thing before
    what uses it (imports, then constants, then definitions)."""
    dependencies: list[Dependency] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # names whose values cannot be sent
    closures: list[str] = field(default_factory=list)  # functions that read an enclosing scope
    conflicts: list[str] = field(default_factory=list)  # one name, two different things
    local_modules: list[str] = field(default_factory=list)  # imports a child cannot read

    @property
    def ordered(self) -> list[Dependency]:
        rank = {"import": 0, "constant": 1, "source": 2}
        return sorted(self.dependencies, key=lambda d: rank[d.kind])  # stable: DFS order kept


def _import_statement(name: str, obj) -> str | None:
    if isinstance(obj, types.ModuleType):
        real = getattr(obj, "__name__", None)
        if not real or real == "__main__":
            return None
        return f"import {real}" if real == name else f"import {real} as {name}"
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or not qualname.isidentifier():
        return None
    if getattr(sys.modules.get(module), qualname, None) is not obj:
        return None
    return (f"from {module} import {qualname}" if qualname == name
            else f"from {module} import {qualname} as {name}")


def _plain(value, depth: int = 0) -> bool:
    """Built of the literal types themselves, not subclasses (whose repr could be anything)."""
    if depth > 20 or type(value) not in LITERAL_TYPES:
        return False
    if type(value) is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    if type(value) in (tuple, list, set, frozenset):
        return all(_plain(v, depth + 1) for v in value)
    return True


def _constant(name: str, value) -> str | None:
    if type(value).__module__ == "torch" and type(value).__name__ in ("dtype", "device"):
        torch = sys.modules.get("torch")
        attr = str(value).split(".")[-1]
        if type(value).__name__ == "dtype" and getattr(torch, attr, None) is value:
            return f"{name} = __import__('torch').{attr}"
        if type(value).__name__ == "device":
            return f"{name} = __import__('torch').device({str(value)!r})"
        return None
    if not _plain(value):
        return None
    try:
        text = repr(value)
        if len(text) > MAX_LITERAL or ast.literal_eval(text) != value:
            return None
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return None
    return f"{name} = {text}"


def collect(main_source: str, namespace: dict, *, extra: tuple[str, ...] = (),
            history: list[str] = (), transform=None, skip: set[str] = frozenset()) -> Collected:
    """The definitions from `namespace` that `main_source` uses and does not define itself
    (plus the names in `extra`), transitively; `skip` are names `main_source` provides."""
    try:
        bound = top_level_bindings(ast.parse(main_source)) | set(skip)
        wanted = [n for n in free_names(main_source) if n not in bound]
    except SyntaxError:  # the grading reports it, with its line; nothing else is sent
        return Collected()
    wanted += [n for n in extra if n not in wanted and n not in bound]
    out = Collected()
    done: dict[str, object] = {}
    visiting: set[str] = set()

    def visit(name: str, names: dict):
        if name in visiting:
            return
        if name not in names:
            return  # a builtin, or a NameError the grading will report
        obj = names[name]
        if name in done:
            if done[name] is not obj and name not in out.conflicts:
                out.conflicts.append(name)
            return
        if getattr(builtins, name, object()) is obj:
            return
        done[name] = obj
        if isinstance(obj, types.ModuleType) or (
                isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType))
                and importable(getattr(obj, "__module__", "") or "")):
            statement = _import_statement(name, obj)
            if statement is not None:
                if isinstance(obj, types.ModuleType) and not importable(obj.__name__) \
                        and obj.__name__ != "__main__":
                    out.local_modules.append(name)
                out.dependencies.append(Dependency(name, "import", statement))
                return
        if isinstance(obj, (type, types.FunctionType)):
            source, why, first = definition_source(obj, name, history, transform)
            if source is None:
                (out.closures if why == "closure" else out.unresolved).append(name)
                return
            if obj.__name__ not in (name, "<lambda>"):  # `g = f`: the code defines f
                source = source + ("" if source.endswith("\n") else "\n") + f"{name} = {obj.__name__}\n"
            # what the definition reads, it reads from its own module (the notebook for a cell)
            own = getattr(obj, "__globals__", None)
            if own is None:
                module = sys.modules.get(getattr(obj, "__module__", "") or "")
                own = names if module is None or module.__name__ == "__main__" else vars(module)
            visiting.add(name)
            try:
                for used in free_names(source):
                    if used != name and used not in bound:
                        visit(used, own)
            except SyntaxError:
                pass
            finally:
                visiting.discard(name)
            out.dependencies.append(Dependency(name, "source", source, first))
            return
        statement = _constant(name, obj)
        if statement is None:
            out.unresolved.append(name)
            return
        out.dependencies.append(Dependency(name, "constant", statement))

    for name in wanted:
        visit(name, namespace)
    return out


# ------------------------------------------------------------------------------ the module
@dataclass
class Part:
    """Learner code to grade: a cell's code ("cell"), or the source of an object handed to the
    REPL's `check` ("object", from `file`, whose line `offset + 1` is the part's first)."""
    text: str
    origin: str = "cell"
    name: str = ""
    file: str = ""
    offset: int = 0


@dataclass
class Piece:
    """A stretch of the graded module and where it came from, so that a line of the module can
    be told to the learner as a line of their own: `origin` is "stub" (the kit's stub of the
    topic module), "earlier" (a definition collected from earlier cells, `name`), "cell" or
    "object" (a `Part`)."""
    origin: str
    first: int  # 1-based first line in the module
    count: int  # lines
    name: str = ""
    file: str = ""
    offset: int = 0  # the piece's first line is line `offset + 1` of its own origin

    def line(self, module_line: int) -> int:
        return module_line - self.first + 1 + self.offset


@dataclass
class GradedModule:
    source: str
    pieces: list[Piece]
    collected: Collected
    stripped: int = 0  # bare expressions left out of the graded code

    @property
    def learner_source(self) -> str:
        """The module without the kit's stub: what the learner's code and earlier cells add."""
        first = next((p.first for p in self.pieces if p.origin != "stub"), None)
        if first is None:
            return ""
        return "".join(self.source.splitlines(keepends=True)[first - 1:])

    def locate(self, line: int) -> Piece | None:
        """The piece a line of the module belongs to (None: a line d2lkit added)."""
        for piece in self.pieces:
            if piece.first <= line < piece.first + piece.count:
                return piece
        return None


EARLIER_HEADER = "# ---- d2lkit: what the graded code uses from earlier cells ----\n"
MAIN_HEADER = "# ---- d2lkit: the graded code ----\n"


def assemble(stub: str, collected: Collected, parts: list[Part], *, stripped: int = 0,
             stub_file: str = "") -> GradedModule:
    """The stub, then what was collected, then the learner's code (which overrides the stub's
    definitions of the same names when the module is imported)."""
    text = stub if stub.endswith("\n") else stub + "\n"
    pieces = [Piece("stub", 1, text.count("\n"), file=stub_file)]

    def add(origin: str, body: str, **where):
        nonlocal text
        body = body if body.endswith("\n") else body + "\n"
        pieces.append(Piece(origin, text.count("\n") + 1, body.count("\n"), **where))
        text += body

    deps = collected.ordered
    if deps:
        text += "\n\n" + EARLIER_HEADER
        for dep in deps:
            if dep.kind == "source":
                text += "\n\n"
            add("earlier", dep.text, name=dep.name, offset=max(dep.line - 1, 0))
    text += "\n\n" + MAIN_HEADER
    for i, part in enumerate(parts):
        if i:
            text += "\n\n"
        add(part.origin, part.text, name=part.name, file=part.file, offset=part.offset)
    return GradedModule(text, pieces, collected, stripped)
