"""Numerical derivatives for gradient checks.

Per-entry central differences cost two evaluations per parameter and say which
entry is wrong; directional derivatives along random unit vectors cost two
evaluations per direction whatever the parameter count, and miss an error
``e`` only if it is orthogonal to every direction drawn.
"""

import numpy as np

from grader.verdicts import CheckFailure
from grader.checking.compare import as_numeric, assert_close, low_precision


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


def assert_own_gradient(ctx, loss, gradient, args, *, wrt, what, eps, tol, directions=None):
    """``student.gradient(*args)`` against central differences of ``student.loss`` in ``args[wrt]``.

    Catches a loss and a gradient that disagree. The parent chooses the points
    and does the arithmetic; the submission's process only evaluates its loss,
    one call per point: 2 per entry of ``args[wrt]``, or 2 per direction along
    ``directions`` random directions where given. Credited only with the loss
    right at ``args`` and at every point differenced (the reference's values):
    a constant loss and a zero gradient agree too, and so would a loss that
    answers its first call right and the others to suit a wrong gradient.
    ``eps`` and ``tol`` are (float64, float32) pairs: where the gradient or the
    loss comes back in float32, the larger step and the looser tolerance
    apply, since a float32 central difference with a tiny step is noise.
    """
    x = np.asarray(args[wrt], dtype=np.float64)
    drawn = ctx.case(f"directions, {what}", lambda rng: {"v": random_directions(rng, x.shape, directions)}) \
        if directions else None

    def loss_of(module, kept):
        """``module.loss`` as a function of ``args[wrt]``; each value it returns goes to ``kept``."""
        def at(point):
            received = as_numeric(getattr(module, loss)(*args[:wrt], point, *args[wrt + 1:]), f"{loss} with {what}")
            if received.size != 1:
                raise CheckFailure(f"{loss} with {what}: expected one number, received shape {received.shape}")
            kept.append(received.reshape(()))
            return float(kept[-1])
        return at

    def differences(at, step):
        if drawn is None:
            return central_difference(at, x, step)
        return np.array([directional_derivative(at, x, v, step) for v in drawn["v"]])

    def reference_values(ref, step):
        kept = []
        at = loss_of(ref, kept)
        at(x)
        differences(at, step)
        return [float(v) for v in kept]

    analytic = as_numeric(getattr(ctx.student, gradient)(*args), f"{gradient} with {what}")
    if analytic.shape != x.shape:
        raise CheckFailure(f"{gradient} with {what}: expected shape {x.shape}, received shape {analytic.shape}")
    values = []
    student_loss = loss_of(ctx.student, values)
    student_loss(x)  # the value at args, whose dtype with the gradient's decides the step
    low = low_precision(analytic, values[0])
    numerical = differences(student_loss, eps[1] if low else eps[0])
    # The reference's values at the points of either step, so that the public fixtures hold both.
    expected = ctx.expect(f"{loss} around {what}", lambda ref: [reference_values(ref, step) for step in eps])
    assert_close(np.stack(values), expected[1 if low else 0], tol=ctx.spec.tolerance, hidden=ctx.hidden,
                 what=f"{loss} with {what}, where it is differentiated (its derivative counts only with its "
                      "values right)")
    label, against = f"{gradient} with {what}", f"the numerical derivative of your {loss}"
    if drawn is not None:
        analytic = np.array([float(np.sum(analytic * v)) for v in drawn["v"]])
        label += f" along {directions} random directions"
    assert_gradient(analytic, numerical, what=label, against=against, tol=tol[1] if low else tol[0],
                    hidden=ctx.hidden)  # on drawn inputs, even the own loss's derivative tells of them


def block_errors(analytic, numerical, floor=1e-3):
    """Relative error of each block: ``||a - n|| / max(||a||, ||n||, floor * largest block norm)``.

    ``analytic`` and ``numerical`` map block names (``dW``, ``db``, ...) to arrays
    of the same shapes. Judging each block on its own keeps a wrong small block
    (a bias) from being swamped by a large one; the floor keeps a block whose
    true gradient is zero (a bias just before a batch norm) from dividing
    rounding noise by nothing.
    """
    norms = {name: (float(np.linalg.norm(np.asarray(analytic[name], dtype=np.float64))),
                    float(np.linalg.norm(np.asarray(numerical[name], dtype=np.float64))))
             for name in numerical}
    scale = floor * max([max(pair) for pair in norms.values()] + [0.0])
    errors = {}
    for name, (a_norm, n_norm) in norms.items():
        difference = np.asarray(analytic[name], dtype=np.float64) - np.asarray(numerical[name], dtype=np.float64)
        errors[name] = float(np.linalg.norm(difference) / max(a_norm, n_norm, scale, 1e-300))
    return errors


def assert_blocks(analytic, numerical, *, what, against, tol, floor=1e-3, hidden=False):
    """Fail unless every block of ``analytic`` is within ``tol`` of ``numerical`` (see ``block_errors``).

    The message names the worst block and its largest difference by entry,
    e.g. ``dW[4, 3]``; with ``hidden`` neither value there is shown.
    """
    received = {}
    for name, expected in numerical.items():
        got = as_numeric(analytic.get(name), f"{what}, {name}")
        if got.shape != np.shape(expected):
            raise CheckFailure(f"{what}: {name} has shape {got.shape}, expected {np.shape(expected)}")
        if not np.all(np.isfinite(got)):
            raise CheckFailure(f"{what}: {name} holds nan or inf")
        received[name] = got.astype(np.float64)
    errors = block_errors(received, numerical, floor)
    bad = sorted((name for name in errors if errors[name] > tol), key=errors.get, reverse=True)
    if not bad:
        return
    name = bad[0]
    a, n = received[name], np.asarray(numerical[name], dtype=np.float64)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(a - n))), a.shape))
    entry = f"{name}[{', '.join(map(str, worst))}]" if a.ndim else name
    # On drawn inputs even the received value is left out: it is computed from a drawn input.
    detail = "" if hidden else f": received {a[worst]:.6g}, expected {n[worst]:.6g}"
    others = f"; also wrong: {', '.join(bad[1:])}" if len(bad) > 1 else ""
    raise CheckFailure(f"{what}: {name} disagrees with {against}: relative error {errors[name]:.2g} > "
                       f"{tol:g}; largest difference at {entry}{detail}{others}")
