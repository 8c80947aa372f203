"""Test functions of assignment 00 and their analytic gradients, for any dimension d.

The checks pass them to the submission as ``grader.sandbox.wire.function(MODULE, name)``:
the submission's process imports this module and calls them there. Plain NumPy,
nothing from the reference.
"""

import numpy as np

MODULE = "assignments.gradient_descent.functions"


def paraboloid(x):
    """The slides' f(x, y) = x² + y², in any dimension: sum of squares."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(x ** 2))


def paraboloid_gradient(x):
    return 2 * np.asarray(x, dtype=np.float64)


def _skew(d):
    """A symmetric positive definite matrix with unequal curvatures and coupled coordinates."""
    A = np.diag(1.0 + 2.0 * np.arange(d))
    off = 0.5 * np.ones(d - 1)
    return A + np.diag(off, 1) + np.diag(off, -1)


def _shift(d):
    return np.array([(-1.0) ** i * (i + 1) / 2 for i in range(d)])


def skewed_quadratic(x):
    """f(x) = ½ xᵀAx − bᵀx with a coupled, ill-conditioned A: its valley is tilted."""
    x = np.asarray(x, dtype=np.float64)
    return float(0.5 * x @ _skew(x.size) @ x - _shift(x.size) @ x)


def skewed_quadratic_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    return _skew(x.size) @ x - _shift(x.size)


def skewed_quadratic_point(gradient):
    """The x where ``skewed_quadratic_gradient(x)`` is ``gradient``: checks choose a gradient, then start there."""
    gradient = np.asarray(gradient, dtype=np.float64)
    return np.linalg.solve(_skew(gradient.size), gradient + _shift(gradient.size))


def rosenbrock(x):
    """Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)²: smooth, not quadratic, minimum at (1, ..., 1)."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rosenbrock_gradient(x):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    inner = x[1:] - x[:-1] ** 2
    grad[:-1] = -400.0 * x[:-1] * inner - 2.0 * (1.0 - x[:-1])
    grad[1:] += 200.0 * inner
    return grad


def _slope(d):
    return np.array([(-1.0) ** i * (1.0 + i) for i in range(d)])


def plane(x):
    """f(x) = cᵀx: the gradient c is the same everywhere, so each step is −η_t c."""
    x = np.asarray(x, dtype=np.float64)
    return float(_slope(x.size) @ x)


def plane_gradient(x):
    return _slope(np.size(x)).copy()


FUNCTIONS = {"paraboloid": paraboloid, "skewed_quadratic": skewed_quadratic,
             "rosenbrock": rosenbrock, "plane": plane}
GRADIENTS = {name: globals()[f"{name}_gradient"] for name in FUNCTIONS}
