"""What a learner (or an instructor) reads in a terminal, laid out with rich.

The words come from `messages`; icons and colours from `Status`. No torch here.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import ExerciseResult, Results
from d2lkit.i18n import pick, t
from d2lkit.output.messages import detail_text, failure_lines, short_path, status_label

LINE_STYLES = {"check": "bold", "problem": "red", "mistake": "bold yellow", "hint": "yellow",
               "also": "dim red"}


def status_text(status: Status | str | None, lang: str) -> Text:
    """A status with its icon and colour; `None` is an exercise never graded."""
    if status is None:
        return Text(f"  {status_label(None, lang)}", style="dim")
    status = Status(status)
    return Text(f"{status.icon} {status_label(status, lang)}", style=status.style)


def status_legend(lang: str) -> Text:
    legend = Text()
    for status in Status:
        legend.append(f"{status.icon} ", style=status.style)
        legend.append(f"{status_label(status, lang)}  ")
    return legend


# ------------------------------------------------------------------------------ check report
def check_report(results: Results, catalogue, options, workspace, console: Console, *,
                 verbose: bool = False, watching: bool = False):
    """`d2lkit check` (and each re-grade of `d2lkit watch`): the table, the chapter bars, the
    first failure in full (every failure with `verbose`), and the totals."""
    lang = options.lang
    console.print(_results_table(results, catalogue, lang))
    console.print(_chapter_bars(results, catalogue, lang))
    for r in results:
        for w in r.warnings:
            console.print(Text(f"⚠ {r.id}: {detail_text(w, lang)}", style="yellow"))
    # a required exercise the learner tried comes first; stretch exercises do not block a chapter
    first = results.first_to_fix()
    if first is not None:
        console.print(_failure_panel(first, catalogue, options, workspace, verbose, watching))
        if verbose:
            for r in results:
                if r is not first and r.status not in (Status.PASSED, Status.NOT_IMPLEMENTED):
                    console.print(_failure_panel(r, catalogue, options, workspace, verbose,
                                                 watching))
    if results.required or not results.stretch:  # no "0/0 passed" for stretch exercises alone
        console.print(t("report.summary", lang, **results.summary()), style="bold")
    if results.stretch:
        console.print(t("report.stretch-summary", lang, passed=results.stretch_passed,
                        total=len(results.stretch)), style="dim")
    if results.complete:
        everything = all(r.passed for r in results)
        console.print(t("report.all-passed" if everything else "report.required-passed", lang),
                      style="green")


def _results_table(results: Results, catalogue, lang) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    table.add_column(t("report.exercise", lang), style="cyan", no_wrap=True,
                     min_width=max((len(r.id) for r in results), default=8))
    table.add_column(t("report.section", lang), justify="right", no_wrap=True)
    # the title wraps on a narrow terminal (an id is never cut: it is what the learner types)
    table.add_column(t("report.title", lang), overflow="fold", ratio=1)
    table.add_column(t("report.status", lang), no_wrap=True)
    table.add_column(t("report.points", lang), justify="right", no_wrap=True)
    table.add_column(t("report.time", lang), justify="right", style="dim", no_wrap=True)
    for group in (results.required, results.stretch):
        if group is results.stretch and group:
            table.add_section()
            table.add_row(Text(t("report.stretch", lang), style="bold dim"), "",
                          Text(t("list.stretch-header", lang), style="dim"), "", "", "")
        for r in group:
            ex = catalogue.by_id.get(r.id)
            table.add_row(r.id, r.section, Text(pick(ex.title, lang) if ex else ""),
                          status_text(r.status, lang), f"{r.points}/{r.max_points}",
                          f"{r.duration_s:.2f}s")
    return table


def _chapter_bars(results: Results, catalogue, lang) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(width=30)
    grid.add_column(justify="right")
    by_chapter: dict[str, list[ExerciseResult]] = defaultdict(list)
    for r in results.required:
        by_chapter[r.chapter].append(r)
    for chapter, rs in by_chapter.items():
        ch = catalogue.chapter_by_number.get(int(chapter[2:]))
        label = t("report.chapter-bar", lang, chapter=chapter, title=pick(ch.title, lang) if ch else "")
        done = sum(r.passed for r in rs)
        grid.add_row(label, _bar(len(rs), done, 30), f"{done}/{len(rs)}")
    return grid


def _bar(total: int, done: int, width: int) -> ProgressBar:
    return ProgressBar(total=total, completed=done, width=width, complete_style="green",
                       finished_style="green")


def _failure_panel(r: ExerciseResult, catalogue, options, workspace, verbose, watching=False
                   ) -> Panel:
    lang = options.lang
    ex = catalogue.by_id.get(r.id)
    title = Text(t("report.stretch-to-try" if r.stretch else "report.first-failure", lang,
                   id=r.id, title=pick(ex.title, lang) if ex else ""))
    file = short_path(str(workspace.file_for(ex))) if ex and workspace else ""
    more_help = Text(t("report.next-hint", lang, id=r.id), style="dim") if ex and ex.hints else None
    # not started at all; a partly done exercise (some check passed) names the missing part
    if r.status is Status.NOT_IMPLEMENTED and not any(c.passed for c in r.checks):
        key = "report.not-started-watching" if watching else "report.not-started"
        parts = [Text(t(key, lang, file=file), style="yellow"), more_help]
        return Panel(Group(*filter(None, parts)), title=title, border_style="yellow",
                     title_align="left")
    lines = failure_lines(r, ex, lang)
    parts = [Text(line.text, style=LINE_STYLES[line.kind]) for line in lines]
    # the caret or the learner's own frames go right under the problem they locate
    below = next((i + 1 for i, line in enumerate(lines) if line.kind == "problem"),
                 sum(line.kind == "check" for line in lines))
    parts[below:below] = _where(r, lang)
    if file:
        parts.append(Text(t("report.edit-file", lang, file=file), style="dim"))
    if more_help:
        parts.append(more_help)
    if r.status is Status.FAILED:
        parts.append(Text(t("report.seed", lang, id=r.id, seed=options.seed), style="dim"))
    check = r.failing_check
    if verbose and check is not None and check.output:
        parts.append(Panel(Text(check.output[-4000:]), title=t("report.output", lang),
                           border_style="dim"))
    return Panel(Group(*parts), title=title, border_style=r.status.style, title_align="left")


def _where(r: ExerciseResult, lang: str) -> list[Text]:
    """Where in the learner's file: the caret of a syntax error, or their own stack frames."""
    params = r.detail.params if r.detail else {}
    out = []
    if r.detail and r.detail.key == "syntax":
        out.append(_caret(params))
    frames = params.get("frames") or (params.get("error") or {}).get("frames") or []
    if frames:
        lines = Text(t("report.learner-frames", lang) + ":\n", style="bold")
        for f in frames[-4:]:
            lines.append(f"  {short_path(f['file'])}:{f['line']} in {f['function']}\n", style="cyan")
            if f.get("code"):
                lines.append(f"    {f['code']}\n")
        out.append(lines)
    return out


