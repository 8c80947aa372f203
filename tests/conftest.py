"""Shared helpers: the folders of test submissions, and grading them as a user would."""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

HERE = Path(__file__).parent
SUBMISSIONS = HERE / "submissions"


def link_third_party(deps, site):
    """Make this interpreter's third-party packages (numpy, click, ...) importable in another
    environment whose site folder is ``site``: links in ``deps``, named by a ``.pth`` file;
    this project's own packages and its install records are left out."""
    from grader.version import DISTRIBUTION
    dist = DISTRIBUTION.replace("-", "_")  # as its dist-info folder spells it
    ours = {"grader", "assignments", "reference"}
    deps = Path(deps)
    deps.mkdir(parents=True, exist_ok=True)
    for folder in {Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()}:
        for entry in folder.iterdir():
            name = entry.name
            if name in ours or name.startswith((f"{dist}-", f"{dist}.", "__editable__")) \
                    or name.endswith(".pth") or (deps / name).exists():
                continue
            (deps / name).symlink_to(entry)
    (Path(site) / "third_party.pth").write_text(f"{deps}\n")


def failed_checks(path, assignment, hidden=False):
    """``{check name: message}`` of the checks ``path`` (a file, or a ``Source`` such as a bug's from
    ``bugs.bug_source``) fails, public or hidden ones."""
    from grader.checking.catalog import get_assignment
    from grader.checking.grading import grade_file, grade_source
    from grader.checking.submission import Source
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
