"""The SQLite gradebook: schema, one transaction per submission, versions, the grade that counts."""

import datetime as dt
import shutil
import sqlite3
from dataclasses import replace

import pytest

from grader.checking import catalog
from grader.classroom.gradebook import SCHEMA_VERSION, FileSubmission, Gradebook, file_sha256, grader_version, package_version

from classes import BUGGY, CORRECT, NAME, cli, report, runs


def submission(student="alice", assignment="demo", data=b"v1", when="2026-11-01T10:00:00+00:00"):
    return FileSubmission(student, assignment, f"class/{student}/{assignment}.py", f"{assignment}.py",
                          file_sha256(data), when)


def record(book, sub, rep=None, version="1+a", error=None):
    return book.record(sub, grader_version=version, started_at="2026-11-01T10:00:00+00:00",
                       finished_at=dt.datetime.now(dt.timezone.utc).isoformat(), report=rep, error=error)


def test_a_new_gradebook_has_the_tables_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "gradebook.sqlite"
    Gradebook(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"batches", "submissions", "runs", "results"} <= tables
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    Gradebook(path).close()  # opening it again keeps it as it is


@pytest.mark.parametrize("old_version, dropped", [
    (1, ("confinement", "practice", "leaderboard", "withheld_output")),
    (2, ("practice", "leaderboard", "withheld_output")),
    (3, ("withheld_output",)),
])
def test_an_older_gradebook_is_upgraded_and_keeps_its_runs(tmp_path, old_version, dropped):
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as book:
        record(book, submission(), report(points=((1, 1), (0, 2))))
    with sqlite3.connect(path) as db:  # as that version wrote it: without the columns added since
        for column in dropped:
            db.execute(f"ALTER TABLE runs DROP COLUMN {column}")
        db.execute(f"PRAGMA user_version = {old_version}")
    with Gradebook(path) as book:
        (current,) = book.current()
        assert current.score == 1 and current.report.practice is False
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = {r[1] for r in book.db.execute("PRAGMA table_info(runs)")}
        assert set(dropped) <= columns


def test_the_gradebook_records_which_runs_used_the_practice_secret(tmp_path):
    practice, official = report(points=((1, 1),)), report(points=((1, 1),))
    practice.practice = True
    official.leaderboard = [{"name": "Test accuracy", "value": 0.97, "order": "desc"}]
    with Gradebook(tmp_path / "g.sqlite") as book:
        runs_ = [record(book, submission(student), rep) for student, rep in (("ann", practice), ("bob", official))]
        flags = [book.db.execute("SELECT practice FROM runs WHERE id = ?", (r,)).fetchone()[0] for r in runs_]
        rebuilt = [book.report(r) for r in runs_]
    assert flags == [1, 0]
    assert [r.practice for r in rebuilt] == [True, False]
    assert rebuilt[0].to_gradescope() == practice.to_gradescope()
    assert rebuilt[1].to_gradescope()["leaderboard"] == official.leaderboard


def test_not_a_gradebook_is_a_grade_error(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    from grader.errors import GradeError
    with pytest.raises(GradeError, match="cannot open the gradebook"):
        Gradebook(path)
    with pytest.raises(GradeError, match="no gradebook here"):
        Gradebook(tmp_path / "missing.sqlite", create=False)


def test_a_run_rebuilds_the_same_report(tmp_path):
    original = report(points=((1, 1), (0.5, 2), (0, 3)))
    with Gradebook(tmp_path / "g.sqlite") as book:
        run_id = record(book, submission(), original)
        rebuilt = book.report(run_id)
        (current,) = book.current()
    assert rebuilt.to_gradescope() == original.to_gradescope()
    assert [r.message for r in rebuilt.results] == [r.message for r in original.results]
    assert current.status == "graded" and current.score == original.score == 1.5
    assert current.gradescope == original.to_gradescope()
    assert [(r["check_id"], r["points"], r["max_points"], r["status"]) for r in current.results] == [
        ("check0.public", 1, 1, "passed"), ("check1.hidden", 0.5, 2, "failed"), ("check2.public", 0, 3, "failed")]


def test_lateness_survives_the_gradebook(tmp_path):
    from grader.checking.deadlines import Lateness
    due = dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.timezone.utc)
    original = report(points=((2, 2), (2, 2)))
    original.lateness = Lateness(due, due + dt.timedelta(hours=30), 0.1, "the file's modification time")
    with Gradebook(tmp_path / "g.sqlite") as book:
        rebuilt = book.report(record(book, submission(), original))
    assert original.score == 3.2 and rebuilt.score == 3.2 and rebuilt.raw_score == 4
    assert rebuilt.to_gradescope() == original.to_gradescope()


