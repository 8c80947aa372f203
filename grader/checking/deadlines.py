"""Deadlines and late penalties: when a submission was handed in, and what lateness costs.

An assignment's spec may hold a ``[deadline]`` table::

    [deadline]
    deadline = 2026-12-01T23:59:00+00:00   # with its UTC offset: the same on every machine
    late_penalty_per_day = 0.1             # fraction of the max score per started day late

Each started day (24 hours) after the deadline costs ``late_penalty_per_day``
of the maximum score; one second late is one day. The penalty never takes the
score below 0. ``grade check`` ignores deadlines (a self-check is not a
hand-in); ``grade submit`` and ``grade batch`` apply them from the
submission's recorded time (see ``submission_time``). A file's modification
time is the student's machine's word, restored from the archive by unzip:
``grade batch --times CSV`` takes the LMS's times instead (``read_times``).
"""

import csv
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GradeError

DAY_SECONDS = 24 * 3600
# Gradescope writes this file beside the submission folder, /autograder/submission.
GRADESCOPE_METADATA = "submission_metadata.json"
# Where a submission time came from, as reports say it.
FILE_TIME = "the file's modification time"
GIVEN_TIMES = "the submission times given with --times"
TIMES_COLUMNS = ("student", "submitted_at")


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime              # timezone-aware
    penalty_per_day: float = 0.0  # fraction of the max score per started day late

    def assess(self, submitted_at, source=""):
        """The ``Lateness`` of a submission handed in at ``submitted_at``."""
        return Lateness(self.due, as_aware(submitted_at), self.penalty_per_day, source)


@dataclass(frozen=True)
class Lateness:
    """How late one submission was, and the fraction of the max score it costs."""

    due: dt.datetime
    submitted_at: dt.datetime
    penalty_per_day: float
    source: str = ""  # where the submission time came from, for the report

    @property
    def seconds_late(self):
        return max(0.0, (self.submitted_at - self.due).total_seconds())

    @property
    def late(self):
        return self.seconds_late > 0

    @property
    def days_late(self):
        """Started days after the deadline: 1 second late is 1 day."""
        return math.ceil(self.seconds_late / DAY_SECONDS)

    @property
    def fraction(self):
        """The fraction of the max score taken off (at most all of it)."""
        return min(1.0, self.days_late * self.penalty_per_day)

    def penalty(self, score, max_score):
        """Points taken off ``score``: never more than ``score`` itself."""
        return max(0.0, min(score, self.fraction * max_score))

    def describe(self, penalty=None):
        """One line for reports: when, how late, and what it cost."""
        when = f"submitted {_show(self.submitted_at)}" + (f" ({self.source})" if self.source else "")
        due = f"deadline {_show(self.due)}"
        if not self.late:
            return f"On time: {when}, {due}."
        days = f"{self.days_late} started day{'s' if self.days_late != 1 else ''}"
        cost = f"{days} x {self.penalty_per_day:.0%} of the max score"
        if penalty is not None:
            cost += f" = -{penalty:.2f} points"
        return f"Late by {duration(self.seconds_late)}: {when}, {due}; penalty {cost}."

    def to_dict(self, penalty=None):
        data = {"deadline": self.due.isoformat(), "submitted_at": self.submitted_at.isoformat(),
                "source": self.source, "seconds_late": round(self.seconds_late, 3),
                "days_late": self.days_late, "penalty_per_day": self.penalty_per_day,
                "penalty_fraction": self.fraction}
        if penalty is not None:
            data["penalty_points"] = penalty
        return data


