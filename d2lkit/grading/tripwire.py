"""Enforcing "from scratch": a static scan of the learner's module and runtime guards.

Static. `scan` reads the exercise's definitions, the module-level code and every helper they
reach, resolving names through the module's imports, so `from torch.nn.functional import softmax
as sm; sm(X)` is caught before anything runs. `machinery` finds what could switch the runtime
guards off (torch._C, torch.ops, gc, frames, code objects...): `d2lkit grade` flags a submission
that uses it for the instructor, whatever the verdict.

Runtime, where the aliases of a forbidden operator end up:
- at PyTorch's dispatcher. Each forbidden name is traced to the ATen operators it reaches after
  decomposition (`torch.softmax` -> aten::_softmax) once, in the zygote (what tracing found is kept
  in ~/.cache/d2lkit for the next run); a kernel for those operators is registered there at the
  BackendSelect key, which every call passes through in every thread, inference mode included,
  and a child only says which of them its exercise forbids. So `torch._softmax`, `torch.ops.aten._softmax`,
  `torch._C._VariableFunctions.softmax`, `TensorBase.softmax`, a thread pool or an
  `__wrapped__` all arrive at the same kernel. The building blocks of a from-scratch solution
  (exp, sum, max, matmul, indexing...) are never forbidden there: ops they reach are removed.
- in place, for Python functions and classes the dispatcher cannot tell apart from their
  building blocks (`torch._refs.logsumexp`, `nn.init.xavier_uniform_`, `torch.optim.SGD`): the
  function's own code is replaced by a guard that runs a copy of the original, kept where only an
  audited read (`__code__`) reaches it. Every alias of a Python function is the same object.
C functions the dispatcher does not see (numpy's, torch.zeros) are left to the static scan.

All of this runs in the learner's process: it is a learning aid and an instructor's flag, not a
security boundary (the kernel's confinement is; see README, "Learner code is untrusted").
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import importlib
import importlib.abc
import os
import re
import sys
import types
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


def _region(p: Parsed, names: tuple[str, ...], stop: set[str]) -> list[ast.AST]:
    """What the exercise's code is made of: its definitions, the module-level code, and every
    module-level function or class they name, transitively (a helper's helper too). Sibling
    exercises of the same topic file are left out unless this one uses them: a topic module may
    build a LeNet with nn.Conv2d for one exercise while another forbids it."""
    top = {}
    for node in p.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top[node.name] = node
    todo = [d for name in names for d in p.defs.get(name, ())]
    todo += [n for n in p.tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                           ast.ClassDef, ast.Import, ast.ImportFrom))]
    region, seen = [], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        region.append(node)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in top and sub.id not in stop:
                todo.append(top[sub.id])
    return region


def _getattr_name(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """`getattr(torch, "softmax")` read as `torch.softmax` (a computed name stays unknown)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)):
        base = _dotted(node.args[0], aliases)
        return f"{base}.{node.args[1].value}" if base else None
    return None


def scan(source: str, filename: str, names: tuple[str, ...], forbid: tuple[str, ...]) -> list[Violation]:
    """Forbidden names used by the definitions `names` of a learner's module, by the helpers
    they reach and by the module-level code."""
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
    method_patterns = [p.split(".")[-1] for p in forbid if p.startswith("torch.Tensor.")]
    bare = [p for p in forbid if "." not in p and p not in THIRD_PARTY]
    dotted_patterns = [q for p in forbid if "." in p and not p.startswith("torch.Tensor.")
                       for q in _equivalents(p)]
    if not (dotted_patterns or method_patterns or bare):
        return _unique(found)  # nothing to look for inside the code
    for region in _region(p, names, set(bare) - set(names)):
        for node in ast.walk(region):
            dotted = _getattr_name(node, p.aliases)
            if dotted is None and isinstance(node, (ast.Attribute, ast.Name)):
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
    return _unique(found)


def _unique(found: list[Violation]) -> list[Violation]:
    unique = {(v.name, v.line): v for v in found}
    return sorted(unique.values(), key=lambda v: v.line)


# --------------------------------------------------------------------------------- machinery
# What could reach or switch off the runtime guards. A from-scratch solution needs none of it, so
# `d2lkit grade` flags any use for the instructor (never a verdict: the code may be innocent).
MACHINERY_MODULES = (
    "torch._C", "torch.ops", "torch._ops", "torch._refs", "torch._prims", "torch._prims_common",
    "torch._decomp", "torch.library", "torch._library", "torch.overrides", "torch._dispatch",
    "torch.utils._python_dispatch", "torch.utils._mode_utils", "torch._dynamo", "torch._VF",
    "gc", "ctypes", "importlib", "builtins", "marshal", "threading", "_thread", "concurrent",
    "multiprocessing", "sys.modules", "sys._getframe", "sys.settrace", "sys.setprofile",
    "sys.audit", "sys.addaudithook", "inspect.currentframe", "inspect.stack",
    "inspect.getouterframes", "inspect.getclosurevars", "types.FunctionType", "types.CodeType",
    "d2lkit")
MACHINERY_ATTRIBUTES = frozenset({
    "__wrapped__", "__closure__", "__globals__", "__code__", "__builtins__", "__import__",
    "__subclasses__", "co_filename", "co_consts", "cell_contents", "f_back", "f_locals",
    "f_globals", "f_code", "tb_frame", "gi_frame", "cr_frame"})
MACHINERY_CALLS = frozenset({"exec", "eval", "compile", "globals"})


