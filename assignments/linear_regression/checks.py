"""The checks of assignment 01, linear regression."""

import numpy as np

from grader.checks import CheckFailure, CheckSet
from grader.compare import (Tolerance, assert_calls_keep_inputs, assert_close, compare_call, compare_result,
                            fit_result)
from grader.gradcheck import assert_own_gradient
from grader.wire import rng as child_rng

checks = CheckSet()

# Distinct dimensions (m = 2 would hide a missing 2/m, square shapes a transpose),
# plus one sample and one feature.
SHAPES = {"m=7, n=5": (7, 5), "m=1, n=5": (1, 5), "m=7, n=1": (7, 1)}
FIT = {"m": 43, "n": 3, "batch_size": 8, "learning_rate": 0.05, "n_epochs": 40}


def regression_data(rng, m, n):
    """Features of unequal spread and non-zero mean, targets from a noisy linear model."""
    X = rng.normal(size=(m, n)) * rng.uniform(0.5, 3.0, size=n) + rng.normal(size=n)
    X_b = np.hstack([np.ones((m, 1)), X])
    y = X_b @ rng.normal(size=n + 1) + 0.3 * rng.normal(size=m)
    return {"X": X, "X_b": X_b, "y": y, "theta": rng.normal(size=n + 1)}


def scaled_data(rng, m, n):
    data = regression_data(rng, m, n)
    X = (data["X"] - data["X"].mean(axis=0)) / data["X"].std(axis=0)
    return {**data, "X": X, "X_b": np.hstack([np.ones((m, 1)), X])}


def _each_shape(ctx, function, arguments):
    for label, (m, n) in SHAPES.items():
        data = ctx.case(label, lambda rng: regression_data(rng, m, n))
        compare_call(ctx, function, [data[a] for a in arguments], key=label,
                     what=f"{function}({', '.join(arguments)}) with {label}")


@checks.check("add_bias", tags=["add_bias"])
def add_bias(ctx):
    """add_bias puts a column of ones first"""
    _each_shape(ctx, "add_bias", ["X"])


@checks.check("scale_features", tags=["scale_features"])
def scale_features(ctx):
    """scale_features standardises with its own statistics"""
    for label, (m, n) in {"m=7, n=5": (7, 5), "m=7, n=1": (7, 1)}.items():
        data = ctx.case(label, lambda rng: regression_data(rng, m, n))
        compare_call(ctx, "scale_features", [data["X"]], key=label, parts=("X_scaled", "mean", "std"),
                     what=f"scale_features(X) with {label}")


@checks.check("scale_features_given", tags=["scale_features"])
def scale_features_given(ctx):
    """scale_features scales test data with the training statistics it is given"""
    data = ctx.case("train", lambda rng: regression_data(rng, 9, 5))
    test = ctx.case("test", lambda rng: {"X": rng.normal(loc=2.0, scale=4.0, size=(7, 5))})
    mean, std = data["X"].mean(axis=0), data["X"].std(axis=0)
    compare_call(ctx, "scale_features", [test["X"], mean, std], key="given",
                 parts=("X_scaled", "mean", "std"), what="scale_features(X_test, mean, std)")


@checks.check("scale_features_constant", tags=["scale_features"])
def scale_features_constant(ctx):
    """scale_features centres a constant column and keeps its std at 0"""
    def make(rng):
        X = regression_data(rng, 7, 4)["X"]
        X[:, 2] = 3.5
        return {"X": X}
    data = ctx.case("constant", make)
    compare_call(ctx, "scale_features", [data["X"]], key="constant", parts=("X_scaled", "mean", "std"),
                 what="scale_features(X) with a constant column 2")


@checks.check("predict", tags=["predict"])
def predict(ctx):
    """predict returns X_b theta"""
    _each_shape(ctx, "predict", ["X_b", "theta"])


@checks.check("mse_loss", tags=["mse_loss"])
def mse_loss(ctx):
    """mse_loss is the mean of squared residuals"""
    _each_shape(ctx, "mse_loss", ["X_b", "y", "theta"])


@checks.check("mse_gradient", tags=["mse_gradient"])
def mse_gradient(ctx):
    """mse_gradient matches the reference"""
    _each_shape(ctx, "mse_gradient", ["X_b", "y", "theta"])


