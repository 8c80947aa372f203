"""The same code, the same points, for every student."""

import pytest

from grader.checking.catalog import all_assignments
from grader.checking.checks import Context
from grader.checking.seeds import course_secret


def _first_draw(name, check, student):
    parts = (course_secret(), name, student)
    return Context(check, student=None, spec=None, mode="hidden", seed_parts=parts).rng.random()


@pytest.mark.parametrize("name", [a.name for a in all_assignments()])
def test_hidden_inputs_differ_per_student_except_training_runs_which_are_drawn_once_per_course(name):
    assignment = next(a for a in all_assignments() if a.name == name)
    for check in (c for c in assignment.checks if c.hidden):
        same = _first_draw(name, check, "alice") == _first_draw(name, check, "bob")
        assert same == (not check.per_student), check.name
        assert _first_draw(name, check, "alice") == _first_draw(name, check, "alice")
    shared = {c.name for c in assignment.checks if not c.per_student}
    assert all("training" in n for n in shared), shared
