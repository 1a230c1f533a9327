"""`d2lkit dev mutate`: are the graders strict enough? Every single-point mutant of every reference
solution's marked body is graded like a learner's submission; a mutant the grader passes (a
*survivor*) is either equivalent to the reference (recorded, with a reason and a differential test,
in `d2lkit/curriculum/mutation/chNN.equivalents.toml`, see `equivalents.py`) or a grader hole.

The operators (one mutant per site and replacement, each the solution file with one small span of
source replaced, so that a reviewer reads it as a diff):

- `arith`: `+`↔`-`, `*`↔`/`, `//`→`/`, `%`→`//`, `**`→`*`, `@`→`*` (also in `+=` and the
  like), and a unary minus dropped;
- `compare`: `<`↔`<=`, `>`↔`>=`, `==`↔`!=`, `is`↔`is not`, `in`↔`not in`;
- `const`: a number n becomes n+1, n-1, n*2 and n/2 (integer halves stay integers);
- `keepdim`, `unbiased`: the keyword flipped, or added (`keepdim=True` to a reduction that has a
  dim, `unbiased=False` to `var`/`std`); `dim`: a literal `dim=`/`axis=` swapped with its
  neighbour (0↔1, -1↔-2);
- `reduce`: `sum`↔`mean`, `max`↔`min` (also `amax`, `argmax`, `maximum`, the builtins) and max
  pooling ↔ average pooling;
- `drop`: a simple statement replaced by `pass` (not the first binding of a local name, which
  could only fail with a NameError, nor a function's final `return`).

Nothing inside an `assert` is mutated: it is the solution's own sanity check on inputs the spec
leaves undefined (where a spec defines an error, the solution raises it, and that is mutated).

A mutant's id (`ch2.vector_norm:const:1a2b3c4d`) hashes its function's qualified name, the line it
changes, the replacement and its occurrence among identical ones, so that it survives edits
elsewhere in the file. Every mutant is checked to parse, and mutants that give the same source are
kept once.

The grading: one warm engine (or `--jobs` engines of a `grading.pool`), each mutant in a fresh copy
of its chapter's solutions, seed fixed. A mutant that times out counts as rejected (and is
counted). Before its mutants, each exercise's unmutated reference must pass, else they would all
be "rejected" for nothing.

The report: a full run of a chapter's exercises writes `d2lkit/curriculum/mutation/chNN.report.json`
(per exercise: the content hashes of the solution and grader files it ran against, the generated
ids, the rejected ones with their status, the catalogued mistake each rejected one was diagnosed
with, the survivors with the hash of the equivalence record whose differential test passed).
`dev check` reads it (`report_problems`), without grading: a missing or stale report, a survivor
that is not recorded, or a wrong diagnosis fails it.

Diagnoses: a grader names a catalogued mistake only when the symptom proves it, so a mutant
rejected with a catalogued mistake id must be that mistake — recorded, with a reason, in the
reviewed `chNN.diagnoses.toml` (`equivalents.read_diagnoses`) — or the grader's `mistake_if`
fires on a symptom that does not prove it: a wrong diagnosis, listed by `dev mutate` and
`dev check` until the grader is tightened. (The written mutants of tests/mutants/ are the other
half: `dev check` requires each to be rejected with its own mistake id.)

This module imports no torch: `report_problems` runs in `dev check`'s static half.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import random
import shutil
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from d2lkit.authoring.stubs import _MARKER
from d2lkit.paths import PACKAGE, chapter_dir_name, content_dir

GENERATOR = 1  # the operator set's version: a report made by another one is stale
REPORT_SCHEMA = 2  # 2: with each rejected mutant's diagnosis
MUTATION_DIR = PACKAGE / "curriculum" / "mutation"
KINDS = ("arith", "compare", "dim", "keepdim", "unbiased", "reduce", "const", "drop")
MAX_EQUIVALENT_SHARE = 0.05  # target share of a chapter's mutants recorded as equivalent
DEFAULT_SEED = 1234


# ============================================================================== the generator
@dataclass(frozen=True)
class Mutant:
    id: str  # "ch2.vector_norm:const:1a2b3c4d"
    exercise: str
    relpath: str  # "ch02/norms.py", the module it replaces
    kind: str  # one of KINDS
    function: str  # the qualified name of the function it changes: "LeNet.forward"
    line: int  # the first line it changes
    before: str  # those lines, as in the solution (stripped, joined by spaces)
    after: str  # the same lines in the mutant
    source: str  # the whole mutated module

    @property
    def snippet(self) -> str:
        return f"{self.before}  →  {self.after}"


_ARITH = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/", ast.Div: "*", ast.FloorDiv: "/",
          ast.Mod: "//", ast.Pow: "*", ast.MatMult: "*"}
_ARITH_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
               ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@"}
_COMPARE = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "==",
            ast.Is: "is not", ast.IsNot: "is", ast.In: "not in", ast.NotIn: "in"}
_REDUCE = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "amax": "amin",
           "amin": "amax", "argmax": "argmin", "argmin": "argmax", "maximum": "minimum",
           "minimum": "maximum", "nansum": "nanmean", "nanmean": "nansum"}
for _d in ("1d", "2d", "3d"):
    for _a, _b in ((f"MaxPool{_d}", f"AvgPool{_d}"), (f"max_pool{_d}", f"avg_pool{_d}"),
                   (f"AdaptiveMaxPool{_d}", f"AdaptiveAvgPool{_d}"),
                   (f"adaptive_max_pool{_d}", f"adaptive_avg_pool{_d}")):
        _REDUCE[_a], _REDUCE[_b] = _b, _a
_BUILTIN_REDUCE = {"max": "min", "min": "max"}
# reductions that take keepdim (and a dim to keep)
_KEEPDIM = {"sum", "mean", "max", "min", "amax", "amin", "std", "var", "prod", "logsumexp",
            "argmax", "argmin", "norm", "median", "all", "any", "nansum", "nanmean", "std_mean",
            "var_mean", "vector_norm"}
_DIM_KEYWORDS = ("dim", "axis")
_TORCH_MODULES = ("torch", "F", "functional", "linalg")  # torch.sum(x, ...): x is an argument
_NOT_TENSORS = ("math", "statistics", "builtins", "np", "numpy", "random", "itertools")


@dataclass
class _Edit:
    start: int  # character offsets into the source
    end: int
    text: str
    kind: str
    function: str
    node: ast.AST  # the node whose lines make the snippet


def _halve(n):
    return n / 2 if isinstance(n, float) else (n // 2 if n >= 0 else -((-n) // 2))


class _Source:
    """A module's text with the offsets the AST and the tokenizer give turned into one index."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.tokens = [tok for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                       if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                                           tokenize.INDENT, tokenize.DEDENT)]

    def at(self, line: int, byte_col: int) -> int:
        """An AST position (1-based line, UTF-8 byte column) as a character offset."""
        raw = self.lines[line - 1].encode("utf-8")[:byte_col]
        return self.starts[line - 1] + len(raw.decode("utf-8"))

    def char(self, line: int, col: int) -> int:
        """A tokenizer position (1-based line, character column) as a character offset."""
        return self.starts[line - 1] + col

    def span(self, node) -> tuple[int, int]:
        return (self.at(node.lineno, node.col_offset),
                self.at(node.end_lineno, node.end_col_offset))

    def between(self, left, right) -> tuple[int, int]:
        """The span of the operator token(s) between two operand nodes (parentheses skipped)."""
        lo, hi = self.span(left)[1], self.span(right)[0]
        found = [tok for tok in self.tokens
                 if self.char(*tok.start) >= lo and self.char(*tok.end) <= hi
                 and tok.string not in "()"]
        if not found:
            raise ValueError(f"no operator between offsets {lo} and {hi}")
        return self.char(*found[0].start), self.char(*found[-1].end)


