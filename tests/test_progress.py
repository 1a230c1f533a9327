"""Progress survives concurrent runs, SIGKILL in the middle of a run, and a corrupted file."""

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time

from d2lkit.progress import SCHEMA_VERSION, Progress


def _writer(path, name, n):
    p = Progress(path)
    run = p.start_run(name, 1, "check", "test")
    for i in range(n):
        p.record_result(run, f"{name}.ex{i}", "failed", None, 0.01, "h")
    p.finish_run(run)
    p.close()


def test_schema_is_versioned(tmp_path):
    p = Progress(tmp_path / "p.sqlite3")
    assert p.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert p.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = tmp_path / "p.sqlite3"
    Progress(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, f"w{k}", 200)) for k in range(2)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(60)
        assert pr.exitcode == 0
    rows = Progress(path).export_rows()
    assert len(rows) == 400
    assert {r["exercise"].split(".")[0] for r in rows} == {"w0", "w1"}


KILLED_WRITER = """
import sys, time
from d2lkit.progress import Progress
p = Progress(sys.argv[1])
run = p.start_run("all", 1, "check", "test")
i = 0
while True:
    p.record_result(run, f"ex{i}", "passed", None, 0.0, "h")
    i += 1
    if i == 50:
        print("ready", flush=True)
"""


def test_sigkill_in_the_middle_keeps_earlier_rows_and_a_readable_file(tmp_path):
    path = tmp_path / "p.sqlite3"
    p = Progress(path)
    run = p.start_run("ch2", 1, "check", "test")
    p.record_result(run, "ch2.earlier", "passed", None, 0.1, "h")
    p.close()
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = Progress(path)
    assert after.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    exercises = [r["exercise"] for r in after.export_rows()]
    assert "ch2.earlier" in exercises
    assert len(exercises) >= 51  # every row the killed run had committed is still there


def test_a_corrupted_file_is_moved_aside_with_a_warning(tmp_path):
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    warnings = []
    p = Progress(path, warn=lambda key, **kw: warnings.append((key, kw)))
    assert warnings and warnings[0][0] == "progress-corrupt"
    moved = warnings[0][1]["moved"]
    assert os.path.exists(moved) and open(moved, "rb").read().startswith(b"this is not")
    p.record_result(None, "ch2.x", "passed", None, 0.0, "h")
    assert len(p.export_rows()) == 1


def test_stats_count_attempts_first_pass_and_hints(tmp_path):
    p = Progress(tmp_path / "p.sqlite3")
    p.record_result(None, "ch2.a", "not_implemented", None, 0, "h0", at=100)
    p.record_result(None, "ch2.a", "failed", "m", 0, "h1", at=200)
    p.record_result(None, "ch2.a", "passed", None, 0, "h2", at=260)
    p.record_result(None, "ch2.a", "passed", None, 0, "h2", at=300)
    p.record_hint("ch2.a", 1)
    p.record_hint("ch2.a", 2)
    s = p.stats()["ch2.a"]
    # two versions of the code were graded (h1, h2); the re-grade of h2 is not an attempt
    assert (s.attempts, s.time_to_first_pass, s.hints_used, s.status) == (2, 60, 2, "passed")
    assert p.has_passed("ch2.a") and not p.has_passed("ch2.b")
    assert sum(p.activity().values()) == 3


def test_attempts_count_changes_of_the_code_not_re_grades(tmp_path):
    p = Progress(tmp_path / "p.sqlite3")
    for at in range(10):  # `watch` re-grading the same code, or a chapter checked again and again
        p.record_result(None, "ch2.a", "passed", None, 0, "same", at=at)
    assert p.stats()["ch2.a"].attempts == 1
    # A -> B -> A is three versions graded; a file that cannot be read (no hash) counts once
    for at, code in ((20, "A"), (21, "B"), (22, "B"), (23, "A")):
        p.record_result(None, "ch2.b", "failed", None, 0, code, at=at)
    p.record_result(None, "ch2.b", "error", None, 0, "", at=24)
    p.record_result(None, "ch2.b", "error", None, 0, "", at=25)
    assert p.stats()["ch2.b"].attempts == 4
    # the stub, graded, is not an attempt
    p.record_result(None, "ch2.c", "not_implemented", None, 0, "stub", at=30)
    p.record_result(None, "ch2.c", "not_implemented", None, 0, "stub", at=31)
    assert p.stats()["ch2.c"].attempts == 0


