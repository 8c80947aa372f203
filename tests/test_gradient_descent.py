"""Assignment 00, gradient descent: the test functions, function tokens, and what its checks say."""

import numpy as np
import pytest

from assignments.gradient_descent import functions
from grader.sandbox import wire
from grader.checking.gradcheck import central_difference, relative_error

from bugs import bug_source
from conftest import SUBMISSIONS, failed_checks
from hidden_checks import SHOWS_EXPECTED_NUMBER, numbers_given_away, run_hidden_check

NAME = "gradient_descent"


def failed(path, hidden=False):
    return failed_checks(path, NAME, hidden)


@pytest.mark.parametrize("name", sorted(functions.FUNCTIONS))
@pytest.mark.parametrize("d", [2, 3, 5])
def test_analytic_gradients_of_the_test_functions_are_right(name, d):
    x = np.random.default_rng(d).uniform(-1.5, 1.5, size=d)
    numerical = central_difference(functions.FUNCTIONS[name], x, eps=1e-6)
    assert relative_error(functions.GRADIENTS[name](x), numerical) < 1e-7


def test_function_tokens_reach_the_reference_as_the_same_functions():
    token = wire.function(functions.MODULE, "rosenbrock")
    assert wire.local(token) is functions.rosenbrock
    local = wire.local([wire.rng(5), {"f": token}])
    assert local[0].random() == np.random.default_rng(5).random()
    assert local[1]["f"] is functions.rosenbrock


def test_slides_example_is_in_the_public_check():
    assert np.allclose(functions.paraboloid_gradient(np.array([1.0, 2.0])), [2.0, 4.0])
    messages = failed(bug_source(NAME, "numerical_gradient__forward_difference"))
    assert "relative error" in messages["numerical_gradient"]
    assert "the analytic gradient of" in messages["numerical_gradient"]


def test_ignoring_eps_is_caught_only_where_eps_matters():
    messages = failed(bug_source(NAME, "numerical_gradient__ignores_eps"))
    assert set(messages) == {"numerical_gradient_eps"}
    assert "eps=0.05" in messages["numerical_gradient_eps"]


def test_climbing_the_gradient_fails_the_learning_rate_property_with_a_hint():
    message = failed(bug_source(NAME, "gradient_descent__gradient_added"))["gradient_descent_learning_rate"]
    assert "should fall at every step" in message and "against the gradient" in message


def test_decay_from_one_fails_the_decay_checks_but_not_the_constant_rate_path():
    messages = failed(bug_source(NAME, "gradient_descent__decay_from_one"))
    # inputs_unchanged too: inputs kept count only with the values right, decay included
    assert set(messages) == {"gradient_descent_decay", "gradient_descent_decay_steps", "inputs_unchanged"}
    assert "step 0 uses the learning rate itself" in messages["gradient_descent_decay_steps"]


def test_modified_x0_is_named():
    message = failed(bug_source(NAME, "gradient_descent__modifies_x0"))["inputs_unchanged"]
    assert "gradient_descent modified its input `x0` in place" in message


@pytest.mark.parametrize("variant, check", [("gradient_descent__decay_from_one", "gradient_descent_decay"),
                                            ("adam__no_bias_correction", "adam_bias_correction"),
                                            ("numerical_gradient__forward_difference", "numerical_gradient")])
def test_hidden_failures_show_no_expected_value(variant, check):
    result, expected = run_hidden_check(NAME, bug_source(NAME, variant), check)
    assert not result.passed
    assert not SHOWS_EXPECTED_NUMBER.search(result.message), result.message
    assert not numbers_given_away(result.message, expected), result.message


def test_check_through_the_cli_runs_public_checks_of_the_notebook(grade_cli):
    code, output, data = grade_cli("check", SUBMISSIONS / NAME / "correct" / "notebook.ipynb", "-a", NAME)
    assert code == 0, output
    assert data["score"] == data["max_score"] > 0
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    assert "dropped IPython line" in data["output"]
