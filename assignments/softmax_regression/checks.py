"""The checks of assignment 03, softmax regression."""

import numpy as np

from grader.checking.checks import CheckFailure, CheckSet
from grader.checking.compare import (Tolerance, as_numeric, assert_close, compare_call, compare_defaults,
                            compare_keeping_inputs, fit_result)
from grader.checking.gradcheck import assert_own_gradient
from grader.sandbox.wire import rng as child_rng

checks = CheckSet()

# Distinct dimensions (m = 2 would hide a missing 1/m, square shapes a transpose),
# plus one sample, one feature, two classes, and the last class absent from the labels
# (so that every draw catches a one_hot sized from the labels instead of n_classes).
SHAPES = {"m=7, n=5, K=4": (7, 5, 4), "m=1, n=5, K=4": (1, 5, 4), "m=7, n=1, K=4": (7, 1, 4),
          "m=7, n=5, K=2": (7, 5, 2), "m=7, n=5, K=4, class 3 absent": (7, 5, 4)}


def classification_data(rng, m, n, K, present=None):
    """Features of unequal spread and non-zero mean, moderate logits, labels covering the first
    ``present`` classes (all K by default) where there are enough rows."""
    present = K if present is None else present
    X = rng.normal(size=(m, n)) * rng.uniform(0.5, 2.0, size=n) + rng.normal(size=n)
    X_b = np.hstack([np.ones((m, 1)), X])
    Theta = 0.6 * rng.normal(size=(n + 1, K))
    y = rng.permutation(np.arange(m) % present) if m >= present else rng.integers(present, size=m)
    return {"X_b": X_b, "y": y.astype(np.int64), "Theta": Theta, "K": K, "Z": X_b @ Theta}


def shape_case(ctx, label):
    """The inputs of the SHAPES case ``label``."""
    m, n, K = SHAPES[label]
    return ctx.case(label, lambda rng: classification_data(rng, m, n, K, K - 1 if "absent" in label else K))


def extreme_logits(rng):
    """Logits up to ±1e4, with rows on very different scales in the same matrix."""
    huge = rng.permutation(np.array([[1e4, -1e4, 5e3, 0.0], [-1e4, -2e4 / 3, -9e3, -1e4],
                                     [800.0, 799.0, -800.0, 0.0]]).T).T
    small = rng.normal(size=(2, 4))
    return {"Z": rng.permutation(np.vstack([huge, small]))}


def overlapping_classes(rng, m, K=3):
    """K Gaussian classes around a circle that overlap (the best accuracy is about 0.8), as X_b and y."""
    y = rng.permutation(np.arange(m) % K)
    angles = 2 * np.pi * np.arange(K) / K
    centres = 1.4 * np.column_stack([np.cos(angles), np.sin(angles)]) + np.array([0.5, -0.3])
    X = centres[y] + rng.normal(size=(m, 2))
    return np.hstack([np.ones((m, 1)), X]), y


def fit_tolerance(ctx):
    t = ctx.spec.tolerance
    return Tolerance(t.rtol, t.atol, ctx.spec["fit_float32_rtol"], t.float32_atol)


def _each_shape(ctx, function, arguments):
    for label in SHAPES:
        data = shape_case(ctx, label)
        compare_call(ctx, function, [data[a] for a in arguments], key=label,
                     what=f"{function}({', '.join(arguments)}) with {label}")


@checks.check("one_hot", tags=["one_hot"])
def one_hot(ctx):
    """one_hot has a 1 in column y[i] of row i"""
    for label, (m, n, K) in SHAPES.items():
        data = shape_case(ctx, label)
        Y = compare_call(ctx, "one_hot", [data["y"], K], key=label, what=f"one_hot(y, n_classes={K}) with {label}")
        if np.asarray(Y).dtype.kind != "f":
            raise CheckFailure(f"one_hot(y, n_classes={K}) with {label}: returned {np.asarray(Y).dtype} values; "
                               "the contract asks for floats (np.zeros((m, K)) is float64)")


@checks.check("softmax", tags=["softmax"])
def softmax(ctx):
    """softmax is exp(Z) over the row sums of exp(Z)"""
    _each_shape(ctx, "softmax", ["Z"])