@dataclass(frozen=True)
class Machinery:
    what: str  # e.g. "torch._C", "__wrapped__", "getattr(torch, <computed>)"
    line: int
    code: str


def machinery(source: str, filename: str = "<unknown>") -> list[Machinery]:
    """Every use of guard-switching machinery in a module (empty when it does not parse: the
    pre-check reports the syntax error)."""
    try:
        p = parsed(source, filename)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    found: dict[tuple[str, int], Machinery] = {}

    def report(what: str, node: ast.AST):
        line = getattr(node, "lineno", 0)
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        found.setdefault((what, line), Machinery(what, line, code))

    def check_dotted(dotted: str | None, node: ast.AST):
        for mod in MACHINERY_MODULES:
            if dotted and matches(dotted, mod):
                report(mod, node)

    for node, mods in p.imports:
        for mod in mods:
            check_dotted(mod, node)
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                check_dotted(f"{node.module}.{a.name}", node)
    for node in ast.walk(p.tree):
        if isinstance(node, ast.Attribute):
            check_dotted(_dotted(node, p.aliases), node)
            if node.attr in MACHINERY_ATTRIBUTES:
                report(node.attr, node)
        elif isinstance(node, ast.Name) and node.id in MACHINERY_ATTRIBUTES:
            report(node.id, node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in MACHINERY_CALLS:
                report(f"{node.func.id}()", node)
            elif node.func.id in ("getattr", "setattr", "delattr") and len(node.args) >= 2:
                check_dotted(_getattr_name(node, p.aliases), node)
                _computed_module_attribute(node, p, report)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value in MACHINERY_ATTRIBUTES:
            report(node.value, node)  # getattr(f, "__wrapped__")
    return sorted(found.values(), key=lambda m: (m.line, m.what))


def _computed_module_attribute(node: ast.Call, p: Parsed, report):
    """`getattr(torch, "soft" + "max")`: a computed name looked up on an imported module."""
    target, name = node.args[0], node.args[1]
    if isinstance(name, ast.Constant):
        return
    root = target
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id in p.aliases:
        report(f"{node.func.id}({_dotted(target, p.aliases)}, <computed>)", node)


# What a child reports when learner code tampered with the guards (the audit hook's refusals,
# a guard found switched off): `d2lkit grade` flags these too, beside its own scan.
TAMPERING = ("gc.", "ctypes.", "code.__new__", "__code__", "compile(", "torch.library (",
             "torch._C (", "sys.audit (", "d2lkit")


def is_tampering(name: str) -> bool:
    return any(marker in name for marker in TAMPERING)


# --------------------------------------------------------------------------------- operators
# Forbidden names are traced where operators live; the rest (torch.optim, torch.autograd,
# torch.nn.init, data loaders...) is Python machinery, guarded in place.
OPERATOR_MODULES = ("torch", "torch.functional", "torch.nn.functional", "torch.linalg",
                    "torch.special", "torch.fft", "torch._C._nn", "torch._refs", "torch._decomp",
                    "torch._prims")
GUARD_KEY = "BackendSelect"  # in every call's key set, below autograd: gradients still flow


def _building_blocks(t, backward: bool = True):
    """What from-scratch solutions are made of, forward and backward. The operators these reach
    are never forbidden at the dispatcher, whatever a forbid list says: `F.normalize` also
    divides, and dividing must stay allowed where it is forbidden; the backward of a slice calls
    aten::as_strided, which ch6.corr2d_as_matmul forbids by name. `t` holds the sample tensors."""
    import torch

    X, Y = t["X"].clone().requires_grad_(), t["Y"].clone().requires_grad_()
    S, q, idx, P = t["S"].clone().requires_grad_(), t["q"].clone().requires_grad_(), t["y"], t["P"]
    mask = X > 0
    out = [X + Y, X - Y, X * Y, X / Y, X ** 2, -X, 2 * X, X @ Y.T, torch.matmul(X, Y.T), X.mm(Y.T),
           torch.bmm(q[0], q[0].transpose(1, 2)), q @ q.transpose(-1, -2), S.mv(S[0]),
           torch.einsum("ij,kj->ik", X, Y), torch.outer(X[0], Y[0]), X.exp(), X.log(), X.sqrt(),
           X.abs(), X.pow(2), X.square(), X.reciprocal(), X.rsqrt(), X.sign(), X.log1p(),
           X.expm1(), X.sin(), X.cos(), X.floor(), X.ceil(), X.round(), X.exp2(),
           torch.maximum(X, Y), torch.minimum(X, Y), X.max(), *X.max(1), *X.max(1, keepdim=True),
           X.amax(1), X.amin(1), *X.min(1), X.argmax(1), X.argmin(1), X.sum(), X.sum(1, True),
           X.mean(), X.mean(1), X.var(), X.var(1), X.std(), X.prod(), X.cumsum(1), X.cumprod(1),
           *X.sort(1), *X.topk(2, 1), *torch.aminmax(X), X.T, X.t(), X.mT, X.reshape(-1),
           X.view(-1), X.permute(1, 0), X.transpose(0, 1), X.unsqueeze(0), X[None].squeeze(0),
           X.expand(2, *X.shape), X[:1].expand_as(X), X.flatten(), X.contiguous(), X.clone(),
           X.detach(), X.double(), X.float(), X.to(torch.float64), mask.long(), X.type_as(Y),
           X[0], X[:, 1:3], X[:, 1:3].reshape(-1), X[idx % 4], X[torch.arange(4), idx],
           X.gather(1, idx[:, None]), X.scatter(1, idx[:, None], 0.0), X.index_select(0, idx),
           X[mask], X.masked_fill(mask, 0), torch.where(mask, X, Y), torch.where(mask, X, 0.0),
           X > Y, X == Y, X != Y, X <= Y, X.any(), X.all(), mask & mask, mask | mask, ~mask,
           torch.cat([X, Y]), torch.stack([X, Y]), *X.split(2), *X.chunk(2), X.repeat(2, 1),
           X.flip(0), X.roll(1, 0), X.tril(), X.triu(), X.isnan(), X.nan_to_num(),
           torch.isclose(X, Y), X.diag_embed(), X.new_empty(2), X.new_zeros(2), X.new_ones(2),
           X.new_tensor([1.0]), torch.zeros(2, 3), torch.ones(2, 3), torch.empty(2, 3),
           torch.full((2, 3), 1.0), torch.zeros_like(X), torch.ones_like(X), torch.empty_like(X),
           torch.full_like(X, 2.0), torch.arange(5), torch.linspace(0, 1, 5), torch.eye(3),
           torch.tensor([1.0, 2.0]), torch.as_tensor([1.0]), torch.rand(2), torch.randn(2),
           torch.randint(0, 5, (2,)), torch.rand_like(X), torch.randn_like(X), torch.bernoulli(P),
           torch.normal(X, 1.0), torch.randperm(4)]
    W = X.detach().clone()
    out += [W.fill_(0), W.zero_(), W.copy_(Y), W.add_(Y), W.sub_(Y), W.mul_(Y), W.div_(2),
            W.uniform_(), W.normal_(), W.bernoulli_(0.5), W.masked_fill_(mask, 1.0),
            W.clone().scatter_(1, idx[:, None], 0.0), torch.tensor(X[0, 0].item())]
    if backward:
        torch.stack([o.double().sum() for o in out if o.requires_grad]).sum().backward()


@functools.lru_cache(maxsize=1)
def _samples():
    """Small tensors to trace with, made without drawing random numbers: children start from the
    zygote's RNG state."""
    import torch

    def grid(*shape):
        n = 1
        for s in shape:
            n *= s
        return torch.linspace(-1.0, 1.0, n).reshape(shape)

    return {"X": grid(4, 6), "Y": grid(4, 6).flip(0), "S": grid(4, 4) + 2 * torch.eye(4),
            "y": torch.tensor([0, 1, 2, 3]), "P": torch.full((4, 6), 0.5), "W": grid(3, 6),
            "b": grid(3), "img": grid(2, 4, 8, 8), "ker": grid(3, 4, 3, 3), "q": grid(2, 2, 5, 6),
            "cols": grid(1, 4, 9), "one": torch.ones(1), "W3": grid(3, 6, 6)}


def _candidate_args(t):
    """Argument lists tried in turn until a forbidden callable accepts one."""
    X, S = t["X"], t["S"]
    return [(X,), (X, 1), (X, t["y"]), (X, X), (X, t["W"], t["b"]), (S,), (S, S), (t["img"], t["ker"]),
            (t["img"], 2), (t["q"], t["q"], t["q"]), (X, 0.5, 0.0), (X, 0.5, True), (X, [6]),
            (t["y"],), (X, t["one"]), (X, X, t["W3"]), (t["cols"], (4, 4), 2),
            (X, None, None, None, None, True, 0.1, 1e-5, False)]


def _fitting(candidates, arity: tuple[int, float]):
    """The argument lists a callable of this arity can take: a wrong one costs an exception."""
    low, high = arity
    return [args for args in candidates if low <= len(args) <= high]


def _arity(fn) -> tuple[int, float]:
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0, float("inf")
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is p.empty)
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    return required, float("inf") if varargs else len(positional)