def test_a_reset_is_an_event_and_history_is_kept(tmp_path):
    p = Progress(tmp_path / "p.sqlite3")
    p.record_result(None, "ch2.a", "failed", None, 0, "A", at=100)
    p.record_result(None, "ch2.a", "passed", None, 0, "B", at=160)
    p.record_reset("ch2.a")
    s = p.stats()["ch2.a"]
    assert s.status == "reset" and not s.passed and s.ever_passed and s.reset_at is not None
    assert s.time_to_first_pass == 60 and s.attempts == 2
    assert len(p.export_rows()) == 2  # no result row was deleted
    assert p.has_passed("ch2.a")  # the solution stays unlocked
    # graded again after the reset: the new result is the status, and a new attempt
    p.record_result(None, "ch2.a", "failed", None, 0, "B", at=time.time() + 1)
    s = p.stats()["ch2.a"]
    assert s.status == "failed" and s.attempts == 3


def test_the_last_target_and_the_last_exercise_passed(tmp_path):
    p = Progress(tmp_path / "p.sqlite3")
    assert p.last_target() is None and p.last_passed() is None
    p.record_target("ch3", "check")
    p.record_target("ch2.vector_norm ch2.frobenius_norm", "watch")
    assert p.last_target() == "ch2.vector_norm ch2.frobenius_norm"
    p.record_result(None, "ch2.a", "passed", None, 0, "A", at=100)
    p.record_result(None, "ch2.b", "passed", None, 0, "B", at=200)
    p.record_result(None, "ch2.c", "failed", None, 0, "C", at=300)
    assert p.last_passed() == "ch2.b"


def _version_1_file(path):
    """A progress file as d2lkit wrote it before resets and targets were recorded."""
    from d2lkit.progress import MIGRATIONS

    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO results(run_id, exercise, status, code_hash, at) VALUES "
               "(NULL, 'ch2.a', 'passed', 'h', 100)")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()


def test_a_version_1_file_is_migrated_and_read_only_readers_still_read_it(tmp_path):
    path = tmp_path / "p.sqlite3"
    _version_1_file(path)
    with Progress(path, read_only=True) as reader:  # an instructor's view: never migrated
        assert reader.stats()["ch2.a"].passed and reader.last_target() is None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1
    with Progress(path) as p:
        assert p.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert p.stats()["ch2.a"].passed  # the old rows are intact
        p.record_reset("ch2.a")
        assert p.stats()["ch2.a"].status == "reset"


def test_a_newer_schema_is_left_alone(tmp_path):
    path = tmp_path / "p.sqlite3"
    Progress(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    p = Progress(path)
    p.record_result(None, "ch2.x", "passed", None, 0.0, "h")
    assert p.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5


def test_read_only_never_creates_migrates_or_writes(tmp_path):
    missing = tmp_path / "nothing" / "p.sqlite3"
    with Progress(missing, read_only=True) as p:
        assert p.stats() == {}
    assert not missing.parent.exists()

    path = tmp_path / "p.sqlite3"
    with Progress(path) as p:
        p.record_result(None, "ch2.a", "failed", None, 0, "h", at=100)
        p.record_result(None, "ch2.a", "passed", None, 0, "h", at=130)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=0")  # an old schema: a writer would migrate it
    db.commit()
    db.close()
    before = path.read_bytes()
    with Progress(path, read_only=True) as p:
        assert p.stats()["ch2.a"].time_to_first_pass == 30
        try:
            p.record_result(None, "ch2.b", "passed", None, 0, "h")
        except sqlite3.OperationalError:
            pass
        else:
            raise AssertionError("a read-only progress wrote a row")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.sqlite3"]  # no -wal, no -shm

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    with Progress(garbage, read_only=True) as p:
        assert p.stats() == {}
    assert garbage.read_bytes() == b"not a database" * 100
    assert not list(tmp_path.glob("garbage.sqlite3.corrupt-*"))


def test_read_only_sees_rows_still_in_the_write_ahead_log(tmp_path):
    path = tmp_path / "p.sqlite3"
    writer = Progress(path)  # kept open: its rows are in p.sqlite3-wal, not yet in the file
    writer.db.execute("PRAGMA wal_autocheckpoint=0")
    writer.record_result(None, "ch2.a", "passed", None, 0, "h", at=100)
    assert (tmp_path / "p.sqlite3-wal").exists()
    with Progress(path, read_only=True) as reader:
        assert reader.stats()["ch2.a"].status == "passed"
    writer.close()
