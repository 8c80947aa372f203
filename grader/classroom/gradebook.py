"""The gradebook: every graded submission, in one SQLite file.

Tables (see ``SCHEMA``):

- ``submissions``: one row per distinct file a student handed in for an
  assignment (student, assignment, sha256 of the bytes, file name, path,
  submitted time = the file's modification time). A new version of a
  student's file is a new row beside the old one; ``last_seen_at`` says which
  one a batch found last, and that one counts.
- ``runs``: one grading of one submission: the grader version (the package's
  version plus a hash of the assignment's spec, checks and reference, so that a
  changed check is a new version), started and finished times, status
  ``graded`` or ``failed`` (failed to grade, with the reason), total score, and
  the Gradescope ``results.json`` as it was written.
- ``results``: one row per check of a run: points, max, status, message.
- ``batches``: one row per command that wrote here (``grade batch`` or
  ``grade submit``): its arguments and when it started and finished; a batch
  without ``finished_at`` was interrupted.

One process writes (a batch's main process); each submission's run and check
results are committed in one transaction the moment its grading finishes, in
WAL mode, so a killed batch loses only the gradings still in flight. A
submission counts as graded at a version when it has a run with status
``graded`` at that version; ``graded_keys`` gives the set a batch skips.

Reading: ``current`` gives the grade that counts per student and assignment
(the latest version of the file, its latest graded run), each with the
``Report`` rebuilt from the rows, for exports and feedback pages.
"""

import datetime as dt
import hashlib
import json
import os
import socket
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from grader.errors import GradeError
from grader.reporting.report import CheckResult, Report
from grader.version import package_version

DEFAULT_PATH = "gradebook.sqlite"
SCHEMA_VERSION = 4  # 2: runs.confinement; 3: runs.practice, runs.leaderboard; 4: runs.withheld_output
# What turns a gradebook of version N into one of version N + 1.
_UPGRADES = {
    1: "ALTER TABLE runs ADD COLUMN confinement TEXT;",
    2: "ALTER TABLE runs ADD COLUMN practice INTEGER NOT NULL DEFAULT 0; "
       "ALTER TABLE runs ADD COLUMN leaderboard TEXT;",
    3: "ALTER TABLE runs ADD COLUMN withheld_output TEXT;",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,             -- "batch" or "submit"
    arguments TEXT NOT NULL,           -- JSON
    package_version TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,                  -- NULL: still running, or interrupted
    summary TEXT                       -- JSON counts, when finished
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    path TEXT NOT NULL,                -- where it was last found
    submitted_at TEXT NOT NULL,        -- the file's modification time (UTC)
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    UNIQUE (student, assignment, sha256)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    batch_id INTEGER REFERENCES batches(id),
    grader_version TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'failed')),
    error TEXT,                        -- why it could not be graded
    score REAL,
    max_score REAL,
    raw_score REAL,                    -- before any late penalty
    execution_time REAL,
    notes TEXT,                        -- JSON list
    output TEXT,                       -- what the submission printed, as its report shows it
    withheld_output TEXT,              -- what it printed during checks on drawn inputs: staff only
    lateness TEXT,                     -- JSON, where a deadline was applied
    gradescope TEXT,                   -- JSON results.json
    confinement TEXT,                  -- what confined the submission ("none: why" where nothing)
    practice INTEGER NOT NULL DEFAULT 0,  -- 1: hidden inputs drawn from the practice secret
    leaderboard TEXT,                  -- JSON list: Gradescope leaderboard entries
    worker TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_submission ON runs (submission_id, status, grader_version);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    check_id TEXT NOT NULL,            -- "mse_loss.public", "mse_loss.hidden"
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    hidden INTEGER NOT NULL,
    tags TEXT NOT NULL,                -- JSON list
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    status TEXT NOT NULL,              -- "passed" or "failed"
    message TEXT NOT NULL,
    seconds REAL NOT NULL,
    curves TEXT,                       -- JSON, training curves for feedback pages
    PRIMARY KEY (run_id, position)
);
"""

# The submission that counts per student and assignment, and its latest graded run
# (or its latest failed one where it has none).
_CURRENT = """
WITH latest AS (
    SELECT s.*, ROW_NUMBER() OVER (PARTITION BY student, assignment
                                   ORDER BY last_seen_at DESC, id DESC) AS rank
    FROM submissions s
)
SELECT l.id AS submission_id, l.student, l.assignment, l.sha256, l.filename, l.path,
       l.submitted_at, r.id AS run_id