@checks.check("mse_gradient_numerical", tags=["mse_gradient", "mse_loss"])
def mse_gradient_numerical(ctx):
    """mse_gradient is the derivative of your own mse_loss"""
    # The MSE is quadratic in theta, so a central difference is exact for any step:
    # a large one keeps float32 rounding out of the way.
    for label, (m, n) in SHAPES.items():
        data = ctx.case(label, lambda rng: regression_data(rng, m, n))
        assert_own_gradient(ctx.student, "mse_loss", "mse_gradient", [data["X_b"], data["y"], data["theta"]],
                            wrt=2, what=label, eps=(1e-2, 1e-2),
                            tol=(ctx.spec["gradient_rel_error"], ctx.spec["gradient_rel_error_float32"]))


@checks.check("normal_equation", tags=["normal_equation"])
def normal_equation(ctx):
    """normal_equation solves least squares in closed form"""
    for label, (m, n) in {"m=7, n=5": (7, 5), "m=7, n=1": (7, 1)}.items():
        data = ctx.case(label, lambda rng: regression_data(rng, m, n))
        compare_call(ctx, "normal_equation", [data["X_b"], data["y"]], key=label,
                     what=f"normal_equation(X_b, y) with {label}")


@checks.check("fit_full_batch", tags=["fit"])
def fit_full_batch(ctx):
    """fit with full batches follows the reference's path"""
    data = ctx.case("data", lambda rng: scaled_data(rng, 7, 5))
    args = [data["X_b"], data["y"], FIT["learning_rate"], 25]
    tol = Tolerance(ctx.spec.tolerance.rtol, ctx.spec.tolerance.atol, ctx.spec["fit_float32_rtol"],
                    ctx.spec.tolerance.float32_atol)
    expected = ctx.expect("path", lambda ref: ref.fit(*args))
    received = ctx.student.fit(*args)
    if isinstance(received, (tuple, list)) and len(received) == 2:
        ctx.record_curve("loss_history", received[1], expected[1])
    compare_result(ctx, received, expected, parts=("theta", "loss_history"), tol=tol,
                   what=f"fit(X_b, y, learning_rate={FIT['learning_rate']}, n_epochs=25)")


@checks.check("fit_mini_batch", tags=["fit"])
def fit_mini_batch(ctx):
    """fit with mini-batches gets close to the normal equation's loss"""
    data = ctx.case("data", lambda rng: scaled_data(rng, FIT["m"], FIT["n"]))
    X_b, y = data["X_b"], data["y"]
    call = (f"fit(X_b, y, learning_rate={FIT['learning_rate']}, n_epochs={FIT['n_epochs']}, "
            f"batch_size={FIT['batch_size']}) with m={FIT['m']}")
    result = ctx.student.fit(X_b, y, FIT["learning_rate"], FIT["n_epochs"], FIT["batch_size"], child_rng(7))
    theta, history = fit_result(result, what=call, shape=(FIT["n"] + 1,), n_epochs=FIT["n_epochs"])
    best = np.mean((X_b @ np.linalg.lstsq(X_b, y, rcond=None)[0] - y) ** 2)
    reached = np.mean((X_b @ theta - y) ** 2)
    limit = best * ctx.spec["mini_batch_loss_ratio"]
    if not reached <= limit:
        raise CheckFailure(f"{call}: the final MSE {reached:.6g} is above {limit:.6g} "
                           f"(the normal equation's {best:.6g} times {ctx.spec['mini_batch_loss_ratio']})")
    assert_close(history[-1], reached, what=f"{call}: loss_history[-1], the MSE of the returned theta",
                 tol=Tolerance(1e-6, 1e-9, 1e-4, 1e-5))


CALLS = {
    "add_bias": ["X"], "scale_features": ["X"], "predict": ["X_b", "theta"],
    "mse_loss": ["X_b", "y", "theta"], "mse_gradient": ["X_b", "y", "theta"],
    "normal_equation": ["X_b", "y"], "fit": ["X_b", "y"],
}


@checks.check("inputs_unchanged", tags=list(CALLS))
def inputs_unchanged(ctx):
    """no function modifies its input arrays"""
    data = ctx.case("data", lambda rng: regression_data(rng, 7, 5))
    assert_calls_keep_inputs(ctx.student, [(function, {n: data[n] for n in names})
                                           for function, names in CALLS.items()])
