"""The checks of assignment 02, logistic regression."""

import numpy as np

from grader.checking.checks import CheckFailure, CheckSet
from grader.checking.compare import (Tolerance, as_numeric, assert_close, compare_call, compare_defaults,
                            compare_keeping_inputs, compare_result, fit_result, probe_reply)
from grader.checking.gradcheck import assert_own_gradient
from grader.sandbox.wire import rng as child_rng

checks = CheckSet()

# Distinct dimensions (m = 2 would hide a missing 1/m, square shapes a transpose),
# plus one sample and one feature.
SHAPES = {"m=7, n=5": (7, 5), "m=1, n=5": (1, 5), "m=7, n=1": (7, 1)}
# Logits at which p rounds to exactly 0 or 1 in float64 (|z| > 37) and e^|z| overflows (|z| > 709).
EXTREME = np.array([-1e4, -1e3, -745.0, -40.0, -1.5, 0.0, 0.5, 37.0, 40.0, 745.0, 1e3, 1e4])


def classification_data(rng, m, n):
    """Features of unequal spread and non-zero mean; labels drawn from the model, |X_b theta| moderate."""
    X = rng.normal(size=(m, n)) * rng.uniform(0.5, 2.0, size=n) + rng.normal(size=n)
    X_b = np.hstack([np.ones((m, 1)), X])
    theta = 0.6 * rng.normal(size=n + 1)
    y = (rng.random(m) < 1 / (1 + np.exp(-X_b @ theta))).astype(np.int64)
    return {"X_b": X_b, "y": y, "theta": theta}


def overlapping_classes(rng, m):
    """Two Gaussian classes in the plane that overlap (the best accuracy is about 0.84), as X_b and y."""
    y = rng.permutation(np.arange(m) % 2)
    centres = np.array([[-0.6, 1.2], [0.6, 0.0]])
    X = centres[y] + rng.normal(size=(m, 2)) @ np.array([[1.0, 0.3], [0.0, 0.8]])
    return np.hstack([np.ones((m, 1)), X]), y


def fit_tolerance(ctx):
    t = ctx.spec.tolerance
    return Tolerance(t.rtol, t.atol, ctx.spec["fit_float32_rtol"], t.float32_atol)


def _each_shape(ctx, function, arguments, extra=()):
    for label, (m, n) in SHAPES.items():
        data = ctx.case(label, lambda rng: classification_data(rng, m, n))
        compare_call(ctx, function, [data[a] for a in arguments] + list(extra), key=label,
                     what=f"{function}({', '.join(arguments)}) with {label}")


@checks.check("sigmoid", tags=["sigmoid"])
def sigmoid(ctx):
    """sigmoid is 1 / (1 + e^-z), element-wise, any shape"""
    for label, shape in {"shape (7,)": (7,), "shape (3, 5)": (3, 5)}.items():
        z = ctx.case(label, lambda rng: {"z": 4.0 * rng.normal(size=shape)})["z"]
        compare_call(ctx, "sigmoid", [z], key=label, what=f"sigmoid(z) with z of {label}")


@checks.check("sigmoid_extreme", tags=["sigmoid"])
def sigmoid_extreme(ctx):
    """sigmoid stays finite and exact for |z| up to 1e4"""
    z = ctx.case("z", lambda rng: {"z": rng.permutation(EXTREME).reshape(3, 4)})["z"]
    what = "sigmoid(z) with |z| up to 1e4"
    received = as_numeric(ctx.student.sigmoid(z), what)
    if received.shape == z.shape and not np.all(np.isfinite(received)):
        bad = ~np.isfinite(received)
        raise CheckFailure(f"{what}: returned nan or inf for z = {sorted(set(z[bad].tolist()))}; e^z overflows "
                           "above z = 709 (inf / inf is nan): compute from e^(-|z|), branching on the sign of z")
    expected = ctx.expect("z", lambda ref: ref.sigmoid(z))
    assert_close(received, expected, what=what, tol=ctx.spec.tolerance, hidden=ctx.hidden)


