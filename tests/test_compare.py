"""Comparison and gradient-check helpers: what their failure messages say."""

import numpy as np
import pytest

from grader.checking.checks import CheckFailure
from grader.checking.compare import Tolerance, assert_close, assert_solves, assert_unchanged
from grader.checking.gradcheck import (assert_directional, assert_gradient, central_difference,
                              relative_error)


def failure(call):
    with pytest.raises(CheckFailure) as info:
        call()
    return str(info.value)


def test_shape_mismatch_gives_both_shapes_and_dtypes():
    message = failure(lambda: assert_close(np.zeros((7, 1)), np.zeros(7), what="predict"))
    assert "expected shape (7,) float64, received shape (7, 1) float64" in message


def test_worst_element_index_and_tolerance():
    expected = np.arange(12.0).reshape(3, 4)
    received = expected.copy()
    received[2, 1] += 0.5
    received[0, 0] += 1e-3
    message = failure(lambda: assert_close(received, expected, what="f"))
    assert "2 of 12 elements differ" in message
    assert "index (2, 1)" in message and "received 9.5, expected 9" in message
    assert "tolerance" in message


def test_hidden_message_never_shows_expected_values():
    message = failure(lambda: assert_close(np.array([1.0, 2.5]), np.array([1.0, 2.123456]),
                                           what="f", hidden=True))
    assert "2.123456" not in message and "2.5" not in message
    assert "index (1,)" in message and "outside the tolerance" in message
    # nor how far off the received value is, from which the expected one follows
    assert "0.377" not in message and "|difference|" not in message


def test_float32_is_judged_with_the_float32_tolerance():
    expected = np.linspace(1, 2, 5)
    assert_close(expected.astype(np.float32), expected, what="f")
    with pytest.raises(CheckFailure):
        assert_close(expected.astype(np.float32) * (1 + 1e-3), expected, what="f")
    with pytest.raises(CheckFailure):
        assert_close(expected * (1 + 1e-5), expected, what="f")  # float64 gets no such slack


def test_nan_where_a_number_was_expected_is_named():
    message = failure(lambda: assert_close(np.array([1.0, np.nan]), np.array([1.0, 2.0]), what="softmax"))
    assert "nan at index (1,)" in message


@pytest.mark.parametrize("value, words", [(None, "returned None"), ("text", "not numbers"),
                                          ({"a": 1}, "a dict, not numbers")])
def test_non_numeric_results_say_what_came_back(value, words):
    assert words in failure(lambda: assert_close(value, np.zeros(3), what="f"))


def test_a_scalar_may_come_back_as_a_one_element_array():
    assert_close(np.array([2.0]), 2.0, what="loss")


def test_unchanged_inputs():
    a = np.ones(3)
    assert_unchanged({"X": a}, {"X": a.copy()}, what="f")
    assert "modified its input `X`" in failure(lambda: assert_unchanged({"X": a}, {"X": a * 2}, what="f"))


def test_central_difference_of_a_quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    x = np.array([0.5, -1.5])
    grad = central_difference(lambda v: v @ A @ v, x)
    np.testing.assert_allclose(grad, 2 * A @ x, rtol=1e-8, atol=1e-8)


def test_gradient_check_names_the_worst_entry():
    numerical = np.array([1.0, 2.0, 3.0])
    assert relative_error(numerical, numerical) == 0
    message = failure(lambda: assert_gradient(np.array([1.0, 2.0, 3.3]), numerical, what="g",
                                              against="your loss", tol=1e-6))
    assert "worst entry [2]" in message and "received 3.3" in message


def test_directional_check_costs_two_evaluations_per_direction_whatever_the_size():
    calls = []

    def f(x):
        calls.append(1)
        return float(np.sum(x ** 2))

    rng = np.random.default_rng(0)
    for size in (10, 10_000):
        calls.clear()
        x = rng.normal(size=size)
        assert_directional(f, 2 * x, x, rng=rng, count=3, what="g", against="f", tol=1e-6)
        assert len(calls) == 6
    wrong = 2 * x
    wrong[0] += 5.0  # one wrong entry among ten thousand is still seen along random directions
    with pytest.raises(CheckFailure):
        assert_directional(f, wrong, x, rng=rng, count=3, what="g", against="f", tol=1e-6)


def _ill_conditioned_least_squares():
    """X_b (7, 6) with cond(X_b^T X_b) = 1e5, y, and the exact solution."""
    rng = np.random.default_rng(4)
    U, _ = np.linalg.qr(rng.normal(size=(7, 6)))
    V, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    X_b = U @ np.diag(np.logspace(0, -2.5, 6)) @ V.T * 3.0
    y = rng.normal(size=7)
    return X_b, y, np.linalg.lstsq(X_b, y, rcond=None)[0]


def test_a_float32_solve_of_an_ill_conditioned_system_passes_where_elementwise_tolerance_fails_it():
    X_b, y, solution = _ill_conditioned_least_squares()
    X32, y32 = X_b.astype(np.float32), y.astype(np.float32)
    theta = np.linalg.solve(X32.T @ X32, X32.T @ y32)  # the normal equations, in float32
    condition = np.linalg.cond(X_b) ** 2
    with pytest.raises(CheckFailure):
        assert_close(theta, solution, what="normal_equation", tol=Tolerance())
    assert_solves(theta, solution, condition=condition, work=2 * 7 * 6, what="normal_equation")


def test_a_wrong_solution_fails_the_conditioned_tolerance_and_says_of_what():
    X_b, y, solution = _ill_conditioned_least_squares()
    wrong = np.linalg.lstsq(X_b[:, 1:], y, rcond=None)[0]  # the bias column dropped
    condition = np.linalg.cond(X_b) ** 2
    message = failure(lambda: assert_solves(np.r_[0.0, wrong], solution, condition=condition, work=84,
                                            what="normal_equation", hidden=True))
    assert "norm-relative error" in message and "unit roundoff of float64" in message
    assert "expected" not in message  # hidden: the solution is not shown
    message = failure(lambda: assert_solves(wrong, solution, condition=condition, work=84, what="normal_equation"))
    assert "expected shape (6,)" in message
