"""The checks of assignment 00, gradient descent.

The submission's functions take Python callables (``f``, ``grad``), which cannot
cross into its process: the test functions live in ``functions.py`` and travel
as ``grader.sandbox.wire.function`` tokens, which the submission's process turns back
into those functions (and ``compare_call`` does the same for the reference).
"""

import numpy as np

from grader.checking.checks import CheckFailure, CheckSet
from grader.sandbox import wire
from grader.checking.compare import (Tolerance, as_numeric, assert_close, compare_call, compare_default_call,
                            compare_defaults, compare_keeping_inputs, compare_result, result_keeping_inputs)
from grader.checking.gradcheck import assert_gradient

from . import functions

checks = CheckSet()


def f(name):
    """The test function ``name`` (or ``name_gradient``) as the submission receives it."""
    return wire.function(functions.MODULE, name)


def start(d, low=-1.5, high=1.5):
    """A ``make`` for ``ctx.case``: a starting point of dimension ``d``."""
    return lambda rng: {"x": rng.uniform(low, high, size=d)}


def path_of(ctx, name, args, what, shape):
    """Call the submission's ``name(*args)``; its path as an array of ``shape``, or a failure."""
    path = as_numeric(getattr(ctx.student, name)(*args), what)
    if path.shape != shape:
        raise CheckFailure(f"{what}: the path has shape {path.shape}, expected {shape}: "
                           "(n_steps + 1, d), path[0] is x0, then one row per step")
    return path


# Differentiated at points drawn for each check (d = 1 too); the slides' example in the public run.
GRADIENT_POINTS = [("paraboloid", 2), ("skewed_quadratic", 5), ("rosenbrock", 3), ("skewed_quadratic", 1)]


@checks.check("numerical_gradient", tags=["numerical_gradient"])
def numerical_gradient(ctx):
    """numerical_gradient matches analytic gradients (central differences)"""
    cases = [(name, ctx.case(f"{name}, d={d}", start(d))["x"], f"numerical_gradient({name}, x) with d={d}")
             for name, d in GRADIENT_POINTS]
    if not ctx.hidden:
        cases.append(("paraboloid", np.array([1.0, 2.0]),
                      "numerical_gradient(paraboloid, (1, 2)), the slides' example, whose gradient is (2, 4)"))
    for name, x, what in cases:
        received = as_numeric(ctx.student.numerical_gradient(f(name), x), what)
        assert_gradient(received, functions.GRADIENTS[name](x), what=what, hidden=ctx.hidden,
                        against=f"the analytic gradient of {name}", tol=ctx.spec["numerical_gradient_rel_error"])


@checks.check("numerical_gradient_eps", tags=["numerical_gradient"])
def numerical_gradient_eps(ctx):
    """numerical_gradient uses the eps it is given, and its default is the contract's"""
    for eps in ctx.spec["numerical_gradient_eps"]:
        x = ctx.case(f"rosenbrock, eps={eps}", start(4))["x"]
        compare_call(ctx, "numerical_gradient", [f("rosenbrock"), x, eps], key=f"eps={eps}",
                     what=f"numerical_gradient(rosenbrock, x, eps={eps}) with d=4 "
                          "(on a non-quadratic function the result depends on eps)")
    compare_defaults(ctx, ["numerical_gradient"])  # the default step barely shows in a result
    x = ctx.case("rosenbrock, default eps", start(4))["x"]
    compare_default_call(ctx, "numerical_gradient", [f("rosenbrock"), x],
                         what="numerical_gradient(rosenbrock, x) with d=4")


@checks.check("path_shape", tags=["gradient_descent", "adam"])
def path_shape(ctx):
    """gradient_descent and adam return n_steps + 1 rows, starting at x0"""
    for d, n_steps in ((2, 3), (5, 1), (1, 4)):
        x0 = ctx.case(f"d={d}", start(d))["x"]
        for name in ("gradient_descent", "adam"):
            what = f"{name}(paraboloid_gradient, x0, 0.1, n_steps={n_steps}) with d={d}"
            path = path_of(ctx, name, [f("paraboloid_gradient"), x0, 0.1, n_steps], what, (n_steps + 1, d))
            assert_close(path[0], x0, what=f"{what}: path[0], which is x0 itself", tol=ctx.spec.tolerance)


# (function, d, learning_rate, n_steps, decay); None: the default arguments.
PATHS = {"paraboloid, d=2": ("paraboloid", 2, 0.15, 12, 0.0),
         "skewed_quadratic, d=4": ("skewed_quadratic", 4, 0.08, 25, 0.0),
         "skewed_quadratic, d=3, default arguments": ("skewed_quadratic", 3, None, None, None)}
DECAY_PATHS = {"skewed_quadratic, d=3": ("skewed_quadratic", 3, 0.2, 20, 0.3),
               "paraboloid, d=2": ("paraboloid", 2, 0.4, 15, 1.5)}