@checks.check("sigmoid_no_warning", tags=["sigmoid"])
def sigmoid_no_warning(ctx):
    """sigmoid raises no overflow warning for |z| up to 1e4"""
    z = ctx.case("z", lambda rng: {"z": rng.permutation(EXTREME)})["z"]
    what = "sigmoid(z) with |z| up to 1e4"
    # The warnings are seen in the submission's process only: they count beside the right values.
    probe = probe_reply(ctx.student.helper("grader.checking.probes:call_warnings", "sigmoid", z, what="sigmoid"),
                        "result", "warnings", what=what)
    compare_result(ctx, probe["result"], ctx.expect("z", lambda ref: ref.sigmoid(z)), what=what)
    caught = [w for w in probe["warnings"] if "overflow" in str(w).lower()]
    if caught:
        raise CheckFailure(f"sigmoid(z) with |z| up to 1e4 warned: {caught[0]} (the contract: no overflow warning; "
                           "e^(-z) overflows below z = -709: compute from e^(-|z|), branching on the sign of z)")


@checks.check("predict_proba", tags=["predict_proba"])
def predict_proba(ctx):
    """predict_proba is sigmoid(X_b theta)"""
    _each_shape(ctx, "predict_proba", ["X_b", "theta"])


@checks.check("log_loss", tags=["log_loss"])
def log_loss(ctx):
    """log_loss is the mean cross-entropy"""
    _each_shape(ctx, "log_loss", ["X_b", "y", "theta"])


@checks.check("log_loss_saturated", tags=["log_loss"])
def log_loss_saturated(ctx):
    """log_loss stays finite when the probabilities saturate to 0 or 1"""
    def make(rng):
        z = rng.permutation(EXTREME[np.abs(EXTREME) >= 40])
        # theta = (0, 1, 0) makes X_b theta = z exactly; the last column is noise.
        X_b = np.column_stack([np.ones(z.size), z, rng.normal(size=z.size)])
        return {"X_b": X_b, "theta": np.array([0.0, 1.0, 0.0]), "right": (z > 0).astype(np.int64)}
    data = ctx.case("data", make)
    z = data["X_b"][:, 1]
    right, wrong, mixed = data["right"], 1 - data["right"], (np.arange(z.size) % 2).astype(np.int64)
    low, high = ctx.spec["saturated_loss_right_max"], ctx.spec["saturated_loss_wrong_min"]
    for name, y, bounds in (("all rightly classified", right, (0.0, low)),
                            ("all wrongly classified", wrong, (high, np.inf)),
                            ("mixed", mixed, (0.0, np.inf))):
        what = f"log_loss(X_b, y, theta) with |X_b theta| from 40 to 1e4, {name}"
        value = as_numeric(ctx.student.log_loss(data["X_b"], y, data["theta"]), what).astype(np.float64)
        if value.size != 1:
            raise CheckFailure(f"{what}: expected one number, received shape {value.shape}")
        value = float(value.reshape(()))
        if not np.isfinite(value):
            raise CheckFailure(f"{what}: returned {value}; p is exactly 0 or 1 here, and log(0) = -inf, "
                               "0 * log(0) = nan: clip p to [1e-15, 1 - 1e-15] or compute from the logits")
        if not bounds[0] <= value <= bounds[1]:
            raise CheckFailure(f"{what}: returned {value:.6g}, expected a loss between {bounds[0]:g} and "
                               f"{bounds[1]:g} (confident and right costs about 0, confident and wrong a lot)")


@checks.check("log_loss_gradient", tags=["log_loss_gradient"])
def log_loss_gradient(ctx):
    """log_loss_gradient matches the reference"""
    _each_shape(ctx, "log_loss_gradient", ["X_b", "y", "theta"])


