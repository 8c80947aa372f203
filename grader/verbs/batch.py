"""`grade batch`: grade a class's submissions in parallel into the gradebook, resumably.

Each submission's run is committed to the gradebook the moment its grading
finishes. A submission already graded with the same file hash and grader
version is skipped unless ``regrade``; so a batch killed in the middle (even
by SIGKILL) and run again grades what is left, and each submission ends with
exactly one grading.
"""

import fcntl
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.checking import catalog
from grader.classroom.batch import DaskPool, LocalPool, default_workers, scan
from grader.errors import GradeError
from grader.classroom.gradebook import DEFAULT_PATH, Gradebook, grader_version
from grader.checking.deadlines import FILE_TIME, GIVEN_TIMES, read_times
from grader.checking.grading import refuse_unconfined
from grader.reporting.inert import terminal_line
from grader.verbs.export import write_student_files


@dataclass
class BatchSummary:
    found: int = 0
    graded: int = 0
    skipped: int = 0
    failed: list = field(default_factory=list)          # (task, reason)
    unused: list = field(default_factory=list)          # grader.classroom.batch.Unused
    current: list = field(default_factory=list)         # grader.classroom.gradebook.Graded, this batch's students
    other_versions: list = field(default_factory=list)  # (task, version): graded by another version
    file_dated: list = field(default_factory=list)      # tasks whose deadline goes by their file's time
    times_skipped: int = 0                              # dated with --times, but already graded before
    seconds: float = 0.0
    record_seconds: float = 0.0                         # time spent committing to the gradebook
    pool: str = ""
    gradebook: str = ""
    out: str | None = None

    @property
    def exit_code(self):
        """0: every submission found has a grade; 1: some failed to grade or an entry was skipped."""
        return 1 if self.failed or self.unused else 0

    def render(self):
        lines = [f"{self.found} submission{'s' if self.found != 1 else ''} found: {self.graded} graded, "
                 f"{self.skipped} skipped (already graded by this grader version), "
                 f"{len(self.failed)} failed to grade; {self.pool}; {self.seconds:.1f} s"
                 + (f" ({self.graded / self.seconds:.2f} per second)" if self.graded and self.seconds else "")]
        if self.failed:
            lines.append("Failed to grade (run again to retry):")
            lines += [f"  {terminal_line(task.label)}, {terminal_line(task.filename)}: {terminal_line(reason)}"
                      for task, reason in self.failed]
        if self.unused:
            lines.append(f"Skipped {len(self.unused)} entr{'ies' if len(self.unused) != 1 else 'y'} "
                         "that are not submissions:")
            lines += [f"  {terminal_line(u.path)}: {terminal_line(u.reason)}" for u in self.unused]
        if self.other_versions:
            lines.append("Graded by a worker with another grader version (they will be graded again "
                         "next time):")
            lines += [f"  {terminal_line(task.label)}: {terminal_line(version)}"
                      for task, version in self.other_versions]
        by_assignment = {}
        for graded in self.current:
            by_assignment.setdefault(graded.assignment, []).append(graded)
        for name, items in sorted(by_assignment.items()):
            lines += distribution(name, items)
        lines += self._dating()
        confinements = sorted({g.report.confinement or "not recorded" for g in self.current if g.report})
        lines += [f"Confinement: {c}" for c in confinements]
        lines.append(f"Gradebook: {self.gradebook}" + (f"; feedback and results.json in {self.out}"
                                                        if self.out else ""))
        return "\n".join(lines)

    def _dating(self):
        """Where a deadline went by a file's time, which the student's machine set, say so."""
        lines = []
        if self.file_dated:
            count = len(self.file_dated)
            names = ", ".join(terminal_line(t.student) for t in self.file_dated[:10])
            names += ", ..." if count > 10 else ""
            lines.append(f"Deadlines: {count} submission{'s' if count != 1 else ''} ({names}) "
                         + ("is dated by its file's modification time, which unzip restores from the archive "
                            "as the student's machine set it" if count == 1 else
                            "are dated by their files' modification times, which unzip restores from the "
                            "archive as the students' machines set them")
                         + "; --times CSV gives the LMS's submission times instead.")
        if self.times_skipped:
            were = "s were" if self.times_skipped != 1 else " was"
            lines.append(f"Deadlines: {self.times_skipped} submission{were} already graded and kept the grade, "
                         "whatever time --times gives now; "
                         "--regrade grades again with these times.")
        return lines