@checks.check("softmax_extreme", tags=["softmax"])
def softmax_extreme(ctx):
    """softmax stays finite, rows summing to 1, for logits up to ±1e4"""
    Z = ctx.case("Z", extreme_logits)["Z"]
    what = "softmax(Z) with logits up to ±1e4 and rows on very different scales"
    P = as_numeric(ctx.student.softmax(Z), what)
    if P.shape != Z.shape:
        raise CheckFailure(f"{what}: expected shape {Z.shape}, received shape {P.shape}")
    bad_rows = np.flatnonzero(~np.all(np.isfinite(P), axis=1))
    if bad_rows.size:
        raise CheckFailure(f"{what}: rows {bad_rows.tolist()} hold nan or inf (e^z overflows above z = 709, and "
                           "underflows to 0 / 0 below about -745): subtract each row's own maximum before exp")
    sums = P.astype(np.float64).sum(axis=1)
    assert_close(sums, np.ones(len(Z)), what=f"{what}: the row sums", tol=ctx.spec.tolerance)
    expected = ctx.expect("Z", lambda ref: ref.softmax(Z))
    assert_close(P, expected, what=what, tol=ctx.spec.tolerance, hidden=ctx.hidden)


@checks.check("softmax_loss", tags=["softmax_loss"])
def softmax_loss(ctx):
    """softmax_loss is the mean cross-entropy over the m rows"""
    _each_shape(ctx, "softmax_loss", ["X_b", "y", "Theta"])


@checks.check("softmax_gradient", tags=["softmax_gradient"])
def softmax_gradient(ctx):
    """softmax_gradient matches the reference"""
    _each_shape(ctx, "softmax_gradient", ["X_b", "y", "Theta"])


@checks.check("softmax_gradient_numerical", tags=["softmax_gradient", "softmax_loss"])
def softmax_gradient_numerical(ctx):
    """softmax_gradient is the derivative of your own softmax_loss"""
    for label in SHAPES:
        data = shape_case(ctx, label)
        assert_own_gradient(ctx, "softmax_loss", "softmax_gradient",
                            [data["X_b"], data["y"], data["Theta"]], wrt=2, what=label,
                            eps=(ctx.spec["gradient_eps"], ctx.spec["gradient_eps_float32"]),
                            tol=(ctx.spec["gradient_rel_error"], ctx.spec["gradient_rel_error_float32"]),
                            directions=ctx.spec["gradient_directions"])


@checks.check("predict", tags=["predict"])
def predict(ctx):
    """predict is the most probable class of each row, as ints"""
    for label in SHAPES:
        data = shape_case(ctx, label)
        labels = compare_call(ctx, "predict", [data["X_b"], data["Theta"]], key=label,
                              what=f"predict(X_b, Theta) with {label}")
        if np.asarray(labels).dtype.kind not in "iu":
            raise CheckFailure(f"predict with {label}: returned {np.asarray(labels).dtype} labels; "
                               "the contract asks for integer labels 0..K-1 (np.argmax gives them)")


@checks.check("fit_full_batch", tags=["fit"])
def fit_full_batch(ctx):
    """fit with full batches follows the reference's path"""
    data = ctx.case("data", lambda rng: classification_data(rng, 7, 5, 4))
    absent = ctx.case("class 3 absent", lambda rng: classification_data(rng, 7, 5, 4, 3))
    for key, case, options in (("learning_rate=0.3, n_epochs=25", data, (0.3, 25)), ("default arguments", data, ()),
                               ("class 3 absent", absent, (0.3, 25))):
        shown = "learning_rate=0.3, n_epochs=25" if options else "default arguments"
        compare_call(ctx, "fit", [case["X_b"], case["y"], 4, *options], key=key, parts=("Theta", "loss_history"),
                     tol=fit_tolerance(ctx),
                     what=f"fit(X_b, y, n_classes=4{', ' if options else ''}{shown}) with m=7, n=5"
                          + (", labels 0..2 only: Theta still has n_classes = 4 columns" if case is absent else ""))
    compare_defaults(ctx, ["fit"])