@checks.check("log_loss_gradient_numerical", tags=["log_loss_gradient", "log_loss"])
def log_loss_gradient_numerical(ctx):
    """log_loss_gradient is the derivative of your own log_loss"""
    for label, (m, n) in SHAPES.items():
        data = ctx.case(label, lambda rng: classification_data(rng, m, n))
        assert_own_gradient(ctx, "log_loss", "log_loss_gradient", [data["X_b"], data["y"], data["theta"]],
                            wrt=2, what=label, eps=(ctx.spec["gradient_eps"], ctx.spec["gradient_eps_float32"]),
                            tol=(ctx.spec["gradient_rel_error"], ctx.spec["gradient_rel_error_float32"]))


def near_the_threshold(rng, m, n):
    """``classification_data`` whose first two rows have p = σ(∓0.01), just below and above 0.5: every
    draw then shows a default threshold other than 0.5 (off by more than 0.0025), never only some."""
    data = classification_data(rng, m, n)
    X_b, theta = data["X_b"], data["theta"]
    for row, z in ((0, -0.01), (1, 0.01)):
        X_b[row, -1] = (z - X_b[row, :-1] @ theta[:-1]) / theta[-1]
    return data


@checks.check("predict", tags=["predict"])
def predict(ctx):
    """predict is 1 where p >= threshold, as ints"""
    cases = {"m=7, n=5": (7, 5, ()), "m=1, n=5, threshold=0.3": (1, 5, (0.3,)),
             "m=7, n=1, threshold=0.7": (7, 1, (0.7,))}
    tie = ctx.case("tie", lambda rng: classification_data(rng, 7, 3))
    for label, (m, n, threshold) in cases.items():
        make = near_the_threshold if not threshold else classification_data
        data = ctx.case(label, lambda rng: make(rng, m, n))
        labels = compare_call(ctx, "predict", [data["X_b"], data["theta"], *threshold], key=label,
                              what=f"predict(X_b, theta{''.join(f', {t}' for t in threshold)}) with {label}"
                                   + ("" if threshold else ", rows 0 and 1 at p = 0.4975 and 0.5025"))
        if np.asarray(labels).dtype.kind not in "iub":
            raise CheckFailure(f"predict with {label}: returned {np.asarray(labels).dtype} labels; "
                               "the contract asks for ints in {0, 1} (.astype(int))")
    compare_call(ctx, "predict", [tie["X_b"], np.zeros(4)], key="tie",
                 what="predict(X_b, theta=0) with m=7, n=3, where p = 0.5 = threshold exactly "
                      "(1 where p >= threshold)")
    compare_defaults(ctx, ["predict"])


@checks.check("fit_full_batch", tags=["fit"])
def fit_full_batch(ctx):
    """fit with full batches follows the reference's path"""
    data = ctx.case("data", lambda rng: classification_data(rng, 7, 5))
    for key, options in {"learning_rate=0.3, n_epochs=25": (0.3, 25), "default arguments": ()}.items():
        compare_call(ctx, "fit", [data["X_b"], data["y"], *options], key=key, parts=("theta", "loss_history"),
                     tol=fit_tolerance(ctx), what=f"fit(X_b, y{', ' if options else ''}{key}) with m=7, n=5")
    compare_defaults(ctx, ["fit"])


@checks.check("fit_mini_batch", tags=["fit"])
def fit_mini_batch(ctx):
    """fit with mini-batches follows the reference's path, given the same rng"""
    data = ctx.case("data", lambda rng: {**classification_data(rng, 23, 3), "seed": int(rng.integers(2**31))})
    for key, rng in {"path": [child_rng(data["seed"])], "rng=None": []}.items():
        compare_call(ctx, "fit", [data["X_b"], data["y"], 0.2, 12, 5, *rng], key=key,
                     parts=("theta", "loss_history"), tol=fit_tolerance(ctx),
                     what=f"fit(X_b, y, learning_rate=0.2, n_epochs=12, batch_size=5{', rng' if rng else ''}) with "
                          "m=23, n=3 (one rng.permutation(m) per epoch, consecutive slices of it"
                          + (")" if rng else "; rng=None means np.random.default_rng(0))"))