def marked_regions(text: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of each marked body (the lines between the markers)."""
    regions, begin = [], None
    for number, line in enumerate(text.splitlines(), 1):
        m = _MARKER.match(line)
        if m and m["kind"] == "BEGIN":
            begin = number
        elif m and m["kind"] == "END" and begin is not None:
            regions.append((begin + 1, number - 1))
            begin = None
    return regions


def _bound_names(target) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


class _Finder(ast.NodeVisitor):
    """Collects the edits of every operator inside the marked regions, with the qualified name of
    the function each one is in."""

    def __init__(self, src: _Source, regions):
        self.src = src
        self.regions = regions
        self.edits: list[_Edit] = []
        self.scope: list[str] = []
        self.bound: list[set[str]] = [set()]  # names bound so far, per function
        self.body_last: list[ast.AST | None] = [None]  # each function's final statement

    # ------------------------------------------------------------------ helpers
    def inside(self, node) -> bool:
        return any(a <= node.lineno and node.end_lineno <= b for a, b in self.regions)

    def add(self, node, start: int, end: int, text: str, kind: str):
        if self.inside(node):
            self.edits.append(_Edit(start, end, text, kind, ".".join(self.scope) or "<module>",
                                    node))

    def replace(self, node, text: str, kind: str):
        self.add(node, *self.src.span(node), text, kind)

    # ------------------------------------------------------------------ scopes
    def visit_FunctionDef(self, node):
        self.bound[-1].add(node.name)
        self.scope.append(node.name)
        a = node.args
        params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        params |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
        self.bound.append(params)
        self.body_last.append(node.body[-1] if node.body else None)
        for stmt in node.body:
            self.visit(stmt)
        self.body_last.pop()
        self.bound.pop()
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.bound[-1].add(node.name)
        self.scope.append(node.name)
        self.bound.append(set())
        self.body_last.append(None)
        for stmt in node.body:
            self.visit(stmt)
        self.body_last.pop()
        self.bound.pop()
        self.scope.pop()

    def visit_Assert(self, node):
        """Nothing inside an `assert`: it is the solution's own sanity check, and the spec says
        nothing of the inputs it refuses (a spec that does raises ValueError, mutated as code)."""

    # ------------------------------------------------------------------ drop
    def droppable(self, node) -> bool:
        if isinstance(node, ast.Expr):
            return not isinstance(node.value, ast.Constant)  # not a docstring
        if isinstance(node, (ast.AugAssign, ast.Raise, ast.Delete, ast.Break, ast.Continue)):
            return True
        if isinstance(node, ast.Return):
            return node is not self.body_last[-1]
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AnnAssign) and node.value is None:
                return False
            # a first binding of plain names could only fail later with a NameError
            plain = all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Starred))
                        for t in targets for n in [t, *ast.walk(t)]
                        if not isinstance(n, (ast.Load, ast.Store, ast.Del)))
            return not plain or all(name in self.bound[-1]
                                    for t in targets for name in _bound_names(t))
        return False

    def generic_visit(self, node):
        if isinstance(node, ast.stmt) and self.droppable(node):
            self.replace(node, "pass", "drop")
        super().generic_visit(node)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = getattr(node, "targets", None) or [node.target]
            for t in targets:
                self.bound[-1] |= _bound_names(t)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.bound[-1] |= _bound_names(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self.bound[-1] |= _bound_names(item.optional_vars)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.bound[-1] |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.NamedExpr):
            self.bound[-1] |= _bound_names(node.target)

    # ------------------------------------------------------------------ arith, compare
    def visit_BinOp(self, node):
        if type(node.op) in _ARITH:
            start, end = self.src.between(node.left, node.right)
            self.add(node, start, end, _ARITH[type(node.op)], "arith")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if type(node.op) in _ARITH:
            start, end = self.src.between(node.target, node.value)
            self.add(node, start, end, _ARITH[type(node.op)] + "=", "arith")
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        operand = node.operand
        if isinstance(node.op, ast.USub) and _is_number(operand):
            self.constant(node, -operand.value)
            return  # the literal is this constant, not a second one
        if isinstance(node.op, ast.USub):
            start = self.src.span(node)[0]  # the `-` itself (the operand may be in parentheses)
            self.add(node, start, start + 1, "", "arith")
        self.generic_visit(node)

    def visit_Compare(self, node):
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            start, end = self.src.between(left, right)
            self.add(node, start, end, _COMPARE[type(op)], "compare")
            left = right
        self.generic_visit(node)

    # ------------------------------------------------------------------ constants
    def visit_Constant(self, node):
        if _is_number(node):
            self.constant(node, node.value)

    def constant(self, node, value):
        seen = {value}
        for new in (value + 1, value - 1, value * 2, _halve(value)):
            if new not in seen:
                seen.add(new)
                self.replace(node, self.number(node, new), "const")

    def number(self, node, value) -> str:
        """A literal for `value` where `node` is: a negative one in parentheses unless it opens
        an argument, an item, an index or a keyword's value (`x - -1` would read badly)."""
        text = repr(value)
        before = self.src.text[:self.src.span(node)[0]].rstrip()
        return text if value >= 0 or not before or before[-1] in "([,=:" else f"({text})"

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node):
        name = _called(node.func)
        if isinstance(node.func, ast.Name) and name in _BUILTIN_REDUCE:  # max(a, b) -> min(a, b)
            self.replace(node.func, _BUILTIN_REDUCE[name], "reduce")
        given = {k.arg for k in node.keywords}
        for kw in node.keywords:
            if kw.arg in ("keepdim", "keepdims", "unbiased"):
                kind = "unbiased" if kw.arg == "unbiased" else "keepdim"
                v = kw.value
                if isinstance(v, ast.Constant) and isinstance(v.value, bool):
                    self.replace(v, repr(not v.value), kind)
                else:
                    start, end = self.src.span(v)
                    self.add(v, start, end, f"not ({self.src.text[start:end]})", kind)
            elif kw.arg in _DIM_KEYWORDS and _is_int(kw.value):
                d = _int_value(kw.value)
                swapped = d ^ 1 if d >= 0 else -((-d - 1) ^ 1) - 1
                self.replace(kw.value, self.number(kw.value, swapped), "dim")
        receiver = _called(node.func.value) if isinstance(node.func, ast.Attribute) else None
        if receiver not in _NOT_TENSORS and isinstance(node.func, ast.Attribute):
            # torch.sum(x, 1) or x.sum(1): a dim is given when there is an argument after x
            n_args = len(node.args) - (receiver in _TORCH_MODULES)
            if (name in _KEEPDIM and not given & {"keepdim", "keepdims"}
                    and (n_args >= 1 or given & set(_DIM_KEYWORDS))):
                self.insert_keyword(node, "keepdim=True", "keepdim")
            if name in ("var", "std", "var_mean", "std_mean") and not given & {"unbiased",
                                                                               "correction"}:
                self.insert_keyword(node, "unbiased=False", "unbiased")
        self.generic_visit(node)

    def insert_keyword(self, call, text: str, kind: str):
        if len(call.args) == 1 and isinstance(call.args[0], ast.GeneratorExp) and not call.keywords:
            return  # f(x for x in xs, k=v) does not parse
        args = [*call.args, *call.keywords]
        if args:
            at = max(self.src.span(a)[1] for a in args)
            self.add(call, at, at, ", " + text, kind)
        else:
            end = self.src.span(call)[1]
            if self.src.text[end - 1] == ")":
                self.add(call, end - 1, end - 1, text, kind)

    def visit_Attribute(self, node):
        if node.attr in _REDUCE:
            end = self.src.span(node)[1]
            self.add(node, end - len(node.attr), end, _REDUCE[node.attr], "reduce")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in _REDUCE and "ool" in node.id:  # `from torch.nn import MaxPool2d`
            self.replace(node, _REDUCE[node.id], "reduce")



