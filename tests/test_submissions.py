"""Every assignment against its reference, its stub, and its buggy and correct variants.

A buggy variant is named ``FUNCTION__what.py``: it must lose points in a check
tagged with FUNCTION. A correct variant must score full marks.
"""

from pathlib import Path

import pytest

from grader.catalog import all_assignments
from grader.grading import grade_file

from conftest import variants

NUMPY_ASSIGNMENTS = [a.name for a in all_assignments() if a.name != "keras_mnist"]


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_reference_scores_full_marks(name):
    assignment = next(a for a in all_assignments() if a.name == name)
    report = grade_file(Path(assignment.reference().__file__), assignment=name, hidden=True)
    failed = [f"{r.title}: {r.message}" for r in report.results if not r.passed]
    assert not failed
    assert report.score == report.max_score == assignment.spec.max_score


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_stub_scores_zero_saying_not_implemented(name):
    assignment = next(a for a in all_assignments() if a.name == name)
    report = grade_file(assignment.stub_path, assignment=name, hidden=True)
    assert report.score == 0
    for result in report.results:
        assert "not implemented yet" in result.message, result


@pytest.mark.parametrize("path", [p for n in NUMPY_ASSIGNMENTS for p in variants(n, "buggy")],
                         ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_buggy_variant_loses_points_in_a_check_of_its_function(path):
    function = path.stem.split("__")[0]
    report = grade_file(path, assignment=path.parent.parent.name, hidden=True)
    lost = [r for r in report.results if not r.passed]
    assert lost, "a buggy submission scored full marks"
    assert any(function in r.tags for r in lost), [(r.title, r.tags) for r in lost]


@pytest.mark.parametrize("path", [p for n in NUMPY_ASSIGNMENTS for p in variants(n, "correct")],
                         ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_correct_variant_scores_full_marks(path):
    report = grade_file(path, assignment=path.parent.parent.name, hidden=True)
    failed = [f"{r.title}: {r.message}" for r in report.results if not r.passed]
    assert not failed
