"""The checks of assignment 01, linear regression."""

import numpy as np

from grader.checking.checks import CheckSet
from grader.checking.compare import (Tolerance, assert_solves, compare_call, compare_defaults,
                            compare_keeping_inputs, compare_result, result_keeping_inputs)
from grader.checking.gradcheck import assert_own_gradient
from grader.sandbox.wire import rng as child_rng

checks = CheckSet()

# Distinct dimensions (m = 2 would hide a missing 2/m, square shapes a transpose),
# plus one sample and one feature.
SHAPES = {"m=7, n=5": (7, 5), "m=1, n=5": (1, 5), "m=7, n=1": (7, 1)}
FIT = {"m": 43, "n": 3, "batch_size": 8, "learning_rate": 0.05, "n_epochs": 12}


def regression_data(rng, m, n):
    """Features of unequal spread and non-zero mean, targets from a noisy linear model."""
    X = rng.normal(size=(m, n)) * rng.uniform(0.5, 3.0, size=n) + rng.normal(size=n)
    X_b = np.hstack([np.ones((m, 1)), X])
    y = X_b @ rng.normal(size=n + 1) + 0.3 * rng.normal(size=m)
    return {"X": X, "X_b": X_b, "y": y, "theta": rng.normal(size=n + 1)}


def conditioned_data(rng, m, n, limit):
    """``regression_data`` drawn again until the condition number of X_b^T X_b is at most ``limit``:
    the tolerance of a solve grows with it, and past some size a wrong solution would pass."""
    while True:
        data = regression_data(rng, m, n)
        if np.linalg.cond(data["X_b"]) ** 2 <= limit:
            return data


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
    compare_defaults(ctx, ["scale_features"])


def given_statistics(ctx):
    """Test data and the statistics of training data whose column 3 is constant (its std is 0)."""
    def make(rng):
        data = regression_data(rng, 9, 5)
        data["X"][:, 3] = 1.5
        return data
    data = ctx.case("train", make)
    test = ctx.case("test", lambda rng: {"X": rng.normal(loc=2.0, scale=4.0, size=(7, 5))})
    return {"X": test["X"], "mean": data["X"].mean(axis=0), "std": data["X"].std(axis=0)}


GIVEN = "scale_features(X_test, mean, std), std[3] = 0 (a constant training column)"


@checks.check("scale_features_given", tags=["scale_features"])
def scale_features_given(ctx):
    """scale_features scales test data with the training statistics it is given"""
    compare_call(ctx, "scale_features", list(given_statistics(ctx).values()), key="given",
                 parts=("X_scaled", "mean", "std"), what=GIVEN)


def constant_column(ctx):
    def make(rng):
        X = regression_data(rng, 7, 4)["X"]
        X[:, 2] = 3.5
        return {"X": X}
    return ctx.case("constant", make)


CONSTANT = "scale_features(X) with a constant column 2"


@checks.check("scale_features_constant", tags=["scale_features"])
def scale_features_constant(ctx):
    """scale_features centres a constant column and keeps its std at 0"""
    compare_call(ctx, "scale_features", [constant_column(ctx)["X"]], key="constant",
                 parts=("X_scaled", "mean", "std"), what=CONSTANT)


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
        assert_own_gradient(ctx, "mse_loss", "mse_gradient", [data["X_b"], data["y"], data["theta"]],
                            wrt=2, what=label, eps=(1e-2, 1e-2),
                            tol=(ctx.spec["gradient_rel_error"], ctx.spec["gradient_rel_error_float32"]))


SOLVED = {"m=7, n=5": (7, 5), "m=7, n=1": (7, 1)}


def assert_normal_equation(ctx, label, call):
    """``call(X_b, y)``, the submission's normal_equation on the case ``label``, solves it."""
    m, n = SOLVED[label]
    data = ctx.case(label, lambda rng: conditioned_data(rng, m, n, ctx.spec["normal_equation_condition_max"]))
    X_b, y = data["X_b"], data["y"]
    expected = ctx.expect(label, lambda ref: ref.normal_equation(X_b, y))
    assert_solves(call(X_b, y), expected, condition=np.linalg.cond(X_b) ** 2,
                  work=ctx.spec["normal_equation_work"] * m * (n + 1), hidden=ctx.hidden,
                  what=f"normal_equation(X_b, y) with {label}")


@checks.check("normal_equation", tags=["normal_equation"])
def normal_equation(ctx):
    """normal_equation solves least squares in closed form"""
    for label in SOLVED:
        assert_normal_equation(ctx, label, ctx.student.normal_equation)


def fit_tolerance(ctx):
    t = ctx.spec.tolerance
    return Tolerance(t.rtol, t.atol, ctx.spec["fit_float32_rtol"], t.float32_atol)


