"""The learner's progress: standard-library sqlite3 at <workspace>/.d2lkit/progress.sqlite3.

Every check run and every exercise result is a row, and so is every hint and solution shown.
WAL mode and one short transaction per row mean that two `check` runs at once both land, and that
a run killed with SIGKILL loses nothing it had written. A file that is not a readable database is
moved aside (never deleted) and a fresh one started, with a warning.

Opened with `read_only=True` (an instructor reading a submission's history), the file is never
created, migrated, moved or written.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from d2lkit import __version__
from d2lkit.grading.protocol import Status

MIGRATIONS = [
    # 1: the first schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL,
        target TEXT NOT NULL, seed INTEGER, command TEXT, kit_version TEXT);
    CREATE TABLE results (
        id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), exercise TEXT NOT NULL,
        status TEXT NOT NULL, mistake TEXT, duration_s REAL, code_hash TEXT, at REAL NOT NULL);
    CREATE INDEX results_by_exercise ON results(exercise, at);
    CREATE TABLE hints (
        id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, level INTEGER NOT NULL, at REAL NOT NULL);
    CREATE TABLE solutions (
        id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, forced INTEGER NOT NULL, at REAL NOT NULL);
    """,
    # 2: `d2lkit reset` is an event (the exercise is back to its stub: "reset", not "passed"),
    #    and the last target a learner named decides the current exercise (`d2lkit next`)
    """
    CREATE TABLE resets (
        id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, whole_file INTEGER NOT NULL,
        at REAL NOT NULL);
    CREATE INDEX resets_by_exercise ON resets(exercise, at);
    CREATE TABLE targets (
        id INTEGER PRIMARY KEY, target TEXT NOT NULL, command TEXT NOT NULL, at REAL NOT NULL);
    """,
    # 3: `d2lkit update` re-keys the rows of an exercise the kit renamed (renames.toml); what it
    #    re-keyed is recorded here, since re-keying is the one change made to rows already written
    """
    CREATE TABLE renames (
        id INTEGER PRIMARY KEY, old TEXT NOT NULL, new TEXT NOT NULL, rows INTEGER NOT NULL,
        kit_version TEXT, at REAL NOT NULL);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
EXERCISE_TABLES = ("results", "hints", "solutions", "resets")  # the tables keyed by exercise id


RESET = "reset"  # the status of an exercise put back to its stub by `d2lkit reset` since its last
#                  result (the rows before it are kept: history is never deleted)


@dataclass
class ExerciseStats:
    exercise: str
    status: str | None = None  # latest status, RESET after a reset, None if never graded
    attempts: int = 0  # versions of the learner's code that were graded: a result counts when the
    #                    exercise's code hash changed since the previous one, never a re-grade
    first_attempt_at: float | None = None
    first_pass_at: float | None = None
    last_pass_at: float | None = None
    reset_at: float | None = None  # the latest `d2lkit reset` of this exercise
    hints_used: int = 0
    solution_viewed: bool = False

    @property
    def time_to_first_pass(self) -> float | None:
        if self.first_pass_at is None or self.first_attempt_at is None:
            return None
        return self.first_pass_at - self.first_attempt_at

    @property
    def ever_passed(self) -> bool:
        return self.first_pass_at is not None

    @property
    def passed(self) -> bool:
        """Passed now: the latest result passed and the exercise was not reset since."""
        return self.status == Status.PASSED


class Progress:
    """A connection to one workspace's progress file. `path=None` keeps nothing (read-only views
    of folders that are not workspaces, e.g. the kit's own solutions/)."""

    def __init__(self, path: Path | None, warn=None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        self.warn = warn or (lambda key, **params: None)
        self.db: sqlite3.Connection | None = None
        if path is None:
            return
        self.db = self._open_read_only() if read_only else self._open()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ opening
    def _open_read_only(self) -> sqlite3.Connection | None:
        """The file as it is, or None (nothing to read) when it is missing or unreadable."""
        if not self.path.is_file():
            return None
        # Reading a WAL database read-only still creates its -wal/-shm files. A cleanly closed
        # one has none, and `immutable` reads it without creating them; with a -wal left behind
        # (a run was killed, or one is writing now) its rows live there and must be read too.
        wal = Path(f"{self.path}-wal").exists()
        uri = f"{self.path.resolve().as_uri()}?{'mode=ro' if wal else 'immutable=1'}"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=5)
            db.execute("SELECT 1 FROM results LIMIT 1")
            return db
        except sqlite3.Error:
            return None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._connect()
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            self._migrate(db)
            return db
        except sqlite3.DatabaseError:
            try:
                db.close()
            except Exception:
                pass
            moved = self._move_aside()
            self.warn("progress-corrupt", path=str(self.path), moved=str(moved))
            db = self._connect()
            self._migrate(db)
            return db

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        moved = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                src.rename(Path(str(moved) + suffix))
        return moved

    @staticmethod
    def _migrate(db: sqlite3.Connection):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            return  # written by a newer d2lkit: read what we know, add rows as usual
        for number in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                # re-check inside the lock: another process may have migrated meanwhile
                if db.execute("PRAGMA user_version").fetchone()[0] > number:
                    db.execute("COMMIT")
                    continue
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={number + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def close(self):
        if self.db is not None:
            self.db.close()
            self.db = None

    # ------------------------------------------------------------------ writing
    def _write(self, sql: str, params: tuple) -> int | None:
        if self.db is None:
            return None
        cur = self.db.execute(sql, params)  # autocommit: one durable transaction per row
        return cur.lastrowid

    def start_run(self, target: str, seed: int, command: str, kit_version: str) -> int | None:
        return self._write("INSERT INTO runs(started_at, target, seed, command, kit_version) "
                           "VALUES (?,?,?,?,?)", (time.time(), target, seed, command, kit_version))

    def finish_run(self, run_id: int | None):
        if run_id is not None:
            self._write("UPDATE runs SET finished_at=? WHERE id=?", (time.time(), run_id))

    def record_result(self, run_id, exercise: str, status: str, mistake: str | None,
                      duration_s: float, code_hash: str, at: float | None = None):
        self._write("INSERT INTO results(run_id, exercise, status, mistake, duration_s, code_hash, at)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (run_id, exercise, str(status), mistake, duration_s, code_hash,
                     at or time.time()))

    @contextmanager
    def run(self, target: str, seed: int, command: str):
        """One grading run: yields the callback that records each result as it arrives. A run
        that raises stays unfinished (its rows are kept), which is what a killed run looks like."""
        run_id = self.start_run(target, seed, command, __version__)

        def record(result):
            self.record_result(run_id, result.id, result.status, result.mistake,
                               result.duration_s, result.code_hash)

        yield record
        self.finish_run(run_id)

    def record_hint(self, exercise: str, level: int):
        self._write("INSERT INTO hints(exercise, level, at) VALUES (?,?,?)",
                    (exercise, level, time.time()))

    def record_solution(self, exercise: str, forced: bool):
        self._write("INSERT INTO solutions(exercise, forced, at) VALUES (?,?,?)",
                    (exercise, int(forced), time.time()))

    def record_reset(self, exercise: str, whole_file: bool = False):
        """`d2lkit reset` put `exercise` back to its stub (`whole_file`: with the rest of its
        file, which could not be parsed). Earlier results stay; the status becomes RESET."""
        self._write("INSERT INTO resets(exercise, whole_file, at) VALUES (?,?,?)",
                    (exercise, int(whole_file), time.time()))

    def record_target(self, target: str, command: str):
        """The target a learner named (`check ch3`): the current exercise is looked for there."""
        self._write("INSERT INTO targets(target, command, at) VALUES (?,?,?)",
                    (target, command, time.time()))

    def rename_rows(self, renames: dict[str, str]) -> dict[str, int]:
        """Re-key the rows of every old exercise id in `renames` (old -> new) to its new id, in
        one transaction: the learner's history follows an exercise the kit renamed. The targets
        they named are re-keyed word by word. Returns old id -> rows re-keyed (only those with
        rows); each is recorded in `renames`. Back the file up first (`backup_to`)."""
        if self.db is None or not renames:
            return {}
        done: dict[str, int] = {}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for old, new in renames.items():
                count = 0
                for table in EXERCISE_TABLES:
                    count += self.db.execute(f"UPDATE {table} SET exercise=? WHERE exercise=?",
                                             (new, old)).rowcount
                for rowid, target in self.db.execute(
                        "SELECT id, target FROM targets WHERE ' ' || target || ' ' LIKE ?",
                        (f"% {old} %",)).fetchall():
                    # LIKE is only a coarse filter (`_` is its wildcard): words are compared
                    words = target.split(" ")
                    if old in words:
                        self.db.execute("UPDATE targets SET target=? WHERE id=?",
                                        (" ".join(new if w == old else w for w in words), rowid))
                        count += 1
                if count:
                    done[old] = count
                    self.db.execute("INSERT INTO renames(old, new, rows, kit_version, at) "
                                    "VALUES (?,?,?,?,?)",
                                    (old, new, count, __version__, time.time()))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return done

    def backup_to(self, path: Path) -> Path | None:
        """A consistent copy of the database (WAL included) at `path`; None when there is none."""
        if self.db is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(path)
        try:
            self.db.backup(copy)
        finally:
            copy.close()
        return path

    def exercises_with_rows(self) -> set[str]:
        """Every exercise id any row names (also ids the kit no longer has: kept, never deleted)."""
        return {row[0] for table in EXERCISE_TABLES
                for row in self._rows(f"SELECT DISTINCT exercise FROM {table}")}

    # ------------------------------------------------------------------ reading
    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.db is None:
            return []
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as e:
            # a file of an older schema opened read-only (never migrated): the tables a newer
            # version added are simply empty
            if "no such table" in str(e):
                return []
            raise

    def hints_seen(self, exercise: str) -> int:
        rows = self._rows("SELECT MAX(level) FROM hints WHERE exercise=?", (exercise,))
        return rows[0][0] or 0 if rows else 0

    def has_passed(self, exercise: str) -> bool:
        return bool(self._rows("SELECT 1 FROM results WHERE exercise=? AND status='passed' LIMIT 1",
                               (exercise,)))

    def stats(self) -> dict[str, ExerciseStats]:
        out: dict[str, ExerciseStats] = {}
        # results and resets in the order they happened (a reset after a result at the same
        # instant comes second)
        events = [(at, 0, rowid, exercise, status, code_hash) for rowid, exercise, status, code_hash, at
                  in self._rows("SELECT id, exercise, status, code_hash, at FROM results")]
        events += [(at, 1, rowid, exercise, RESET, None) for rowid, exercise, at
                   in self._rows("SELECT id, exercise, at FROM resets")]
        last_code: dict[str, str | None] = {}
        for at, _, _, exercise, status, code_hash in sorted(events):
            s = out.setdefault(exercise, ExerciseStats(exercise))
            s.status = status
            if status == RESET:
                s.reset_at = at
                last_code[exercise] = None  # whatever is graded next is a new attempt
                continue
            # a row without a hash (a missing file) is told apart by its status
            code = code_hash or f"status:{status}"
            if status != Status.NOT_IMPLEMENTED:
                if code != last_code.get(exercise):
                    s.attempts += 1
                if s.first_attempt_at is None:
                    s.first_attempt_at = at
            last_code[exercise] = code
            if status == Status.PASSED:
                if s.first_pass_at is None:
                    s.first_pass_at = at
                s.last_pass_at = at
        for exercise, level in self._rows("SELECT exercise, MAX(level) FROM hints GROUP BY exercise"):
            out.setdefault(exercise, ExerciseStats(exercise)).hints_used = level
        for (exercise,) in self._rows("SELECT DISTINCT exercise FROM solutions"):
            out.setdefault(exercise, ExerciseStats(exercise)).solution_viewed = True
        return out

    def last_target(self) -> str | None:
        """The target of the latest `check` or `watch` that named one."""
        rows = self._rows("SELECT target FROM targets ORDER BY at DESC, id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def last_passed(self) -> str | None:
        """The exercise that passed most recently."""
        rows = self._rows("SELECT exercise FROM results WHERE status='passed' "
                          "ORDER BY at DESC, id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def activity(self) -> dict[str, int]:
        """Results per local day, 'YYYY-MM-DD' -> count."""
        return dict(self._rows(
            "SELECT date(at, 'unixepoch', 'localtime') AS day, COUNT(*) FROM results "
            "WHERE status != 'not_implemented' GROUP BY day ORDER BY day"))

    def runs(self) -> tuple[int, float | None]:
        rows = self._rows("SELECT COUNT(*), MIN(started_at) FROM runs")
        return (rows[0][0], rows[0][1]) if rows else (0, None)

    def export_rows(self) -> list[dict]:
        cols = ("run_id", "exercise", "status", "mistake", "duration_s", "code_hash", "at")
        return [dict(zip(cols, r)) for r in self._rows(
            f"SELECT {', '.join(cols)} FROM results ORDER BY at, id")]
