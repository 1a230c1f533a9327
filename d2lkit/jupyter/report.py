"""A grading result as a notebook shows it: HTML (no JavaScript: the hints and the details fold
away in `<details>` elements, which every notebook front end renders) and the same report as
plain text for front ends that show no HTML (a terminal IPython).

The wording is `d2lkit.output.messages`' (the failing check, what is wrong, the likely mistake
and its hint, the other failing checks), as in `d2lkit check`; this module only lays it out.
No torch here.

A result with pictures (`grading.series`) gets a matplotlib figure, embedded as a PNG: a training
exercise's loss and accuracy, the learner's next to the reference's; an attention exercise's
weights as two heatmaps, the learner's and the expected ones, as the book's `show_heatmaps`
draws them. matplotlib is imported here only when there is something to draw; without it the
pictures are drawn as text, and the report says so once per kernel.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

from d2lkit.grading.protocol import Status
from d2lkit.i18n import pick, t
from d2lkit.output.messages import (detail_text, error_hint, failure_lines, mistake_hint,
                                    status_label)

COLORS = {"green": "#2e7d32", "red": "#c62828", "yellow": "#a67c00", "magenta": "#8e24aa",
          "bright_red": "#d32f2f"}
OUTPUT_SHOWN = 4000  # characters of the code's printed output shown


@dataclass
class Report:
    """What `display()` shows: HTML in a notebook, the text elsewhere."""
    html: str
    text: str
    status: Status

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _where_lines(result, lang: str) -> list[str]:
    """A syntax error's caret, or the learner's own stack frames (as `relabel` told them)."""
    params = result.detail.params if result.detail else {}
    out = []
    if result.detail is not None and result.detail.key == "syntax":
        col = max(int(params.get("col") or 1), 1)
        out += [t("jupyter.where-line", lang, where=params.get("file", ""), line=params.get("line")),
                f"    {params.get('text') or ''}", "    " + " " * (col - 1) + "^"]
    frames = params.get("frames") or (params.get("error") or {}).get("frames") or []
    if frames:
        out.append(t("report.learner-frames", lang))
        for f in frames[-4:]:
            out.append("  " + t("jupyter.frame", lang, where=f.get("file", ""), line=f.get("line"),
                                function=f.get("function", "")))
            if f.get("code"):
                out.append(f"      {f['code']}")
    return out


def _hint_text(result, ex, lang: str) -> str:
    if result.mistake:
        return mistake_hint(ex, result.mistake, lang)
    return error_hint(result.detail, lang)


def render(result, ex, lang: str, *, replay: str = "", notes=(), seconds: float | None = None
           ) -> Report:
    """The report of one exercise's result. `replay` is the command that replays a failure's
    inputs; `notes` are short sentences about this grading (what was sent, where it was
    recorded)."""
    status = result.status
    color = COLORS.get(status.style, "#555")
    title = pick(ex.title, lang) if ex is not None else ""
    points = t("jupyter.points", lang, points=result.points, max_points=result.max_points)
    head_bits = [f"{status.icon} {status_label(status, lang)}", result.id]
    if title:
        head_bits.append(f"{result.section} {title}")
    head_bits.append(points)
    if seconds is not None:
        head_bits.append(t("jupyter.seconds", lang, seconds=seconds))
    text = [" · ".join(head_bits)]
    h = [f'<div class="d2lkit-report" style="border-left:4px solid {color};'
         f'padding:0.3em 0.8em;margin:0.3em 0">',
         f'<div><strong style="color:{color}">{_e(status.icon)} {_e(status_label(status, lang))}'
         f'</strong> · <code>{_e(result.id)}</code>'
         + (f" · {_e(result.section)} {_e(title)}" if title else "")
         + f" · {_e(points)}"
         + (f" · {_e(t('jupyter.seconds', lang, seconds=seconds))}" if seconds is not None else "")
         + (f" · {_e(t('report.stretch', lang))}" if result.stretch else "")
         + "</div>"]

    not_started = status is Status.NOT_IMPLEMENTED and not any(c.passed for c in result.checks)
    if not_started:
        line = t("jupyter.not-started", lang)
        text.append(line)
        h.append(f'<div style="color:{COLORS["yellow"]}">{_e(line)}</div>')
    elif not result.passed:
        lines = failure_lines(result, ex, lang)
        where = _where_lines(result, lang)
        params = result.detail.params if result.detail else {}
        also = [line.text for line in lines if line.kind == "also"]
        for line in lines:
            if line.kind == "also":
                continue
            if line.kind == "hint":
                hint = _hint_text(result, ex, lang)
                text.append(line.text)
                h.append(f"<details><summary>{_e(t('report.hint', lang))}</summary>"
                         f"<div>{_e(hint)}</div></details>")
                continue
            text.append(line.text)
            if line.kind == "check":
                h.append(f"<div><strong>{_e(line.text)}</strong></div>")
            elif line.kind == "problem":
                h.append(f'<div style="color:{COLORS["red"]}">{_e(line.text)}</div>')
                if params.get("got") is not None or params.get("expected") is not None:
                    h.append(_got_expected(params, lang))
                if where:
                    text += where
                    h.append(f'<pre style="margin:0.3em 0">{_e(chr(10).join(where))}</pre>')
                    where = []
            else:  # the likely mistake
                h.append(f"<div><strong>{_e(line.text)}</strong></div>")
        if where:
            text += where
            h.append(f'<pre style="margin:0.3em 0">{_e(chr(10).join(where))}</pre>')
        if also:
            text += also
            h.append(f"<div>{_e(also[0])}</div><ul style=\"margin:0.2em 0\">"
                     + "".join(f"<li>{_e(a.strip())}</li>" for a in also[1:]) + "</ul>")

    for w in result.warnings:
        line = f"⚠ {detail_text(w, lang)}"
        text.append(line)
        h.append(f'<div style="color:{COLORS["yellow"]}">{_e(line)}</div>')

    if result.series:
        pictures_html, pictures_text = pictures(result, lang)
        h += pictures_html
        text += pictures_text

    if not result.passed and ex is not None and ex.hints:
        # each level folded inside the one before: read in order, one click at a time
        count = len(ex.hints)
        text.append(t("report.next-hint", lang, id=result.id))
        nested = ""
        for i, hint in reversed(list(enumerate(ex.hints, 1))):
            nested = (f"<details><summary>{_e(t('jupyter.hint-level', lang, level=i, count=count))}"
                      f"</summary><div>{_e(pick(hint, lang))}</div>{nested}</details>")
        h.append(f"<div>{nested}</div>")

    output = "".join(c.output for c in result.checks if c.output)
    if output and not result.passed:
        shown = output[-OUTPUT_SHOWN:]
        h.append(f"<details><summary>{_e(t('report.output', lang))}</summary>"
                 f"<pre>{_e(shown)}</pre></details>")

    if result.checks:
        passed = sum(c.passed for c in result.checks)
        summary = t("jupyter.checks", lang, passed=passed, total=len(result.checks))
        h.append(f"<details><summary>{_e(summary)}</summary><ul style=\"margin:0.2em 0\">"
                 + "".join(f"<li>{_e(c.status.icon)} {_e(pick(c.title, lang))} "
                           f"<code>{_e(c.name)}</code></li>" for c in result.checks)
                 + "</ul></details>")

    if replay and status is Status.FAILED:
        text.append(replay)
        h.append(f'<div style="opacity:0.75"><small>{_e(replay)}</small></div>')
    for note in notes:
        text.append(note)
        h.append(f'<div style="opacity:0.75"><small>{_e(note)}</small></div>')
    h.append("</div>")
    return Report("".join(h), "\n".join(text), status)


# ------------------------------------------------------------------------------ pictures
_TOLD_NO_MATPLOTLIB = []  # said once per kernel: a missing matplotlib is not news twice


def _matplotlib():
    """matplotlib's Figure class, or None when it is not installed. Imported here, on the first
    picture: a notebook that draws none, and every command line path, never pays for it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def _plotted(values: list) -> tuple[list[float], int | None]:
    """A clean series' values as floats matplotlib draws (a value that is not finite becomes a
    gap), and the index of the first such value."""
    from d2lkit.grading.series import number

    out = [number(v) for v in values]
    bad = next((i for i, v in enumerate(out) if not math.isfinite(v)), None)
    return [v if math.isfinite(v) else math.nan for v in out], bad


