"""`grade check` and `grade submit`: grade one submission and report it."""

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from grader.checking.deadlines import submission_time
from grader.checking.grading import grade, resolve
from grader.checking.seeds import DEFAULT_STUDENT


def check(*, file, assignment=None, json_path=None, verbose=False, html_path=None, options=None,
          on_event=None):
    """The public checks only: a student's self-check, no reference needed, no deadline.

    ``options`` are the assignment's own (``{"data": PATH}`` for keras_mnist);
    ``on_event`` receives the progress of long checks (training epochs).
    """
    report = grade(resolve(file, assignment, verbose=verbose, options=options), on_event)
    _write_json(report, json_path)
    _write_html(report, html_path)
    return report


def submit(*, file, assignment=None, student=DEFAULT_STUDENT, json_path=None, verbose=False,
           submitted_at=None, html_path=None, gradebook=None, options=None, on_event=None,
           require_confinement=False):
    """Public and hidden checks: the official grade of one submission.

    The spec's deadline, if any, is applied from ``submitted_at`` (an ISO
    time), else Gradescope's submission metadata, else the file's
    modification time (see ``grader.checking.deadlines.submission_time``). Everything is
    written after the submission's processes are dead (``grade`` returns then).
    """
    request = resolve(file, assignment, student=student, hidden=True, verbose=verbose, options=options,
                      require_confinement=require_confinement)
    if request.assignment.spec.deadline is not None:
        when, source = submission_time(file, submitted_at)
        request = replace(request, submitted_at=when, submitted_from=source)
    report = grade(request, on_event)
    _write_json(report, json_path)
    _write_html(report, html_path)
    if gradebook:
        from grader.classroom.gradebook import record_file
        record_file(gradebook, request.path, report, submitted_at=request.submitted_at)
    return report


def _write_html(report, html_path):
    if html_path:
        from grader.reporting.feedback_html import render_html
        path = Path(html_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_html(report), encoding="utf-8")


def _write_json(report, json_path):
    if json_path:
        write_atomically(json_path, json.dumps(report.to_gradescope(), indent=2) + "\n")


def write_atomically(path, text):
    """``text`` at ``path``, whole or not at all: a temporary file beside it, renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
