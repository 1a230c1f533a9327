"""The learner notebook `d2lkit notebook ch3` writes (nbformat 4.5, as plain JSON: no nbformat,
IPython or torch needed to write it).

Cells, in curriculum order:

  - an introduction: the chapter, and how the graded cells work;
  - `%load_ext d2lkit`;
  - per topic module, before its first exercise: its imports and the code the kit provides
    (helpers such as `_pair`), to run once; a name the module imports from another topic of the
    chapter is a comment saying which exercise defines it;
  - per exercise: a Markdown introduction in the chosen language (section, title, points, what
    to implement — the stub's docstring in that language — and what a from-scratch exercise may
    not use, from the catalogue), then ONE code cell: `%%d2lkit <id>` on its first line and the
    stub's definitions below it, exactly as in a workspace file. Running that cell grades it (the
    check sits in the cell it checks, so it cannot be skipped, run out of order, or run against
    a stale definition), then defines it in the kernel for later cells;
  - a closing cell: where to see progress and what comes next.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tempfile
import zlib
from pathlib import Path

from d2lkit import __version__
from d2lkit.i18n import pick, t
from d2lkit.paths import content_dir

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>|$#])")


def _cell_id(text: str) -> str:
    """A cell id nbformat accepts (1-64 of [A-Za-z0-9_-]), unique for distinct texts."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "cell"
    if len(clean) > 64:
        clean = f"{clean[:55]}-{zlib.crc32(text.encode()):08x}"
    return clean


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def markdown(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id(cell_id), "metadata": {},
            "source": _lines(text)}


def code(text: str, cell_id: str, **metadata) -> dict:
    return {"cell_type": "code", "id": _cell_id(cell_id), "metadata": metadata,
            "execution_count": None, "outputs": [], "source": _lines(text)}


def md_escape(text: str) -> str:
    """Text for Markdown, code spans kept: `*`, `_`, `$` (MathJax), `<` and the like escaped."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1
                   else MARKDOWN_SPECIAL.sub(r"\\\1", p) for p in parts)


def docstring_in(doc: str, lang: str, forbid=()) -> str:
    """The paragraphs of a bilingual stub docstring in one language (English paragraphs have no
    CJK characters); all of it when that language has none. A paragraph listing the forbidden
    names is left out: the introduction lists them from the catalogue, in its language."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", doc.strip()) if p.strip()]
    if forbid:
        paragraphs = [p for p in paragraphs if not all(f in p for f in forbid)]
    mine = [p for p in paragraphs if bool(CJK.search(p)) == (lang == "zh")]
    return "\n\n".join(mine or paragraphs)


def _stub(relpath: str) -> tuple[str, ast.Module]:
    source = (content_dir("exercises") / relpath).read_text("utf-8")
    return source, ast.parse(source)


def _segment(source: str, node) -> str:
    lines = source.splitlines(keepends=True)
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "".join(lines[first - 1:node.end_lineno]).rstrip() + "\n"


def _definitions(source: str, tree: ast.Module, names) -> dict[str, ast.AST]:
    return {n.name: n for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.name in names}