FROM latest l
LEFT JOIN runs r ON r.id = (
    SELECT id FROM runs WHERE submission_id = l.id
    ORDER BY status = 'graded' DESC, finished_at DESC, id DESC LIMIT 1)
WHERE l.rank = 1 {where}
ORDER BY l.assignment, l.student
"""


def now():
    """The current time as stored: ISO 8601, UTC, microseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


@lru_cache(maxsize=None)
def grader_version(assignment):
    """``0.1.0+3f2a9c1b04de``: the package's version and a hash of what grades ``assignment``.

    The hash covers the assignment's folder (spec, checks, fixtures, helpers;
    not its stub or statement) and its reference solution, so that a changed
    check or threshold makes a new version. Changes to the engine itself need
    a new package version.
    """
    from grader.checking import catalog
    folder = catalog.ROOT / assignment
    digest = hashlib.sha256()
    files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and not p.name.startswith(("stub.", "README", "."))]
    try:
        from importlib.util import find_spec
        found = find_spec(f"reference.{assignment}")
        reference = Path(found.origin) if found and found.origin else None
    except (ImportError, ValueError):
        reference = None
    for path in sorted(files) + ([reference] if reference and reference.is_file() else []):
        name = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else f"reference/{path.name}"
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{package_version()}+{digest.hexdigest()[:12]}"


def file_sha256(data):
    return hashlib.sha256(data).hexdigest()


@dataclass
class Graded:
    """The grade that counts for one student and assignment, as the gradebook holds it."""

    student: str
    assignment: str
    submission_id: int
    sha256: str
    filename: str
    path: str
    submitted_at: str
    run_id: int | None = None
    status: str = "not graded"   # "graded", "failed" (failed to grade) or "not graded"
    error: str | None = None
    grader_version: str | None = None
    graded_at: str | None = None
    score: float | None = None
    max_score: float | None = None
    gradescope: dict | None = None
    report: Report | None = None  # rebuilt from the rows where graded
    results: list = field(default_factory=list)  # the result rows, as dicts


