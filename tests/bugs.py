"""Buggy variants as data: ``tests/submissions/NAME/bugs.toml``.

Each ``[[bug]]`` row has ``name``, ``find`` (text of ``reference/NAME.py``, which
must occur exactly once), ``replace``, ``why`` and ``loses`` (the names of the
checks the variant loses, public or hidden).
"""

import tomllib
from pathlib import Path

from grader.catalog import get_assignment
from grader.grading import grade_file

SUBMISSIONS = Path(__file__).parent / "submissions"


def apply_bug(text, bug):
    """``text`` with ``bug["find"]`` replaced by ``bug["replace"]``; ``find`` must occur exactly once."""
    count = text.count(bug["find"])
    if count != 1:
        raise ValueError(f"bug {bug['name']!r}: its `find` text occurs {count} times in the reference, "
                         "where it must occur exactly once")
    return text.replace(bug["find"], bug["replace"])


def load_bugs(name):
    """The rows of ``tests/submissions/NAME/bugs.toml`` ([] where there is none)."""
    path = SUBMISSIONS / name / "bugs.toml"
    if not path.is_file():
        return []
    with open(path, "rb") as handle:
        return tomllib.load(handle)["bug"]


def reference_text(name):
    return Path(get_assignment(name).reference().__file__).read_text(encoding="utf-8")


def grade_bug(name, bug, folder):
    """The names of the checks that the reference with ``bug`` applied loses, public and hidden."""
    path = Path(folder) / f"{name}.py"
    path.write_text(apply_bug(reference_text(name), bug), encoding="utf-8")
    report = grade_file(path, assignment=name, hidden=True)
    return {r.name for r in report.results if not r.passed}


def check_names(name):
    """The names of assignment ``name``'s checks."""
    return {check.name for check in get_assignment(name).checks}
