"""Numerical derivatives for gradient checks.

Per-entry central differences cost two evaluations per parameter and say which
entry is wrong; directional derivatives along random unit vectors cost two
evaluations per direction whatever the parameter count, and miss an error
``e`` only if it is orthogonal to every direction drawn.
"""

import numpy as np

from .checks import CheckFailure


def central_difference(f, x, eps=1e-6):
    """``df/dx`` entry by entry: ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (float(f(x + step)) - float(f(x - step))) / (2 * eps)
    return grad


def random_directions(rng, shape, count):
    """``count`` random unit vectors of ``shape``."""
    directions = rng.standard_normal((count, *shape))
    norms = np.sqrt((directions ** 2).reshape(count, -1).sum(axis=1))
    return directions / norms.reshape(count, *([1] * len(shape)))


def directional_derivative(f, x, direction, eps=1e-6):
    """``<grad f(x), v>`` by a central difference along ``v``."""
    x = np.asarray(x, dtype=np.float64)
    return (float(f(x + eps * direction)) - float(f(x - eps * direction))) / (2 * eps)


def relative_error(analytic, numerical):
    """``||a - n|| / max(||a||, ||n||)``: 0 for equal vectors, about 1 for unrelated ones."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(n), 1e-12)
    return float(np.linalg.norm(a - n) / scale)


def assert_gradient(analytic, numerical, *, what, against, tol, hidden=False):
    """Fail unless the relative error of ``analytic`` against ``numerical`` is at most ``tol``.

    ``against`` names what ``numerical`` is, e.g. "the numerical derivative of your mse_loss".
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    if a.shape != n.shape:
        raise CheckFailure(f"{what}: expected shape {n.shape}, received shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise CheckFailure(f"{what}: the gradient holds nan or inf")
    error = relative_error(a, n)
    if error <= tol:
        return
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(a - n))), a.shape))
    detail = "" if hidden else f": received {a[worst]:.6g}, expected {n[worst]:.6g}"
    raise CheckFailure(f"{what} disagrees with {against}: relative error {error:.2g} > {tol:g}; "
                       f"worst entry {list(worst)}{detail}")


def assert_directional(f, gradient, x, *, rng, count, what, against, tol, eps=1e-6):
    """Compare ``<gradient, v>`` with the derivative of ``f`` along ``count`` random unit ``v``.

    Costs ``2 * count`` evaluations of ``f``, whatever the size of ``x``.
    """
    gradient = np.asarray(gradient, dtype=np.float64)
    directions = random_directions(rng, np.shape(x), count)
    numerical = np.array([directional_derivative(f, x, v, eps) for v in directions])
    analytic = np.array([float(np.sum(gradient * v)) for v in directions])
    assert_gradient(analytic, numerical, what=f"{what} along {count} random directions",
                    against=against, tol=tol)