@checks.check("fit_mini_batch", tags=["fit"])
def fit_mini_batch(ctx):
    """fit with mini-batches follows the reference's path, given the same rng"""
    data = ctx.case("data", lambda rng: {**classification_data(rng, 23, 3, 4), "seed": int(rng.integers(2**31))})
    for key, rng in {"path": [child_rng(data["seed"])], "rng=None": []}.items():
        compare_call(ctx, "fit", [data["X_b"], data["y"], 4, 0.2, 12, 5, *rng], key=key,
                     parts=("Theta", "loss_history"), tol=fit_tolerance(ctx),
                     what=f"fit(X_b, y, n_classes=4, learning_rate=0.2, n_epochs=12, batch_size=5{', rng' if rng else ''})"
                          " with m=23, n=3 (one rng.permutation(m) per epoch, consecutive slices of it"
                          + (")" if rng else "; rng=None means np.random.default_rng(0))"))


@checks.check("training_run", tags=["fit"], per_student=False)
def training_run(ctx):
    """fit learns three overlapping classes: held-out accuracy at least the spec's threshold"""
    seed = ctx.case("seed", lambda rng: {"seed": int(rng.integers(2**31))})["seed"]
    s = ctx.spec
    K = s["training_classes"]
    data_rng = np.random.default_rng(seed)
    X_b, y = overlapping_classes(data_rng, s["training_m"], K)
    X_test, y_test = overlapping_classes(data_rng, s["training_test_m"], K)
    args = [X_b, y, K, s["training_learning_rate"], s["training_epochs"], s["training_batch_size"], child_rng(seed)]
    what = (f"fit(X_b, y, n_classes={K}, learning_rate={args[3]}, n_epochs={args[4]}, batch_size={args[5]}, "
            f"rng) on {len(y)} rows of {K} overlapping classes")
    Theta, history = fit_result(ctx.student.fit(*args), what=what, shape=(3, K), n_epochs=args[4])
    best = ctx.expect("final loss",
                      lambda ref: float(ref.fit(X_b, y, *args[2:6], np.random.default_rng(seed))[1][-1]))
    limit = best * (1 + s["training_loss_margin"])
    if not history[-1] <= limit:
        shown = "" if ctx.hidden else f" ({limit:.6g})"
        raise CheckFailure(f"{what}: the final training loss {history[-1]:.6g} is more than "
                           f"{s['training_loss_margin']:.0%} above the reference's{shown}")
    accuracy = float(np.mean(np.argmax(X_test @ Theta, axis=1) == y_test))
    if not accuracy >= s["training_accuracy"]:
        raise CheckFailure(f"{what}: the accuracy of Theta on {len(y_test)} held-out rows is {accuracy:.3f}, "
                           f"below the threshold {s['training_accuracy']}")


@checks.check("inputs_unchanged", tags=["one_hot", "softmax", "softmax_loss", "softmax_gradient", "fit", "predict"])
def inputs_unchanged(ctx):
    """no function modifies its input arrays"""
    # Only the submission's process sees its inputs after a call, so each call must also return the
    # reference's values; every shape of the value checks (m = 1, n = 1, K = 2, a class absent).
    calls = {"one_hot": ["y", "K"], "softmax": ["Z"], "softmax_loss": ["X_b", "y", "Theta"],
             "softmax_gradient": ["X_b", "y", "Theta"], "predict": ["X_b", "Theta"]}
    for label in SHAPES:
        data = shape_case(ctx, label)
        for function, names in calls.items():
            compare_keeping_inputs(ctx, function, {name: data[name] for name in names}, key=f"{function}, {label}",
                                   what=f"{function}({', '.join(names)}) with {label}")
    Z = ctx.case("Z", extreme_logits)["Z"]
    compare_keeping_inputs(ctx, "softmax", {"Z": Z}, key="softmax, extreme",
                           what="softmax(Z) with logits up to ±1e4 and rows on very different scales")
    full = ctx.case("full batch", lambda rng: classification_data(rng, 7, 5, 4, 3))
    mini = ctx.case("mini-batch", lambda rng: {**classification_data(rng, 23, 3, 4), "seed": int(rng.integers(2**31))})
    for key, named in {"fit, full batch, class 3 absent": {"X_b": full["X_b"], "y": full["y"], "n_classes": 4},
                       "fit, mini-batch": {"X_b": mini["X_b"], "y": mini["y"], "n_classes": 4, "learning_rate": 0.2,
                                           "n_epochs": 12, "batch_size": 5, "rng": child_rng(mini["seed"])}}.items():
        compare_keeping_inputs(ctx, "fit", named, key=key, parts=("Theta", "loss_history"), tol=fit_tolerance(ctx),
                               what=f"{key}: fit({', '.join(named)})")