def compare_path(ctx, name, args, *, key, what, call=None):
    """The submission's path (what ``call()`` returns; default: a plain call) against the reference's.
    Each coordinate is allowed the relative tolerance of the path's largest one: rounding over the
    steps errs by about that much, so a coordinate that passes near 0 would otherwise be judged on
    noise, differently in each draw."""
    expected = ctx.expect(key, lambda ref: getattr(ref, name)(*wire.local(args)))
    t, scale = ctx.spec.tolerance, float(np.max(np.abs(expected)))
    tol = Tolerance(t.rtol, max(t.atol, t.rtol * scale), t.float32_rtol, max(t.float32_atol, t.float32_rtol * scale))
    received = call() if call else getattr(ctx.student, name)(*args)
    return compare_result(ctx, received, expected, what=what, tol=tol)


def compare_path_keeping_inputs(ctx, name, named, *, key, what):
    """``compare_path`` of ``name`` with the arguments ``named``, every array of which must come back unchanged."""
    compare_path(ctx, name, list(named.values()), key=key, what=what,
                 call=lambda: result_keeping_inputs(ctx.student, name, named, what=what))


def _compare_paths(ctx, name, cases):
    for label, (function_name, d, *options) in cases.items():
        x0 = ctx.case(label, start(d))["x"]
        options = [o for o in options if o is not None]
        shown = ", ".join(map(str, options))
        compare_path(ctx, name, [f(f"{function_name}_gradient"), x0, *options], key=label,
                     what=f"{name}({function_name}_gradient, x0{', ' if shown else ''}{shown}) with d={d}")


@checks.check("gradient_descent_path", tags=["gradient_descent"])
def gradient_descent_path(ctx):
    """gradient_descent follows the reference's path (constant learning rate), defaults included"""
    _compare_paths(ctx, "gradient_descent", PATHS)
    compare_defaults(ctx, ["gradient_descent"])


@checks.check("gradient_descent_decay", tags=["gradient_descent"])
def gradient_descent_decay(ctx):
    """gradient_descent follows the reference's path with a decaying learning rate"""
    _compare_paths(ctx, "gradient_descent", DECAY_PATHS)


@checks.check("gradient_descent_learning_rate", tags=["gradient_descent"])
def gradient_descent_learning_rate(ctx):
    """on the paraboloid, a small learning rate converges and one above 1 diverges"""
    x0 = ctx.case("x0", start(2, 0.5, 2.0))["x"]
    for key in ("converges", "diverges"):
        rate, n_steps, factor = ctx.spec[f"{key}_learning_rate"], ctx.spec[f"{key}_steps"], ctx.spec[f"{key}_factor"]
        what = f"gradient_descent(paraboloid_gradient, x0, {rate}, {n_steps})"
        path = path_of(ctx, "gradient_descent", [f("paraboloid_gradient"), x0, rate, n_steps], what,
                       (n_steps + 1, 2))
        values = np.sum(path.astype(np.float64) ** 2, axis=1)
        went = "" if ctx.hidden else f"; it went from {values[0]:.4g} to {values[-1]:.4g}"  # f(x0) tells x0
        if key == "converges" and not (np.all(np.diff(values) < 0) and values[-1] <= factor * values[0]):
            raise CheckFailure(f"{what}: f(x, y) = x² + y² should fall at every step and end below "
                               f"{factor:g} × f(x0){went} (are you stepping against the gradient?)")
        if key == "diverges" and not (np.all(np.diff(values) > 0) and values[-1] >= factor * values[0]):
            raise CheckFailure(f"{what}: with a learning rate above 1 each step overshoots the valley, "
                               f"so f should grow at every step to above {factor:g} × f(x0){went}")


@checks.check("gradient_descent_decay_steps", tags=["gradient_descent"])
def gradient_descent_decay_steps(ctx):
    """decay shrinks the steps: step t is -learning_rate / (1 + decay t) times the gradient"""
    x0 = ctx.case("x0", start(3))["x"]
    rate, n_steps, decay = 0.4, 8, 0.5
    what = f"gradient_descent(plane_gradient, x0, {rate}, {n_steps}, decay={decay}) with d=3"
    path = path_of(ctx, "gradient_descent", [f("plane_gradient"), x0, rate, n_steps, decay], what, (n_steps + 1, 3))
    # On a plane the gradient c is constant, so step t is exactly -eta_t c. The steps
    # keep the path's dtype: a float32 path is judged at float32 tolerance.
    eta = rate / (1 + decay * np.arange(n_steps))
    expected = -eta[:, None] * functions.plane_gradient(x0)[None, :]
    assert_close(np.diff(path, axis=0), expected, tol=ctx.spec.tolerance, hidden=ctx.hidden,
                 what=f"{what}: the steps path[t + 1] - path[t] (t counts from 0, so step 0 uses "
                      "the learning rate itself)")