def _is_number(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _is_int(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return _is_number(node) and isinstance(node.value, int)


def _int_value(node) -> int:
    if isinstance(node, ast.UnaryOp):
        return -node.operand.value
    return node.value


def _called(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _lines_of(src: _Source, node) -> tuple[int, int, int]:
    """(first line, character offset of its start, character offset of the last line's end)."""
    first, last = node.lineno, node.end_lineno
    return first, src.starts[first - 1], src.starts[last - 1] + len(src.lines[last - 1])


def _flat(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def generate(text: str, owners: dict[str, str], relpath: str = "<solution>") -> list[Mutant]:
    """Every mutant of the marked bodies of one solution module. `owners` maps a top-level name
    (a function or class) to the id of the exercise it belongs to; a body in a name without an
    owner is skipped."""
    src = _Source(text)
    tree = ast.parse(text, relpath)
    finder = _Finder(src, marked_regions(text))
    finder.visit(tree)
    order = {kind: i for i, kind in enumerate(KINDS)}
    edits = sorted(finder.edits, key=lambda e: (e.start, e.end, order[e.kind]))
    mutants, sources, occurrences = [], {text}, {}
    for e in edits:
        owner = owners.get(e.function.split(".")[0])
        if owner is None:
            continue
        new = text[:e.start] + e.text + text[e.end:]
        if new in sources:
            continue  # another operator made this one already (a `dim` swap, a constant)
        try:
            ast.parse(new)
        except SyntaxError as err:  # a generator bug: say where, never grade it
            raise AssertionError(f"{relpath}:{e.node.lineno}: the {e.kind} mutant "
                                 f"{e.text!r} does not parse: {err}") from None
        sources.add(new)
        line, lo, hi = _lines_of(src, e.node)
        before = _flat(text[lo:hi])
        after = _flat(new[lo:hi + len(new) - len(text)])
        key = (e.function, before, text[e.start:e.end], e.text)
        k = occurrences[key] = occurrences.get(key, -1) + 1
        digest = hashlib.sha256("\0".join((*key, str(k))).encode("utf-8")).hexdigest()[:8]
        mutants.append(Mutant(f"{owner}:{e.kind}:{digest}", owner, relpath, e.kind, e.function,
                              line, before, after, new))
    return mutants


def mutants_of(exercises) -> list[Mutant]:
    """The mutants of the exercises' marked bodies, in curriculum then source order."""
    from d2lkit import catalogue

    cat = catalogue.load()
    exercises = [ex for ex in exercises if not ex.is_quiz]  # no code: d2lkit.quiz.checks
    wanted = {ex.id for ex in exercises}
    by_file: dict[str, dict[str, str]] = {}
    for ex in cat.exercises:
        for f in ex.functions:
            by_file.setdefault(ex.relpath, {})[f] = ex.id
    out = []
    for relpath in dict.fromkeys(ex.relpath for ex in exercises):
        path = content_dir("solutions") / relpath
        out += [m for m in generate(path.read_text("utf-8"), by_file.get(relpath, {}), relpath)
                if m.exercise in wanted]
    rank = {ex.id: i for i, ex in enumerate(exercises)}
    return sorted(out, key=lambda m: rank[m.exercise])  # stable: source order within each


def sample(mutants: list[Mutant], per_chapter: int, seed: int) -> list[Mutant]:
    """A fixed subset: `per_chapter` mutants of each chapter, drawn with `seed` from the ids."""
    chosen = set()
    by_chapter: dict[str, list[str]] = {}
    for m in mutants:
        by_chapter.setdefault(m.exercise.split(".")[0], []).append(m.id)
    for chapter, ids in sorted(by_chapter.items()):
        rng = random.Random(f"{seed}:{chapter}")
        chosen.update(rng.sample(sorted(ids), min(per_chapter, len(ids))))
    return [m for m in mutants if m.id in chosen]


# ============================================================================== grading
@dataclass(frozen=True)
class Outcome:
    status: str  # the engine's status: "passed" means the mutant survived
    mistake: str | None = None
    seconds: float = 0.0

    @property
    def survived(self) -> bool:
        return self.status == "passed"


def _workspace(relpath: str, source: str | None, into: Path) -> Path:
    """A copy of the chapter's solutions in `into`, with `source` as the module at `relpath`."""
    chapter = Path(relpath).parent
    shutil.copytree(content_dir("solutions") / chapter, into / chapter,
                    ignore=shutil.ignore_patterns("__pycache__"))
    if source is not None:
        (into / relpath).write_text(source, "utf-8")
    return into


def _grade_one(engine, ex, relpath: str, source: str | None) -> Outcome:
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="d2lkit-mutate-") as tmp:
        # cascade=False: every other exercise of the copy is its reference, so nothing it uses
        # can block it, and grading those references again for each mutant is wasted time
        [r] = engine.grade([ex], _workspace(relpath, source, Path(tmp)), cascade=False)
    return Outcome(str(r.status), r.mistake, round(time.monotonic() - start, 3))


def grade(mutants: list[Mutant], exercises, *, seed: int = DEFAULT_SEED, jobs: int = 1,
          timeout: float | None = None, on_done=None) -> tuple[dict[str, Outcome], dict]:
    """Grade the references of `exercises` and the mutants, in one warm engine or in a
    `grading.pool` of `jobs` engines (forked before this process runs any tensor operation, as the
    pool requires). Returns ({mutant id: outcome}, {exercise id: outcome of its reference, when
    that did not pass}); the mutants of such an exercise are left out, since every one of them
    would be "rejected" for nothing. `on_done(mutant, outcome)` sees each one as it is known."""
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    options = Options(seed=seed, untouched_stubs=False)
    if timeout is not None:
        options = options.but(timeout=timeout)
    by_id = {ex.id: ex for ex in exercises}
    # the references first: one engine grades them in order, a pool hands them out first
    tasks: list[tuple[str, str, str | None]] = (
        [(ex.id, ex.relpath, None) for ex in exercises]
        + [(m.exercise, m.relpath, m.source) for m in mutants])
    refs = len(exercises)
    results: dict[int, Outcome] = {}

    def work(engine, index: int, attempt: int = 0) -> Outcome:
        ex_id, relpath, source = tasks[index]
        return _grade_one(engine, by_id[ex_id], relpath, source)

    def done(index: int, outcome: Outcome):
        results[index] = outcome
        if index >= refs and on_done:
            on_done(mutants[index - refs], outcome)

    if jobs <= 1 or len(tasks) < 2:
        with Engine(options, cache=False) as engine:
            for i in range(len(tasks)):
                done(i, work(engine, i))
    else:
        from d2lkit.grading import pool

        pool.run(len(tasks), work, options, jobs, on_done=done,
                 lost=lambda i, starting: Outcome("lost"),  # a dead worker: counted as rejected
                 name=lambda i: tasks[i][0] if i < refs else mutants[i - refs].id)
    broken = {ex.id: results[i] for i, ex in enumerate(exercises) if not results[i].survived}
    outcomes = {m.id: results[refs + i] for i, m in enumerate(mutants)
                if m.exercise not in broken}
    return outcomes, broken


# ============================================================================== reports
def file_hash(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")
    return "sha256:" + h.hexdigest()[:16]


def hashes(ex) -> dict[str, str]:
    """The content hashes a report of `ex` is valid for: its solution module, its grader file and
    that grader's probes."""
    chapter = chapter_dir_name(ex.chapter)
    grader = content_dir("grader") / chapter
    return {"solution": file_hash(content_dir("solutions") / ex.relpath),
            "grader": file_hash(grader / f"test_{ex.topic}.py", grader / f"probes_{ex.topic}.py")}


def report_path(chapter: int, folder: Path | None = None) -> Path:
    return (folder or MUTATION_DIR) / f"{chapter_dir_name(chapter)}.report.json"


def equivalents_path(chapter: int, folder: Path | None = None) -> Path:
    return (folder or MUTATION_DIR) / f"{chapter_dir_name(chapter)}.equivalents.toml"


def diagnoses_path(chapter: int, folder: Path | None = None) -> Path:
    return (folder or MUTATION_DIR) / f"{chapter_dir_name(chapter)}.diagnoses.toml"


def wrong_diagnoses(ex, diagnosed: dict[str, dict], records, graded=None) -> list[str]:
    """What is wrong with the catalogued mistake ids the grader gave `ex`'s auto-generated mutants
    (`diagnosed`: {mutant id: {mistake, before, after}}, as in a report): each one must be recorded
    in chNN.diagnoses.toml as that mistake (`records`, equivalents.Diagnosis), and each record of
    `ex` must still be given (of the mutants in `graded`, when only some were graded)."""
    catalogued = {m.id for m in ex.mistakes}
    mine = {r.id: r for r in records if r.exercise == ex.id}
    name = diagnoses_path(ex.chapter).name
    problems = []
    for mid, d in diagnosed.items():
        if d["mistake"] not in catalogued:
            continue  # the engine's own findings (input-mutated, …) are seen, not inferred
        r = mine.get(mid)
        if r is None or r.mistake != d["mistake"]:
            problems.append(f"mutant {mid} ({d['before']}  →  {d['after']}) is diagnosed as "
                            f"'{d['mistake']}', but that change is not the mistake: a wrong "
                            f"diagnosis (make the grader's mistake_if demand a symptom that "
                            f"proves it, or, if the change is that mistake, record it in {name})")
        elif (r.before, r.after) != (d["before"], d["after"]):
            problems.append(f"{name}: {mid}: the snippet is {d['before']!r} → {d['after']!r}, "
                            f"not {r.before!r} → {r.after!r}")
    for mid, r in mine.items():
        if graded is not None and mid not in graded:
            continue
        d = diagnosed.get(mid)
        if d is None or d["mistake"] != r.mistake:
            problems.append(f"{name}: {mid} is no longer diagnosed as '{r.mistake}' "
                            f"({'not diagnosed' if d is None else d['mistake']}): remove the "
                            "entry")
    return problems


def read_report(chapter: int, folder: Path | None = None) -> dict | None:
    path = report_path(chapter, folder)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError:
        return None
    return data if data.get("schema") == REPORT_SCHEMA else None


@dataclass
class ExerciseRun:
    """One exercise's part of a run: what was generated, graded, and how the survivors stand."""
    exercise: str
    generated: list[Mutant] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    equivalent: dict[str, str] = field(default_factory=dict)  # survivor id -> record hash
    reference: Outcome | None = None  # set when the reference itself did not pass

    @property
    def survivors(self) -> list[Mutant]:
        return [m for m in self.generated if m.id in self.outcomes and self.outcomes[m.id].survived]

    @property
    def unrecorded(self) -> list[Mutant]:
        return [m for m in self.survivors if m.id not in self.equivalent]

    @property
    def diagnosed(self) -> dict[str, dict]:
        """{mutant id: {mistake, before, after}} of the rejected mutants the grader named a
        mistake for."""
        return {m.id: {"mistake": o.mistake, "before": m.before, "after": m.after}
                for m in self.generated if (o := self.outcomes.get(m.id)) is not None
                and o.mistake and not o.survived}

    @property
    def rejected(self) -> int:
        return sum(not o.survived for o in self.outcomes.values())

    @property
    def timeouts(self) -> int:
        return sum(o.status == "timeout" for o in self.outcomes.values())


def write_report(ex, run: ExerciseRun, seed: int, folder: Path | None = None) -> Path:
    """Put one exercise's full run into its chapter's report (other exercises' entries stay)."""
    path = report_path(ex.chapter, folder)
    data = read_report(ex.chapter, folder) or {}
    entries = data.get("exercises", {})
    entries[ex.id] = {
        "generator": GENERATOR, "seed": seed, **hashes(ex),
        "generated": [m.id for m in run.generated],
        "rejected": {m.id: run.outcomes[m.id].status for m in run.generated
                     if not run.outcomes[m.id].survived},
        "diagnosed": run.diagnosed,
        "survivors": [{"id": m.id, "before": m.before, "after": m.after,
                       "equivalent": run.equivalent.get(m.id)} for m in run.survivors],
    }
    data = {"schema": REPORT_SCHEMA, "chapter": f"ch{ex.chapter}",
            "note": "written by `d2lkit dev mutate`; do not edit",
            "exercises": dict(sorted(entries.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path


def report_problems(exercises, folder: Path | None = None) -> dict[str, list[str]]:
    """What `dev check` says of the mutation reports, per exercise id: a report that is missing or
    stale, or a survivor not recorded as equivalent (with a differential test that passed).
    Static: reads the reports and the equivalents files, grades nothing."""
    from d2lkit.authoring import equivalents

    problems: dict[str, list[str]] = {}
    reports, records, diagnoses, bad_files = {}, {}, {}, {}
    for ex in (ex for ex in exercises if not ex.is_quiz):  # no code, no mutation report
        if ex.chapter not in reports:
            reports[ex.chapter] = read_report(ex.chapter, folder)
            bad_files[ex.chapter] = []
            for store, read, path in ((records, equivalents.read, equivalents_path),
                                      (diagnoses, equivalents.read_diagnoses, diagnoses_path)):
                try:
                    store[ex.chapter] = read(path(ex.chapter, folder))
                except equivalents.EquivalentsError as e:
                    store[ex.chapter] = []
                    bad_files[ex.chapter].append(str(e))
        run_it = f"run `d2lkit dev mutate ch{ex.chapter}`"
        mine = problems.setdefault(ex.id, [])
        mine += bad_files[ex.chapter]
        entry = (reports[ex.chapter] or {}).get("exercises", {}).get(ex.id)
        if entry is None:
            mine.append(f"no mutation report ({run_it})")
            continue
        if entry.get("generator") != GENERATOR:
            mine.append(f"the mutation report was made by another mutant generator ({run_it})")
            continue
        changed = [key for key, value in hashes(ex).items() if entry.get(key) != value]
        if changed:
            mine.append(f"the mutation report is stale: the {' and '.join(changed)} changed "
                        f"since ({run_it})")
            continue
        recorded = {r.id: r.digest for r in records[ex.chapter]}
        for s in entry.get("survivors", []):
            if s.get("equivalent") is None or recorded.get(s["id"]) != s["equivalent"]:
                mine.append(f"surviving mutant {s['id']} ({s['before']}  →  {s['after']}) is not "
                            f"recorded as equivalent: a grader hole (make the grader reject it, or "
                            f"record it in {equivalents_path(ex.chapter, folder).name}; then "
                            f"{run_it})")
        mine += [f"{text}; then {run_it}" for text in
                 wrong_diagnoses(ex, entry.get("diagnosed", {}), diagnoses[ex.chapter])]
    return {k: v for k, v in problems.items() if v}


# ============================================================================== a run
@dataclass
class Run:
    """What `d2lkit dev mutate` found: per exercise, and the problems with the records."""
    exercises: list
    runs: dict[str, ExerciseRun]
    problems: list[str]  # bad records, references that do not pass, wrong diagnoses
    sampled: bool
    seconds: float = 0.0
    reports: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # chapters over the equivalents target

    @property
    def ok(self) -> bool:
        return not self.problems and not any(r.unrecorded for r in self.runs.values())


def run(exercises, *, jobs: int = 1, per_chapter: int | None = None, seed: int = DEFAULT_SEED,
        timeout: float | None = None, write: bool = True, folder: Path | None = None,
        mutants: list[Mutant] | None = None, on_done=None) -> Run:
    """Generate the exercises' mutants (all, or a fixed sample of `per_chapter` per chapter),
    grade them, check the equivalence records of their survivors (with their differential tests),
    and, for a full run, write each exercise's part of its chapter's report."""
    from d2lkit import catalogue
    from d2lkit.authoring import equivalents

    start = time.monotonic()
    exercises = [ex for ex in exercises if not ex.is_quiz]  # their wrong answers: quiz.checks
    mutants = mutants_of(exercises) if mutants is None else mutants
    chosen = sample(mutants, per_chapter, seed) if per_chapter is not None else mutants
    runs = {ex.id: ExerciseRun(ex.id, [m for m in mutants if m.exercise == ex.id])
            for ex in exercises}
    outcomes, broken = grade(chosen, exercises, seed=seed, jobs=jobs, timeout=timeout,
                             on_done=on_done)
    problems = []
    for ex_id, outcome in broken.items():
        runs[ex_id].reference = outcome
        problems.append(f"{ex_id}: the reference solution does not pass ({outcome.status}"
                        f"{' ' + outcome.mistake if outcome.mistake else ''}), so its mutants "
                        "were not graded")
    for m in chosen:
        if m.id in outcomes:
            runs[m.exercise].outcomes[m.id] = outcomes[m.id]

    by_id = {m.id: m for m in mutants}
    for chapter in sorted({ex.chapter for ex in exercises}):
        path = equivalents_path(chapter, folder)
        try:
            records = equivalents.read(path)
        except equivalents.EquivalentsError as e:
            problems.append(str(e))
            continue
        known = catalogue.load().by_id
        for rec in records:
            if rec.exercise not in known:
                problems.append(f"{path.name}: {rec.id} names no catalogue exercise")
                continue
            if rec.exercise not in runs:
                continue  # another exercise of the chapter, not in this run
            m, shown = by_id.get(rec.id), f"{path.name}: {rec.id}"
            if m is None:
                problems.append(f"{shown} names no mutant of the current solution (was the line "
                                "changed? record the new id or remove the entry)")
            elif (rec.before, rec.after) != (m.before, m.after):
                problems.append(f"{shown}: the snippet is {m.before!r} → {m.after!r}, not "
                                f"{rec.before!r} → {rec.after!r}")
            elif rec.id not in outcomes:
                continue  # not graded in this run (sampled out, or its reference is broken)
            elif not outcomes[rec.id].survived:
                problems.append(f"{shown}: the grader rejects it ({outcomes[rec.id].status}), so "
                                "it is not a surviving mutant: remove the entry")
            elif (why := equivalents.differential(rec, m.relpath, m.source)) is not None:
                problems.append(f"{shown} is not equivalent, a grader hole: {why}")
            else:
                runs[m.exercise].equivalent[m.id] = rec.digest

    for chapter in sorted({ex.chapter for ex in exercises}):
        try:
            diagnoses = equivalents.read_diagnoses(diagnoses_path(chapter, folder))
        except equivalents.EquivalentsError as e:
            problems.append(str(e))
            continue
        for ex in exercises:
            if ex.chapter != chapter or runs[ex.id].reference is not None:
                continue
            r = runs[ex.id]
            problems += wrong_diagnoses(ex, r.diagnosed, diagnoses, graded=set(r.outcomes))

    full = per_chapter is None
    warnings = []
    if full:
        whole = catalogue.load().chapter_by_number
        for chapter in sorted({ex.chapter for ex in exercises}):
            mine = [runs[ex.id] for ex in exercises if ex.chapter == chapter]
            if chapter in whole and len(mine) < len(whole[chapter].exercises):
                continue  # the share is a whole chapter's
            generated = sum(len(r.generated) for r in mine)
            recorded = sum(len(r.equivalent) for r in mine)
            if generated and recorded > MAX_EQUIVALENT_SHARE * generated:
                warnings.append(f"ch{chapter}: {recorded} of {generated} mutants recorded as "
                                f"equivalent ({recorded / generated:.1%}), more than the "
                                f"{MAX_EQUIVALENT_SHARE:.0%} target")
    result = Run(list(exercises), runs, problems, sampled=not full, warnings=warnings)
    if full and write:
        for ex in exercises:
            if runs[ex.id].reference is None:
                result.reports.append(write_report(ex, runs[ex.id], seed, folder))
        result.reports = list(dict.fromkeys(result.reports))
    result.seconds = time.monotonic() - start
    return result


# ============================================================================== the table
def show(result: Run, console) -> None:
    """Per exercise and per chapter: generated, rejected (of which timeouts), recorded
    equivalent, surviving; then each unrecorded survivor with its snippet, and the problems."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=True, header_style="bold", show_lines=False)
    table.add_column("exercise", style="cyan", overflow="fold")
    for name in ("mutants", "graded", "rejected", "timeouts", "equivalent", "survivors"):
        table.add_column(name, justify="right", no_wrap=True)

    def row(name, runs, style=None):
        survivors = sum(len(r.unrecorded) for r in runs)
        table.add_row(name, *(str(v) for v in (
            sum(len(r.generated) for r in runs), sum(len(r.outcomes) for r in runs),
            sum(r.rejected for r in runs), sum(r.timeouts for r in runs),
            sum(len(r.equivalent) for r in runs))),
            Text(str(survivors), style="red" if survivors else "green"), style=style)

    chapters: dict[int, list] = {}
    for ex in result.exercises:
        chapters.setdefault(ex.chapter, []).append(ex)
    for number, exs in chapters.items():
        for ex in exs:
            r = result.runs[ex.id]
            row(ex.id if r.reference is None else f"{ex.id} (reference fails)", [r])
        row(f"ch{number}", [result.runs[ex.id] for ex in exs], style="bold")
        table.add_section()
    if len(chapters) > 1:
        row("all", list(result.runs.values()), style="bold")
    console.print(table)
    for r in result.runs.values():
        for m in r.unrecorded:
            console.print(Text(f"✗ survivor {m.id} ({m.relpath}:{m.line}, {m.function})",
                               style="red"))
            console.print(Text(f"    {m.before}\n  → {m.after}"))
    for problem in result.problems:
        console.print(Text(f"✗ {problem}", style="red"))
    for warning in result.warnings:
        console.print(Text(f"! {warning}", style="yellow"))
    kind = f"a sample of {sum(len(r.outcomes) for r in result.runs.values())} mutants" \
        if result.sampled else "every mutant"
    survivors = sum(len(r.unrecorded) for r in result.runs.values())
    console.print(f"{kind} graded in {result.seconds:.0f} s; {survivors} unrecorded survivor(s), "
                  f"{len(result.problems)} problem(s)"
                  + (f"; reports: {', '.join(p.name for p in result.reports)}"
                     if result.reports else ""),
                  style="bold green" if result.ok else "bold red")
