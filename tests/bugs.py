"""Buggy submissions as data: each one change of the reference, kept in ``tests/submissions/NAME/bugs.toml``.

A row is a ``[[bug]]`` table: ``name`` (``FUNCTION__what``), ``why`` (the
mistake, as a student makes it), ``find`` (text of ``reference/NAME.py`` that
occurs exactly once), ``replace`` (what it becomes) and ``loses`` (the checks
the bug must lose points in: a check's name for both its public and hidden
variants, or ``name.public`` / ``name.hidden`` for one of them).
"""

from pathlib import Path

from grader.checking.catalog import get_assignment
from grader.checking.grading import grade_file
from grader.checking.spec import tomllib  # the standard library from 3.11, tomli before
from grader.checking.submission import Source

SUBMISSIONS = Path(__file__).parent / "submissions"


def apply_bug(text, bug):
    """``text`` with ``bug["find"]`` replaced by ``bug["replace"]``; it must occur exactly once."""
    count = text.count(bug["find"])
    if count != 1:
        raise ValueError(f"bug {bug.get('name', '?')!r}: its find text occurs {count} times in the reference, "
                         "not once")
    return text.replace(bug["find"], bug["replace"], 1)


def load_bugs(assignment):
    """The rows of ``assignment``'s bugs.toml, in file order ([] where it has none)."""
    path = SUBMISSIONS / assignment / "bugs.toml"
    if not path.is_file():
        return []
    with open(path, "rb") as handle:
        return tomllib.load(handle).get("bug", [])


def reference_text(assignment):
    return Path(get_assignment(assignment).reference().__file__).read_text()


def bug_text(assignment, name):
    """The reference of ``assignment`` with the bug ``name`` applied."""
    bugs = {bug["name"]: bug for bug in load_bugs(assignment)}
    if name not in bugs:
        raise KeyError(f"{assignment} has no bug {name!r} in its bugs.toml")
    return apply_bug(reference_text(assignment), bugs[name])


def bug_source(assignment, name):
    """The bug ``name`` as a submission to grade, named as the student's file would be."""
    return Source(Path(f"{assignment}.py"), bug_text(assignment, name))


def write_bug(folder, assignment, name):
    """The bug ``name`` written to ``folder/ASSIGNMENT.py``, for what grades files; returns the path."""
    path = Path(folder) / f"{assignment}.py"
    path.write_text(bug_text(assignment, name))
    return path


def grade_bug(assignment, bug, folder):
    """The names of the checks that the reference with ``bug`` (a row) applied loses, public and hidden."""
    path = Path(folder) / f"{assignment}.py"
    path.write_text(apply_bug(reference_text(assignment), bug), encoding="utf-8")
    report = grade_file(path, assignment=assignment, hidden=True)
    return {r.name for r in report.results if not r.passed}


def check_names(assignment):
    """The names of ``assignment``'s checks."""
    return {check.name for check in get_assignment(assignment).checks}
