"""No point for answers that ship: official grading earns every point on inputs drawn for the student.

The public fixtures (inputs and the reference's answers) ship with the stub and
are readable in the sandbox; `grade check` uses them, `grade submit` draws its
own. Each attack is graded through the CLI, as a student submits it.
"""

import pytest

from grader.checking.catalog import all_assignments

from nothing import CONSTANTS, constant_submission, replay_submission
from test_confinement import results, run_cli

NUMPY_ASSIGNMENTS = [a.name for a in all_assignments() if a.name != "keras_mnist"]
FUNCTION_ASSIGNMENTS = ["gradient_descent", "linear_regression", "logistic_regression", "softmax_regression"]
STUDENTS = ("alice", "bob", "student07")


def graded(tmp_path, name, text, command="submit", student="alice"):
    target, json_path = tmp_path / f"{name}.py", tmp_path / f"{command}-{student}.json"
    target.write_text(text)
    options = ["--student", student] if command == "submit" else []
    done = run_cli(command, target, *options, "--json", json_path, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return results(json_path)


@pytest.mark.parametrize("name", FUNCTION_ASSIGNMENTS)
def test_the_public_fixtures_answers_earn_nothing_in_submit(tmp_path, name):
    text = replay_submission(name)
    assert graded(tmp_path, name, text, command="check")["score"] > 0  # the replay works where fixtures are used
    for student in STUDENTS:
        assert graded(tmp_path, name, text, student=student)["score"] == 0, student


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
@pytest.mark.parametrize("constant", list(CONSTANTS))
def test_constants_earn_nothing_in_submit(tmp_path, name, constant):
    student = STUDENTS[list(CONSTANTS).index(constant)]
    data = graded(tmp_path, name, constant_submission(name, constant), student=student)
    earned = [(t["name"], t["score"]) for t in data["tests"] if t["score"]]
    assert data["score"] == 0 and not earned, earned
    assert not any("not implemented" in t["output"] for t in data["tests"])  # it did run: nothing was left a stub
