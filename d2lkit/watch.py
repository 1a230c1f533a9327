"""`d2lkit watch`: the rustlings loop. Re-grade the current exercise when a workspace file is saved,
move on when it passes, and take single keys: h (next hint), l (list), n (next), q (quit).

Events come from watchfiles (inotify) in a thread; keys from the terminal in cbreak mode in
another thread (or whole lines when stdin is not a terminal, and always with `--manual`, where
Enter re-grades: for file systems whose events never arrive). Both feed one queue; the main thread
grades with a `WarmGrader`, whose zygote stays alive, so a re-grade pays no `import torch`.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time

from d2lkit.i18n import pick, t

KEYS = {"h": "hint", "l": "list", "n": "next", "q": "quit", "": "regrade", "r": "regrade"}


class Watcher:
    def __init__(self, ws, catalogue, exercises, target: str, lang: str, console, *, seed: int,
                 timeout: float = 10.0, device: str = "cpu", manual: bool = False, progress=None,
                 version: str = "", stdin=None):
        self.ws, self.cat, self.exercises, self.target = ws, catalogue, list(exercises), target
        self.lang, self.console, self.seed = lang, console, seed
        self.timeout, self.device, self.manual = timeout, device, manual
        self.progress, self.version = progress, version
        self.stdin = stdin or sys.stdin
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.grader = None
        self.passed: set[str] = set()
        stats = progress.stats() if progress is not None else {}
        self.passed = {eid for eid, s in stats.items() if s.status == "passed"}
        self.index = self._first_unpassed(0)

    # ------------------------------------------------------------------ helpers
    def say(self, key: str, style: str | None = None, **params):
        self.console.print(t(f"watch.{key}", self.lang, **params), style=style, highlight=False)

    def _first_unpassed(self, start: int) -> int:
        n = len(self.exercises)
        for k in range(n):
            i = (start + k) % n
            if self.exercises[i].id not in self.passed:
                return i
        return start % n if n else 0

    @property
    def current(self):
        return self.exercises[self.index]

    def _show_current(self):
        ex = self.current
        self.say("current", style="bold", position=self.index + 1, count=len(self.exercises),
                 id=ex.id, title=pick(ex.title, self.lang), file=ex.relpath)

    # ------------------------------------------------------------------ sources of events
    def _watch_files(self):
        try:
            from watchfiles import watch
        except ImportError:
            return
        root = str(self.ws.root)
        for changes in watch(root, stop_event=self.stop, debounce=150, step=50,
                             watch_filter=lambda change, path: path.endswith(".py")
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
        from d2lkit import render

        ex = self.current
        self.say("grading", style="dim", id=ex.id)
        run_id = None
        if self.progress is not None:
            run_id = self.progress.start_run(ex.id, self.seed, "watch", self.version)

        def record(result):
            if self.progress is not None:
                self.progress.record_result(run_id, result.id, result.status, result.mistake,
                                            result.duration_s, result.code_hash)

        start = time.perf_counter()
        [result] = self.grader.grade([ex], self.ws.root, seed=self.seed, on_result=record)
        elapsed = time.perf_counter() - start
        if self.progress is not None:
            self.progress.finish_run(run_id)
        render.check_report([result], self.cat, self.lang, ex.id, self.seed, self.ws, False,
                            self.console)
        self.console.print(f"[dim]({elapsed:.2f} s)[/dim]")
        if result.passed:
            self.passed.add(ex.id)
            if all(e.id in self.passed for e in self.exercises):
                self.say("all-done", style="bold green", count=len(self.exercises), target=self.target)
                return
            self.index = self._first_unpassed(self.index + 1)
            self.say("passed-next", style="bold green", id=ex.id, next=self.current.id)
            self._show_current()
            self.regrade()  # show where the next one stands (usually: not implemented yet)

    def hint(self):
        ex = self.current
        seen = self.progress.hints_seen(ex.id) if self.progress is not None else 0
        if seen >= len(ex.hints):
            self.say("no-more-hints", id=ex.id, count=len(ex.hints))
            for level, h in enumerate(ex.hints, 1):
                self.console.print(f"  {level}. {pick(h, self.lang)}", highlight=False)
            return
        level = seen + 1
        if self.progress is not None:
            self.progress.record_hint(ex.id, level)
        self.console.print(t("cli.hint-level", self.lang, level=level, count=len(ex.hints), id=ex.id,
                             title=pick(ex.title, self.lang)), style="bold", highlight=False)
        self.console.print(pick(ex.hints[level - 1], self.lang), highlight=False)

    def show_list(self):
        from d2lkit import render

        stats = self.progress.stats() if self.progress is not None else {}
        render.exercise_list(self.exercises, self.cat, stats, self.lang, self.console)

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
        from d2lkit.grading.session import WarmGrader  # imports torch: only now

        self.grader = WarmGrader(timeout=self.timeout, device=self.device)
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
            self.grader.close()