@checks.check("fit_full_batch", tags=["fit"])
def fit_full_batch(ctx):
    """fit with full batches follows the reference's path"""
    data = ctx.case("data", lambda rng: scaled_data(rng, 7, 5))
    for key, options in {f"learning_rate={FIT['learning_rate']}, n_epochs=25": (FIT["learning_rate"], 25),
                         "default arguments": ()}.items():
        args = [data["X_b"], data["y"], *options]
        expected = ctx.expect(key, lambda ref: ref.fit(*args))
        received = ctx.student.fit(*args)
        if options and isinstance(received, (tuple, list)) and len(received) == 2:
            ctx.record_curve("loss_history", received[1], expected[1])
        compare_result(ctx, received, expected, parts=("theta", "loss_history"), tol=fit_tolerance(ctx),
                       what=f"fit(X_b, y{', ' if options else ''}{key}) with m=7, n=5")
    compare_defaults(ctx, ["fit"])


@checks.check("fit_mini_batch", tags=["fit"])
def fit_mini_batch(ctx):
    """fit with mini-batches follows the reference's path, given the same rng or none"""
    data = ctx.case("data", lambda rng: {**scaled_data(rng, FIT["m"], FIT["n"]), "seed": int(rng.integers(2**31))})
    options = [FIT["learning_rate"], FIT["n_epochs"], FIT["batch_size"]]
    call = (f"fit(X_b, y, learning_rate={FIT['learning_rate']}, n_epochs={FIT['n_epochs']}, "
            f"batch_size={FIT['batch_size']}")
    shape = f"m={FIT['m']}, n={FIT['n']} (one rng.permutation(m) per epoch, consecutive slices of it)"
    for key, rng in {"rng": [child_rng(data["seed"])], "rng=None": []}.items():
        compare_call(ctx, "fit", [data["X_b"], data["y"], *options, *rng], key=key, parts=("theta", "loss_history"),
                     tol=fit_tolerance(ctx),
                     what=f"{call}{', rng' if rng else ''}) with {shape}"
                          + ("" if rng else ": rng=None means np.random.default_rng(0)"))


@checks.check("inputs_unchanged", tags=["add_bias", "scale_features", "predict", "mse_loss", "mse_gradient",
                                        "normal_equation", "fit"])
def inputs_unchanged(ctx):
    """no function modifies its input arrays"""
    # Only the submission's process sees its inputs after a call, so each call must also return the
    # reference's values; every shape and case of the value checks, each a branch code may take.
    for label, (m, n) in SHAPES.items():
        data = ctx.case(f"values, {label}", lambda rng: regression_data(rng, m, n))  # SOLVED takes the labels
        for function, names in {"add_bias": ["X"], "predict": ["X_b", "theta"], "mse_loss": ["X_b", "y", "theta"],
                                "mse_gradient": ["X_b", "y", "theta"]}.items():
            compare_keeping_inputs(ctx, function, {name: data[name] for name in names}, key=f"{function}, {label}",
                                   what=f"{function}({', '.join(names)}) with {label}")
        if m > 1:  # as scale_features' own check: one row has no spread
            compare_keeping_inputs(ctx, "scale_features", {"X": data["X"]}, key=f"scale_features, {label}",
                                   parts=("X_scaled", "mean", "std"), what=f"scale_features(X) with {label}")
    compare_keeping_inputs(ctx, "scale_features", given_statistics(ctx), key="given",
                           parts=("X_scaled", "mean", "std"), what=GIVEN)
    compare_keeping_inputs(ctx, "scale_features", constant_column(ctx), key="constant",
                           parts=("X_scaled", "mean", "std"), what=CONSTANT)
    for label in SOLVED:
        assert_normal_equation(ctx, label, lambda X_b, y: result_keeping_inputs(
            ctx.student, "normal_equation", {"X_b": X_b, "y": y}, what=f"normal_equation(X_b, y) with {label}"))
    full = ctx.case("full batch", lambda rng: scaled_data(rng, 7, 5))
    mini = ctx.case("mini-batch", lambda rng: {**scaled_data(rng, FIT["m"], FIT["n"]),
                                                "seed": int(rng.integers(2**31))})
    for key, named in {"fit, full batch": {"X_b": full["X_b"], "y": full["y"]},
                       "fit, mini-batch": {"X_b": mini["X_b"], "y": mini["y"], "learning_rate": FIT["learning_rate"],
                                           "n_epochs": FIT["n_epochs"], "batch_size": FIT["batch_size"],
                                           "rng": child_rng(mini["seed"])}}.items():
        compare_keeping_inputs(ctx, "fit", named, key=key, parts=("theta", "loss_history"), tol=fit_tolerance(ctx),
                               what=f"{key}: fit({', '.join(named)})")
