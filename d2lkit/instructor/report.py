"""`d2lkit report`: a class report from grading results — what to re-teach.

Input files (any mix): the JSON of `d2lkit grade --format json` (many submissions), of
`d2lkit check --json` (one learner) or of `d2lkit progress --json` (one learner's history, which
carries time to first pass). Output: the terminal view and a standalone HTML page (inline CSS and
SVG charts, no network).
"""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from d2lkit.grading.protocol import Status
from d2lkit.i18n import pick, t
from d2lkit.output.messages import mistake_hint
from d2lkit.output.terminal import duration

# the HTML page's colours (the terminal's come from Status.style)
STATUS_COLOURS = {Status.PASSED: "#2e9e44", Status.FAILED: "#d64545",
                  Status.NOT_IMPLEMENTED: "#c8c8c8", Status.ERROR: "#a64ca6",
                  Status.FORBIDDEN: "#e07b00", Status.TIMEOUT: "#6a5acd",
                  Status.CRASHED: "#444444", Status.BLOCKED: "#d4a017",
                  Status.INFRASTRUCTURE: "#8b0000"}


@dataclass
class ClassData:
    submissions: list[str] = field(default_factory=list)
    # exercise id -> submission -> status / mistake
    status: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    mistakes: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    ttfp: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    points: dict[str, tuple[int, int]] = field(default_factory=dict)
    flags: dict[str, list[dict]] = field(default_factory=dict)  # submission -> `grade` flags


class ReportInputError(ValueError):
    pass


def load(paths) -> ClassData:
    data = ClassData()
    for p in paths:
        path = Path(p)
        try:
            obj = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise ReportInputError(f"{path}: {e}") from e
        if isinstance(obj, dict) and "submissions" in obj:
            for sub in obj["submissions"]:
                name = _add(data, sub["submission"], sub.get("results", []), sub.get("summary"),
                            sub.get("learner") or {})
                if sub.get("flags"):
                    data.flags[name] = list(sub["flags"])
        elif isinstance(obj, dict) and "results" in obj and "summary" in obj:
            _add(data, path.stem, obj["results"], obj["summary"], {})
        elif isinstance(obj, dict) and "exercises" in obj:  # d2lkit progress --json: no points
            results = [{"id": e["id"], "status": e["status"], "mistake": None}
                       for e in obj["exercises"] if e["status"]]
            ttfp = {e["id"]: e["time_to_first_pass_s"] for e in obj["exercises"]
                    if e.get("time_to_first_pass_s") is not None}
            _add(data, path.stem, results, None, {"time_to_first_pass_s": ttfp})
        else:
            raise ReportInputError(f"{path}: not a d2lkit results file")
    return data


def _add(data: ClassData, name: str, results: list[dict], summary: dict | None, learner: dict):
    base, n = name, 1
    while name in data.submissions:
        n += 1
        name = f"{base}~{n}"
    data.submissions.append(name)
    for r in results:
        data.status[r["id"]][name] = r["status"]
        if r.get("mistake"):
            data.mistakes[r["id"]][name] = r["mistake"]
    if summary and summary.get("max_points"):  # the totals as graded (stretch is extra credit)
        data.points[name] = (int(summary["points"]), int(summary["max_points"]))
    for eid, seconds in (learner.get("time_to_first_pass_s") or {}).items():
        if seconds is not None:
            data.ttfp[eid].append(float(seconds))
    return name


# ------------------------------------------------------------------------------ analysis
def summary(data: ClassData, catalogue, lang: str, top: int = 10) -> dict:
    order = {ex.id: i for i, ex in enumerate(catalogue.exercises)}
    exercises = []
    for eid in sorted(data.status, key=lambda e: order.get(e, 10**6)):
        st = data.status[eid]
        ex = catalogue.by_id.get(eid)
        counts = Counter(st.values())
        graded = len(st)
        times = data.ttfp.get(eid, [])
        exercises.append({
            "id": eid, "title": pick(ex.title, lang) if ex else eid,
            "graded": graded, "passed": counts.get("passed", 0),
            "pass_rate": counts.get("passed", 0) / graded if graded else 0.0,
            "statuses": dict(counts),
            "median_time_to_first_pass_s": statistics.median(times) if times else None,
            "learners_with_time": len(times)})
    mistakes = Counter((eid, m) for eid, by in data.mistakes.items() for m in by.values())
    top_mistakes = []
    for (eid, mid), n in mistakes.most_common(top):
        hint = mistake_hint(catalogue.by_id.get(eid), mid, lang)
        top_mistakes.append({"exercise": eid, "mistake": mid, "count": n,
                             "share": n / max(len(data.status[eid]), 1), "hint": hint})
    scores = [got / topp for got, topp in data.points.values() if topp]
    return {"submissions": len(data.submissions), "exercises": exercises,
            "mistakes": top_mistakes,
            "median_score": statistics.median(scores) if scores else None,
            "flagged": {name: data.flags[name] for name in data.submissions if name in data.flags},
            "scores": {name: data.points[name] for name in data.submissions if name in data.points}}