@checks.check("training_run", tags=["fit"], per_student=False)
def training_run(ctx):
    """fit learns two overlapping classes: held-out accuracy at least the spec's threshold"""
    seed = ctx.case("seed", lambda rng: {"seed": int(rng.integers(2**31))})["seed"]
    s = ctx.spec
    data_rng = np.random.default_rng(seed)
    X_b, y = overlapping_classes(data_rng, s["training_m"])
    X_test, y_test = overlapping_classes(data_rng, s["training_test_m"])
    args = [X_b, y, s["training_learning_rate"], s["training_epochs"], s["training_batch_size"], child_rng(seed)]
    what = (f"fit(X_b, y, learning_rate={args[2]}, n_epochs={args[3]}, batch_size={args[4]}, rng) "
            f"on {args[0].shape[0]} rows of two overlapping classes")
    theta, history = fit_result(ctx.student.fit(*args), what=what, shape=(3,), n_epochs=args[3])
    best = ctx.expect("final loss", lambda ref: float(ref.fit(X_b, y, *args[2:5], np.random.default_rng(seed))[1][-1]))
    limit = best * (1 + s["training_loss_margin"])
    if not history[-1] <= limit:
        shown = "" if ctx.hidden else f" ({limit:.6g})"
        raise CheckFailure(f"{what}: the final training loss {history[-1]:.6g} is more than "
                           f"{s['training_loss_margin']:.0%} above the reference's{shown}")
    accuracy = float(np.mean((X_test @ theta >= 0).astype(int) == y_test))
    if not accuracy >= s["training_accuracy"]:
        raise CheckFailure(f"{what}: the accuracy of theta on {len(y_test)} held-out rows is {accuracy:.3f}, "
                           f"below the threshold {s['training_accuracy']}")


@checks.check("inputs_unchanged", tags=["sigmoid", "predict_proba", "log_loss", "log_loss_gradient", "fit",
                                        "predict"])
def inputs_unchanged(ctx):
    """no function modifies its input arrays"""
    # Only the submission's process sees its inputs after a call, so each call must also return the
    # reference's values; every shape of the value checks (z 1-D and 2-D, m = 1, n = 1), int labels.
    for label, shape in {"shape (7,)": (7,), "shape (3, 5)": (3, 5)}.items():
        z = ctx.case(label, lambda rng: {"z": 4.0 * rng.normal(size=shape)})["z"]
        compare_keeping_inputs(ctx, "sigmoid", {"z": z}, key=f"sigmoid, {label}", what=f"sigmoid(z) with z of {label}")
    calls = {"predict_proba": ["X_b", "theta"], "log_loss": ["X_b", "y", "theta"],
             "log_loss_gradient": ["X_b", "y", "theta"], "predict": ["X_b", "theta"]}
    for label, (m, n) in SHAPES.items():
        data = ctx.case(label, lambda rng: classification_data(rng, m, n))
        for function, names in calls.items():
            compare_keeping_inputs(ctx, function, {name: data[name] for name in names}, key=f"{function}, {label}",
                                   what=f"{function}({', '.join(names)}) with {label}")
    data = ctx.case("threshold, full batch", lambda rng: classification_data(rng, 7, 5))
    compare_keeping_inputs(ctx, "predict", {"X_b": data["X_b"], "theta": data["theta"], "threshold": 0.3},
                           key="predict, threshold", what="predict(X_b, theta, 0.3) with m=7, n=5")
    mini = ctx.case("mini-batch", lambda rng: {**classification_data(rng, 23, 3), "seed": int(rng.integers(2**31))})
    for key, named in {"fit, full batch": {"X_b": data["X_b"], "y": data["y"]},
                       "fit, mini-batch": {"X_b": mini["X_b"], "y": mini["y"], "learning_rate": 0.2, "n_epochs": 12,
                                           "batch_size": 5, "rng": child_rng(mini["seed"])}}.items():
        compare_keeping_inputs(ctx, "fit", named, key=key, parts=("theta", "loss_history"), tol=fit_tolerance(ctx),
                               what=f"{key}: fit({', '.join(named)})")