def _schema_arity(packet_name: str) -> tuple[int, float]:
    """The fewest required and the most positional arguments over an operator's overloads."""
    import torch

    ns, _, name = packet_name.partition("::")
    packet = getattr(getattr(torch.ops, ns), name)
    low, high = float("inf"), 0
    for overload in packet.overloads():
        args = [a for a in getattr(packet, overload)._schema.arguments if not a.kwarg_only]
        low = min(low, sum(1 for a in args if not a.has_default_value()))
        high = max(high, len(args))
    return (0, float("inf")) if high == 0 else (low, high)


@functools.lru_cache(maxsize=1)
def _recorder():
    from torch.utils._python_dispatch import TorchDispatchMode

    class Recorder(TorchDispatchMode):
        """The operators reached after decomposition (what reaches the backend keys)."""

        @classmethod
        def _should_skip_dynamo(cls):  # the default imports torch._dynamo: two seconds
            return False

        def __init__(self):
            super().__init__()
            self.ops: set[str] = set()

        def __torch_dispatch__(self, func, types_, args=(), kwargs=None):
            self.ops.add(func._schema.name)
            return func(*args, **(kwargs or {}))

    return Recorder


class _NoNewImports(importlib.abc.MetaPathFinder):
    """While tracing: a function that would import a module first is no operator
    (torch.broadcast_shapes imports sympy: half a second of the zygote's start for nothing)."""

    def find_spec(self, fullname, path=None, target=None):
        raise ImportError(fullname)