def _setup_cell(topic_relpath: str, in_notebook: dict[str, object], catalogue, lang: str) -> str:
    """A topic module's imports and provided code (everything but its exercises' stubs)."""
    source, tree = _stub(topic_relpath)
    exercise_names = {n for ex in catalogue.exercises if ex.relpath == topic_relpath
                      for n in ex.functions}
    chapter = topic_relpath.split("/")[0]
    out = [f"# {t('jupyter.nb-setup', lang, file=topic_relpath)}\n"]
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module's docstring
        if isinstance(node, ast.ImportFrom) and node.level:
            names = [a.asname or a.name for a in node.names]
            sibling = f"{chapter}/{(node.module or '').split('.')[0]}.py"
            owner = next((ex for ex in catalogue.exercises if ex.relpath == sibling
                          and set(names) & set(ex.functions)), None)
            if owner is not None and owner.id in in_notebook:
                out.append(f"# {t('jupyter.nb-from-earlier', lang, names=', '.join(names), id=owner.id)}\n")
            else:
                out.append(f"# {t('jupyter.nb-from-file', lang, names=', '.join(names), file=sibling)}\n")
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name in exercise_names:
            continue
        text = _segment(source, node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            text = "\n\n" + text
        out.append(text)
    return "".join(out).rstrip() + "\n"


def _introduction(ex, catalogue, definitions, lang: str) -> str:
    chapter = catalogue.chapter_of(ex)
    section = f"{ex.section} {chapter.section_title(ex.section, lang)}".strip()
    parts = [f"## {ex.section} {md_escape(pick(ex.title, lang))}"]
    if ex.stretch:
        parts.append(f"*{t('jupyter.nb-stretch', lang)}*")
    parts.append(t("jupyter.nb-exercise", lang, section=md_escape(section), id=ex.id,
                   points=ex.points))
    for name in ex.functions:
        node = definitions.get(name)
        doc = ast.get_docstring(node) if node is not None else None
        if not doc:
            continue
        text = docstring_in(doc.replace("``", "`"), lang, ex.forbid)
        parts.append(f"**{t('jupyter.nb-what', lang, name=f'`{name}`')}**\n\n{md_escape(text)}")
    if ex.forbid:
        separator = "、" if lang == "zh" else ", "
        parts.append(md_escape(t("jupyter.nb-forbidden", lang,
                                 names=separator.join(f"`{f}`" for f in ex.forbid))))
    return "\n\n".join(parts) + "\n"


def title_of(exercises, catalogue, target: str, lang: str) -> str:
    chapters = {ex.chapter for ex in exercises}
    if len(chapters) == 1:
        chapter = catalogue.chapter_by_number[next(iter(chapters))]
        title = f"{chapter.id} {pick(chapter.title, lang)}"
        whole = [ex for ex in chapter.exercises if not ex.is_quiz]
        return title if list(exercises) == whole else f"{title} ({target})"
    return target


def build(exercises, catalogue, lang: str, target: str) -> dict:
    """The notebook, as the dict nbformat 4.5 writes."""
    exercises = [ex for ex in exercises if not ex.is_quiz]  # quizzes: `d2lkit quiz`, not cells
    cells = [markdown(f"# {t('jupyter.nb-title', lang, title=md_escape(title_of(exercises, catalogue, target, lang)))}\n\n"
                      + t("jupyter.nb-how", lang) + "\n", "introduction"),
             code("%load_ext d2lkit\n", "load-d2lkit")]
    seen_topics: set[str] = set()
    in_notebook: dict[str, object] = {}
    for ex in exercises:
        source, tree = _stub(ex.relpath)
        if ex.relpath not in seen_topics:
            seen_topics.add(ex.relpath)
            cells.append(code(_setup_cell(ex.relpath, in_notebook, catalogue, lang),
                              f"setup-{ex.relpath}"))
        definitions = _definitions(source, tree, ex.functions)
        cells.append(markdown(_introduction(ex, catalogue, definitions, lang), f"{ex.id}-about"))
        body = "\n\n".join(_segment(source, definitions[n]).rstrip("\n")
                           for n in ex.functions if n in definitions)
        cells.append(code(f"%%d2lkit {ex.id}\n{body}\n", ex.id, d2lkit={"exercise": ex.id}))
        in_notebook[ex.id] = ex
    cells.append(markdown(t("jupyter.nb-end", lang) + "\n", "next"))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "d2lkit": {"version": __version__, "lang": lang, "target": target,
                       "exercises": [ex.id for ex in exercises]},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def default_path(targets, exercises, catalogue) -> Path:
    """`ch3.ipynb` for a whole chapter, else the targets, made into a file name."""
    chapters = {ex.chapter for ex in exercises}
    if len(chapters) == 1:
        chapter = catalogue.chapter_by_number[next(iter(chapters))]
        if list(exercises) == list(chapter.exercises):
            return Path(f"{chapter.id}.ipynb")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(targets)).strip("._") or "d2lkit"
    return Path(f"{name}.ipynb")


def write(nb: dict, path: Path, *, force: bool = False):
    """Write atomically: the whole notebook or nothing. Without `force`, an existing file is
    never replaced (FileExistsError), even one that appears while this runs."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(str(path))
    if not force and (path.exists() or path.is_symlink()):
        raise FileExistsError(str(path))
    text = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if force:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # fails if the name exists: no window in which to overwrite
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if path.exists() or path.is_symlink():
                raise FileExistsError(str(path)) from None
            os.replace(tmp, path)
            return
        os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
