"""nbgrader notebooks generated from the reference solutions (one source of truth).

For each topic of a target, `source/<assignment>/<topic>.ipynb` holds:

* an introduction (topic, then per exercise: section, what to implement, the signature), in both
  languages, the chosen one first;
* a locked setup cell: the module's imports and given code;
* per exercise, a solution cell cut from the reference solution with nbgrader's own
  `### BEGIN SOLUTION` / `### END SOLUTION` markers, then an autograded test cell worth the
  catalogue's points (by default 0 for a stretch exercise: extra credit, never in nbgrader's
  maximum; the course's stretch rule, `d2lkit.instructor.course`, decides). The
  test cell is the learner's visible self-check (the names exist, the signature is the book's,
  then `d2lkit.grader.check`); it never decides a grade: `d2lkit nbgrader autograde` grades the
  solution cells' code with d2lkit's engine, outside the learner's kernel
  (`d2lkit.instructor.nbgrade`), and writes the scores into the gradebook.

`export` refuses to overwrite a source notebook edited since it was written (each notebook
records a digest of the cells it was written with), unless forced.

Reading solutions and writing JSON only: no torch here.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from d2lkit.i18n import pick, t
from d2lkit.paths import content_dir
from d2lkit.authoring.stubs import BEGIN, END

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# notebooks exported before d2lkit graded outside the kernel hid their `check` call in this region
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
METADATA_KEY = "d2lkit"  # notebook metadata: {"version", "cells_sha256"} of the export


def grade_id(*parts: str) -> str:
    """nbgrader grade ids: letters, digits, `_` and `-` only."""
    return "-".join(re.sub(r"[^A-Za-z0-9_]+", "_", p) for p in parts)


def self_check_call(ex) -> str:
    """The test cell's last line: the learner's self-check, silent when it passes."""
    return f'check("{ex.id}", {", ".join(ex.functions)}, quiet=True);'


def cell_points(ex, stretch: str | None = None) -> int:
    """A test cell's points in nbgrader: its share of the maximum under the course's stretch rule
    (`grading.results.score`). By default a stretch exercise is extra credit: its cell is worth 0
    and its points, when it passes, are the grade's extra credit."""
    from d2lkit.grading.results import score

    return score(ex.stretch, ex.points, ex.points, stretch).max_points


# ------------------------------------------------------------------------------ cells
def _meta(gid: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    nb = {"grade": grade, "grade_id": gid, "locked": locked, "schema_version": 3,
          "solution": solution, "task": False}
    if grade:
        nb["points"] = points
    meta = {"nbgrader": nb}
    if locked:
        meta.update({"deletable": False, "editable": False})
    return meta


def markdown(source: str, gid: str) -> dict:
    return {"cell_type": "markdown", "id": gid, "metadata": _meta(gid, locked=True),
            "source": source}


def code(source: str, gid: str, **flags) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": gid,
            "metadata": _meta(gid, **flags), "outputs": [], "source": source}


def notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "metadata": {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}},
        "nbformat": 4, "nbformat_minor": 5}


# ------------------------------------------------------------------------------ the module
@dataclass
class Module:
    """A solution module cut into top-level pieces."""
    docstring: str
    given: list[str] = field(default_factory=list)  # imports and code given to the learner
    defs: dict[str, str] = field(default_factory=dict)  # name -> source (markers kept)
    siblings: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # relative imports


