"""Enforcing "from scratch": a static scan of the learner's code and a runtime tripwire.

The static scan reads the learner's function (or class) and resolves names through the module's
imports, so `from torch.nn.functional import softmax as sm; sm(X)` is caught before anything runs.
The runtime tripwire replaces each forbidden callable with a wrapper that refuses to run when a
learner frame is on the stack; grader code and torch's own internals (e.g. nn.MultiheadAttention
calling F.softmax for the reference) go through untouched.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import os
import re
import importlib
import importlib.abc
import sys
from dataclasses import dataclass

ALWAYS_FORBIDDEN = ("d2l", "d2lkit")
# bare names in a `forbid` list are the learner's own functions, except these packages
THIRD_PARTY = ("sklearn", "scipy", "nltk", "sacrebleu", "torchmetrics", "torchtext", "d2l")


class ForbiddenCall(BaseException):
    """Raised inside learner code; a BaseException so that `except Exception` cannot swallow it."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


# --------------------------------------------------------------------------------- static scan
@dataclass(frozen=True)
class Violation:
    name: str  # the forbidden name as the catalogue spells it
    line: int
    code: str  # what the learner wrote


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
        return ".".join(reversed(parts))
    return None


def _aliases(tree: ast.AST) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def matches(dotted: str, pattern: str) -> bool:
    """Does a resolved dotted name fall under a forbidden pattern?"""
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(dotted, pattern)
    return dotted == pattern or dotted.startswith(pattern + ".")


def _equivalents(pattern: str) -> list[str]:
    # torch re-exports: F.softmax is torch.nn.functional.softmax; nn.X is torch.nn.X
    out = [pattern]
    if pattern.startswith("torch.nn.functional."):
        out.append("torch.functional." + pattern.split(".", 3)[3])
    return out


@dataclass
class Parsed:
    """A module source parsed once, with what every scan of it needs: a topic file holds several
    exercises, and each is scanned (and hashed) separately."""
    source: str
    tree: ast.AST
    lines: list[str]  # as ast.get_source_segment splits them (line ends kept, no form feeds)
    aliases: dict[str, str]
    imports: list[tuple[ast.AST, list[str]]]  # every import statement and the modules it names
    defs: dict[str, list[ast.AST]]  # functions and classes by name, at any depth

    def segment(self, node: ast.AST) -> str:
        """ast.get_source_segment(source, node), without splitting the source again."""
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return self.lines[first].encode()[node.col_offset:node.end_col_offset].decode()
        head = self.lines[first].encode()[node.col_offset:].decode()
        tail = self.lines[last].encode()[:node.end_col_offset].decode()
        return "".join([head, *self.lines[first + 1:last], tail])


def _split_lines(source: str) -> list[str]:
    """ast's own line splitting: \r\n, \r and \n end a line; form feeds and the like do not."""
    lines, start = [], 0
    for match in re.finditer(r"\r\n|\r|\n", source):
        lines.append(source[start:match.end()])
        start = match.end()
    if start < len(source):
        lines.append(source[start:])
    return lines