def distribution(assignment, items):
    """Text lines: the totals, and each check's results across the class, most failed first."""
    graded = [g for g in items if g.report is not None]
    lines = [f"{assignment}: {len(graded)} graded of {len(items)} students"]
    if not graded:
        return lines
    totals = [g.score for g in graded]
    top = max(g.max_score for g in graded)
    lines.append(f"  total: min {min(totals):.2f}, median {statistics.median(totals):.2f}, "
                 f"mean {statistics.fmean(totals):.2f}, max {max(totals):.2f} (of {top:.2f}); "
                 f"full marks {sum(t >= top for t in totals)}/{len(totals)}")
    checks = {}
    for g in graded:
        for position, r in enumerate(g.report.results):
            entry = checks.setdefault(r.id, {"title": r.label,
                                            "position": position, "max": r.max_score, "points": [],
                                            "failed": 0, "partial": 0})
            entry["points"].append(r.score)
            entry["failed"] += r.score <= 0 < r.max_score
            entry["partial"] += 0 < r.score < r.max_score
    ordered = sorted(checks.values(), key=lambda e: (-(e["failed"] + e["partial"]), -e["failed"], e["position"]))
    count = f"/{len(graded)}"
    lines.append(f"  {'failed':>{len(count) + 6}}  {'partial':>7}  {'mean / max':>13}  check (most failed first)")
    for e in ordered:
        mean = statistics.fmean(e["points"])
        lines.append(f"  {e['failed']:>6}{count}  {e['partial']:>7}  {mean:>6.2f} / {e['max']:<4.2f}  "
                     f"{e['title']}")
    return lines


