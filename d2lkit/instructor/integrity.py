"""Integrity signals: a fingerprint of each exercise's code that renaming and reformatting do not
change, so that the class report can flag a copy of the kit's reference solution or two learners
with the same code.

The reference solutions are installed with the kit (and the book's code is public), so they are
not a secret; copies are detected, not prevented. A fingerprint is a hash of the exercise's
definitions (`Exercise.functions`, top level of the learner's module) after normalisation:

* comments and formatting are gone (they never reach the AST);
* docstrings and every other statement that is only a constant (`"..."`, `...`), `pass`, and
  type annotations are dropped;
* identifiers are renamed in order of first appearance (`_0`, `_1`, ...): variables, arguments,
  imported names, nested functions, exception names, and attributes the code itself assigns
  (`self.W = ...`); renaming is consistent, so `a + b` and `a + a` stay different. Builtins the
  code never rebinds (`len`, `range`, `float`), attributes it only reads (`X.sum`, `torch.exp`),
  keyword names of calls (`dim=1`), the exercise's own definition names and methods, and every
  constant are kept: they are what the code does.

What the fingerprint is not: proof. A short definition is the same in every correct answer, so
`nodes` counts the AST nodes a learner wrote (the definition's nodes minus those the stub
gives), and the report only flags code with at least `MIN_NODES` of them. Reordering statements,
moving code into a helper, or any change in substance gives another fingerprint.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from functools import cache
from pathlib import Path

VERSION = 1  # of the normalisation: fingerprints of different versions never match
MIN_NODES = 25  # nodes a learner must have written for their code to be compared (see docs)
MAX_SOURCE = 1 << 20  # bytes of a module that is fingerprinted at all
_BUILTINS = frozenset(dir(builtins))
_NOT_STARTED = "raise NotImplementedError"  # the stub's line (authoring.stubs.STUB_LINE)
# nodes that are not counted: contexts and operators are part of the node that holds them
_UNCOUNTED = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


# ------------------------------------------------------------------------------ normalisation
def _bound_names(nodes) -> tuple[set[str], set[str]]:
    """Names the code binds itself, and the attributes it assigns (`x.attr = ...`)."""
    names, attrs = set(), set()
    for top in nodes:
        for n in ast.walk(top):
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                names.add(n.id)
            elif isinstance(n, ast.Attribute) and not isinstance(n.ctx, ast.Load):
                attrs.add(n.attr)
            elif isinstance(n, ast.arg):
                names.add(n.arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(n.name)
            elif isinstance(n, ast.alias):
                names.add(n.asname or n.name.split(".")[0])
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                names.update(n.names)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                names.add(n.name)
            elif isinstance(n, getattr(ast, "MatchAs", ())) and n.name:
                names.add(n.name)
            elif isinstance(n, getattr(ast, "MatchStar", ())) and n.name:
                names.add(n.name)
            elif isinstance(n, getattr(ast, "MatchMapping", ())) and n.rest:
                names.add(n.rest)
    return names, attrs


class _Normaliser(ast.NodeTransformer):
    def __init__(self, nodes, keep_defs: set[str]):
        self.bound, self.stored_attrs = _bound_names(nodes)
        self.keep_defs = keep_defs  # definition names kept as they are
        self.names: dict[str, str] = {}
        self.attrs: dict[str, str] = {}
        self.depth = 0  # of function bodies: a def inside one is a local name

    def _name(self, name: str) -> str:
        if name in _BUILTINS and name not in self.bound:
            return name
        return self.names.setdefault(name, f"_{len(self.names)}")

    def _attr(self, attr: str) -> str:
        if attr not in self.stored_attrs:
            return attr
        return self.attrs.setdefault(attr, f"_a{len(self.attrs)}")

    def visit_Pass(self, node):
        return None  # does nothing

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant):  # a docstring, `...`, any bare constant
            return None
        return self.generic_visit(node)

    def generic_visit(self, node):
        if getattr(node, "type_comment", None) is not None:
            node.type_comment = None
        return super().generic_visit(node)

    def _def(self, node):
        if self.depth and node.name not in self.keep_defs:
            node.name = self._name(node.name)
        if isinstance(node, ast.ClassDef):
            # methods keep their names (`forward`, `__init__`: the API), their bodies are local
            return self.generic_visit(node)
        node.returns = None
        self.depth += 1
        try:
            return self.generic_visit(node)
        finally:
            self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    def visit_Lambda(self, node):
        self.depth += 1
        try:
            return self.generic_visit(node)
        finally:
            self.depth -= 1

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_Attribute(self, node):
        node.attr = self._attr(node.attr)
        return self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is None:  # a bare annotation does nothing at run time
            return None
        return self.visit(ast.Assign(targets=[node.target], value=node.value))

    def visit_alias(self, node):
        if node.asname:
            node.asname = self._name(node.asname)
        return node

    def visit_Global(self, node):
        node.names = [self._name(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node):
        if node.name:
            node.name = self._name(node.name)
        return self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            node.name = self._name(node.name)
        return self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node):
        if node.rest:
            node.rest = self._name(node.rest)
        return self.generic_visit(node)


def normalise(definitions: list[ast.stmt]) -> list[ast.stmt]:
    """The normalised copies of `definitions` (parsed top-level defs and classes), renamed
    together: one exercise's definitions share one renaming."""
    import copy

    nodes = [copy.deepcopy(d) for d in definitions]
    keep = {d.name for d in nodes if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.ClassDef))}
    norm = _Normaliser(nodes, keep)
    return [new for new in (norm.visit(n) for n in nodes) if new is not None]