def _reached_below(ops, fn, *args) -> set[str]:
    """Which of `ops` `fn(*args)` reaches at the BackendSelect key, where the guard's kernels
    sit: also the calls a kernel or the autograd engine makes, which a dispatch mode never sees."""
    import torch

    hit: set[str] = set()
    lib = torch._C._dispatch_library("IMPL", "aten", "", "d2lkit: what building blocks reach", 0)
    libs = {"aten": lib}
    below = torch._C.DispatchKey.BackendSelect

    def recorder(packet, overload):
        op = _op_overload(overload)

        def kernel(keyset, *a, **k):
            hit.add(packet)
            return op.redispatch(keyset.remove(below), *a, **k)
        return kernel

    try:
        for packet in ops:
            ns = packet.partition("::")[0]
            if ns not in libs:
                libs[ns] = torch._C._dispatch_library("IMPL", ns, "", "d2lkit", 0)
            for overload in _overloads(packet)[0]:
                libs[ns].impl(overload, GUARD_KEY, recorder(packet, overload), True)
        fn(*args)
    finally:
        for lib in libs.values():
            lib.reset()
    return hit


def _trace(fn, candidates) -> set[str] | None:
    """The operators `fn` reaches on the first argument list it accepts (None: none fitted)."""
    import warnings

    Recorder = _recorder()
    block = _NoNewImports()
    sys.meta_path.insert(0, block)
    try:
        for args in candidates:
            rec = Recorder()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    with rec:
                        fn(*args)
            except Exception:  # noqa: BLE001 - the wrong arguments: try the next list
                continue
            return rec.ops
        return None
    finally:
        sys.meta_path.remove(block)


def _builtin_packet(obj):
    """The ATen operator a torch builtin binds (torch.logsumexp -> aten::logsumexp), or None."""
    import torch

    name = getattr(obj, "__name__", None)
    if not name or not isinstance(obj, (types.BuiltinFunctionType, types.MethodDescriptorType)):
        return None
    try:
        return getattr(torch.ops.aten, name)._qualified_op_name
    except (AttributeError, RuntimeError):
        return None


@functools.lru_cache(maxsize=None)
def _overloads(packet_name: str) -> tuple[tuple[str, ...], bool]:
    """(the overloads a BackendSelect kernel can guard, whether some overload decomposes).
    Not guardable: overloads that decompose above the backends (CompositeImplicitAutograd: the
    operators they decompose to are guarded instead), and factories whose BackendSelect kernel
    picks their device (torch.zeros: left to the static scan)."""
    import torch

    ns, _, name = packet_name.partition("::")
    try:
        packet = getattr(getattr(torch.ops, ns), name)
    except (AttributeError, RuntimeError):
        return (), False
    has = torch._C._dispatch_has_kernel_for_dispatch_key
    out, composite = [], False
    for overload in packet.overloads():
        qual = f"{packet_name}.{overload}" if overload != "default" else packet_name
        try:
            if has(qual, "CompositeImplicitAutograd"):
                composite = True
            elif not has(qual, GUARD_KEY):
                out.append(qual)
        except RuntimeError:  # an overload known to Python only
            continue
    return tuple(out), composite


@dataclass(frozen=True)
class Reach:
    ops: frozenset[str]  # operators reached, building blocks removed
    whole: bool  # the name is these operators (a builtin, or a function that is one operator)