class Progress:
    """A line on stderr: count, rate, time left; redrawn on a terminal, one line per grading elsewhere."""

    def __init__(self, total, stream=None, enabled=True):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = self.enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()

    def update(self, task, outcome):
        self.done += 1
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        if outcome.report is not None:
            what = f"{terminal_line(task.label)}: {outcome.report.score:.2f}/{outcome.report.max_score:.2f}"
        else:
            what = f"{terminal_line(task.label)}: failed to grade"
        width = len(str(self.total))
        bar = ""
        if self.tty:
            filled = int(20 * self.done / self.total)
            bar = "[" + "#" * filled + "-" * (20 - filled) + "] "
        line = (f"{bar}{self.done:>{width}}/{self.total} {rate:5.2f}/s, {_clock(left)} left  {what}")
        if self.tty:
            self.stream.write("\r\x1b[K" + line[:160] + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def interrupt(self):
        if self.tty and self.done < self.total:
            self.stream.write("\n")


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def batch(*, directory, assignment=None, workers=None, scheduler=None, gradebook=DEFAULT_PATH, out=None,
          regrade=False, progress=True, start_method="spawn", options=None, require_confinement=False,
          times=None):
    """Grade every submission in ``directory`` into ``gradebook``; returns a ``BatchSummary``.

    ``workers`` processes here (default: one per core), or the Dask cluster
    at ``scheduler``. ``out``: a folder for each student's results.json and
    feedback.md. ``progress``: draw the progress line on stderr. ``options``:
    the assignments' own, e.g. ``{"data": PATH}`` for keras_mnist (a path every
    worker can read). ``require_confinement``: refuse to grade unconfined (checked
    here for local workers, by each worker on a cluster). ``times``: a CSV of
    submission times from the LMS (``grader.checking.deadlines.read_times``),
    which deadlines go by instead of the files' modification times.
    """
    started = time.monotonic()
    if assignment is not None:
        assignment = catalog.get_assignment(assignment).name
    if workers is not None and workers < 1:
        raise GradeError("--workers must be at least 1")
    if workers is not None and scheduler:
        raise GradeError("--workers is for the local pool; a Dask cluster has its own workers")
    if require_confinement and not scheduler:
        refuse_unconfined()
    given_times = read_times(times) if times else {}
    gradebook = Path(gradebook or DEFAULT_PATH)
    lock = _lock(gradebook)
    workers = None if scheduler else workers or default_workers()
    pool = None if scheduler else LocalPool(workers, start_method)  # its workers get ready meanwhile
    try:
        ignore = [gradebook, *(Path(f"{gradebook}{suffix}") for suffix in ("-wal", "-shm", "-journal", ".lock"))]
        found = scan(directory, assignment, ignore=ignore + ([Path(out)] if out else []))
        found.tasks = _dated(found.tasks, given_times)
        summary = BatchSummary(found=len(found.tasks), unused=found.unused, gradebook=str(gradebook), out=out,
                               file_dated=[t for t in found.tasks if t.submitted_from == FILE_TIME
                                           and catalog.get_assignment(t.assignment).spec.deadline is not None])
        with Gradebook(gradebook) as book:
            versions = {name: grader_version(name) for name in {t.assignment for t in found.tasks}}
            book.see(found.tasks)
            done = set() if regrade else book.graded_keys()
            already = [(t.student, t.assignment, t.sha256, versions[t.assignment]) in done for t in found.tasks]
            todo = [replace(t, options=dict(options or {}), require_confinement=require_confinement)
                    for t, skip in zip(found.tasks, already) if not skip]
            summary.skipped = len(found.tasks) - len(todo)
            summary.times_skipped = sum(skip and t.submitted_from == GIVEN_TIMES
                                        for t, skip in zip(found.tasks, already))
            if todo and scheduler:
                pool = DaskPool(scheduler)
            batch_id = book.begin_batch("batch", {
                "directory": str(directory), "assignment": assignment, "workers": workers,
                "scheduler": scheduler, "out": out, "regrade": regrade})
            if todo:
                summary.pool = (f"Dask cluster at {scheduler}" if scheduler
                                else f"{workers} local worker{'s' if workers != 1 else ''}")
                _grade(book, pool, todo, versions, batch_id, summary, Progress(len(todo), enabled=progress))
            else:
                summary.pool = "nothing to grade"
            pairs = {(t.student, t.assignment) for t in found.tasks}
            summary.current = [g for g in book.current() if (g.student, g.assignment) in pairs]
            summary.seconds = time.monotonic() - started
            book.finish_batch(batch_id, {"found": summary.found, "graded": summary.graded,
                                         "skipped": summary.skipped, "failed": len(summary.failed),
                                         "unused": len(summary.unused)})
        if out:
            write_student_files(out, summary.current)
        return summary
    finally:
        if pool is not None:
            pool.close()
        lock.close()


def _dated(tasks, times):
    """The tasks, each dated by ``times`` (``{student: datetime}``) where it has the student."""
    return [replace(t, submitted_at=times[t.student].isoformat(), submitted_from=GIVEN_TIMES)
            if t.student in times else t for t in tasks]


def _grade(book, pool, todo, versions, batch_id, summary, progress):
    try:
        with pool:
            for task, outcome in pool.results(todo):
                version = outcome.version or versions[task.assignment]
                began = time.perf_counter()
                _record(book, task, summary, grader_version=version, started_at=outcome.started_at,
                        finished_at=outcome.finished_at, report=outcome.report, error=outcome.error,
                        batch_id=batch_id, worker=outcome.worker)
                summary.record_seconds += time.perf_counter() - began
                if outcome.report is None:
                    summary.failed.append((task, outcome.error))
                else:
                    summary.graded += 1
                    if version != versions[task.assignment]:
                        summary.other_versions.append((task, version))
                progress.update(task, outcome)
    except KeyboardInterrupt:
        progress.interrupt()
        print(f"Interrupted: {summary.graded + len(summary.failed)} gradings of this batch are in the "
              f"gradebook {book.path}; run the same command again to grade the rest.", file=sys.stderr)
        raise


COMMIT_WAITS = (0.5, 1, 2, 4, 8)  # seconds between tries of a gradebook commit that failed


def _record(book, task, summary, **fields):
    """Commit one grading, trying again while the gradebook cannot be written (a full disk, a lock held
    elsewhere); after the last try, stop the batch with what is recorded kept, and say why."""
    for wait in (*COMMIT_WAITS, None):
        try:
            return book.record(task, **fields)
        except sqlite3.OperationalError as exc:
            if wait is None:
                recorded = summary.graded + len(summary.failed)
                raise GradeError(f"the gradebook {book.path} could not be written ({exc}), "
                                 f"{len(COMMIT_WAITS) + 1} times over {sum(COMMIT_WAITS):g} s; the batch stopped. "
                                 f"{recorded} gradings of this batch are recorded and kept; run the same command "
                                 "again to grade the rest once the gradebook can be written.") from None
            time.sleep(wait)


def _lock(gradebook):
    """One batch at a time per gradebook: an exclusive lock the system drops when the process dies."""
    path = Path(f"{gradebook}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise GradeError(f"{gradebook}: another `grade batch` is writing to this gradebook; "
                         "wait for it to finish") from None
    return handle
