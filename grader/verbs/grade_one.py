"""`grade check` and `grade submit`: grade one submission and report it."""

import json
from pathlib import Path

from ..grading import grade_file
from ..seeds import DEFAULT_STUDENT


def check(*, file, assignment=None, json_path=None, verbose=False):
    """The public checks only: a student's self-check, no reference needed."""
    report = grade_file(file, assignment=assignment, hidden=False, verbose=verbose)
    _write_json(report, json_path)
    return report


def submit(*, file, assignment=None, student=DEFAULT_STUDENT, json_path=None, verbose=False):
    """Public and hidden checks: the official grade of one submission."""
    report = grade_file(file, assignment=assignment, student=student, hidden=True, verbose=verbose)
    _write_json(report, json_path)
    return report


def _write_json(report, json_path):
    if json_path:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_gradescope(), indent=2) + "\n")