class Operators:
    """The ATen operators each forbidden name reaches, and per forbid list what to guard.

    Built once per process (in the zygote, before any fork: tracing the catalogue costs about
    0.15 s, read back from the cache 0.03 s); the lookup for a child's forbid list is then a
    dictionary read."""

    def __init__(self):
        self.reached: dict[str, Reach] = {}  # target name -> what it reaches
        self.blocks: frozenset[str] = frozenset()
        self._raw: dict[str, tuple[str | None, frozenset[str]]] = {}  # name -> (packet, traced)
        self._by_forbid: dict[tuple[str, ...], dict[str, str]] = {}
        self._universe: tuple[str, ...] = ()  # every target of the catalogue's forbid lists
        self._traced: dict[str, frozenset[str]] = {}  # a builtin's decomposition, per operator

    def build(self, forbid_lists, cache: bool = False) -> "Operators":
        """Trace every forbidden name of `forbid_lists`. With `cache`, what tracing found is kept
        on disk (see `_cache_file`) and read back by the next process instead."""
        targets: dict[str, object] = {}
        for forbid in forbid_lists:
            for pattern in forbid:
                for name, obj in _operator_targets(pattern):
                    targets.setdefault(name, obj)
        self._universe = tuple(targets)
        cached = _cache_file(forbid_lists) if cache else None
        if not (cached and self._load(cached, targets)):
            self._trace_all(targets)
            if cached:
                self._save(cached)
        self.reached = {name: self._reach(name) for name in targets}
        for forbid in forbid_lists:
            self.for_forbid(tuple(forbid))
        return self

    def _trace_all(self, targets: dict):
        import torch

        state = torch.get_rng_state()  # tracing dropout draws numbers; children must not see it
        try:
            for name, obj in targets.items():
                self._raw[name] = self._trace(obj)
            # the building blocks' own operators, then what they reach below a dispatch mode's
            # sight (inside kernels, in backward) among the operators left to guard
            rec = _recorder()()
            with rec:
                _building_blocks(_samples(), backward=False)
            candidates = {op for packet, ops in self._raw.values() for op in (packet, *ops)
                          if op and op not in rec.ops and _overloads(op)[0]}
            self.blocks = frozenset(rec.ops) | _reached_below(candidates, _building_blocks,
                                                              _samples())
        finally:
            torch.set_rng_state(state)

    def _load(self, path, targets) -> bool:
        import json

        try:
            data = json.loads(path.read_text("utf-8"))
            raw = {name: (packet, frozenset(ops)) for name, (packet, ops) in data["raw"].items()}
            blocks = frozenset(data["blocks"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if set(raw) != set(targets):
            return False
        self._raw, self.blocks = raw, blocks
        return True

    def _save(self, path):
        import json
        import tempfile

        data = {"raw": {name: [packet, sorted(ops)] for name, (packet, ops) in self._raw.items()},
                "blocks": sorted(self.blocks)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".operators-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except OSError:  # a read-only home: trace again next time
            pass

    def _trace(self, obj) -> tuple[str | None, frozenset[str]]:
        """(the operator a builtin binds, the operators a call decomposes to)."""
        packet = _builtin_packet(obj)
        if packet is None:
            return None, frozenset(_trace(obj, _fitting(_candidate_args(_samples()),
                                                        _arity(obj))) or ())
        if packet not in self._traced:
            composite = _overloads(packet)[1]  # torch.softmax decomposes to aten::_softmax
            candidates = _fitting(_candidate_args(_samples()), _schema_arity(packet))
            traced = _trace(obj, candidates) if composite else None
            self._traced[packet] = frozenset(traced or ())
        return packet, self._traced[packet]

    def _reach(self, name: str) -> Reach:
        packet, traced = self._raw[name]
        useful = frozenset(op for op in traced if op not in self.blocks and _overloads(op)[0])
        if packet is None:
            return Reach(useful, len(useful) == 1)
        own = frozenset({packet}) if packet not in self.blocks and _overloads(packet)[0] else frozenset()
        # one operator under one or two names (softmax.int_out, _softmax), or a composite
        return Reach(own | useful, len(useful - {packet}) <= 1)

    def for_forbid(self, forbid: tuple[str, ...]) -> dict[str, str]:
        """{operator overload: the forbidden name to report} for one forbid list.

        A forbidden name's operators are guarded, except those an allowed name of the catalogue
        also reaches when the name is a composite: `F.cross_entropy` reaches aten::_log_softmax
        and aten::nll_loss_forward, so where log_softmax is allowed only the latter is guarded;
        `torch.log_softmax` *is* aten::_log_softmax, guarded whoever else reaches it."""
        if forbid in self._by_forbid:
            return self._by_forbid[forbid]
        forbidden: dict[str, None] = {}
        for pattern in forbid:
            for name, obj in _operator_targets(pattern):
                forbidden.setdefault(name, None)
                if name not in self.reached:  # a forbid list the catalogue does not have
                    self._raw[name] = self._trace(obj)
                    self.reached[name] = self._reach(name)
        allowed = set().union(*(self.reached[n].ops for n in self._universe if n not in forbidden))
        guarded: dict[str, str] = {}
        for name in forbidden:
            reach = self.reached[name]
            for op in sorted(reach.ops):
                if reach.whole or op not in allowed:
                    for overload in _overloads(op)[0]:
                        guarded.setdefault(overload, f"{name} ({op})")
        self._by_forbid[forbid] = guarded
        return guarded


def _is_operator_module(module: str) -> bool:
    return module in OPERATOR_MODULES or module.startswith(("torch._refs.", "torch._decomp.",
                                                            "torch._prims."))


@functools.lru_cache(maxsize=None)
def _operator_targets(pattern: str) -> tuple:
    """(name, callable) of each operator a forbidden pattern names: the functions and builtins
    of the operator modules and Tensor's builtin methods. Classes and the other modules
    (torch.optim, torch.nn.init...) are Python machinery, guarded in place only."""
    if "." not in pattern or not pattern.startswith("torch"):
        return ()
    out = []
    for owner, attr, name in _targets(pattern):
        obj = _lookup(owner, attr)
        if obj is None or isinstance(obj, (type, types.ModuleType)) or not callable(obj):
            continue
        module = name.rpartition(".")[0]
        if module == "torch.Tensor":
            if isinstance(obj, types.MethodDescriptorType):
                out.append((name, obj))
        elif _is_operator_module(module):
            out.append((name, obj))
    return tuple(out)


_OPERATORS: Operators | None = None


def _cache_file(forbid_lists):
    """Where tracing's findings for these forbid lists are kept: they depend only on torch, on
    this module and on the lists, all in the key (`~/.cache/d2lkit`, or $XDG_CACHE_HOME)."""
    import hashlib
    from pathlib import Path

    import torch

    from d2lkit.paths import cache_folder

    try:
        source = Path(__file__).read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(repr((torch.__version__, sys.version, sorted(map(tuple, forbid_lists)))
                              ).encode() + source).hexdigest()[:20]
    return cache_folder() / f"operators-{key}.json"


def prepare():
    """Build the operator table of the kit's catalogue: in the zygote, once for every child,
    with what a child's guards would otherwise set up for themselves (sysconfig's paths, the
    guard's code templates, the dispatcher's first lookups)."""
    global _OPERATORS
    if _OPERATORS is None:
        from d2lkit import catalogue

        lists = list(dict.fromkeys(ex.forbid for ex in catalogue.load().exercises if ex.forbid))
        _OPERATORS = Operators().build(lists, cache=True)
        for ns in _LIBRARY_NAMESPACES:
            _library(ns)
        trusted_roots()
        _prepare_in_place(dict.fromkeys(p for forbid in lists for p in forbid))
    return _OPERATORS


def operators() -> Operators:
    return _OPERATORS if _OPERATORS is not None else prepare()


# --------------------------------------------------------------------------------- runtime
_LIBRARY_NAMESPACES = ("aten", "prims")
GUARD_TOKEN = "d2lkit from-scratch guard"  # how the dispatcher names our registrations


@functools.lru_cache(maxsize=None)
def _library(ns: str):
    """One registration library per namespace, made in the zygote (0.2 ms a child would pay)."""
    import torch

    return torch._C._dispatch_library("IMPL", ns, "", GUARD_TOKEN, 0)


# In a child: {operator overload: name to report} of what its exercise forbids, and the trip to
# call. The kernels are registered once in the zygote (`arm`) for every operator the catalogue
# forbids anywhere, and read this; a child only fills it in. Rewriting it is seen by the
# integrity check.
_DISPATCH: list = [{}, None]
_ARMED: set[str] = set()  # overloads with a shared kernel in this process


def _shared_kernel(overload: str):
    import torch

    op = _op_overload(overload)
    below = torch._C.DispatchKey.BackendSelect
    state = _DISPATCH

    def kernel(keyset, *args, **kwargs):
        name = state[0].get(overload)
        if name is not None:
            state[1](name)
        return op.redispatch(keyset.remove(below), *args, **kwargs)

    return kernel


def _register_shared(overloads):
    for overload in overloads:
        if overload not in _ARMED:
            _library(overload.partition("::")[0]).impl(overload, GUARD_KEY,
                                                       _shared_kernel(overload), True)
            _ARMED.add(overload)


def arm():
    """In the zygote: a kernel for every operator overload any forbid list of the catalogue
    guards, registered once for all children (registering costs a child 50-100 µs each). An
    operator its exercise does not forbid goes on through the kernel, a dictionary lookup and a
    redispatch later."""
    ops = operators()
    guarded = {o: "" for forbid in list(ops._by_forbid) for o in ops.for_forbid(forbid)}
    _register_shared(sorted(guarded))
    DispatchGuard(guarded, None).integrity()()  # the dispatcher's first lookups, made once


class DispatchGuard:
    """A kernel at the BackendSelect key for each forbidden operator overload. In a child
    (`install(shared=True)`) it trips whoever calls: only the learner's code and the graders'
    probes run there, and a probe needs no forbidden operator. In process (`learner_calling`
    given) it trips only under learner code; otherwise, and for the operators an exercise does
    not forbid, it hands the call on below itself."""

    def __init__(self, guarded: dict[str, str], trip, learner_calling=None):
        self.guarded = guarded
        self.trip = trip
        self.learner_calling = learner_calling
        self.shared = False
        self._libraries: list = []

    def install(self, shared: bool) -> "DispatchGuard":
        """`shared`: through the zygote's kernels, for the rest of the process (a child); else
        with fresh ones that `uninstall` removes."""
        import torch

        self.shared = shared
        if shared:
            _register_shared(self.guarded)  # a forbid list the catalogue does not have
            _DISPATCH[:] = [dict(self.guarded), self.trip]
            return self
        libraries = {}
        for overload, name in self.guarded.items():
            ns = overload.partition("::")[0]
            if ns not in libraries:
                libraries[ns] = torch._C._dispatch_library("IMPL", ns, "", GUARD_TOKEN, 0)
            libraries[ns].impl(overload, GUARD_KEY, self._kernel(overload, name), True)
        self._libraries = list(libraries.values())
        return self

    def _kernel(self, overload: str, name: str):
        import torch

        trip, learner_calling = self.trip, self.learner_calling
        op = _op_overload(overload)
        below = torch._C.DispatchKey.BackendSelect

        def kernel(keyset, *args, **kwargs):
            if learner_calling():
                trip(name)
            return op.redispatch(keyset.remove(below), *args, **kwargs)

        return kernel

    def uninstall(self):
        for lib in self._libraries:
            lib.reset()
        self._libraries = []
        if self.shared:
            _DISPATCH[:] = [{}, None]

    def integrity(self):
        """A fresh check (its own closure: the audit hook keeps one nobody else holds) that
        returns what no longer guards, or None."""
        import torch

        computed = getattr(torch._C, "_dispatch_get_computed_kernel_for_dispatch_key", None)
        excluded = torch._C._dispatch_tls_is_dispatch_key_excluded
        key = torch._C.DispatchKey.BackendSelect
        # one overload per operator: a library reset shows on all of them
        firsts = tuple({o.partition(".")[0]: o for o in reversed(list(self.guarded))}.values())
        expected, trip, shared, state = dict(self.guarded), self.trip, self.shared, _DISPATCH

        def check() -> str | None:
            if not firsts:
                return None
            if shared and (state[0] != expected or state[1] is not trip):
                return "d2lkit (the dispatcher's guard was rewired)"
            if excluded(key):
                return "torch._C (BackendSelect excluded)"
            for op in firsts:
                try:
                    ours = GUARD_TOKEN in repr(computed(op, GUARD_KEY)) if computed else \
                        torch._C._dispatch_has_kernel_for_dispatch_key(op, GUARD_KEY)
                except RuntimeError:
                    ours = False
                if not ours:
                    return f"torch.library ({op} no longer guarded)"
            return None

        return check


def _op_overload(qualified: str):
    import torch

    ns, _, rest = qualified.partition("::")
    name, _, overload = rest.partition(".")
    return getattr(getattr(getattr(torch.ops, ns), name), overload or "default")


# The learner_calling and trip of the session whose in-place guards are on. The guards' code
# reads it, so it is made once and the code objects once (in the zygote) for every child; a
# child fills it in. Learner code that rewrites it is seen by the integrity check.
_SESSION: list = [None, None]


@functools.lru_cache(maxsize=None)
def _guard_template(nfree: int) -> types.CodeType:
    """The code a guarded Python function runs instead of its own, with as many free variables
    as the original has (a code object can only replace one with the same count). Its constant
    '__d2lkit_guard__' becomes (the session, the name to report, a copy of the original)."""
    free = [f"_free{i}" for i in range(nfree)]
    src = ["def outer():", f"    {' = '.join(free)} = None" if free else "    pass",
           "    def guarded(*args, **kwargs):",
           f"        if False: ({', '.join(free)},)" if free else "        pass",
           "        session, name, original = '__d2lkit_guard__'",
           "        if session[0]():",
           "            session[1](name)",
           "        return original(*args, **kwargs)",
           "    return guarded"]
    namespace: dict = {}
    exec(compile("\n".join(src), "<d2lkit guard>", "exec"), namespace)
    return namespace["outer"]().__code__


@functools.lru_cache(maxsize=None)
def _guarded_code(fn: types.FunctionType, name: str) -> types.CodeType:
    """fn's guarded code: a template holding a copy of fn made from its own code."""
    code = fn.__code__
    original = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    original.__kwdefaults__ = fn.__kwdefaults__
    template = _guard_template(len(code.co_freevars))
    consts = tuple((_SESSION, name, original) if c == "__d2lkit_guard__" else c
                   for c in template.co_consts)
    return template.replace(co_consts=consts, co_name=code.co_name, co_qualname=code.co_qualname,
                            co_filename=code.co_filename)


@functools.lru_cache(maxsize=None)
def _inherited_init(cls: type, name: str):
    """A guard for a class that inherits its `__init__`: nothing to hide, it calls its base's."""
    def __init__(self, *args, **kwargs):
        if _SESSION[0]():
            _SESSION[1](name)
        super(cls, self).__init__(*args, **kwargs)

    return __init__


class InPlaceGuard:
    """Guards Python functions and classes where they live, so that every alias (a module
    attribute, `from x import y` made earlier, torch._decomp's tables, `__wrapped__`) is guarded
    too: a function's code is swapped for one that trips under learner code and otherwise runs a
    copy of the original. The copy sits in the new code's constants: reading `__code__` of a
    guarded function is audited (the child's audit hook refuses it to learner code). A class
    gets the same guard on its own `__init__`, or one that calls its base's. The guarded code is
    made in the zygote (`prepare`): a child only swaps it in."""

    def __init__(self, targets, trip, learner_calling):
        self.targets = targets  # (owner, attribute, name to report)
        self.trip = trip
        self.learner_calling = learner_calling
        self.functions: set = set()  # the guarded functions
        self.codes: set = set()  # their original code objects
        self._undo: list = []

    def install(self) -> "InPlaceGuard":
        _SESSION[:] = [self.learner_calling, self.trip]
        for fn, name in _guardable(self.targets):
            if isinstance(fn, type):
                self._guard_class(fn, name)
            elif fn not in self.functions:
                self.functions.add(fn)
                self.codes.add(fn.__code__)
                self._undo.append((fn, fn.__code__))
                fn.__code__ = _guarded_code(fn, name)
        return self

    def _guard_class(self, cls: type, name: str):
        try:
            type.__setattr__(cls, "__init__", _inherited_init(cls, name))
        except (TypeError, AttributeError):  # builtin and pybind11 types: the static scan only
            return
        self._undo.append((cls, None))

    @property
    def guarding(self) -> bool:
        return bool(self._undo)

    def intact(self, learner_calling, trip) -> bool:
        return _SESSION[0] is learner_calling and _SESSION[1] is trip

    def uninstall(self):
        for obj, code in reversed(self._undo):
            if code is None:
                type.__delattr__(obj, "__init__")
            else:
                obj.__code__ = code
        self._undo.clear()
        self.functions.clear()
        self.codes.clear()
        _SESSION[:] = [None, None]


@functools.lru_cache(maxsize=None)
def _guardable_one(owner, attr: str, name: str) -> tuple:
    """(function or class, name) pairs a target guards: a function and every function its
    `__wrapped__` chain leads to; a class's own `__init__`, or the class itself when it inherits
    one. Resolved once per process, before any guard swapped anything."""
    obj = _lookup(owner, attr)
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if isinstance(obj, type):
        own = obj.__dict__.get("__init__")
        if not isinstance(own, types.FunctionType):
            return ((obj, name),)
        obj = own
    out = []
    while isinstance(obj, types.FunctionType) and all(obj is not f for f, _ in out):
        out.append((obj, name))
        obj = getattr(obj, "__wrapped__", None)  # the function a decorator wraps: also guarded
    return tuple(out)


def _guardable(targets):
    for owner, attr, name in targets:
        try:
            yield from _guardable_one(owner, attr, name)
        except TypeError:  # an owner that cannot be a cache key
            continue


def _in_place_patterns(forbid) -> list[str]:
    """The patterns guarded in place: not the learner's own functions, and not third-party
    packages (their import is refused outright)."""
    return [p for p in forbid if "." in p and p.split(".")[0] not in THIRD_PARTY]


def _prepare_in_place(patterns):
    """Make every guarded code and class guard of the catalogue once, in the zygote."""
    for pattern in _in_place_patterns(patterns):
        for fn, name in _guardable(_targets(pattern)):
            if isinstance(fn, type):
                _inherited_init(fn, name)
            else:
                _guarded_code(fn, name)


def _lookup(owner, attr: str):
    try:
        if isinstance(owner, type) and attr in owner.__dict__:
            obj = owner.__dict__[attr]
            return obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else getattr(owner, attr)
        return getattr(owner, attr, None)
    except Exception:  # noqa: BLE001 - a lazy attribute that fails to load
        return None


class Tripwire:
    """Every runtime guard of one exercise: the dispatcher's kernels, the in-place guards and the
    import guard. `learner_calling()` says whether learner code is making the current call."""

    def __init__(self, forbid: tuple[str, ...], learner_calling, in_child: bool = False):
        self.forbid = tuple(forbid)
        self.learner_calling = learner_calling
        self.in_child = in_child
        self.tripped: list[str] = []
        self.dispatch = DispatchGuard({}, self.trip)
        self.in_place = InPlaceGuard([], self.trip, learner_calling)
        self._finder = None

    def learner_on_stack(self) -> bool:
        return self.learner_calling()

    def trip(self, name: str):
        self.tripped.append(name)
        try:
            sys.audit("d2lkit.forbidden", name)  # the child's audit hook keeps its own record
        except ForbiddenCall:
            pass
        raise ForbiddenCall(name)

    def install(self):
        dotted = tuple(p for p in self.forbid if "." in p)
        if any(p.startswith("torch") for p in dotted):
            guarded = operators().for_forbid(self.forbid)
            self.dispatch = DispatchGuard(guarded, self.trip,
                                          None if self.in_child else self.learner_calling)
            self.dispatch.install(shared=self.in_child)
        targets = [t for p in _in_place_patterns(self.forbid) for t in _targets(p)]
        self.in_place = InPlaceGuard(targets, self.trip, self.learner_calling).install()
        self._finder = _ImportGuard(self, ALWAYS_FORBIDDEN + tuple(
            p for p in self.forbid if p.split(".")[0] in THIRD_PARTY))
        sys.meta_path.insert(0, self._finder)
        return self

    def uninstall(self):
        self.dispatch.uninstall()
        self.in_place.uninstall()
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)

    def integrity(self):
        """A fresh check of every guard (see DispatchGuard.integrity)."""
        dispatch, in_place = self.dispatch.integrity(), self.in_place
        learner_calling, trip = in_place.learner_calling, in_place.trip

        def check() -> str | None:
            if in_place.guarding and not in_place.intact(learner_calling, trip):
                return "d2lkit (the in-place guards were rewired)"
            return dispatch()

        return check


def learner_calling_in_child(workspace: str, floor=None):
    """Learner code is calling, in a child, when the call comes from another thread (the kit
    starts none there) or when any frame on the stack is not the kit's, a probe's, the standard
    library's or an installed package's: the learner's files, and also code compiled under a
    made-up name (the audit hook refuses one that claims a trusted file). The walk stops at
    `floor`, the child's entry point (a code object): the frames below it are whatever forked
    the zygote (a CLI, a test), inherited but never run again."""
    import _thread

    main = _thread.get_ident()
    workspace = os.path.realpath(workspace) + os.sep
    trusted = trusted_roots()
    known: dict[str, bool] = {}
    getframe, get_ident = sys._getframe, _thread.get_ident

    def learner_calling() -> bool:
        if get_ident() != main:
            return True
        f = getframe(1)
        while f is not None:
            name = f.f_code.co_filename
            ok = known.get(name)
            if ok is None:
                ok = known[name] = not name.startswith(workspace) and (
                    name.startswith(trusted) or name.startswith("<frozen "))
            if not ok:
                return True
            if f.f_code is floor:
                return False
            f = f.f_back
        return False

    return learner_calling


@functools.lru_cache(maxsize=1)
def trusted_roots() -> tuple[str, ...]:
    """Folders whose code is not the learner's: the kit, its graders' probes, Python's library
    and the installed packages."""
    import sysconfig

    from d2lkit.paths import PACKAGE, content_dir

    paths = sysconfig.get_paths()
    roots = {str(PACKAGE), str(content_dir("grader")), paths["stdlib"], paths["platstdlib"],
             paths["purelib"], paths["platlib"]}
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots} | {r + os.sep for r in roots}))


@functools.lru_cache(maxsize=None)
def _targets(pattern: str) -> tuple:
    """(owner, attribute, display name) for each object a pattern names (resolved once per
    process: `torch.*pool*` walks all of torch)."""
    modname, _, leaf = pattern.rpartition(".")
    if not modname:
        return ()
    owner = _import_quietly(modname)
    if owner is None:
        module = _import_quietly(pattern)
        return tuple(_own_callables(module, pattern)) if module is not None else ()
    if any(ch in leaf for ch in "*?["):
        names = fnmatch.filter(dir(owner), leaf)
        if isinstance(owner, type(sys)):  # only what the module defines, not what it imports
            names = [a for a in names if _defined_in(getattr(owner, a, None), owner)]
        return tuple((owner, a, f"{modname}.{a}") for a in names)
    if isinstance(getattr(owner, leaf, None), type(sys)):  # pattern is a submodule
        return tuple(_own_callables(getattr(owner, leaf), pattern))
    return ((owner, leaf, pattern),)


def _defined_in(obj, module) -> bool:
    """Is obj one of module's own callables? (A module also holds what it imports: guarding
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