def serialise(node) -> str:
    """A text of the tree that does not depend on the Python version's `ast.dump` (3.13 leaves
    out empty fields, 3.12 adds `type_params`): empty fields are always left out."""
    if isinstance(node, ast.AST):
        parts = []
        for name in node._fields:
            if name in ("type_comment", "kind"):
                continue
            value = getattr(node, name, None)
            if value is None or value == []:
                continue
            parts.append(f"{name}={serialise(value)}")
        return f"{type(node).__name__}({','.join(parts)})"
    if isinstance(node, list):
        return "[" + ",".join(serialise(v) for v in node) + "]"
    return f"{type(node).__name__}:{node!r}"


def count_nodes(nodes) -> int:
    return sum(1 for top in nodes for n in ast.walk(top) if not isinstance(n, _UNCOUNTED))


def digest(normalised: list[ast.stmt]) -> str:
    text = f"d2lkit-integrity/{VERSION}\n" + serialise(normalised)
    return f"n{VERSION}:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


# ------------------------------------------------------------------------------ per exercise
def definitions(tree: ast.Module, names) -> list[ast.stmt] | None:
    """The top-level definitions of `names` in `tree` (the last one of each name, as Python
    binds it), or None when one is missing."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name in names:
            found[node.name] = node
    if any(n not in found for n in names):
        return None
    return [found[n] for n in names]


def _parse(source: str, filename: str) -> ast.Module | None:
    if len(source) > MAX_SOURCE:
        return None
    try:
        return ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def fingerprint(tree: ast.Module, names) -> tuple[str, int] | None:
    """(hash, node count) of the definitions of `names` in `tree`, or None."""
    defs = definitions(tree, names)
    if defs is None:
        return None
    try:
        norm = normalise(defs)
        return digest(norm), count_nodes(norm)
    except RecursionError:
        return None


def fingerprint_source(source: str, names, filename: str = "<source>"
                       ) -> tuple[str, int] | None:
    tree = _parse(source, filename)
    return None if tree is None else fingerprint(tree, names)


def _strip_stub_lines(defs: list[ast.stmt]) -> list[ast.stmt]:
    """The stub's definitions without their `raise NotImplementedError` lines: what the stub
    gives a learner (signature, given lines)."""
    import copy

    out = [copy.deepcopy(d) for d in defs]
    for top in out:
        for n in ast.walk(top):
            for field in ("body", "orelse", "finalbody"):
                value = getattr(n, field, None)
                if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                    kept = [s for s in value if ast.unparse(s).strip() != _NOT_STARTED]
                    setattr(n, field, kept)
    return out


@cache
def _kit(relpath: str, names: tuple[str, ...]) -> dict:
    """The kit's own fingerprints of one exercise: its reference solution and its stub, and the
    stub's given size (nodes a learner did not write)."""
    from d2lkit.paths import content_dir

    out = {"reference": None, "stub": None, "given": 0}
    for tree_name in ("solutions", "exercises"):
        try:
            source = (content_dir(tree_name) / relpath).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        source = "".join(line for line in source.splitlines(keepends=True)
                         if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
        tree = _parse(source, relpath)
        if tree is None:
            continue
        got = fingerprint(tree, names)
        if got is None:
            continue
        if tree_name == "solutions":
            out["reference"] = got[0]
        else:
            out["stub"] = got[0]
            defs = definitions(tree, names)
            out["given"] = count_nodes(normalise(_strip_stub_lines(defs)))
    return out


def kit_fingerprints(ex) -> dict:
    """{"reference": hash or None, "stub": hash or None, "given": nodes the stub gives}."""
    return _kit(ex.relpath, tuple(ex.functions))


def exercise_fingerprints(root: Path, exercises) -> dict[str, dict]:
    """What `d2lkit grade` records per exercise of a submission (its folder `root`, holding the
    `chNN/` modules): `{"hash", "nodes", "reference", "stub"}`, where `nodes` is what the learner
    wrote (the definitions' nodes minus those the stub gives), `reference` whether the code is,
    normalised, the kit's reference solution and `stub` whether it is still the stub. An
    exercise whose definitions are missing or whose module does not parse has no entry."""
    trees: dict[str, ast.Module | None] = {}
    out = {}
    for ex in exercises:
        if ex.relpath not in trees:
            try:
                source = (Path(root) / ex.relpath).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                source = None
            trees[ex.relpath] = None if source is None else _parse(source, ex.relpath)
        tree = trees[ex.relpath]
        got = None if tree is None else fingerprint(tree, ex.functions)
        if got is None:
            continue
        kit = kit_fingerprints(ex)
        out[ex.id] = {"hash": got[0], "nodes": max(0, got[1] - kit["given"]),
                      "reference": got[0] == kit["reference"], "stub": got[0] == kit["stub"]}
    return out


# ------------------------------------------------------------------------------ the report
def findings(fingerprints: dict[str, dict[str, dict]],
             reference: dict[str, str | None] | None = None,
             min_nodes: int = MIN_NODES) -> dict[str, list[dict]]:
    """Integrity flags per learner from `{learner: {exercise: fingerprint}}`:
    `{"kind": "reference", "exercise"}` when the code is, normalised, the kit's reference (as
    recorded at grading, or equal to `reference[exercise]`), and `{"kind": "identical",
    "exercise", "with": [learners]}` when other learners have the same normalised code. Code
    with fewer than `min_nodes` written nodes, or still the stub, is never flagged; a copy of the
    reference is flagged as that only, not also as identical to the others who copied it."""
    reference = reference or {}
    flags: dict[str, list[dict]] = {}
    groups: dict[tuple[str, str], list[str]] = {}
    for learner, by_ex in fingerprints.items():
        for eid, fp in by_ex.items():
            if not fp or not fp.get("hash") or fp.get("stub"):
                continue
            if int(fp.get("nodes") or 0) < min_nodes:
                continue
            if fp.get("reference") or fp["hash"] == reference.get(eid):
                flags.setdefault(learner, []).append({"kind": "reference", "exercise": eid,
                                                      "nodes": int(fp["nodes"])})
                continue
            groups.setdefault((eid, fp["hash"]), []).append(learner)
    for (eid, _), learners in groups.items():
        if len(learners) < 2:
            continue
        for learner in learners:
            flags.setdefault(learner, []).append(
                {"kind": "identical", "exercise": eid,
                 "with": sorted(x for x in learners if x != learner),
                 "nodes": int(fingerprints[learner][eid]["nodes"])})
    return flags


__all__ = ["VERSION", "MIN_NODES", "normalise", "serialise", "digest", "fingerprint",
           "fingerprint_source", "exercise_fingerprints", "kit_fingerprints", "findings",
           "count_nodes"]
