"""A training run as a picture in the terminal: the learner's curve over the reference's, one
sparkline each, on one shared scale, so that a curve that leaves the reference's shows where.

At most two curves per exercise (the loss, then an accuracy): a heading and two lines each, six
lines in all. A value that is not finite gets a mark of its own (NaN ×, inf ↑, -inf ↓) and the
line says where it started: a run that diverged is the one a learner most needs to see.
Plain text (`--plain`, a pipe) draws with ASCII only. No torch, no matplotlib here.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.text import Text

from d2lkit.grading.series import number
from d2lkit.i18n import t

BLOCKS = "▁▂▃▄▅▆▇█"
ASCII = "_.:-=+*#"
MARKS = {"nan": ("×", "x"), "inf": ("↑", "^"), "-inf": ("↓", "v")}
MAX_CURVES = 2


def sparkline(values: list, lo: float, hi: float, ascii: bool = False) -> str:
    """One character per value, its height on the scale lo … hi (a flat scale: the middle)."""
    glyphs = ASCII if ascii else BLOCKS
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(MARKS[v][ascii])
            continue
        if hi - lo <= 1e-12 * max(abs(hi), abs(lo), 1.0):
            level = len(glyphs) // 2 - 1
        else:
            level = round((v - lo) / (hi - lo) * (len(glyphs) - 1))
        out.append(glyphs[min(max(level, 0), len(glyphs) - 1)])
    return "".join(out)


def fmt(x: float) -> str:
    return f"{x:.4g}"


def curves_to_show(series: list[dict]) -> list[dict]:
    """The line series a terminal shows: the loss (or perplexity), then one accuracy (the test
    accuracy when there is one: it is what a target is about)."""
    lines = [s for s in series if s["kind"] == "line"]
    order = ("loss", "perplexity", "test-accuracy", "train-accuracy")
    lines.sort(key=lambda s: order.index(s["what"]) if s["what"] in order else len(order))
    out, accuracy = [], False
    for s in lines:
        is_accuracy = s["what"].endswith("accuracy")
        if is_accuracy and accuracy:
            continue
        accuracy |= is_accuracy
        out.append(s)
    return out[:MAX_CURVES]


def _stats(values: list, x: str, lang: str, ascii: bool) -> str:
    finite = [v for v in values if not isinstance(v, str)]
    parts = []
    if finite:
        arrow = "->" if ascii else "→"
        parts.append(f"{fmt(finite[0])} {arrow} {fmt(finite[-1])}  "
                     + t("chart.range", lang, min=fmt(min(finite)), max=fmt(max(finite))))
    bad = next((i for i, v in enumerate(values) if isinstance(v, str)), None)
    if bad is not None:
        word = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[values[bad]]
        parts.append(t("chart.nonfinite", lang, value=word, x=t(f"chart.x-{x}", lang), at=bad + 1))
    return "  ".join(parts)


def chart(exercise_id: str, series: list[dict], lang: str, ascii: bool = False) -> list[Text]:
    """The lines that draw an exercise's curves (none when it has no line series)."""
    shown = curves_to_show(series)
    if not shown:
        return []
    who = [t("chart.you", lang), t("chart.reference", lang)]
    width = max(cell_len(w) for w in who)
    out = []
    for i, s in enumerate(shown):
        title = t("chart.title", lang, what=t(f"chart.{s['what']}", lang),
                  x=t(f"chart.x-{s['x']}", lang))
        head = Text()
        if i == 0:
            head.append(exercise_id, style="cyan").append("  ")
        else:
            head.append(" " * 2)
        head.append(title, style="bold")
        out.append(head)
        finite = [number(v) for v in s["learner"] + s["reference"] if not isinstance(v, str)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 0.0)
        for name, values, style in ((who[0], s["learner"], "yellow"),
                                    (who[1], s["reference"], "green")):
            line = Text("  " + name + " " * (width - cell_len(name) + 2))
            line.append(sparkline(values, lo, hi, ascii), style=None if ascii else style)
            line.append("  " + _stats(values, s["x"], lang, ascii), style=None if ascii else "dim")
            out.append(line)
    return out


def heatmap_text(matrix: list, ascii: bool = False) -> list[str]:
    """A matrix as rows of shade characters (darker is larger), on its own scale: the notebook's
    text fallback when matplotlib is missing."""
    shades = " .:-=+*#" if ascii else " ░▒▓█"
    cells = [number(v) for row in matrix for v in row]
    finite = [v for v in cells if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    out = []
    for row in matrix:
        chars = []
        for v in row:
            if isinstance(v, str):
                chars.append(MARKS[v][ascii] * 2)
                continue
            level = 0 if hi - lo <= 0 else round((v - lo) / (hi - lo) * (len(shades) - 1))
            chars.append(shades[level] * 2)
        out.append("".join(chars))
    return out
