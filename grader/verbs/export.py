"""`grade export`: the grades that count, from the gradebook, as CSV, Gradescope files or Markdown.

The grade that counts per student and assignment is the latest version of
the student's file and its latest graded run (``Gradebook.current``).
"""

import io
import json
from pathlib import Path

from grader.errors import GradeError
from grader.reporting.feedback import render_markdown
from grader.reporting.feedback_html import render_html
from grader.reporting.inert import csv_cell, csv_writer
from grader.classroom.gradebook import DEFAULT_PATH, Gradebook
from grader.reporting.report import label
from grader.verbs.lms import lms_csv

FORMATS = ("csv", "gradescope", "markdown", "canvas", "moodle")
DEFAULT_FOLDER = {"gradescope": "gradescope", "markdown": "feedback"}


def export(*, gradebook=DEFAULT_PATH, format, out=None, assignment=None, roster=None, id_column=None,
           column=None, warn=None):
    """Write the export; returns ``(text, paths)``: the CSV text where ``out`` is None, else the paths written.

    csv: a row per student and assignment: the total and each check's points.
    canvas, moodle: one assignment's column for that LMS's gradebook import
    (``grader.verbs.lms``: ``roster``, ``id_column``, ``column``); ``warn`` is
    called with each student left out.
    gradescope: ``OUT/<assignment>/<student>/results.json``.
    markdown: ``OUT/<assignment>/<student>/feedback.md``.
    """
    if format not in FORMATS:
        raise GradeError(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    given = [o for o, v in (("--roster", roster), ("--id-column", id_column), ("--column", column)) if v]
    if given and format not in ("canvas", "moodle") or roster and format == "moodle":
        raise GradeError(f"{', '.join(given)}: for --format canvas{'' if roster else ' or moodle'} only")
    with Gradebook(gradebook, create=False) as book:
        current = book.current(assignment=assignment)
    if format in ("csv", "canvas", "moodle"):
        if format == "csv":
            text = to_csv(current)
        else:
            text, left_out = lms_csv(current, lms=format, roster=roster, id_column=id_column, column=column)
            for line in left_out:
                (warn or (lambda _: None))(f"left out: {line}")
        if out is None:
            return text, []
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return None, [path]
    folder = Path(out or DEFAULT_FOLDER[format])
    return None, write_student_files(folder, current, results=format == "gradescope",
                                     feedback=format == "markdown")


def to_csv(current):
    """One row per (student, assignment): who, which file, status, total, then each check's points."""
    columns, seen = [], set()
    several = len({g.assignment for g in current}) > 1
    for g in current:
        for row in g.results:
            column = _column(g.assignment, row, several)
            if column not in seen:
                seen.add(column)
                columns.append(column)
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["student", "assignment", "status", "total", "max_total", "file", "sha256",
                     "submitted_at", "graded_at", "grader_version", *columns])
    for g in current:
        points = {_column(g.assignment, row, several): row["points"] for row in g.results}
        writer.writerow([*map(_text, (g.student, g.assignment, g.status)), _num(g.score), _num(g.max_score),
                         *map(_text, (g.filename, g.sha256, g.submitted_at, g.graded_at, g.grader_version)),
                         *(_num(points.get(c)) for c in columns)])
    return buffer.getvalue()


def _column(assignment, row, several):
    name = label(row["name"], row["hidden"])
    return f"{assignment}: {name}" if several else name


def _text(value):
    return csv_cell(value or "")


def _num(value):
    return "" if value is None else f"{value:g}"


def write_student_files(folder, current, *, results=True, feedback=True):
    """``folder/<assignment>/<student>/results.json`` (graded ones), ``feedback.md`` and ``feedback.html`` (all)."""
    folder = Path(folder)
    written = []
    for g in current:
        target = folder / _safe(g.assignment) / _safe(g.student)
        target.mkdir(parents=True, exist_ok=True)
        if results and g.gradescope is not None:
            path = target / "results.json"
            path.write_text(json.dumps(g.gradescope, indent=2) + "\n", encoding="utf-8")
            written.append(path)
        if feedback:
            path = target / "feedback.md"
            path.write_text(render_markdown(g), encoding="utf-8")
            written.append(path)
            path = target / "feedback.html"  # the same feedback as a page, with loss-curve plots
            path.write_text(render_html(g), encoding="utf-8")
            written.append(path)
    return written


def _safe(name):
    name = str(name)
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise GradeError(f"{name!r} cannot be a folder name")
    return name
