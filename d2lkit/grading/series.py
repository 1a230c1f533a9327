"""Pictures as plain data: a training run's curve, or an attention matrix, of the learner's run next
to the reference's, attached to a check's result (`CheckResult.series`) for the terminal's chart
(d2lkit.output.charts) and the notebook's figure (d2lkit.jupyter.report). No torch here.

Two kinds, each a small dict of JSON values:

    {"kind": "line", "what": "loss", "x": "step", "learner": [...], "reference": [...]}
    {"kind": "heatmap", "what": "attention", "learner": [[...], ...], "reference": [[...], ...]}

A value is a float, or "nan" / "inf" / "-inf" for the values JSON has no word for (a learner's
run that diverged must still show). `what` and `x` come from fixed vocabularies (their words are
locale keys, `chart.<what>`). The learner's numbers come out of the sandbox child, so `clean`
treats every series as untrusted: it accepts only these shapes and types, at most MAX_POINTS
points per line (longer runs are downsampled, absurdly long ones refused) and MAX_SIDE × MAX_SIDE
cells per matrix (cropped), and anything else — another type, a nested object, a subclass with
behaviour of its own — makes it drop the series, never raise.
"""

from __future__ import annotations

import math

MAX_POINTS = 60  # per line, after downsampling
MAX_INPUT = 10_000  # points a line may arrive with before it is refused outright
MAX_SIDE = 32  # rows and columns of a matrix
MAX_SERIES = 8  # per check
LINE_WHATS = ("loss", "train-accuracy", "test-accuracy", "perplexity")
HEATMAP_WHATS = ("attention",)
XS = ("step", "epoch")
NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def value(x) -> float | str | None:
    """A number as it travels (a float, or "nan"/"inf"/"-inf"); None when x is not a number.
    Only exact int and float count: a bool, a subclass or a string that merely looks numeric
    does not."""
    if type(x) is int:
        x = float(x) if abs(x) < 2 ** 1023 else (math.inf if x > 0 else -math.inf)
    elif type(x) is str and x in NONFINITE:
        return x
    elif type(x) is not float:
        return None
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def number(v) -> float:
    """A value of a clean series as a float (NaN and inf included)."""
    return NONFINITE[v] if isinstance(v, str) else float(v)


def downsample(values: list, limit: int = MAX_POINTS) -> list:
    """At most `limit` of `values`, evenly spread, the first and the last always kept."""
    n = len(values)
    if n <= limit:
        return list(values)
    return [values[round(i * (n - 1) / (limit - 1))] for i in range(limit)]


def _line_values(raw) -> list | None:
    if type(raw) not in (list, tuple) or len(raw) > MAX_INPUT:
        return None
    out = [value(x) for x in raw]
    return None if any(v is None for v in out) else downsample(out)


def _matrix(raw) -> list | None:
    if type(raw) not in (list, tuple) or not raw or len(raw) > 10 * MAX_SIDE:
        return None
    rows = []
    for row in raw[:MAX_SIDE]:
        if type(row) not in (list, tuple) or not row or len(row) > 10 * MAX_SIDE:
            return None
        cells = [value(x) for x in row[:MAX_SIDE]]
        if any(v is None for v in cells):
            return None
        rows.append(cells)
    width = len(rows[0])
    return rows if all(len(r) == width for r in rows) else None


def clean(series) -> dict | None:
    """`series` as a valid series of one of the two kinds, or None when it is not one."""
    if type(series) is not dict:
        return None
    kind = series.get("kind")
    if kind == "line":
        if series.get("what") not in LINE_WHATS or series.get("x") not in XS:
            return None
        learner = _line_values(series.get("learner"))
        reference = _line_values(series.get("reference"))
        if learner is None or reference is None or not (learner or reference):
            return None
        return {"kind": "line", "what": series["what"], "x": series["x"], "learner": learner,
                "reference": reference}
    if kind == "heatmap":
        if series.get("what") not in HEATMAP_WHATS:
            return None
        learner, reference = _matrix(series.get("learner")), _matrix(series.get("reference"))
        if learner is None or reference is None:
            return None
        return {"kind": "heatmap", "what": series["what"], "learner": learner,
                "reference": reference}
    return None


def clean_all(items) -> list[dict]:
    """The valid series among `items` (at most MAX_SERIES of them); anything else is dropped."""
    if type(items) not in (list, tuple):
        return []
    out = []
    for s in items[:MAX_SERIES]:
        c = clean(s)
        if c is not None:
            out.append(c)
    return out


def line(what: str, learner, reference, x: str = "step") -> dict | None:
    """A line series, cleaned (None when the learner's values are not a list of numbers)."""
    return clean({"kind": "line", "what": what, "x": x, "learner": learner,
                  "reference": reference})


def heatmap(learner, reference, what: str = "attention") -> dict | None:
    """A heatmap series (matrices as nested lists), cleaned."""
    return clean({"kind": "heatmap", "what": what, "learner": learner, "reference": reference})
