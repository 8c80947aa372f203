"""Shared helpers: the folders of test submissions, and grading them as a user would."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

HERE = Path(__file__).parent
SUBMISSIONS = HERE / "submissions"


def failed_checks(path, assignment, hidden=False):
    """``{check name: message}`` of the checks ``path`` (a file, or a ``Source`` such as a bug's from
    ``bugs.bug_source``) fails, public or hidden ones."""
    from grader.catalog import get_assignment
    from grader.grading import grade_file, grade_source
    from grader.submission import Source
    if isinstance(path, Source):
        known = get_assignment(assignment)
        report = grade_source(path, known, hidden=hidden, reference=known.reference() if hidden else None)
    else:
        report = grade_file(path, assignment=assignment, hidden=hidden)
    return {r.name: r.message for r in report.results if not r.passed and r.hidden == hidden}


def variants(assignment, kind):
    """The test submissions of ``assignment`` in ``buggy/`` or ``correct/``."""
    folder = SUBMISSIONS / assignment / kind
    return sorted(p for p in folder.glob("*") if p.suffix in (".py", ".ipynb")) if folder.is_dir() else []


@pytest.fixture
def grade_cli(tmp_path, monkeypatch):
    """Run the `grade` command in-process; returns (exit code, output, results.json)."""
    import json

    monkeypatch.chdir(tmp_path)

    def run(*args):
        out = tmp_path / "results.json"
        result = CliRunner().invoke(main, [*map(str, args), "--json", str(out)])
        data = json.loads(out.read_text()) if out.exists() else None
        return result.exit_code, result.output, data

    return run