@functools.lru_cache(maxsize=64)
def parsed(source: str, filename: str = "<unknown>") -> Parsed:
    tree = ast.parse(source, filename)
    imports, defs = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.append((node, [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports.append((node, [node.module]))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs.setdefault(node.name, []).append(node)
    return Parsed(source, tree, _split_lines(source), _aliases(tree), imports, defs)


def scan(source: str, filename: str, names: tuple[str, ...], forbid: tuple[str, ...]) -> list[Violation]:
    """Forbidden names used by the definitions `names` in a learner's module source."""
    p = parsed(source, filename)
    lines = source.splitlines()
    found: list[Violation] = []

    def report(pattern: str, node: ast.AST):
        line = getattr(node, "lineno", 0)
        found.append(Violation(pattern, line, lines[line - 1].strip() if 0 < line <= len(lines) else ""))

    # Imports of always-forbidden packages, anywhere in the module. Importing torch.optim is
    # harmless until used (the walk below catches the use); importing d2l, the kit, or a
    # forbidden third-party package (sklearn, scipy.signal) is not.
    banned = ALWAYS_FORBIDDEN + tuple(p for p in forbid if p.split(".")[0] in THIRD_PARTY
                                       or "." in p and not p.startswith("torch"))
    for node, mods in p.imports:
        for mod in mods:
            for bad in banned:
                if matches(mod, bad):
                    report(bad, node)
    defs = [d for name in names for d in p.defs.get(name, ())]
    method_patterns = [p.split(".")[-1] for p in forbid if p.startswith("torch.Tensor.")]
    bare = [p for p in forbid if "." not in p and p not in THIRD_PARTY]
    dotted_patterns = [q for p in forbid if "." in p and not p.startswith("torch.Tensor.")
                       for q in _equivalents(p)]
    if not (dotted_patterns or method_patterns or bare):
        defs = []  # nothing to look for inside the definitions
    for d in defs:
        for node in ast.walk(d):
            if isinstance(node, (ast.Attribute, ast.Name)):
                dotted = _dotted(node, p.aliases)
                hit = False
                if dotted:
                    for pattern in dotted_patterns:
                        if matches(dotted, pattern):
                            report(pattern, node)
                            hit = True
                if isinstance(node, ast.Attribute) and not hit:
                    for m in method_patterns:
                        if fnmatch.fnmatchcase(node.attr, m):
                            report(f"torch.Tensor.{node.attr}", node)
                if isinstance(node, ast.Name) and node.id in bare and node.id not in names:
                    report(node.id, node)
    unique = {(v.name, v.line): v for v in found}
    return sorted(unique.values(), key=lambda v: v.line)


# --------------------------------------------------------------------------------- runtime
class Tripwire:
    """Patches forbidden callables for the lifetime of a child (or an in-process check)."""

    def __init__(self, forbid: tuple[str, ...], is_learner_file):
        self.forbid = tuple(forbid)
        self.is_learner_file = is_learner_file
        self.tripped: list[str] = []
        self._undo: list[tuple[object, str, object]] = []
        self._finder = None

    def learner_on_stack(self) -> bool:
        f = sys._getframe(2)
        while f is not None:
            if self.is_learner_file(f.f_code.co_filename):
                return True
            f = f.f_back
        return False

    def trip(self, name: str):
        self.tripped.append(name)
        raise ForbiddenCall(name)

    def _wrap(self, name: str, fn):
        wire = self

        def guarded(*args, **kwargs):
            if wire.learner_on_stack():
                wire.trip(name)
            return fn(*args, **kwargs)

        guarded.__wrapped__ = fn
        guarded.__name__ = getattr(fn, "__name__", name.rsplit(".", 1)[-1])
        guarded.__doc__ = getattr(fn, "__doc__", None)
        return guarded

    def _patch(self, owner, attr: str, name: str):
        try:
            original = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        except (KeyError, AttributeError):
            original = getattr(owner, attr, None)
        if original is None:
            return
        # Builtin and pybind11 types (numpy.broadcast, torch._C classes) refuse new attributes:
        # those stay unpatched and the static scan alone enforces them.
        if isinstance(original, type):
            try:
                type.__setattr__(original, "__init__", self._wrap(name, original.__init__))
            except (TypeError, AttributeError):
                return
            self._undo.append((original, "__init__", original.__dict__.get("__init__")))
            return
        if isinstance(original, (staticmethod, classmethod)) or not callable(original):
            return
        try:
            setattr(owner, attr, self._wrap(name, original))
        except (TypeError, AttributeError):
            return
        self._undo.append((owner, attr, original))

    def _targets(self, pattern: str):
        """(owner, attribute, display name) for each object a pattern names."""
        modname, _, leaf = pattern.rpartition(".")
        if not modname:
            return []
        owner = _import_quietly(modname)
        if owner is None:
            module = _import_quietly(pattern)
            return _own_callables(module, pattern) if module is not None else []
        if any(ch in leaf for ch in "*?["):
            names = [a for a in dir(owner) if fnmatch.fnmatchcase(a, leaf)]
            if isinstance(owner, type(sys)):  # only what the module defines, not what it imports
                names = [a for a in names if _defined_in(getattr(owner, a, None), owner)]
            return [(owner, a, f"{modname}.{a}") for a in names]
        if isinstance(getattr(owner, leaf, None), type(sys)):  # pattern is a submodule
            return _own_callables(getattr(owner, leaf), pattern)
        return [(owner, leaf, pattern)]

    def install(self):
        for pattern in self.forbid:
            if "." not in pattern:
                continue  # the learner's own function: static scan only
            for owner, attr, name in self._targets(pattern):
                self._patch(owner, attr, pattern if owner is not None else name)
        self._finder = _ImportGuard(self, ALWAYS_FORBIDDEN + tuple(
            p for p in self.forbid if p.split(".")[0] in THIRD_PARTY))
        sys.meta_path.insert(0, self._finder)
        return self

    def uninstall(self):
        for owner, attr, original in reversed(self._undo):
            if original is None:
                try:
                    type.__delattr__(owner, attr)
                except (AttributeError, TypeError):
                    pass
            elif isinstance(owner, type):
                type.__setattr__(owner, attr, original)
            else:
                setattr(owner, attr, original)
        self._undo.clear()
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)


def _defined_in(obj, module) -> bool:
    """Is obj one of module's own callables? (A module also holds what it imports: patching
    torch.Tensor because torch.nn.utils.clip_grad imports it would break everything.)"""
    return callable(obj) and getattr(obj, "__module__", None) == module.__name__


def _own_callables(module, pattern: str):
    return [(module, a, f"{pattern}.{a}") for a in dir(module)
            if not a.startswith("_") and _defined_in(getattr(module, a, None), module)]


def _import_quietly(name: str):
    try:
        return importlib.import_module(name)
    except Exception:
        # "torch.Tensor" is a class, not a module: walk attributes from the longest module prefix
        parts = name.split(".")
        for i in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except Exception:
                continue
            try:
                for p in parts[i:]:
                    obj = getattr(obj, p)
                return obj
            except AttributeError:
                return None
        return None


class _ImportGuard(importlib.abc.MetaPathFinder):
    """Refuses imports of forbidden packages (and the kit itself) requested by learner code."""

    def __init__(self, wire: Tripwire, modules: tuple[str, ...]):
        self.wire = wire
        self.modules = modules

    def find_spec(self, fullname, path=None, target=None):
        for mod in self.modules:
            if fullname == mod or fullname.startswith(mod + "."):
                if self.wire.learner_on_stack():
                    self.wire.trip(mod)
        return None


# --------------------------------------------------------------------------------- files
class FileGuard:
    """Refuses, inside a child, Python-level access to protected folders: the kit's reference
    solutions (reading them would hand the learner the answers) and the workspace's .d2lkit/
    (the progress database belongs to the supervisor). It patches open/io.open/io.open_code/
    os.open, the os calls that delete, rename or truncate paths, and sqlite3.connect. It is a
    tripwire, not a wall: native code or a spawned shell can get past it (README, "Learner code is
    untrusted", says what protects progress then)."""

    PATH_ARGS = {"open": (0,), "open_code": (0,), "remove": (0,), "unlink": (0,), "rmdir": (0,),
                 "truncate": (0,), "rename": (0, 1), "replace": (0, 1), "link": (0, 1),
                 "symlink": (1,), "chmod": (0,), "connect": (0,), "mkfifo": (0,)}

    def __init__(self, folders, on_trip):
        self.folders = tuple(os.path.realpath(str(f)) for f in folders if f)
        self.on_trip = on_trip
        self._undo: list[tuple[object, str, object]] = []

    def protected(self, path, dir_fd=None) -> str | None:
        if isinstance(path, int) or path is None:
            return None
        try:
            text = os.fsdecode(path)
        except TypeError:
            return None
        if text.startswith("file:"):  # sqlite URIs
            text = text[5:].split("?", 1)[0]
        if dir_fd is not None and not os.path.isabs(text):
            try:
                text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
            except OSError:
                pass
        parts = os.path.abspath(text).split(os.sep)
        if len(parts) > 2 and parts[1] == "proc" and parts[2] != "self" and parts[2] != str(os.getpid()):
            if parts[2].isdigit():
                return "/proc/" + parts[2]  # another process's fds, memory or environment
        real = os.path.realpath(text)
        for folder in self.folders:
            if real == folder or real.startswith(folder + os.sep):
                return folder
        return None

    def _wrap(self, name: str, fn):
        guard = self
        positions = self.PATH_ARGS[name]

        def guarded(*args, **kwargs):
            dir_fd = kwargs.get("dir_fd") or kwargs.get("src_dir_fd")
            for i in positions:
                if i < len(args) and guard.protected(args[i], dir_fd) is not None:
                    guard.on_trip(f"{name}({os.fsdecode(args[i]) if not isinstance(args[i], int) else args[i]})")
            for key in ("file", "path", "src", "dst", "database"):
                if key in kwargs and guard.protected(kwargs[key], dir_fd) is not None:
                    guard.on_trip(f"{name}({kwargs[key]})")
            return fn(*args, **kwargs)

        guarded.__wrapped__ = fn
        guarded.__name__ = getattr(fn, "__name__", name)
        return guarded

    def install(self):
        import builtins
        import io
        import _io

        owners = [(builtins, "open"), (io, "open"), (_io, "open"), (io, "open_code"),
                  (_io, "open_code")]
        owners += [(os, n) for n in ("open", "remove", "unlink", "rmdir", "truncate", "rename",
                                     "replace", "link", "symlink", "chmod", "mkfifo")]
        for modname in ("sqlite3", "sqlite3.dbapi2", "_sqlite3"):
            mod = sys.modules.get(modname)
            if mod is None:
                try:
                    mod = importlib.import_module(modname)
                except ImportError:
                    continue
            owners.append((mod, "connect"))
        for owner, attr in owners:
            original = getattr(owner, attr, None)
            if original is None:
                continue
            try:
                setattr(owner, attr, self._wrap(attr, original))
            except (TypeError, AttributeError):
                continue
            self._undo.append((owner, attr, original))
        return self

    def uninstall(self):
        for owner, attr, original in reversed(self._undo):
            setattr(owner, attr, original)
        self._undo.clear()
