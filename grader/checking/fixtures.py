"""Building an assignment's public fixtures from its reference.

The public checks draw their inputs from fixed seeds and keep the reference's
answers; ``grade check`` then needs no reference. Run as
``python -m grader.checking.fixtures NAME`` after changing a reference or a check.
"""

import json
import sys
from pathlib import Path

from grader.checking import catalog
from grader.sandbox import wire
from grader.errors import GradeError
from grader.checking.grading import grade_source
from grader.checking.submission import load_source


def record(assignment):
    """The public checks run on the reference, recording their inputs and expected values:
    ``(fixtures, report)``; a public check the reference fails is in the report."""
    reference = assignment.reference()
    fixtures = {}
    report = grade_source(load_source(Path(reference.__file__)), assignment, reference=reference,
                          mode="record", fixtures=fixtures, blocked=())
    return fixtures, report


def record_fixtures(assignment):
    """The public checks' inputs and expected values, checked on the reference itself."""
    fixtures, report = record(assignment)
    failed = [f"{r.title}: {r.message}" for r in report.results if not r.passed]
    if failed:
        raise GradeError("the reference fails its own public checks:\n" + "\n".join(failed))
    return fixtures


def write_fixtures(assignment, path=None):
    path = Path(path or assignment.fixtures_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {key: wire.encode(value) for key, value in sorted(record_fixtures(assignment).items())}
    path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or [a.name for a in catalog.all_assignments()]:
        print(write_fixtures(catalog.get_assignment(name)))