# ------------------------------------------------------------------------------ terminal
def terminal(s: dict, lang: str, console):
    from rich import box
    from rich.table import Table

    console.print(t("instructor.report-title", lang, count=s["submissions"]), style="bold")
    if s["median_score"] is not None:
        console.print(t("instructor.median-score", lang, score=f"{100 * s['median_score']:.0f}%"))
    tab = Table(box=box.SIMPLE_HEAD, show_edge=False)
    tab.add_column(t("report.exercise", lang), style="cyan", no_wrap=True)
    tab.add_column(t("report.title", lang), max_width=24, overflow="ellipsis", no_wrap=True)
    tab.add_column(t("instructor.pass-rate", lang), justify="right")
    tab.add_column("", width=10)
    tab.add_column(t("progress.first-pass", lang), justify="right")
    for e in s["exercises"]:
        filled = round(10 * e["pass_rate"])
        colour = "green" if e["pass_rate"] >= 0.8 else "yellow" if e["pass_rate"] >= 0.5 else "red"
        tab.add_row(e["id"], e["title"], f"{e['passed']}/{e['graded']}",
                    f"[{colour}]{'█' * filled}[/][dim]{'░' * (10 - filled)}[/]",
                    duration(e["median_time_to_first_pass_s"]))
    console.print(tab)
    if s["mistakes"]:
        console.print(t("instructor.reteach", lang), style="bold")
        mt = Table(box=box.SIMPLE_HEAD, show_edge=False)
        mt.add_column("#", justify="right")
        mt.add_column(t("report.exercise", lang), style="cyan", no_wrap=True)
        mt.add_column(t("instructor.mistake", lang), style="yellow", no_wrap=True)
        mt.add_column(t("report.hint", lang))
        for e in s["mistakes"]:
            mt.add_row(str(e["count"]), e["exercise"], e["mistake"], e["hint"])
        console.print(mt)
    else:
        console.print(t("instructor.no-mistakes", lang), style="dim")
    if s.get("flagged"):
        from d2lkit.output.terminal import flag_text

        console.print(t("instructor.flagged-title", lang), style="bold magenta")
        for name, flags in s["flagged"].items():
            console.print(f"  {name}: {flag_text(flags, lang)}", markup=False, highlight=False)


# ------------------------------------------------------------------------------ HTML
def _bar_chart(rows: list[tuple[str, float, str, str]], width: int = 760, label_w: int = 260,
               bar_h: int = 22) -> str:
    """Horizontal bars: (label, fraction 0..1, text at the bar's end, colour)."""
    h = bar_h * len(rows) + 10
    span = width - label_w - 70
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" width="{width}" height="{h}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img">']
    for i, (label, frac, text, colour) in enumerate(rows):
        y = 5 + i * bar_h
        w = max(0.0, min(1.0, frac)) * span
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.68:.1f}" text-anchor="end" '
                     f'class="lbl">{html.escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{span}" height="{bar_h - 6}" '
                     f'fill="#eef0f3" rx="3"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" '
                     f'fill="{colour}" rx="3"><title>{html.escape(label)}: {html.escape(text)}'
                     f'</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.68:.1f}" class="val">'
                     f'{html.escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stacked(rows: list[tuple[str, dict[str, int]]], width: int = 760, label_w: int = 260,
             bar_h: int = 22) -> str:
    h = bar_h * len(rows) + 10
    span = width - label_w - 20
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" width="{width}" height="{h}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img">']
    for i, (label, counts) in enumerate(rows):
        y = 5 + i * bar_h
        total = sum(counts.values()) or 1
        x = float(label_w)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.68:.1f}" text-anchor="end" '
                     f'class="lbl">{html.escape(label)}</text>')
        for status, colour in STATUS_COLOURS.items():
            n = counts.get(status, 0)
            if not n:
                continue
            w = span * n / total
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" '
                         f'fill="{colour}"><title>{status}: {n}</title></rect>')
            x += w
    parts.append("</svg>")
    return "".join(parts)


CSS = """
body{font-family:-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC",
Helvetica,Arial,sans-serif;margin:2rem auto;max-width:820px;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2::first-letter{text-transform:uppercase}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #d0d7de;padding-bottom:.3rem}.muted{color:#656d76}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #eaeef2;vertical-align:top}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{background:#f6f8fa;padding:0 .25rem;
border-radius:3px}.chart .lbl{font-size:12px;fill:#1f2328}.chart .val{font-size:12px;fill:#656d76}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
.cards{display:flex;gap:1rem;margin:1rem 0}.card{flex:1;border:1px solid #d0d7de;border-radius:6px;
padding:.7rem 1rem}.card b{display:block;font-size:1.5rem}
"""


