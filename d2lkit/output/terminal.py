"""What a learner (or an instructor) reads in a terminal, laid out with rich.

The words come from `messages`; icons and colours from `Status`. No torch here.

Three layouts, chosen from the console (`layout()`), and none of them ever cuts an exercise id
(it is what the learner types next; a title wraps or is cut instead):

    wide      a terminal of 100 columns or more: tables
    stacked   a narrower terminal: one block per row — the id and its status on the first line,
              the section and title (cut to the width) on the second
    plain     stdout is not a terminal (a pipe, a file), or `--plain`: text lines with nothing
              cut and nothing wrapped, no boxes, no colour

`NO_COLOR` (rich reads it) turns colour off in every layout; bars and the activity calendar then
draw with characters instead of colours.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from d2lkit.grading.protocol import Status
from d2lkit.grading.results import ExerciseResult, Results
from d2lkit.i18n import pick, t
from d2lkit.output.messages import detail_text, failure_lines, short_path, status_label

LINE_STYLES = {"check": "bold", "problem": "red", "mistake": "bold yellow", "hint": "yellow",
               "also": "dim red", "trace": "cyan"}

WIDE, STACKED, PLAIN = "wide", "stacked", "plain"
STACK_BELOW = 100  # columns: a narrower terminal gets the stacked layout
RESET = "reset"  # the status of an exercise put back to its stub (d2lkit.progress.RESET)
CURRENT_MARK = "▶"  # marks the current exercise in `d2lkit list`


def layout(console: Console) -> str:
    """WIDE, STACKED or PLAIN for this console (see the module's docstring)."""
    if not console.is_terminal:
        return PLAIN
    return STACKED if console.width < STACK_BELOW else WIDE


def plain_console(console: Console) -> bool:
    return layout(console) == PLAIN


def status_text(status: Status | str | None, lang: str) -> Text:
    """A status with its icon and colour; `None` is an exercise never graded, RESET one put back
    to its stub since."""
    if status is None:
        return Text(f"  {status_label(None, lang)}", style="dim")
    if status == RESET:
        return Text(f"↺ {status_label(RESET, lang)}", style="dim")
    status = Status(status)
    return Text(f"{status.icon} {status_label(status, lang)}", style=status.style)


def status_legend(lang: str) -> Text:
    legend = Text()
    for status in Status:
        legend.append(f"{status.icon} ", style=status.style)
        legend.append(f"{status_label(status, lang)}  ")
    return legend


# ------------------------------------------------------------------------------ building blocks
def _print_plain_rows(console: Console, header: list[str], rows: list[list]):
    """Aligned text columns, nothing cut or wrapped; the last column is left ragged (a title).
    A row of one cell is a heading (a chapter) and takes no part in the alignment."""
    cells = [[c if isinstance(c, Text) else Text(str(c)) for c in row] for row in [header, *rows]]
    widths = [max((cell_len(row[i].plain) for row in cells if len(row) > 1 and i < len(row)),
                  default=0) for i in range(len(header))]
    for n, row in enumerate(cells):
        line = Text(style="bold" if n == 0 else "")
        for i, cell in enumerate(row):
            line.append_text(cell)
            if i < len(row) - 1:
                line.append(" " * (widths[i] - cell_len(cell.plain) + 2))
        console.print(line, soft_wrap=True)


def _stacked_row(console: Console, first: Text, second: Text, indent: int = 3):
    """One row of the stacked layout: `first` (an id and its status) is never cut — it wraps if
    it must — and `second` (section and title) is cut to the width with an ellipsis."""
    console.print(first, overflow="fold")
    line = Text(" " * indent)
    line.append_text(second)
    console.print(line, no_wrap=True, overflow="ellipsis")


def _line(console: Console, text: Text, style: str | None = None):
    """One line that is never cut: as it is in plain text, folded at the width on a terminal
    (rich cuts a soft-wrapped line given an explicit overflow, so plain text gets none)."""
    if plain_console(console):
        console.print(text, style=style, soft_wrap=True)
    else:
        console.print(text, style=style, overflow="fold")


def _bar(total: int, done: int, width: int, console: Console | None = None) -> Text:
    """A progress bar as text: green and grey on a colour console, else characters that tell done
    from left without colour (NO_COLOR, plain text)."""
    filled = round(width * done / total) if total else 0
    if console is not None and (console.no_color or plain_console(console)):
        return Text("█" * filled + "░" * (width - filled))
    bar = Text("━" * filled, style="green")
    bar.append("━" * (width - filled), style="grey23")
    return bar


# ------------------------------------------------------------------------------ check report
def check_report(results: Results, catalogue, options, workspace, console: Console, *,
                 verbose: bool = False, watching: bool = False):
    """`d2lkit check` (and each re-grade of `d2lkit watch`): the results, the chapter bars, the
    first exercise to fix in full (every failure with `verbose`), and the totals.

    "First to fix" is the first exercise the learner attempted and did not pass, else the first
    not started (`Results.first_to_fix`); a stretch exercise takes that place only when the run
    was of stretch exercises alone."""
    lang = options.lang
    mode = layout(console)
    _results_rows(results, catalogue, lang, console, mode)
    _chapter_bars(results, catalogue, lang, console, mode)
    _charts(results, lang, console, mode)
    for r in results:
        for w in r.warnings:
            console.print(Text(f"⚠ {r.id}: {detail_text(w, lang)}", style="yellow"),
                          soft_wrap=mode == PLAIN)
    first = results.first_to_fix()
    if first is not None:
        _failure(first, catalogue, options, workspace, verbose, watching, console, mode)
        if verbose:
            for r in results:
                if r is not first and not r.passed and (not r.stretch or not results.required) \
                        and r.status is not Status.NOT_IMPLEMENTED:
                    _failure(r, catalogue, options, workspace, verbose, watching, console, mode)
    if results.required or not results.stretch:  # no "0/0 passed" for stretch exercises alone
        console.print(t("report.summary", lang, **results.summary()), style="bold")
    if results.stretch:
        console.print(t("report.stretch-summary", lang, passed=results.stretch_passed,
                        total=len(results.stretch)), style="dim")
    if results.required and results.all_required_passed:
        # every required exercise passed: a stretch exercise left over is offered, never "to fix"
        left = [r for r in results.stretch if not r.passed]
        if left:
            ex = catalogue.by_id.get(left[0].id)
            key = "report.stretch-next-watching" if watching else "report.stretch-next"
            console.print(t(key, lang, id=left[0].id, title=pick(ex.title, lang) if ex else ""),
                          style="dim", soft_wrap=mode == PLAIN)
    if results.complete and not watching:  # watch says itself what comes next
        everything = all(r.passed for r in results)
        console.print(t("report.all-passed" if everything else "report.required-passed", lang),
                      style="green")


def _results_rows(results: Results, catalogue, lang: str, console: Console, mode: str):
    def title(r):
        ex = catalogue.by_id.get(r.id)
        return pick(ex.title, lang) if ex else ""

    groups = [(results.required, None),
              (results.stretch, t("report.stretch", lang) + " — " + t("list.stretch-header", lang))]
    if mode == PLAIN:
        header = [t(f"report.{k}", lang) for k in ("exercise", "section", "status", "points",
                                                    "time", "title")]
        rows = []
        for group, heading in groups:
            if group and heading and results.required:
                rows.append([Text(heading, style="bold")])
            rows += [[Text(r.id), r.section, status_text(r.status, lang),
                      f"{r.points}/{r.max_points}", f"{r.duration_s:.2f}s", title(r)]
                     for r in group]
        _print_plain_rows(console, header, rows)
        return
    if mode == STACKED:
        for group, heading in groups:
            if group and heading and results.required:
                console.print(Text(heading, style="bold dim"), overflow="fold")
            for r in group:
                first = Text(r.id, style="cyan")
                first.append("  ").append_text(status_text(r.status, lang))
                first.append(f"  {r.points}/{r.max_points}  ")
                first.append(f"{r.duration_s:.2f}s", style="dim")
                _stacked_row(console, first, Text(f"{r.section}  {title(r)}"))
        console.print()
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    # an id is never cut: it is what the learner types; the title wraps instead
    table.add_column(t("report.exercise", lang), style="cyan", no_wrap=True,
                     min_width=max((len(r.id) for r in results), default=8))
    table.add_column(t("report.section", lang), justify="right", no_wrap=True)
    table.add_column(t("report.title", lang), overflow="fold", ratio=1)
    table.add_column(t("report.status", lang), no_wrap=True)
    table.add_column(t("report.points", lang), justify="right", no_wrap=True)
    table.add_column(t("report.time", lang), justify="right", style="dim", no_wrap=True)
    for group, heading in groups:
        if group is results.stretch and group:
            table.add_section()
            table.add_row(Text(t("report.stretch", lang), style="bold dim"), "",
                          Text(t("list.stretch-header", lang), style="dim"), "", "", "")
        for r in group:
            table.add_row(r.id, r.section, Text(title(r)), status_text(r.status, lang),
                          f"{r.points}/{r.max_points}", f"{r.duration_s:.2f}s")
    console.print(table)


def _chapter_bars(results: Results, catalogue, lang: str, console: Console, mode: str):
    by_chapter: dict[str, list[ExerciseResult]] = defaultdict(list)
    for r in results.required:
        by_chapter[r.chapter].append(r)
    rows = []
    for chapter, rs in by_chapter.items():
        ch = catalogue.chapter_by_number.get(int(chapter[2:]))
        label = t("report.chapter-bar", lang, chapter=chapter,
                  title=pick(ch.title, lang) if ch else "")
        rows.append((label, len(rs), sum(r.passed for r in rs)))
    if mode == PLAIN:
        for label, total, done in rows:
            line = Text(f"{label}  ")
            line.append_text(_bar(total, done, 20, console)).append(f"  {done}/{total}")
            console.print(line, soft_wrap=True)
        return
    grid = Table.grid(padding=(0, 1))
    grid.add_column(overflow="fold")
    grid.add_column(width=30 if mode == WIDE else 20)
    grid.add_column(justify="right", no_wrap=True)
    for label, total, done in rows:
        grid.add_row(label, _bar(total, done, 30 if mode == WIDE else 20, console),
                     f"{done}/{total}")
    console.print(grid)


def _charts(results: Results, lang: str, console: Console, mode: str):
    """The learner's training curves next to the reference's (output.charts), for each exercise
    whose grader recorded them: ASCII in plain text."""
    from d2lkit.output.charts import chart

    for r in results:
        for line in chart(r.id, r.series, lang, ascii=mode == PLAIN):
            if mode == PLAIN:
                console.print(line, soft_wrap=True)
            else:
                console.print(line, overflow="ellipsis", no_wrap=True)


def _failure(r: ExerciseResult, catalogue, options, workspace, verbose, watching, console, mode):
    """One exercise to fix, in full: boxed on a terminal, as indented lines in plain text."""
    lang = options.lang
    ex = catalogue.by_id.get(r.id)
    heading = Text(t("report.first-failure", lang, id=r.id, title=pick(ex.title, lang) if ex else ""),
                   style="bold")
    parts, style = _failure_parts(r, ex, options, workspace, verbose, watching)
    if mode == PLAIN:
        console.print(heading, soft_wrap=True)
        for part in parts:
            if isinstance(part, Text):
                for line in part.split("\n"):
                    console.print(Text("  ").append_text(line), soft_wrap=True)
            else:  # what the learner's code printed, as it printed it
                console.print(Text(f"  {part.title} ↓", style="bold"), soft_wrap=True)
                console.print(Text(part.text.rstrip("\n")), soft_wrap=True)
        return
    if mode == STACKED:  # the heading goes inside, where it wraps instead of being cut
        console.print(Panel(Group(heading, *parts), border_style=style))
    else:
        console.print(Panel(Group(*parts), title=heading, border_style=style, title_align="left"))


def _failure_parts(r: ExerciseResult, ex, options, workspace, verbose, watching
                   ) -> tuple[list, str]:
    lang = options.lang
    helped = ex  # whose file and hints the box points at: a blocked exercise's, what blocks it
    if r.status is Status.BLOCKED and r.detail is not None and r.detail.key == "blocked-by":
        from d2lkit import catalogue

        helped = catalogue.load().by_id.get(r.detail.params.get("id"), ex)
    file = short_path(str(workspace.file_for(helped))) if helped and workspace else ""
    more_help = (Text(t("report.next-hint-watching" if watching else "report.next-hint", lang,
                        id=helped.id), style="dim") if helped and helped.hints else None)
    # not started at all; a partly done exercise (some check passed) names the missing part
    if r.status is Status.NOT_IMPLEMENTED and not any(c.passed for c in r.checks):
        key = "report.not-started-watching" if watching else "report.not-started"
        return [p for p in (Text(t(key, lang, file=file), style="yellow"), more_help) if p], \
            "yellow"
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
    if r.status is Status.FAILED and r.mistake != "wrong-answer":  # a quiz has no inputs
        parts.append(Text(t("report.seed", lang, id=r.id, seed=options.seed), style="dim"))
    check = r.failing_check
    if verbose and check is not None and check.output:
        parts.append(_Printed(check.output[-4000:], t("report.output", lang)))
    return parts, r.status.style


class _Printed:
    """What the learner's code printed (`--verbose`): boxed on a terminal, as it is in plain."""

    def __init__(self, text: str, title: str):
        self.text, self.title = text, title

    def __rich__(self):
        return Panel(Text(self.text), title=self.title, border_style="dim")


def _where(r: ExerciseResult, lang: str) -> list[Text]:
    """Where in the learner's file: the caret of a syntax error, or their own stack frames."""
    params = r.detail.params if r.detail else {}
    out = []
    if r.detail and r.detail.key == "syntax":
        out.append(_caret(params))
    frames = params.get("frames") or (params.get("error") or {}).get("frames") or []
    if frames:
        lines = Text(t("report.learner-frames", lang) + "\n", style="bold")
        for f in frames[-4:]:
            lines.append(f"  {short_path(f['file'])}:{f['line']} in {f['function']}\n", style="cyan")
            if f.get("code"):
                lines.append(f"    {f['code']}\n")
        lines.rstrip()
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
def exercise_list(exercises, catalogue, stats, lang: str, console: Console, current=None):
    """`d2lkit list`: the curriculum in order, by chapter, with each exercise's latest status
    ("reset" once put back to its stub) and the current exercise (an id) marked."""
    required = [ex for ex in exercises if not ex.stretch]
    stretch = [ex for ex in exercises if ex.stretch]
    mode = layout(console)
    console.print(t("list.header", lang, count=len(exercises)), style="bold")

    def status(ex) -> Text:
        st = stats.get(ex.id)
        return status_text(st.status if st else None, lang)

    def mark(ex) -> str:
        return CURRENT_MARK if ex.id == current else " "

    for group, heading in ((required, None), (stretch, t("list.stretch-header", lang))):
        if not group:
            continue
        if heading:
            console.print(heading, style="bold", soft_wrap=mode == PLAIN)
        chapters: dict[int, list] = {}
        for ex in group:
            chapters.setdefault(ex.chapter, []).append(ex)
        if mode == PLAIN:
            header = ["", *(t(f"report.{k}", lang) for k in ("exercise", "section", "status",
                                                             "points")),
                      t("kind.header", lang), t("report.title", lang)]
            rows = []
            for number, exs in chapters.items():
                ch = catalogue.chapter_by_number[number]
                rows.append([Text(f"{ch.id} {pick(ch.title, lang)}", style="bold")])
                rows += [[mark(ex), Text(ex.id), ex.section, status(ex), str(ex.points), ex.kind,
                          pick(ex.title, lang)] for ex in exs]
            _print_plain_rows(console, header, rows)
            continue
        if mode == STACKED:
            for number, exs in chapters.items():
                ch = catalogue.chapter_by_number[number]
                console.print(Text(f"{ch.id} {pick(ch.title, lang)}", style="bold"),
                              overflow="fold")
                for ex in exs:
                    first = Text(f"{mark(ex)} ", style="")
                    first.stylize("bold green")
                    first.append(ex.id, style="cyan").append("  ").append_text(status(ex))
                    first.append(f"  {t('list.points', lang, points=ex.points)}  {ex.kind}",
                                 style="dim")
                    _stacked_row(console, first, Text(f"{ex.section}  {pick(ex.title, lang)}"),
                                 indent=4)
            continue
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("", no_wrap=True, style="bold green", width=1)
        # ids are never cut (they are what a learner copies); the title wraps instead
        table.add_column(t("report.exercise", lang), no_wrap=True,
                         min_width=max(len(ex.id) for ex in group))
        table.add_column(t("report.section", lang), no_wrap=True)
        table.add_column(t("report.title", lang), overflow="fold", ratio=1)
        table.add_column(t("report.status", lang), no_wrap=True)
        table.add_column(t("report.points", lang), no_wrap=True)
        table.add_column(t("kind.header", lang), no_wrap=True, style="dim")
        for number, exs in chapters.items():
            ch = catalogue.chapter_by_number[number]
            table.add_row("", Text(f"{ch.id} {pick(ch.title, lang)}", style="bold"), "", "", "",
                          "", "")
            for ex in exs:
                table.add_row(mark(ex), Text(ex.id, style="cyan"), ex.section,
                              Text(pick(ex.title, lang)), status(ex), str(ex.points), ex.kind)
        console.print(table)
    if current is not None and any(ex.id == current for ex in exercises):
        console.print(t("list.current", lang, mark=CURRENT_MARK, id=current), style="dim",
                      soft_wrap=mode == PLAIN)


# ------------------------------------------------------------------------------ next
BOOK_URL = "https://zh.d2l.ai/chapter_{slug}/index.html"  # the chapter's page (Chinese edition)


def book_section(catalogue, ex, lang: str) -> tuple[str, str, str]:
    """(section number, its title, the chapter's page of the book) to read before `ex`: the
    exercise's own section when the catalogue names it, else the section above it."""
    ch = catalogue.chapter_of(ex)
    parts = ex.section.split(".")
    number = next((".".join(parts[:n]) for n in range(len(parts), 1, -1)
                   if ".".join(parts[:n]) in ch.sections), ex.section)
    return number, ch.section_title(number, lang), BOOK_URL.format(slug=ch.slug)


def english_chapter(catalogue, ex) -> str | None:
    """The chapter of the English edition (d2l.ai) that holds `ex` ("4" for ch3.softmax)."""
    from d2lkit.catalogue import TargetError

    for chapter, targets in catalogue.editions.get("en", {}).get("chapters", {}).items():
        try:
            if ex.id in {e.id for e in catalogue.resolve(targets)}:
                return chapter
        except TargetError:  # a target the editions table names that no longer resolves
            continue
    return None


def current_view(catalogue, current, where, stats, lang: str, console: Console):
    """`d2lkit next`: the current exercise, why it is current, where to write it, what to read."""
    ex = current.exercise
    soft = layout(console) == PLAIN
    if ex is None:
        console.print(t("next.done", lang), style="bold green", soft_wrap=soft)
        return
    heading = "next.heading-stretch" if ex.stretch else "next.heading"
    console.print(Text(t(heading, lang, id=ex.id, title=pick(ex.title, lang)), style="bold"),
                  soft_wrap=soft)
    lines = [t(f"next.why-{current.reason}", lang, target=current.target or "")]
    status = status_label(stats.status if stats else None, lang)
    lines.append(t("next.status", lang, status=status, attempts=stats.attempts if stats else 0,
                   hints=stats.hints_used if stats else 0, count=len(ex.hints)))
    lines.append(t("next.section", lang, section=ex.section, points=ex.points))
    path, line = where
    file = short_path(str(path)) + (f":{line}" if line else "")
    lines.append(t("next.file", lang, file=file, names=", ".join(ex.functions) or ex.name))
    number, title, url = book_section(catalogue, ex, lang)
    lines.append(t("next.read", lang, section=number, title=title, url=url))
    if lang == "en":
        chapter = english_chapter(catalogue, ex)
        if chapter:
            lines.append(t("next.read-en", lang, chapter=chapter))
    for text in lines:
        _line(console, Text("  " + text))
    console.print(t("next.then", lang), style="dim", soft_wrap=soft)


# ------------------------------------------------------------------------------ progress
def progress_view(catalogue, stats, activity, runs, lang: str, console: Console):
    """`d2lkit progress`: per-chapter bars, attempts (versions of the code graded), median time to
    first pass, hints, calendar. "passed" counts what passes now: a reset exercise does not."""
    mode = layout(console)
    console.print(t("progress.title", lang), style="bold")
    if not stats:
        console.print(t("progress.no-activity", lang), soft_wrap=mode == PLAIN)
    rows = []
    for ch in catalogue.chapters:
        mine = [stats[ex.id] for ex in ch.exercises if not ex.stretch and ex.id in stats]
        count = sum(1 for ex in ch.exercises if not ex.stretch)
        if not count:
            continue
        passed = sum(s.passed for s in mine)
        times = sorted(s.time_to_first_pass for s in mine if s.time_to_first_pass is not None)
        median = times[len(times) // 2] if times else None
        rows.append((f"{ch.id} {pick(ch.title, lang)}", count, passed,
                     sum(s.attempts for s in mine), duration(median),
                     sum(s.hints_used for s in mine), sum(s.status == RESET for s in mine)))
    heads = [t(f"progress.{k}", lang) for k in ("chapter", "passed", "attempts", "first-pass",
                                                 "hints")]
    if mode == PLAIN:
        _print_plain_rows(console, [heads[0], "", *heads[1:], t("progress.reset", lang)], [
            [label, _bar(count, passed, 20, console), f"{passed}/{count}", str(attempts), first,
             str(hints), str(resets)]
            for label, count, passed, attempts, first, hints, resets in rows])
    elif mode == STACKED:
        for label, count, passed, attempts, first, hints, resets in rows:
            console.print(Text(label, style="bold"), overflow="fold")
            console.print(_stacked_progress(count, passed, attempts, first, hints, resets, lang,
                                            console), overflow="fold")
    else:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False)
        table.add_column(heads[0])
        table.add_column("", width=24)
        for head in heads[1:]:
            table.add_column(head, justify="right")
        table.add_column(t("progress.reset", lang), justify="right")
        for label, count, passed, attempts, first, hints, resets in rows:
            table.add_row(Text(label), _bar(count, passed, 24, console), f"{passed}/{count}",
                          str(attempts), first, str(hints), str(resets))
        console.print(table)
    count, since = runs
    if count:
        console.print(t("progress.runs", lang, runs=count,
                        since=datetime.fromtimestamp(since).strftime("%Y-%m-%d")), style="dim")
    console.print(calendar(activity, lang, colour=not (console.no_color or mode == PLAIN)))


def _stacked_progress(count, passed, attempts, first, hints, resets, lang, console) -> Text:
    """The line under a chapter's name: its bar, then the figures (folded, never cut)."""
    line = Text("   ")
    line.append_text(_bar(count, passed, 20, console))
    line.append(" " + t("progress.stacked", lang, passed=passed, total=count, attempts=attempts,
                        first=first, hints=hints, resets=resets))
    return line


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


SHADES = ["grey23", "green4", "green3", "green1", "bright_green"]
SHADE_CHARS = ["·", "░", "▒", "▓", "█"]  # the same five levels without colour


def calendar(activity: dict[str, int], lang: str, weeks: int = 16, today: date | None = None,
             colour: bool = True) -> Group:
    """A GitHub-style grid: one column per week, one row per weekday, shaded by results that day
    (by colour, or without colour by character)."""
    today = today or date.today()
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    top = max(activity.values(), default=0)

    def cell(level: int) -> tuple[str, str]:
        return ("■ ", SHADES[level]) if colour else (SHADE_CHARS[level] + " ", "")

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
            line.append(*cell(level))
        rows.append(line)
    legend = Text(f"{t('progress.less', lang)} ", style="dim")
    for level in range(len(SHADES)):
        legend.append(*cell(level))
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