def _caret(params) -> Text:
    text = params.get("text") or ""
    col = max(int(params.get("col") or 1), 1)
    out = Text(f"  {short_path(params.get('file', ''))}:{params.get('line')}\n", style="cyan")
    out.append(f"    {text}\n")
    out.append("    " + " " * (col - 1) + "^", style="bold red")
    return out


# ------------------------------------------------------------------------------ list
def exercise_list(exercises, catalogue, stats, lang: str, console: Console):
    """`d2lkit list`: the curriculum in order, by chapter, with each exercise's latest status."""
    required = [ex for ex in exercises if not ex.stretch]
    stretch = [ex for ex in exercises if ex.stretch]
    console.print(t("list.header", lang, count=len(exercises)), style="bold")
    for group, heading in ((required, None), (stretch, t("list.stretch-header", lang))):
        if not group:
            continue
        if heading:
            console.print(heading, style="bold")
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        # ids are never cut (they are what a learner copies); the title wraps instead
        table.add_column(t("report.exercise", lang), no_wrap=True,
                         min_width=max(len(ex.id) for ex in group))
        table.add_column(t("report.section", lang), no_wrap=True)
        table.add_column(t("report.title", lang), overflow="fold", ratio=1)
        table.add_column(t("report.status", lang), no_wrap=True)
        table.add_column(t("report.points", lang), no_wrap=True)
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
def progress_view(catalogue, stats, activity, runs, lang: str, console: Console):
    """`d2lkit progress`: per-chapter bars, attempts, median time to first pass, hints, calendar."""
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
        mine = [stats[ex.id] for ex in ch.exercises if not ex.stretch and ex.id in stats]
        count = sum(1 for ex in ch.exercises if not ex.stretch)
        if not count:
            continue
        passed = sum(s.ever_passed for s in mine)
        times = sorted(s.time_to_first_pass for s in mine if s.time_to_first_pass is not None)
        median = times[len(times) // 2] if times else None
        table.add_row(Text(f"{ch.id} {pick(ch.title, lang)}"), _bar(count, passed, 24),
                      f"{passed}/{count}", str(sum(s.attempts for s in mine)), duration(median),
                      str(sum(s.hints_used for s in mine)))
    console.print(table)
    count, since = runs
    if count:
        console.print(t("progress.runs", lang, runs=count,
                        since=datetime.fromtimestamp(since).strftime("%Y-%m-%d")), style="dim")
    console.print(calendar(activity, lang))


def duration(seconds: float | None) -> str:
    """A short human duration: 42s, 7m, 3h05m, 2d4h; "—" for none."""
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


def source(code: str, console: Console):
    """Code to read in a terminal (highlighted, numbered, wrapped), or, written to a file or a
    pipe, exactly as it is: `d2lkit solution ch8.predict_ch8 > mine.py` must run."""
    if not console.is_terminal:
        console.file.write(code if code.endswith("\n") else code + "\n")
        return
    console.print(Syntax(code, "python", line_numbers=True, theme="ansi_dark", word_wrap=True))


# ------------------------------------------------------------------------------ grade
def grade_table(graded, lang: str, console: Console):
    """`d2lkit grade --format table`: one row per submission, one mark per exercise."""
    tab = Table(box=box.SIMPLE_HEAD, show_edge=False)
    tab.add_column(t("instructor.submission", lang), style="cyan", no_wrap=True)
    tab.add_column(t("report.points", lang), justify="right")
    tab.add_column(t("progress.passed", lang), justify="right")
    tab.add_column(t("instructor.statuses", lang))
    tab.add_column(t("report.time", lang), justify="right", style="dim")
    for g in graded:
        marks = Text()
        for r in g.results:
            marks.append(r.status.icon, style=r.status.style)
        if g.error:
            marks.append(f"  {g.error}", style="red")
        flags = getattr(g, "flags", [])
        if flags:
            marks.append("  " + flag_text(flags, lang), style="magenta")
        res = g.results
        tab.add_row(g.submission.name, f"{res.points}/{res.max_points}", f"{res.passed}/{res.total}",
                    marks, f"{g.duration_s:.2f}s")
    console.print(tab)
    console.print(status_legend(lang), style="dim")


def flag_text(flags: list[dict], lang: str) -> str:
    """The first flag of a submission for the instructor (and how many more)."""
    first = flags[0]
    where = f"{first['file']}:{first['line']}" if first.get("line") else first["file"]
    text = t("instructor.flagged", lang, what=first["what"], where=where)
    return text + (" " + t("instructor.flagged-more", lang, count=len(flags) - 1)
                   if len(flags) > 1 else "")


@contextmanager
def grade_progress(total: int, lang: str, console: Console | None):
    """A progress bar on `console` while submissions are graded; yields the callback that
    advances it (None, and no bar, when `console` is None)."""
    if console is None:
        yield None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[last]}"),
                   console=console, transient=True)
    task = bar.add_task(t("instructor.grading", lang), total=total, last="")

    def done(g):
        bar.update(task, advance=1,
                   last=f"{g.submission.name} {g.results.points}/{g.results.max_points}")

    with bar:
        yield done


def show_hint(ex, progress, lang: str, console):
    """The next hint of `ex` (recorded), or every hint once all have been seen."""
    seen = progress.hints_seen(ex.id)
    if seen >= len(ex.hints):
        console.print(t("cli.no-more-hints", lang, id=ex.id, count=len(ex.hints)), markup=False)
        for level, hint in enumerate(ex.hints, 1):
            console.print(f"  {level}. {pick(hint, lang)}", markup=False)
        return
    level = seen + 1
    progress.record_hint(ex.id, level)
    console.print(t("cli.hint-level", lang, level=level, count=len(ex.hints), id=ex.id,
                    title=pick(ex.title, lang)), style="bold", markup=False)
    console.print(pick(ex.hints[level - 1], lang), markup=False)