def html_page(s: dict, lang: str, title: str | None = None) -> str:
    esc = html.escape
    title = title or t("instructor.report-title", lang, count=s["submissions"])
    exs = s["exercises"]
    overall = (sum(e["passed"] for e in exs) / max(sum(e["graded"] for e in exs), 1)) if exs else 0
    cards = [(t("instructor.submissions", lang), str(s["submissions"])),
             (t("instructor.exercises", lang), str(len(exs))),
             (t("instructor.pass-rate", lang), f"{100 * overall:.0f}%"),
             (t("instructor.median-score-short", lang),
              f"{100 * s['median_score']:.0f}%" if s["median_score"] is not None else "—")]
    out = [f'<!DOCTYPE html><html lang="{ "zh-CN" if lang == "zh" else "en"}"><head>'
           f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1><p class='muted'>{esc(t('instructor.report-sub', lang))}</p>",
           "<div class='cards'>" + "".join(f"<div class='card'><b>{esc(v)}</b>{esc(k)}</div>"
                                          for k, v in cards) + "</div>"]
    out.append(f"<h2 id='pass-rate'>{esc(t('instructor.pass-rate-per-exercise', lang))}</h2>")
    rows = [(e["id"], e["pass_rate"], f"{100 * e['pass_rate']:.0f}% ({e['passed']}/{e['graded']})",
             "#2e9e44" if e["pass_rate"] >= 0.8 else "#d4a017" if e["pass_rate"] >= 0.5
             else "#d64545") for e in exs]
    out.append(_bar_chart(rows) if rows else "<p>—</p>")
    out.append(f"<h2 id='statuses'>{esc(t('instructor.statuses', lang))}</h2>")
    out.append("<div class='legend'>" + "".join(
        f"<span><i style='background:{c}'></i>{esc(t(f'status.{st}', lang))}</span>"
        for st, c in STATUS_COLOURS.items()) + "</div>")
    out.append(_stacked([(e["id"], e["statuses"]) for e in exs]) if exs else "")
    out.append(f"<h2 id='mistakes'>{esc(t('instructor.reteach', lang))}</h2>")
    if s["mistakes"]:
        top = max(m["count"] for m in s["mistakes"])
        out.append(_bar_chart([(f"{m['exercise'].split('.', 1)[-1]} · {m['mistake']}",
                                m["count"] / top, str(m["count"]), "#d64545")
                               for m in s["mistakes"]]))
        out.append("<table><tr><th>#</th><th>" + esc(t("report.exercise", lang)) + "</th><th>" +
                   esc(t("instructor.mistake", lang)) + "</th><th>" + esc(t("report.hint", lang)) +
                   "</th></tr>")
        for m in s["mistakes"]:
            out.append(f"<tr><td class='num'>{m['count']}</td><td><code>{esc(m['exercise'])}</code>"
                       f"</td><td><code>{esc(m['mistake'])}</code></td><td>{esc(m['hint'])}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p class='muted'>{esc(t('instructor.no-mistakes', lang))}</p>")
    out.append(f"<h2 id='time'>{esc(t('progress.first-pass', lang))}</h2>")
    timed = [e for e in exs if e["median_time_to_first_pass_s"] is not None]
    if timed:
        top = max(e["median_time_to_first_pass_s"] for e in timed) or 1
        out.append(_bar_chart([(e["id"], e["median_time_to_first_pass_s"] / top,
                                duration(e["median_time_to_first_pass_s"]), "#3b7dd8")
                               for e in timed]))
    else:
        out.append(f"<p class='muted'>{esc(t('instructor.no-times', lang))}</p>")
    out.append(f"<h2 id='table'>{esc(t('instructor.exercises', lang))}</h2><table><tr><th>" +
               esc(t("report.exercise", lang)) + "</th><th>" + esc(t("report.title", lang)) +
               "</th><th>" + esc(t("instructor.pass-rate", lang)) + "</th><th>" +
               esc(t("progress.first-pass", lang)) + "</th></tr>")
    for e in exs:
        out.append(f"<tr><td><code>{esc(e['id'])}</code></td><td>{esc(e['title'])}</td>"
                   f"<td class='num'>{e['passed']}/{e['graded']}</td>"
                   f"<td class='num'>{esc(duration(e['median_time_to_first_pass_s']))}</td></tr>")
    out.append("</table>")
    if s.get("flagged"):
        from d2lkit.output.terminal import flag_text

        out.append(f"<h2 id='flagged'>{esc(t('instructor.flagged-title', lang))}</h2><ul>")
        out += [f"<li><code>{esc(name)}</code>: {esc(flag_text(flags, lang))}</li>"
                for name, flags in s["flagged"].items()]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)
