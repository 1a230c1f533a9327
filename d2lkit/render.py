"""Everything printed for a learner: the check report, lists, progress. No torch here."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from datetime import date, timedelta

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from d2lkit.grading.results import SCHEMA, Detail, ExerciseResult
from d2lkit.i18n import pick, t

STYLE = {"passed": "green", "failed": "red", "not_implemented": "yellow", "error": "magenta",
         "forbidden": "red", "timeout": "magenta", "crashed": "magenta", None: "dim"}
ICON = {"passed": "✓", "failed": "✗", "not_implemented": "·", "error": "!", "forbidden": "⊘",
        "timeout": "⧗", "crashed": "☠", None: " "}


def status_text(status: str | None, lang: str) -> Text:
    label = t(f"status.{status}" if status else "status.never", lang)
    return Text(f"{ICON.get(status, '?')} {label}", style=STYLE.get(status, ""))


def message(detail: Detail | None, lang: str) -> str:
    if detail is None:
        return ""
    params = dict(detail.params)
    if detail.key == "expect" and (params.get("expected") is not None or params.get("got") is not None):
        return t("detail.expect-values", lang, **params)
    if detail.key == "mistake":
        shown = params.get("what") or ""
        if params.get("got") is not None or params.get("expected") is not None:
            shown = t("detail.expect-values", lang, what=shown or "→", got=params.get("got"),
                      expected=params.get("expected"))
        return shown
    if "names" in params and isinstance(params["names"], list):
        params["names"] = ", ".join(params["names"])
    if "file" in params:
        params["file"] = _short_path(params["file"])
    return t(f"detail.{detail.key}", lang, **params)


def _short_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
        return rel if not rel.startswith("..") else path
    except ValueError:
        return path


def mistake_hint(catalogue, ex, mistake_id: str | None, lang: str) -> str:
    if not mistake_id:
        return ""
    m = ex.mistake(mistake_id) if ex else None
    if m:
        return pick(m.hint, lang)
    return t(f"mistake.{mistake_id}", lang) if mistake_id == "input-mutated" else ""


# ------------------------------------------------------------------------------ check report
def check_report(results: list[ExerciseResult], catalogue, lang: str, target: str, seed: int,
                 workspace, verbose: bool = False, console: Console | None = None):
    console = console or Console()
    console.print(_results_table(results, catalogue, lang))
    console.print(_chapter_bars(results, catalogue, lang))
    for r in results:
        for w in r.warnings:
            console.print(Text(f"⚠ {r.id}: {message(w, lang)}", style="yellow"))
    first = next((r for r in results if not r.stretch and r.status != "passed"), None) or \
        next((r for r in results if r.status != "passed"), None)
    if first is not None:
        console.print(_failure_panel(first, catalogue, lang, seed, workspace, verbose))
        if verbose:
            for r in results:
                if r is not first and r.status not in ("passed", "not_implemented"):
                    console.print(_failure_panel(r, catalogue, lang, seed, workspace, verbose))
    main = [r for r in results if not r.stretch]
    stretch = [r for r in results if r.stretch]
    console.print(t("report.summary", lang, passed=sum(r.passed for r in main), total=len(main),
                    points=sum(r.points for r in main), max_points=sum(r.max_points for r in main)),
                  style="bold")
    if stretch:
        console.print(t("report.stretch-summary", lang, passed=sum(r.passed for r in stretch),
                        total=len(stretch)), style="dim")
    if first is None:
        console.print(t("report.all-passed", lang), style="green")


def _results_table(results, catalogue, lang) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    table.add_column(t("report.exercise", lang), style="cyan", no_wrap=True)
    table.add_column(t("report.section", lang), justify="right", no_wrap=True)
    table.add_column(t("report.title", lang), overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column(t("report.status", lang), no_wrap=True)
    table.add_column(t("report.points", lang), justify="right", no_wrap=True)
    table.add_column(t("report.time", lang), justify="right", style="dim", no_wrap=True)
    ordered = [r for r in results if not r.stretch] + [r for r in results if r.stretch]
    for i, r in enumerate(ordered):
        ex = catalogue.by_id.get(r.id)
        if r.stretch and (i == 0 or not ordered[i - 1].stretch):
            table.add_section()
            table.add_row(Text(t("report.stretch", lang), style="bold dim"), "",
                          Text(t("list.stretch-header", lang), style="dim"), "", "", "")
        table.add_row(r.id, r.section, Text(pick(ex.title, lang) if ex else ""),
                      status_text(r.status, lang), f"{r.points}/{r.max_points}",
                      f"{r.duration_s:.2f}s")
    return table


def _chapter_bars(results, catalogue, lang) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(width=30)
    grid.add_column(justify="right")
    by_chapter: dict[str, list[ExerciseResult]] = defaultdict(list)
    for r in results:
        if not r.stretch:
            by_chapter[r.chapter].append(r)
    for chapter, rs in by_chapter.items():
        ch = catalogue.chapter_by_number.get(int(chapter[2:]))
        label = t("report.chapter-bar", lang, chapter=chapter, title=pick(ch.title, lang) if ch else "")
        done = sum(r.passed for r in rs)
        grid.add_row(label, ProgressBar(total=len(rs), completed=done, width=30,
                                        complete_style="green", finished_style="green"),
                     f"{done}/{len(rs)}")
    return grid


def _failure_panel(r: ExerciseResult, catalogue, lang, seed, workspace, verbose) -> Panel:
    ex = catalogue.by_id.get(r.id)
    parts = []
    title = t("report.first-failure", lang, id=r.id, title=pick(ex.title, lang) if ex else "")
    file = str(workspace.file_for(ex)) if ex and workspace else ""
    if r.status == "not_implemented":
        parts.append(Text(t("report.not-started", lang, file=_short_path(file)), style="yellow"))
        if ex and ex.hints:
            parts.append(Text(t("report.next-hint", lang, id=r.id), style="dim"))
        return Panel(Group(*parts), title=Text(title), border_style="yellow", title_align="left")
    check = r.failing_check
    if check is not None:
        parts.append(Text(t("report.failing-check", lang, check=f"{pick(check.title, lang)}  "
                                                               f"[{check.name}]"), style="bold"))
    problem = message(r.detail, lang)
    if problem:
        parts.append(Text(t("report.problem", lang) + ": ", style="bold").append(problem, style="red"))
    params = r.detail.params if r.detail else {}
    if r.detail and r.detail.key == "syntax":
        parts.append(_caret(params))
    frames = params.get("frames") or (params.get("error") or {}).get("frames") or []
    if frames:
        lines = Text(t("report.learner-frames", lang) + ":\n", style="bold")
        for f in frames[-4:]:
            lines.append(f"  {_short_path(f['file'])}:{f['line']} in {f['function']}\n", style="cyan")
            if f.get("code"):
                lines.append(f"    {f['code']}\n")
        parts.append(lines)
    if r.mistake:
        hint = mistake_hint(catalogue, ex, r.mistake, lang)
        parts.append(Text(t("report.mistake", lang, id=r.mistake), style="bold yellow"))
        if hint:
            parts.append(Text(f"{t('report.hint', lang)}: {hint}", style="yellow"))
    if file:
        parts.append(Text(t("report.edit-file", lang, file=_short_path(file)), style="dim"))
    if ex and ex.hints:
        parts.append(Text(t("report.next-hint", lang, id=r.id), style="dim"))
    if r.status in ("failed",):
        parts.append(Text(t("report.seed", lang, id=r.id, seed=seed), style="dim"))
    if verbose and check is not None and check.output:
        parts.append(Panel(Text(check.output[-4000:]), title=t("report.output", lang),
                           border_style="dim"))
    style = STYLE.get(r.status, "red")
    return Panel(Group(*parts), title=Text(title), border_style=style, title_align="left")


def _caret(params) -> Text:
    text = params.get("text") or ""
    col = max(int(params.get("col") or 1), 1)
    out = Text(f"  {_short_path(params.get('file', ''))}:{params.get('line')}\n", style="cyan")
    out.append(f"    {text}\n")
    out.append("    " + " " * (col - 1) + "^", style="bold red")
    return out


# ------------------------------------------------------------------------------ JSON
def results_json(results: list[ExerciseResult], catalogue, lang: str, target: str, seed: int) -> dict:
    main = [r for r in results if not r.stretch]
    return {
        "schema": SCHEMA,
        "target": target,
        "seed": seed,
        "results": [{
            "id": r.id, "chapter": r.chapter, "section": r.section, "status": r.status,
            "mistake": r.mistake,
            "message": message(r.detail, lang),
            "hint": mistake_hint(catalogue, catalogue.by_id.get(r.id), r.mistake, lang) or None,
            "warnings": [message(w, lang) for w in r.warnings],
            "stretch": r.stretch, "points": r.points, "max_points": r.max_points,
            "checks": [{"name": c.name, "title": pick(c.title, lang), "status": c.status,
                        "mistake": c.mistake, "message": message(c.detail, lang),
                        "duration_s": round(c.duration_s, 4)} for c in r.checks],
            "duration_s": round(r.duration_s, 4),
        } for r in results],
        "summary": {"passed": sum(r.passed for r in main), "total": len(main),
                    "points": sum(r.points for r in main),
                    "max_points": sum(r.max_points for r in main)},
    }


# ------------------------------------------------------------------------------ list
def exercise_list(exercises, catalogue, stats, lang, console: Console | None = None):
    console = console or Console()
    main = [ex for ex in exercises if not ex.stretch]
    stretch = [ex for ex in exercises if ex.stretch]
    console.print(t("list.header", lang, count=len(exercises)), style="bold")
    for group, heading in ((main, None), (stretch, t("list.stretch-header", lang))):
        if not group:
            continue
        if heading:
            console.print(heading, style="bold")
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for col in ("exercise", "section", "title", "status", "points"):
            table.add_column(t(f"report.{col}", lang))
        current = None
        for ex in group:
            if ex.chapter != current:
                current = ex.chapter
                ch = catalogue.chapter_by_number[ex.chapter]
                table.add_row(Text(f"{ch.id} {pick(ch.title, lang)}", style="bold"), "", "", "", "")
            st = stats.get(ex.id)
            table.add_row(Text(ex.id, style="cyan"), ex.section, Text(pick(ex.title, lang)),
                          status_text(st.status if st else None, lang), str(ex.points))
        console.print(table)


# ------------------------------------------------------------------------------ progress
def progress_view(catalogue, stats, activity, runs, lang, console: Console | None = None):
    console = console or Console()
    console.print(t("progress.title", lang), style="bold")
    if not stats:
        console.print(t("progress.no-activity", lang))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column(t("progress.chapter", lang))
    table.add_column("", width=24)
    table.add_column(t("progress.passed", lang), justify="right")
    table.add_column(t("progress.attempts", lang), justify="right")
    table.add_column(t("progress.first-pass", lang), justify="right")
    table.add_column(t("progress.hints", lang), justify="right")
    for ch in catalogue.chapters:
        exs = [ex for ex in ch.exercises if not ex.stretch]
        if not exs:
            continue
        passed = sum(1 for ex in exs if stats.get(ex.id) and stats[ex.id].ever_passed)
        attempts = sum(stats[ex.id].attempts for ex in exs if ex.id in stats)
        times = [stats[ex.id].time_to_first_pass for ex in exs
                 if ex.id in stats and stats[ex.id].time_to_first_pass is not None]
        hints = sum(stats[ex.id].hints_used for ex in exs if ex.id in stats)
        median = sorted(times)[len(times) // 2] if times else None
        table.add_row(Text(f"{ch.id} {pick(ch.title, lang)}"),
                      ProgressBar(total=len(exs), completed=passed, width=24,
                                  complete_style="green", finished_style="green"),
                      f"{passed}/{len(exs)}", str(attempts), duration(median), str(hints))
    console.print(table)
    count, since = runs
    if count:
        from datetime import datetime
        console.print(t("progress.runs", lang, runs=count,
                        since=datetime.fromtimestamp(since).strftime("%Y-%m-%d")), style="dim")
    console.print(calendar(activity, lang))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600}h"


def calendar(activity: dict[str, int], lang: str, weeks: int = 16, today: date | None = None) -> Group:
    """A GitHub-style grid: one column per week, one row per weekday, shaded by results that day."""
    today = today or date.today()
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    shades = ["grey23", "green4", "green3", "green1", "bright_green"]
    top = max(activity.values(), default=0)
    rows = []
    for weekday in range(7):
        line = Text("MTWTFSS"[weekday] + " " if lang == "en" else "一二三四五六日"[weekday], style="dim")
        for week in range(weeks):
            day = start + timedelta(days=7 * week + weekday)
            if day > today:
                line.append("  ")
                continue
            n = activity.get(day.isoformat(), 0)
            level = 0 if n == 0 else 1 + min(3, int(3 * n / max(top, 1)))
            line.append("■ ", style=shades[level])
        rows.append(line)
    legend = Text(f"{t('progress.less', lang)} ", style="dim")
    for s in shades:
        legend.append("■ ", style=s)
    legend.append(t("progress.more", lang), style="dim")
    return Group(Text(t("progress.calendar", lang, weeks=weeks), style="bold"), *rows, legend)


def source(code: str, console: Console | None = None):
    (console or Console()).print(Syntax(code, "python", line_numbers=True, theme="ansi_dark"))


def most_common(items) -> list[tuple[str, int]]:
    return Counter(items).most_common()