def figures(series: list[dict], lang: str) -> list:
    """matplotlib figures for `series` (a result's): one of the training curves (a panel for the
    loss or perplexity, one for the accuracies), one per attention heatmap. Empty when matplotlib
    is not installed."""
    Figure = _matplotlib()
    if Figure is None:
        return []
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    font = _cjk_font() if lang == "zh" else None
    if lang == "zh" and font is None:
        lang = "en"  # no font draws Chinese here: English words rather than empty boxes
    with matplotlib.rc_context({"font.sans-serif": [font, "DejaVu Sans"]} if font else {}):
        return _figures(Figure, MaxNLocator, series, lang)


def _cjk_font() -> str | None:
    """An installed font that draws Chinese, or None."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in known), None)


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
             "Arial Unicode MS")


def _figures(Figure, MaxNLocator, series: list[dict], lang: str) -> list:
    out = []
    lines = [s for s in series if s["kind"] == "line"]
    if lines:
        panels = [[s for s in lines if not s["what"].endswith("accuracy")],
                  [s for s in lines if s["what"].endswith("accuracy")]]
        panels = [p for p in panels if p]
        fig = Figure(figsize=(3.6 * len(panels), 2.6), layout="constrained")
        for i, panel in enumerate(panels):
            ax = fig.add_subplot(1, len(panels), i + 1)
            for n, s in enumerate(panel):
                what = t(f"chart.{s['what']}", lang)
                for who, key, style in ((t("chart.you", lang), "learner", "-"),
                                        (t("chart.reference", lang), "reference", ":")):
                    ys, bad = _plotted(s[key])
                    label = f"{who}: {what}" if len(panel) > 1 else who
                    if bad is not None:
                        word = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[s[key][bad]]
                        label += " (" + t("chart.nonfinite", lang, value=word,
                                          x=t(f"chart.x-{s['x']}", lang), at=bad + 1) + ")"
                    ax.plot(range(1, len(ys) + 1), ys, style, color=f"C{n}",
                            marker="o" if key == "learner" else "x", markersize=4, label=label)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel(t(f"chart.x-{panel[0]['x']}", lang))
            ax.set_ylabel(" / ".join(dict.fromkeys(t(f"chart.{s['what']}", lang) for s in panel)))
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small")
        out.append(fig)
    for s in series:
        if s["kind"] != "heatmap":
            continue
        fig = Figure(figsize=(6.4, 2.8), layout="constrained")
        matrices = [_plotted_matrix(s["learner"]), _plotted_matrix(s["reference"])]
        finite = [v for m in matrices for row in m for v in row if math.isfinite(v)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        axes = [fig.add_subplot(1, 2, i + 1) for i in range(2)]
        from matplotlib import colormaps

        cmap = colormaps["Reds"].with_extremes(bad="grey")  # NaN and inf: grey, never white
        for ax, m, who in zip(axes, matrices, (t("chart.you", lang), t("chart.expected", lang))):
            rows, cols = len(m), len(m[0])
            # a stack of heads (24 × 5) drawn square would be a sliver: stretch it instead
            aspect = "auto" if max(rows, cols) > 3 * min(rows, cols) else "equal"
            image = ax.imshow(m, cmap=cmap, vmin=lo, vmax=hi, aspect=aspect)
            ax.set_title(who)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel(t("chart.keys", lang))
            ax.set_ylabel(t("chart.queries", lang))
        fig.colorbar(image, ax=axes, shrink=0.8)
        out.append(fig)
    return out


def _plotted_matrix(rows: list) -> list[list[float]]:
    return [_plotted(row)[0] for row in rows]


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def pictures(result, lang: str) -> tuple[list[str], list[str]]:
    """(HTML parts, text lines) showing a result's pictures: the figures as PNG images, and the
    terminal's text chart in the plain-text report; the text chart in the HTML too when
    matplotlib is missing (said once per kernel)."""
    from d2lkit.output.charts import chart, heatmap_text

    text = [line.plain for line in chart(result.id, result.series, lang)]
    for s in result.series:
        if s["kind"] == "heatmap":
            text.append(t("chart.heatmap-title", lang, what=t(f"chart.{s['what']}", lang),
                          rows=len(s["learner"]), cols=len(s["learner"][0])))
            mine, theirs = heatmap_text(s["learner"]), heatmap_text(s["reference"])
            width = max(len(r) for r in mine)
            text += [f"  {a:<{width}}   {b}" for a, b in zip(mine, theirs)]
    figs = figures(result.series, lang)
    if figs:
        heat = result.series[0]["kind"] == "heatmap"
        alt = _e(t("chart.attention" if heat else "chart.loss", lang))
        return [f'<div><img alt="{alt}" src="data:image/png;base64,{_png(f)}"/></div>'
                for f in figs], text
    parts = [f'<pre style="margin:0.3em 0">{_e(chr(10).join(text))}</pre>']
    if not _TOLD_NO_MATPLOTLIB:
        _TOLD_NO_MATPLOTLIB.append(True)
        note = t("chart.no-matplotlib", lang)
        parts.append(f'<div style="opacity:0.75"><small>{_e(note)}</small></div>')
        text = [*text, note]
    return parts, text


def _got_expected(params: dict, lang: str) -> str:
    rows = []
    for key in ("got", "expected"):
        if params.get(key) is not None:
            rows.append(f'<tr><th style="text-align:left;padding-right:1em">'
                        f"{_e(t(f'jupyter.{key}', lang))}</th>"
                        f'<td style="text-align:left"><code>{_e(params[key])}</code></td></tr>')
    return f'<table style="margin:0.3em 0">{"".join(rows)}</table>'


def failure_report(exercise_id: str, message: str, lang: str, log: str = "") -> Report:
    """The grader itself failed (not a verdict on the learner's code)."""
    status = Status.INFRASTRUCTURE
    color = COLORS.get(status.style, "#555")
    line = t("jupyter.grader-failed", lang, message=message)
    text = f"{status.icon} {status_label(status, lang)} · {exercise_id}\n{line}"
    h = (f'<div class="d2lkit-report" style="border-left:4px solid {color};padding:0.3em 0.8em">'
         f'<div><strong style="color:{color}">{_e(status.icon)} {_e(status_label(status, lang))}'
         f"</strong> · <code>{_e(exercise_id)}</code></div><div>{_e(line)}</div>")
    if log.strip():
        h += (f"<details><summary>{_e(t('jupyter.grader-log', lang))}</summary>"
              f"<pre>{_e(log[-OUTPUT_SHOWN:])}</pre></details>")
    return Report(h + "</div>", text, status)