def duration(seconds):
    """``2 days 3 h 4 min``: a lateness as a person reads it."""
    seconds = int(math.ceil(seconds))
    days, rest = divmod(seconds, DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _show(moment):
    return moment.isoformat(sep=" ", timespec="seconds")


def as_aware(moment):
    """A timezone-aware datetime; a naive one is read as this machine's local time."""
    if moment.tzinfo is None:
        return moment.astimezone()
    return moment


def parse_time(text, what="a time"):
    """An ISO 8601 time (``2026-12-01T23:59:00+00:00``, ``...Z``); naive means local time."""
    if isinstance(text, dt.datetime):
        return as_aware(text)
    try:
        return as_aware(dt.datetime.fromisoformat(_for_fromisoformat(str(text).strip())))
    except ValueError:
        raise GradeError(f"{what}: {text!r} is not an ISO 8601 time "
                         "(e.g. 2026-12-01T23:59:00+00:00)") from None


def _for_fromisoformat(text):
    """``Z`` as ``+00:00`` and fractions of 6 digits: what Python 3.10's ``fromisoformat`` reads too."""
    text = re.sub(r"[Zz]$", "+00:00", text)
    return re.sub(r"(T\d\d:\d\d:\d\d)\.(\d+)", lambda m: f"{m[1]}.{(m[2] + '00000')[:6]}", text)


def parse_deadline(table, where="spec.toml"):
    """The spec's ``[deadline]`` table as a ``Deadline``; None where there is none."""
    if not table:
        return None
    if not isinstance(table, dict) or "deadline" not in table:
        raise GradeError(f"{where}: the [deadline] table needs `deadline = 2026-12-01T23:59:00+00:00`")
    due = table["deadline"]
    if isinstance(due, str):
        try:
            due = dt.datetime.fromisoformat(_for_fromisoformat(due))
        except ValueError:
            raise GradeError(f"{where}: deadline {due!r} is not an ISO 8601 time") from None
    if not isinstance(due, dt.datetime):
        raise GradeError(f"{where}: deadline must be a date and time, e.g. 2026-12-01T23:59:00+00:00")
    if due.tzinfo is None:
        raise GradeError(f"{where}: give the deadline with its UTC offset (e.g. "
                         f"{due.isoformat()}+00:00), so that every machine reads the same moment")
    unknown = set(table) - {"deadline", "late_penalty_per_day"}
    if unknown:
        raise GradeError(f"{where}: unknown keys in [deadline]: {', '.join(sorted(unknown))}")
    per_day = table.get("late_penalty_per_day", 0.0)
    if isinstance(per_day, bool) or not isinstance(per_day, (int, float)) or not 0 <= per_day <= 1:
        raise GradeError(f"{where}: late_penalty_per_day must be a fraction between 0 and 1, "
                         f"not {per_day!r}")
    return Deadline(due, float(per_day))


def file_time(path):
    """The modification time of the file ``path``, timezone-aware (UTC)."""
    return dt.datetime.fromtimestamp(Path(path).stat().st_mtime, tz=dt.timezone.utc)


def gradescope_time(path):
    """``created_at`` from Gradescope's metadata beside the submission folder, or None.

    ``path`` is the submission folder (``/autograder/submission``) or a file in it;
    the metadata is ``/autograder/submission_metadata.json``.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    metadata = folder.parent / GRADESCOPE_METADATA
    if not metadata.is_file():
        return None
    try:
        created = json.loads(metadata.read_text(encoding="utf-8"))["created_at"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GradeError(f"{metadata}: cannot read the submission time `created_at` "
                         f"({type(exc).__name__}: {exc}); pass --submitted-at") from None
    return parse_time(created, what=f"{metadata}: created_at")


def submission_time(path, submitted_at=None):
    """When the submission at ``path`` was handed in, and where that came from.

    In order: ``submitted_at`` (an ISO time given on the command line), else
    Gradescope's ``submission_metadata.json`` ``created_at`` beside the
    submission folder, else the submission file's modification time.
    Returns ``(datetime, source)``.
    """
    if submitted_at is not None:
        return parse_time(submitted_at, what="--submitted-at"), "given with --submitted-at"
    created = gradescope_time(path)
    if created is not None:
        return created, "Gradescope's submission metadata"
    from grader.checking.submission import find_submission
    return file_time(find_submission(path)), FILE_TIME


def read_times(path):
    """``{student: datetime}`` from a CSV of submission times, as exported from an LMS.

    Its header names the columns ``student`` (the id, as the class folder names
    it) and ``submitted_at`` (ISO 8601, e.g. ``2026-12-01T23:59:00+00:00``; without
    an offset, local time); other columns are ignored. A student listed twice is an error.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GradeError(f"{path}: cannot read the submission times ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    if not set(TIMES_COLUMNS) <= set(reader.fieldnames or ()):
        raise GradeError(f"{path}: a submission-times CSV needs the columns {' and '.join(TIMES_COLUMNS)} "
                         f"(its columns: {', '.join(reader.fieldnames or ()) or 'none'})")
    times = {}
    for line, row in enumerate(reader, start=2):
        student = (row["student"] or "").strip()
        if student in times:
            raise GradeError(f"{path}, line {line}: {student} again")
        times[student] = parse_time(row["submitted_at"] or "", what=f"{path}, line {line}")
    return times
