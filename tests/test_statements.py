"""What students read: each statement's table from contract clause to check."""

import fnmatch
import re

import pytest

from grader.catalog import all_assignments, get_assignment

NUMPY_ASSIGNMENTS = [a.name for a in all_assignments() if a.name != "keras_mnist"]
TABLE = "## The contract, clause by clause"


def clause_rows(name):
    """(clause, checks) cells of the table in ``assignments/NAME/README.md``."""
    text = (get_assignment(name).folder / "README.md").read_text()
    assert TABLE in text, f"{name}'s README has no clause table"
    section = text.split(TABLE, 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split(" | ") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| ---")]
    return [(clause.strip(), checks.strip()) for clause, checks in rows[1:]]  # the first row is the header


def named_checks(cell):
    """The check names (or patterns such as ``relu_*``) in a checks cell, notes in brackets aside."""
    return re.findall(r"`([a-z0-9_*]+)`", re.sub(r"\([^)]*\)", "", cell))


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_the_clause_table_names_only_checks_and_every_check(name):
    checks = {c.name for c in get_assignment(name).checks}
    patterns = [p for _, cell in clause_rows(name) for p in named_checks(cell)]
    assert patterns
    unknown = [p for p in patterns if not fnmatch.filter(checks, p)]
    assert not unknown, f"not checks of {name}: {unknown}"
    unlisted = sorted(c for c in checks if not any(fnmatch.fnmatch(c, p) for p in patterns))
    assert not unlisted, f"checks no clause names: {unlisted}"