def read_module(chapter_dir: str, topic: str) -> Module:
    path = content_dir("solutions") / chapter_dir / f"{topic}.py"
    source = path.read_text("utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    mod = Module(ast.get_docstring(tree) or "")
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                              ast.Constant):
        body = body[1:]
    starts = [min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])])
              for n in body] + [len(lines) + 1]
    for i, node in enumerate(body):
        first = starts[i]
        end = node.end_lineno
        # the closing `### END SOLUTION` comment sits after the last statement: keep it
        for j in range(node.end_lineno, starts[i + 1] - 1):
            if lines[j].strip() == END:
                end = j + 1
            elif lines[j].strip() and not lines[j].lstrip().startswith("#"):
                break
        text = "".join(lines[first - 1:end]).rstrip() + "\n"
        if isinstance(node, ast.ImportFrom) and node.level:
            mod.siblings.append((node.module or "", tuple(a.name for a in node.names)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            mod.defs[node.name] = text
        else:
            mod.given.append(text)
    return mod


def _signature(def_source: str) -> tuple[str, list[str]] | None:
    """('def f(x, p=2.0)', ['x', 'p']) for a function; None for a class."""
    node = ast.parse(def_source).body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            return f"class {node.name}({bases})" if bases else f"class {node.name}", []
        return None
    a = node.args
    names = [x.arg for x in (*a.posonlyargs, *a.args)]
    names += [f"*{a.vararg.arg}"] if a.vararg else []
    names += [x.arg for x in a.kwonlyargs]
    names += [f"**{a.kwarg.arg}"] if a.kwarg else []
    header = f"def {node.name}({ast.unparse(a)})"
    if node.returns is not None:
        header += f" -> {ast.unparse(node.returns)}"
    return header, [n.lstrip("*") for n in names]


def _strip_docstring_markers(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines())


# ------------------------------------------------------------------------------ notebooks
def topic_notebook(topic: str, exercises: list, catalogue, lang: str = "en",
                   stretch: str | None = None) -> dict:
    """The nbgrader source notebook (with solutions and hidden tests) of one topic."""
    first = exercises[0]
    chapter_dir = Path(first.relpath).parent.name
    mod = read_module(chapter_dir, topic)
    chapter = catalogue.chapter_of(first)
    langs = (lang, "zh" if lang == "en" else "en")
    cells: list[dict] = []

    head = [f"# {chapter.id} · `{topic}` — " + " / ".join(pick(chapter.title, l) for l in langs)]
    if mod.docstring:
        head.append(_strip_docstring_markers(mod.docstring))
    head.append("\n\n".join(t("instructor.nb-how", l) for l in langs))
    cells.append(markdown("\n\n".join(head), grade_id(topic, "intro")))

    given: list[str] = []
    for sib_topic, _ in _sibling_chain(chapter_dir, mod):
        given += [g for g in read_module(chapter_dir, sib_topic).given if g not in given]
    given += [g for g in mod.given if g not in given]
    setup = ["# " + t("instructor.nb-setup", lang),
             "from d2lkit.instructor.nbsupport import notebook_setup",
             "notebook_setup()",
             *[g.rstrip("\n") for g in given]]
    cells.append(code("\n".join(setup), grade_id(topic, "setup"), locked=True))

    # sibling topics this module builds on (the book builds MultiHeadAttention on
    # DotProductAttention): the learner's own code from that notebook goes here
    for sib_topic, names in _sibling_chain(chapter_dir, mod):
        sib = read_module(chapter_dir, sib_topic)
        note = " / ".join(t("instructor.nb-sibling", l, topic=sib_topic, names=", ".join(names))
                          for l in langs)
        cells.append(markdown(f"**{note}**", grade_id(topic, "from", sib_topic, "intro")))
        body = "\n\n".join(s.rstrip("\n") for s in sib.defs.values())
        cells.append(code(body, grade_id(topic, "from", sib_topic), solution=True))

    used: set[str] = set()
    for ex in exercises:
        used.update(ex.functions)
        cells.extend(_exercise_cells(ex, mod, chapter, langs, stretch))
    # top-level definitions no included exercise names: given code, or learner work (markers)
    for name, src in mod.defs.items():
        if name in used or _belongs_elsewhere(name, topic, catalogue):
            continue
        if BEGIN in src:
            cells.append(code(src.rstrip("\n"), grade_id(topic, name, "helper"), solution=True))
        else:
            cells[1]["source"] += "\n\n\n" + src.rstrip("\n")
    return notebook(cells)


def _belongs_elsewhere(name: str, topic: str, catalogue) -> bool:
    return any(name in ex.functions for ex in catalogue.exercises if ex.topic == topic)


def _sibling_chain(chapter_dir: str, mod: Module) -> list[tuple[str, tuple[str, ...]]]:
    """Relative imports, deepest first (transformer -> multihead -> attention_scoring)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for sib_topic, names in mod.siblings:
        for item in _sibling_chain(chapter_dir, read_module(chapter_dir, sib_topic)):
            if item[0] not in [o[0] for o in out]:
                out.append(item)
        if sib_topic not in [o[0] for o in out]:
            out.append((sib_topic, names))
    return out


def _exercise_cells(ex, mod: Module, chapter, langs, stretch: str | None = None) -> list[dict]:
    lang = langs[0]
    sigs = {name: _signature(mod.defs[name]) for name in ex.functions if name in mod.defs}
    intro = []
    for l in langs:
        title = pick(ex.title, l)
        section = chapter.section_title(ex.section, l)
        extra = f" *({t('instructor.nb-stretch', l)})*" if ex.stretch else ""
        heading = f"## {ex.section} {title}" if l == lang else f"**{ex.section} {title}**"
        intro.append(heading + f"{extra}\n\n" +
                     t("instructor.nb-exercise", l, section=f"{ex.section} {section}",
                       id=ex.id, points=ex.points, names=", ".join(f"`{n}`" for n in ex.functions)))
    sig_lines = "\n".join(s[0] for s in sigs.values() if s)
    if sig_lines:
        intro.append(f"```python\n{sig_lines}\n```")
    cells = [markdown("\n\n".join(intro), grade_id(ex.id, "intro"))]

    solution = "\n\n".join(mod.defs[n].rstrip("\n") for n in ex.functions if n in mod.defs)
    cells.append(code(solution, grade_id(ex.id, "solution"), solution=True))

    visible = [f"# {ex.id} ({ex.points} pt) — " + t("instructor.nb-test", lang),
               "from d2lkit.grader import check",
               "import inspect"]
    for name in ex.functions:
        visible.append(f"assert callable({name}), {json.dumps(t('instructor.nb-define', lang, name=name), ensure_ascii=False)}")
        sig = sigs.get(name)
        if sig and sig[1]:
            msg = t("instructor.nb-signature", lang, signature=sig[0])
            visible.append(f"assert [p for p in inspect.signature({name}).parameters] == "
                           f"{sig[1]!r}, {json.dumps(msg, ensure_ascii=False)}")
    source = "\n".join(visible + [self_check_call(ex)])
    cells.append(code(source, grade_id(ex.id, "test"), grade=True, locked=True,
                      points=cell_points(ex, stretch)))
    return cells


def cells_digest(nb: dict) -> str:
    """What an instructor may edit in a notebook, hashed: each cell's type, source and nbgrader
    metadata (outputs and other metadata are not an edit)."""
    parts = []
    for cell in nb.get("cells") or []:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        parts.append([cell.get("cell_type"), source,
                      (cell.get("metadata") or {}).get("nbgrader")])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()
                          ).hexdigest()


class EditedNotebooks(Exception):
    """`export` would overwrite source notebooks that were edited since they were written."""

    def __init__(self, paths: list[Path]):
        super().__init__(", ".join(map(str, paths)))
        self.paths = paths


def _edited(path: Path, new: dict) -> bool:
    """An existing source notebook that differs from `new` in its cells and was changed since
    d2lkit wrote it (or was not written by d2lkit, or cannot be read)."""
    try:
        old = json.loads(path.read_text("utf-8"))
        digest = cells_digest(old)
    except (OSError, ValueError, AttributeError, TypeError):
        return True
    if digest == cells_digest(new):
        return False
    recorded = ((old.get("metadata") or {}).get(METADATA_KEY) or {}).get("cells_sha256")
    return recorded != digest


def export(exercises: list, catalogue, course_dir: Path, assignment: str,
           lang: str = "en", force: bool = False, stretch: str | None = None) -> list[Path]:
    """Write `source/<assignment>/<topic>.ipynb` for each topic, in curriculum order. Raises
    `EditedNotebooks` (writing nothing) when a notebook it would replace was edited since it was
    written, unless `force`."""
    from d2lkit import __version__

    by_topic: dict[str, list] = {}
    for ex in exercises:
        by_topic.setdefault(ex.topic, []).append(ex)
    out_dir = Path(course_dir) / "source" / assignment
    planned = []
    for topic, exs in by_topic.items():
        if topic == "quiz":  # questions and answer cells, no code (d2lkit.quiz.notebook)
            from d2lkit.quiz.notebook import quiz_notebook

            nb = quiz_notebook(exs, catalogue, lang, stretch)
        else:
            nb = topic_notebook(topic, exs, catalogue, lang, stretch)
        nb["metadata"][METADATA_KEY] = {"version": __version__, "cells_sha256": cells_digest(nb)}
        planned.append((out_dir / f"{topic}.ipynb", nb))
    edited = [path for path, nb in planned if path.exists() and _edited(path, nb)]
    if edited and not force:
        raise EditedNotebooks(edited)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, nb in planned:
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", "utf-8")
        written.append(path)
    return written


def assignment_name(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", target).strip("_") or "d2l"


__all__ = ["export", "topic_notebook", "self_check_call", "grade_id", "assignment_name",
           "cell_points", "cells_digest", "EditedNotebooks", "HIDDEN_BEGIN", "HIDDEN_END", "END"]