def test_a_run_is_committed_whole_or_not_at_all(tmp_path):
    broken = report()
    broken.results[1] = replace(broken.results[1], message=None)  # NOT NULL: the second row fails
    with Gradebook(tmp_path / "g.sqlite") as book:
        with pytest.raises(sqlite3.IntegrityError):
            record(book, submission(), broken)
        assert book.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
        assert book.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0
        assert book.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
        record(book, submission(), report())  # and the connection goes on working
        assert book.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def test_the_latest_version_of_a_file_counts_and_the_old_one_is_kept(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        first, second = submission(data=b"v1"), submission(data=b"v2")
        book.see([first])
        record(book, first, report(points=((1, 1),)))
        book.see([second])
        record(book, second, report(points=((0, 1),)))
        (current,) = book.current()
        assert current.sha256 == second.sha256 and current.score == 0
        assert [r["sha256"] for r in book.runs("alice", "demo")] == [first.sha256, second.sha256]
        book.see([first])  # the student went back to the first file: that one counts again
        assert book.current()[0].sha256 == first.sha256


def test_a_failed_grading_is_kept_with_its_reason_and_a_later_grade_wins(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        sub = submission()
        book.see([sub])
        record(book, sub, error="the grader failed: RuntimeError: boom")
        (current,) = book.current()
        assert (current.status, current.report) == ("failed", None)
        assert current.error == "the grader failed: RuntimeError: boom"
        assert book.graded_keys() == set()
        record(book, sub, report())
        assert book.current()[0].status == "graded"
        assert book.graded_keys() == {("alice", "demo", sub.sha256, "1+a")}


def test_graded_keys_hold_the_grader_version(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        record(book, submission(), report(), version="1+a")
        record(book, submission(student="bob"), report(), version="1+b")
        assert {(k[0], k[3]) for k in book.graded_keys()} == {("alice", "1+a"), ("bob", "1+b")}


def test_the_grader_version_changes_with_the_checks_not_the_statement(tmp_path, monkeypatch):
    assert grader_version(NAME).startswith(package_version() + "+")
    copy = tmp_path / "assignments"
    shutil.copytree(catalog.ROOT / NAME, copy / NAME, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalog, "ROOT", copy)

    def version():
        grader_version.cache_clear()
        return grader_version(NAME)

    try:
        before = version()
        (copy / NAME / "README.md").write_text("a new statement")
        (copy / NAME / "stub.py").write_text("# a new stub")
        assert version() == before
        spec = copy / NAME / "spec.toml"
        spec.write_text(spec.read_text().replace("hidden = 2", "hidden = 3", 1))
        assert version() != before
    finally:
        grader_version.cache_clear()


def test_submit_records_in_the_gradebook(tmp_path):
    gradebook, buggy = tmp_path / "g.sqlite", tmp_path / f"{NAME}.py"
    buggy.write_text(BUGGY)
    code, _, output = cli("submit", buggy, "-a", NAME, "--student", "s42", "--gradebook", gradebook)
    assert code == 1, output
    code, _, output = cli("submit", CORRECT, "-a", NAME, "--student", "s42", "--gradebook", gradebook)
    assert code == 0, output
    # 12: the sum and its gradient agree, but the own-gradient check and inputs_unchanged count only
    # with the values right
    assert [(r[0], r[2], r[3]) for r in runs(gradebook)] == [("s42", "graded", 12.0), ("s42", "graded", 30.0)]
    with Gradebook(gradebook) as book:
        (current,) = book.current()
        assert (current.student, current.score, current.filename) == ("s42", 30.0, CORRECT.name)
        assert current.sha256 == file_sha256(CORRECT.read_bytes())
        assert current.grader_version == grader_version(NAME)
        (command,) = {r[0] for r in book.db.execute("SELECT command FROM batches")}
        assert command == "submit"
        assert current.gradescope["tests"][0]["tags"] == ["add_bias"]