class Gradebook:
    """A connection to the gradebook at ``path``, created on first use."""

    def __init__(self, path=DEFAULT_PATH, *, create=True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise GradeError(f"{self.path}: no gradebook here (grade batch --gradebook PATH creates one)")
        try:
            if self.path.parent != Path(""):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("PRAGMA foreign_keys = ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise GradeError(f"{self.path}: written by a newer grader (schema {version}); upgrade `grade`")
            if version < SCHEMA_VERSION:
                # A new gradebook (version 0) gets SCHEMA whole; an older one, each upgrade from its version.
                upgrade = "".join(_UPGRADES[v] for v in range(max(version, 1), SCHEMA_VERSION)) if version else ""
                self.db.executescript("BEGIN IMMEDIATE;" + SCHEMA + upgrade
                                      + f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        except sqlite3.DatabaseError as exc:
            raise GradeError(f"{self.path}: cannot open the gradebook ({exc})") from None

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def transaction(self):
        return _Transaction(self.db)

    # -- writing ---------------------------------------------------------------

    def begin_batch(self, command, arguments):
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO batches (command, arguments, package_version, host, pid, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (command, json.dumps(arguments, default=str), package_version(), socket.gethostname(),
                 os.getpid(), now()))
        return cursor.lastrowid

    def finish_batch(self, batch_id, summary):
        with self.transaction():
            self.db.execute("UPDATE batches SET finished_at = ?, summary = ? WHERE id = ?",
                            (now(), json.dumps(summary), batch_id))

    def graded_keys(self):
        """``{(student, assignment, sha256, grader_version)}`` of every graded run."""
        rows = self.db.execute(
            "SELECT DISTINCT s.student, s.assignment, s.sha256, r.grader_version FROM runs r "
            "JOIN submissions s ON s.id = r.submission_id WHERE r.status = 'graded'")
        return {tuple(row) for row in rows}

    def see(self, submissions, seen_at=None):
        """Record that a batch found these submissions (new rows; ``last_seen_at`` for known ones).

        ``submissions`` are objects with student, assignment, sha256, filename,
        path and submitted_at; returns their ids in the same order.
        """
        seen_at = seen_at or now()
        with self.transaction():
            return [self._upsert(s, seen_at) for s in submissions]

    def record(self, submission, *, grader_version, started_at, finished_at, report=None, error=None,
               batch_id=None, worker=None):
        """Commit one grading of ``submission``: its run and every check's result, in one transaction.

        ``report`` where it was graded, ``error`` (the reason) where it failed to grade.
        Returns the run's id.
        """
        with self.transaction():
            submission_id = self._upsert(submission, None)
            if report is None:
                cursor = self.db.execute(
                    "INSERT INTO runs (submission_id, batch_id, grader_version, status, error, worker, "
                    "started_at, finished_at) VALUES (?, ?, ?, 'failed', ?, ?, ?, ?)",
                    (submission_id, batch_id, grader_version, error or "unknown error", worker,
                     started_at, finished_at))
                return cursor.lastrowid
            lateness = getattr(report, "lateness", None)
            penalty = getattr(report, "penalty", 0.0)
            cursor = self.db.execute(
                "INSERT INTO runs (submission_id, batch_id, grader_version, status, score, max_score, "
                "raw_score, execution_time, notes, output, withheld_output, lateness, gradescope, confinement, "
                "practice, leaderboard, worker, started_at, finished_at) "
                "VALUES (?, ?, ?, 'graded', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (submission_id, batch_id, grader_version, report.score, report.max_score,
                 getattr(report, "raw_score", report.score), report.execution_time,
                 json.dumps(list(report.notes)), report.output, getattr(report, "withheld_output", ""),
                 json.dumps(lateness.to_dict(penalty)) if lateness is not None else None,
                 json.dumps(report.to_gradescope()), getattr(report, "confinement", ""),
                 int(getattr(report, "practice", False)), json.dumps(getattr(report, "leaderboard", [])),
                 worker, started_at, finished_at))
            run_id = cursor.lastrowid
            self.db.executemany(
                "INSERT INTO results (run_id, position, check_id, name, title, hidden, tags, points, "
                "max_points, status, message, seconds, curves) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, position, r.id, r.name, r.title,
                  int(r.hidden), json.dumps(list(r.tags)), r.score, r.max_score, r.status, r.message,
                  r.seconds, json.dumps(_curves(r)) if _curves(r) else None)
                 for position, r in enumerate(report.results)])
            return run_id

    def _upsert(self, s, seen_at):
        row = self.db.execute("SELECT id FROM submissions WHERE student = ? AND assignment = ? AND sha256 = ?",
                              (s.student, s.assignment, s.sha256)).fetchone()
        if row is not None:
            if seen_at is not None:
                self.db.execute("UPDATE submissions SET path = ?, filename = ?, last_seen_at = ? WHERE id = ?",
                                (str(s.path), s.filename, seen_at, row[0]))
            return row[0]
        stamp = seen_at or now()
        cursor = self.db.execute(
            "INSERT INTO submissions (student, assignment, sha256, filename, path, submitted_at, "
            "first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (s.student, s.assignment, s.sha256, s.filename, str(s.path), s.submitted_at, stamp, stamp))
        return cursor.lastrowid

    # -- reading ---------------------------------------------------------------

    def current(self, assignment=None):
        """The grade that counts per (student, assignment): a list of ``Graded``, sorted.

        The latest version of the student's file (the one a batch found last)
        and its latest graded run; where that version has only failed runs, the
        latest failed one; where it has none, status "not graded".
        """
        where, args = "", []
        if assignment:
            where += " AND l.assignment = ?"
            args.append(assignment)
        rows = self.db.execute(_CURRENT.format(where=where), args).fetchall()
        return [self._graded(row) for row in rows]

    def runs(self, student, assignment):
        """Every run of every version of one student's file, oldest first (dict rows)."""
        rows = self.db.execute(
            "SELECT r.*, s.sha256, s.filename, s.submitted_at FROM runs r "
            "JOIN submissions s ON s.id = r.submission_id WHERE s.student = ? AND s.assignment = ? "
            "ORDER BY r.id", (student, assignment))
        return [dict(r) for r in rows]

    def results(self, run_id):
        """The check results of one run, in order (dict rows; tags and curves decoded)."""
        rows = self.db.execute("SELECT * FROM results WHERE run_id = ? ORDER BY position", (run_id,))
        out = []
        for row in rows:
            item = dict(row)
            item["tags"] = json.loads(item["tags"])
            item["curves"] = json.loads(item["curves"]) if item["curves"] else {}
            item["hidden"] = bool(item["hidden"])
            out.append(item)
        return out

    def report(self, run_id):
        """The ``Report`` of a graded run, rebuilt from the gradebook; None for a failed one."""
        run = self.db.execute("SELECT r.*, s.student, s.assignment, s.filename FROM runs r "
                              "JOIN submissions s ON s.id = r.submission_id WHERE r.id = ?",
                              (run_id,)).fetchone()
        if run is None or run["status"] != "graded":
            return None
        return self._report(run, self.results(run_id))

    def _report(self, run, rows):
        results = [_check_result(r) for r in rows]
        report = Report(run["assignment"], run["filename"], run["student"], results=results,
                        notes=json.loads(run["notes"] or "[]"), output=run["output"] or "",
                        withheld_output=run["withheld_output"] or "",
                        execution_time=run["execution_time"] or 0.0, confinement=run["confinement"] or "",
                        practice=bool(run["practice"]), leaderboard=json.loads(run["leaderboard"] or "[]"))
        if run["lateness"] and hasattr(report, "lateness"):
            report.lateness = _lateness(json.loads(run["lateness"]))
        return report

    def _graded(self, row):
        graded = Graded(student=row["student"], assignment=row["assignment"],
                        submission_id=row["submission_id"], sha256=row["sha256"], filename=row["filename"],
                        path=row["path"], submitted_at=row["submitted_at"], run_id=row["run_id"])
        if row["run_id"] is None:
            return graded
        run = self.db.execute("SELECT r.*, s.student, s.assignment, s.filename FROM runs r "
                              "JOIN submissions s ON s.id = r.submission_id WHERE r.id = ?",
                              (row["run_id"],)).fetchone()
        graded.status, graded.error = run["status"], run["error"]
        graded.grader_version, graded.graded_at = run["grader_version"], run["finished_at"]
        if run["status"] == "graded":
            graded.score, graded.max_score = run["score"], run["max_score"]
            graded.gradescope = json.loads(run["gradescope"])
            graded.results = self.results(run["id"])
            graded.report = self._report(run, graded.results)
        return graded


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.owner = True
        else:
            self.owner = False
        return self.db

    def __exit__(self, kind, value, tb):
        if not self.owner:
            return
        if kind is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")


def _curves(result):
    return getattr(result, "curves", None) or {}


def _check_result(row):
    fields = dict(name=row["name"], title=row["title"], score=row["points"], max_score=row["max_points"],
                  message=row["message"], hidden=bool(row["hidden"]), tags=tuple(row["tags"]),
                  seconds=row["seconds"])
    if row.get("curves") and "curves" in CheckResult.__dataclass_fields__:
        fields["curves"] = row["curves"]
    return CheckResult(**fields)


def _lateness(data):
    """A ``grader.checking.deadlines.Lateness`` from its ``to_dict`` form; None where it cannot be read."""
    try:
        from grader.checking.deadlines import Lateness, parse_time
        return Lateness(parse_time(data["deadline"]), parse_time(data["submitted_at"]),
                        float(data["penalty_per_day"]), data.get("source", ""))
    except (ImportError, KeyError, TypeError, ValueError, GradeError):
        return None


@dataclass(frozen=True)
class FileSubmission:
    """A submission as the gradebook records it (``grader.classroom.batch.Task`` has the same fields)."""

    student: str
    assignment: str
    path: str
    filename: str
    sha256: str
    submitted_at: str


def record_file(gradebook, path, report, *, submitted_at=None, command="submit"):
    """Record one graded file (``grade submit --gradebook``): its submission, run and results.

    ``submitted_at`` (a datetime) where a deadline was applied, else the file's modification time.
    """
    path = Path(path)
    data = path.read_bytes()
    if submitted_at is None:
        submitted_at = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
    if isinstance(submitted_at, dt.datetime):
        submitted_at = submitted_at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    submission = FileSubmission(report.student, report.assignment, str(path.resolve()), path.name,
                                file_sha256(data), str(submitted_at))
    finished = now()
    started = (dt.datetime.fromisoformat(finished) - dt.timedelta(seconds=report.execution_time)).isoformat()
    with Gradebook(gradebook) as book:
        batch_id = book.begin_batch(command, {"file": str(path), "student": report.student,
                                              "assignment": report.assignment})
        book.see([submission])
        run_id = book.record(submission, grader_version=grader_version(report.assignment), started_at=started,
                             finished_at=finished, report=report, batch_id=batch_id)
        book.finish_batch(batch_id, {"graded": 1})
    return run_id
