"""`d2lkit watch`: the rustlings loop. Re-grade the current exercise when a workspace file is saved,
move on when it passes, and take single keys: h (next hint), l (list), n (next), q (quit).

Events come from watchfiles (inotify) in a thread; keys from the terminal in cbreak mode in
another thread (or whole lines when stdin is not a terminal, and always with `--manual`, where
Enter re-grades: for file systems whose events never arrive). Both feed one queue; the main thread
grades with an `Engine`, whose zygote stays alive, so a re-grade pays no `import torch`.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time

from d2lkit.output.terminal import show_hint
from d2lkit.grading.options import Options
from d2lkit.i18n import pick, t
from d2lkit.output import terminal
from d2lkit.progress import Progress

KEYS = {"h": "hint", "l": "list", "n": "next", "q": "quit", "": "regrade", "r": "regrade"}


class Watcher:
    """The watch loop over `exercises` of workspace `ws`, graded with `options`. Without a
    `progress` store nothing is recorded."""

    def __init__(self, ws, catalogue, exercises, options: Options, console, *, target: str,
                 progress: Progress | None = None, manual: bool = False, stdin=None,
                 start=None):
        self.ws, self.cat, self.exercises, self.target = ws, catalogue, list(exercises), target
        self.options, self.lang, self.console = options, options.lang, console
        self.progress = progress if progress is not None else Progress(None)
        self.manual = manual
        self.stdin = stdin or sys.stdin
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.engine = None
        self.passed = {eid for eid, s in self.progress.stats().items() if s.passed}
        # `start` (the current exercise, for `watch` without an id), else the first not passed
        ids = [ex.id for ex in self.exercises]
        self.index = ids.index(start.id) if start is not None and start.id in ids \
            else self._first_unpassed(0)

    # ------------------------------------------------------------------ helpers
    def say(self, key: str, style: str | None = None, **params):
        # plain text: "[h]" in the key legend is a key to press, not rich markup
        self.console.print(t(f"watch.{key}", self.lang, **params), style=style, highlight=False,
                           markup=False)

    def _first_unpassed(self, start: int) -> int:
        """The first exercise not passed from `start` on (wrapping round): a required one while
        any is left, then a stretch one (they are extra: never ahead of a required one)."""
        n = len(self.exercises)
        order = [(start + k) % n for k in range(n)]
        for stretch in (False, True):
            for i in order:
                ex = self.exercises[i]
                if ex.stretch == stretch and ex.id not in self.passed:
                    return i
        return start % n if n else 0


    @property
    def current(self):
        return self.exercises[self.index]

    def _show_current(self):
        ex = self.current
        self.say("current-stretch" if ex.stretch else "current", style="bold",
                 position=self.index + 1, count=len(self.exercises), id=ex.id,
                 title=pick(ex.title, self.lang), file=ex.relpath)

    # ------------------------------------------------------------------ sources of events
    def _watch_files(self):
        try:
            from watchfiles import watch
        except ImportError:
            return
        root = str(self.ws.root)
        for changes in watch(root, stop_event=self.stop, debounce=150, step=50,
                             watch_filter=lambda change, path: path.endswith((".py", "quiz.toml"))
                             and "/.d2lkit/" not in path and "__pycache__" not in path,
                             raise_interrupt=False):
            files = sorted({os.path.relpath(p, root) for _, p in changes})
            self.events.put(("changed", files))

    def _read_keys(self):
        stream = self.stdin
        tty = not self.manual and hasattr(stream, "isatty") and stream.isatty()
        if tty:
            import termios
            import tty as ttymod

            fd = stream.fileno()
            old = termios.tcgetattr(fd)
            self._restore = lambda: termios.tcsetattr(fd, termios.TCSADRAIN, old)
            ttymod.setcbreak(fd)
            try:
                while not self.stop.is_set():
                    ch = os.read(fd, 1).decode(errors="ignore").lower()
                    if ch in ("\r", "\n"):
                        ch = ""
                    if ch in KEYS:
                        self.events.put((KEYS[ch], None))
                    elif ch == "\x03":
                        self.events.put(("quit", None))
            finally:
                self._restore()
            return
        for line in stream:
            key = line.strip().lower()[:1]
            if key in KEYS:
                self.events.put((KEYS[key], None))
            if self.stop.is_set():
                return
        self.events.put(("quit", None))  # end of input

    # ------------------------------------------------------------------ actions
    def regrade(self):
        ex = self.current
        self.say("grading", style="dim", id=ex.id)
        start = time.perf_counter()
        with self.progress.run(ex.id, self.options.seed, "watch") as record:
            results = self.engine.grade([ex], self.ws.root, on_result=record)
        elapsed = time.perf_counter() - start
        terminal.check_report(results, self.cat, self.options, self.ws, self.console,
                              watching=True)
        self.console.print(f"[dim]({elapsed:.2f} s)[/dim]")
        if results[0].passed:
            self.passed.add(ex.id)
            if all(e.id in self.passed for e in self.exercises):
                stretch = sum(e.stretch for e in self.exercises)
                key = ("one-done" if len(self.exercises) == 1 else
                       "all-done-stretch" if stretch else "all-done")
                self.say(key, style="bold green", count=len(self.exercises), target=self.target,
                         stretch=stretch)
                return
            self.index = self._first_unpassed(self.index + 1)
            if self.current.stretch and not ex.stretch:
                # every required exercise passes now: what is left is extra
                self.say("required-done", style="bold green", id=ex.id, next=self.current.id,
                         count=sum(not e.stretch for e in self.exercises), target=self.target)
            else:
                self.say("passed-next", style="bold green", id=ex.id, next=self.current.id)
            self._show_current()
            self.regrade()  # show where the next one stands (usually: not implemented yet)

    def hint(self):
        show_hint(self.current, self.progress, self.lang, self.console)

    def show_list(self):
        terminal.exercise_list(self.exercises, self.cat, self.progress.stats(), self.lang,
                               self.console, current=self.current.id)

    def next(self):
        if self.index + 1 >= len(self.exercises):
            self.say("end-of-list", target=self.target)
            self.index = self._first_unpassed(0)
        else:
            self.index += 1
        self.say("skipped", id=self.current.id)
        self._show_current()
        self.regrade()

    # ------------------------------------------------------------------ the loop
    def run(self) -> int:
        from d2lkit.grading.engine import Engine  # imports torch: only now

        self.engine = Engine(self.options)
        try:
            self.say("started", style="bold", path=str(self.ws.root), count=len(self.exercises),
                     target=self.target)
            self.say("keys-manual" if self.manual else "keys", style="dim")
            threads = [threading.Thread(target=self._read_keys, daemon=True)]
            if not self.manual:
                threads.append(threading.Thread(target=self._watch_files, daemon=True))
            for th in threads:
                th.start()
            self._show_current()
            self.regrade()
            while True:
                kind, data = self.events.get()
                if kind == "changed":
                    while True:  # one re-grade for a burst of saves
                        try:
                            more = self.events.get(timeout=0.05)
                        except queue.Empty:
                            break
                        if more[0] != "changed":
                            self.events.put(more)
                            break
                    self.say("changed", style="dim", file=", ".join(data))
                    self.regrade()
                elif kind == "regrade":
                    self.regrade()
                elif kind == "hint":
                    self.hint()
                elif kind == "list":
                    self.show_list()
                elif kind == "next":
                    self.next()
                elif kind == "quit":
                    self.say("bye")
                    return 0
        except KeyboardInterrupt:
            self.say("bye")
            return 0
        finally:
            self.stop.set()
            restore = getattr(self, "_restore", None)
            if restore:
                try:
                    restore()
                except Exception:
                    pass
            self.engine.close()