# (function, d, learning_rate, n_steps, beta1, beta2, eps)
ADAM_PATHS = {"skewed_quadratic, d=4": ("skewed_quadratic", 4, 0.05, 40, 0.8, 0.888, 1e-2),
              "rosenbrock, d=2": ("rosenbrock", 2, 0.02, 30, 0.85, 0.95, 1e-3)}


def steep_start(rng, d=3):
    """A starting point where every coordinate of the skewed quadratic's gradient is 1 to 2 in size:
    Adam's default 100 steps of 0.001 leave it above 0.4, where eps = 1e-8 never shows. Where a
    coordinate's gradient neared 0 in some draws, a change of eps would show in those draws only."""
    gradient = rng.choice([-1.0, 1.0], size=d) * rng.uniform(1.0, 2.0, size=d)
    return {"x": functions.skewed_quadratic_point(gradient)}


@checks.check("adam_path", tags=["adam"])
def adam_path(ctx):
    """adam follows the reference's path (default and non-default hyperparameters)"""
    _compare_paths(ctx, "adam", ADAM_PATHS)
    x0 = ctx.case("skewed_quadratic, d=3, default arguments", steep_start)["x"]
    compare_path(ctx, "adam", [f("skewed_quadratic_gradient"), x0], key="skewed_quadratic, d=3, default arguments",
                 what="adam(skewed_quadratic_gradient, x0) with d=3")
    compare_defaults(ctx, ["adam"])  # eps = 1e-8 does not show in that path
    compare_default_call(ctx, "adam", [f("skewed_quadratic_gradient"), x0],
                         what="adam(skewed_quadratic_gradient, x0) with d=3")


def small_gradient_start(rng, d=5):
    """A starting point where one coordinate of the skewed quadratic's gradient is about 1e-3 and the
    others about 1: there eps = 1e-8 under the square root instead of after it changes the first
    step by 0.5 %, so every draw shows that mistake, and a wrong bias correction in every coordinate."""
    gradient = rng.choice([-1.0, 1.0], size=d) * rng.uniform(0.5, 2.0, size=d)
    gradient[rng.integers(d)] *= 1e-3
    return {"x": functions.skewed_quadratic_point(gradient)}


@checks.check("adam_bias_correction", tags=["adam"])
def adam_bias_correction(ctx):
    """adam's first step is learning_rate in every coordinate (bias correction)"""
    x0 = ctx.case("x0", small_gradient_start)["x"]
    rate, eps = 0.02, 1e-8
    what = f"adam(skewed_quadratic_gradient, x0, {rate}, 2, 0.8, 0.888, {eps}) with d=5"
    path = path_of(ctx, "adam", [f("skewed_quadratic_gradient"), x0, rate, 2, 0.8, 0.888, eps], what, (3, 5))
    g = functions.skewed_quadratic_gradient(x0)
    assert_close(path[1] - path[0], -rate * g / (np.abs(g) + eps),
                 tol=ctx.spec.tolerance, hidden=ctx.hidden,
                 what=f"{what}: the first step x_1 - x_0 (at t = 1 the corrected moments are m_hat = g "
                      "and v_hat = g², so the step is -learning_rate g / (|g| + eps); one coordinate of g "
                      "is about 1e-3, where eps = 1e-8 under the square root changes the step by 0.5 %)")


@checks.check("inputs_unchanged", tags=["numerical_gradient", "gradient_descent", "adam"])
def inputs_unchanged(ctx):
    """no function modifies its input arrays"""
    # Only the submission's process sees its inputs after a call, so each call must also return the
    # reference's values; every dimension the value checks use (d = 1 too), and decay.
    for name, d in GRADIENT_POINTS:
        x = ctx.case(f"{name}, d={d}", start(d))["x"]
        compare_keeping_inputs(ctx, "numerical_gradient", {"f": f(name), "x": x}, key=f"{name}, d={d}",
                               what=f"numerical_gradient({name}, x) with d={d}")
    for d, n_steps in ((2, 12), (5, 6), (1, 4)):
        x0 = ctx.case(f"paths, d={d}", start(d))["x"]
        named = {"grad": f("skewed_quadratic_gradient"), "x0": x0, "learning_rate": 0.1, "n_steps": n_steps}
        for name in ("gradient_descent", "adam"):
            compare_path_keeping_inputs(ctx, name, named, key=f"{name}, d={d}",
                                        what=f"{name}(skewed_quadratic_gradient, x0, 0.1, {n_steps}) with d={d}")
    x0 = ctx.case("decay", start(3))["x"]
    compare_path_keeping_inputs(ctx, "gradient_descent", {"grad": f("skewed_quadratic_gradient"), "x0": x0,
                                                          "learning_rate": 0.2, "n_steps": 20, "decay": 0.3},
                                key="decay", what="gradient_descent(skewed_quadratic_gradient, x0, 0.2, 20, "
                                                  "decay=0.3) with d=3")
