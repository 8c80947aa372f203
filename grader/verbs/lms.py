"""Grades a learning management system imports: one assignment's column, for Canvas or Moodle.

Canvas (Grades > Import) reads a CSV whose header starts with the student
columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID`` and, last,
``Section``; each further column is an assignment: ``Title (12345)`` updates
assignment 12345, a title alone creates an assignment. A first row whose
``Student`` is ``Points Possible`` gives each column's points. Canvas finds
each row's student by ``ID`` (its own user id), else ``SIS User ID``, else
``SIS Login ID``, else by name. The gradebook's student ids (the batch's
folder names) are mapped with a roster: the gradebook CSV Canvas exports,
whose column ``id_column`` (default ``SIS Login ID``) holds them; each row's
student columns are copied from it, and an assignment column of the roster
whose title is the assignment's is the one written (so that Canvas updates it).
Without a roster the id goes in column ``id_column`` and the rest stay empty.

Moodle (Grades > Import > CSV file) reads any columns: at import, one is
mapped to the users (username, email address or ID number) and the other to
a grade item. Written: ``id_column`` (default ``Username``) and the
assignment's title.

Only graded submissions are written (the score after any late penalty); the
others, and students the roster lacks, are left out and listed. A text cell
a spreadsheet would read as a formula gets a leading ``'``
(``grader.reporting.inert.csv_cell``), a student id such as ``-bob`` too.
"""

import csv
import io
import re

from grader.checking import catalog
from grader.errors import GradeError
from grader.reporting.inert import csv_cell, csv_writer

CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
DEFAULT_ID_COLUMN = {"canvas": "SIS Login ID", "moodle": "Username"}


def lms_csv(current, *, lms, roster=None, id_column=None, column=None):
    """``(text, left_out)``: the CSV for ``lms`` ("canvas" or "moodle") of one assignment's grades, and who is not in it."""
    assignments = sorted({g.assignment for g in current})
    if len(assignments) != 1:
        raise GradeError("an LMS import takes one assignment: "
                         + (f"choose one with --assignment ({', '.join(assignments)})" if assignments
                            else "the gradebook has no grades"))
    title = {a.name: a.spec.title for a in catalog.all_assignments()}.get(assignments[0], assignments[0])
    id_column = id_column or DEFAULT_ID_COLUMN[lms]
    left_out = [f"{g.student}: {g.status}" + (f" ({g.error})" if g.error else "")
                for g in current if g.status != "graded"]
    graded = [g for g in current if g.status == "graded"]
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    if lms == "moodle":
        writer.writerow([id_column, column or title])
        writer.writerows([csv_cell(g.student), _points(g.score)] for g in graded)
        return buffer.getvalue(), left_out
    rows, header = _roster(roster, id_column) if roster else ({}, [])
    column = column or next((h for h in header if re.fullmatch(rf"{re.escape(title)} \(\d+\)", h)), title)
    writer.writerow([*CANVAS_STUDENT_COLUMNS, column])
    writer.writerow(["Points Possible", "", "", "", "", _points(max(g.max_score for g in graded) if graded else 0)])
    for g in graded:
        if roster and g.student not in rows:
            left_out.append(f"{g.student}: not in the roster's column {id_column!r}")
            continue
        known = rows.get(g.student, {id_column: g.student})
        writer.writerow([*(csv_cell(known.get(c) or "") for c in CANVAS_STUDENT_COLUMNS), _points(g.score)])
    return buffer.getvalue(), left_out


def _roster(path, id_column):
    """``({student id: the roster's row}, header)`` from a gradebook CSV Canvas exported."""
    try:
        text = open(path, encoding="utf-8-sig", newline="").read()
    except OSError as exc:
        raise GradeError(f"{path}: cannot read the roster ({exc.strerror or exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in ("Student", "ID", "Section", id_column) if c not in header]
    if missing:
        raise GradeError(f"{path}: not a Canvas gradebook export: no column {', '.join(map(repr, missing))} "
                         f"(its columns: {', '.join(header) or 'none'})")
    rows = {}
    for row in reader:
        if "Points Possible" in (row.get("Student") or "") or not row.get(id_column):
            continue
        rows[row[id_column].strip()] = row
    return rows, header


def _points(value):
    return f"{value:g}"
