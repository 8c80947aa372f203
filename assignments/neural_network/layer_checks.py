"""Assignment 04's checks of layers, loss and randomness (``checks`` joins them with ``model_checks``).

The submission's objects live in its sandboxed process: each check runs a
scenario of ``probes`` there in one call and judges the plain data that comes
back; the expected answers come from the same scenario run on the reference
(``judge.expect``). Inputs are drawn by ``cases``.
"""

import numpy as np

from grader.checking import stats
from grader.checking.checks import CheckFailure, CheckSet
from grader.checking.compare import Tolerance, as_numeric, assert_close, compare_defaults, describe, low_precision
from grader.checking.layer_checks import declare, derivatives, drive_layer, own_gradient
from grader.sandbox import wire

from . import cases, probes
from .judge import assert_like_own, assert_like_reference, describe_case, expect, gradient_blocks, run

checks = CheckSet()

# --------------------------------------------------------- one layer at a time

FORWARD = {"m=7": {"m": 7}, "m=1": {"m": 1}}
BACKWARD = {"m=7": {"m": 7}, "m=1": {"m": 1}}
LAYERS = {  # class: (check prefix, forward cases, backward cases)
    "Dense": ("dense", FORWARD, BACKWARD),
    "ReLU": ("relu", FORWARD, BACKWARD),
    "Sigmoid": ("sigmoid", {**FORWARD, "extreme inputs": {"m": 2, "extreme": True}}, BACKWARD),
    "ELU": ("elu", {**FORWARD, "extreme inputs": {"m": 2, "extreme": True}}, BACKWARD),
    "BatchNorm": ("batchnorm", FORWARD,
                  {**BACKWARD, "m=7, inference": {"m": 7, "training": False, "warmup": 3}}),
}


def _layer_case(ctx, layer, key, options):
    return ctx.case(key, lambda rng: cases.layer_case(rng, layer, vary=ctx.hidden, **options))


def forward_check(layer, variants):
    def check(ctx):
        for key, options in variants.items():
            case = _layer_case(ctx, layer, key, options)
            what = f"{describe_case(case)}: forward"
            got = run(ctx, "layer_pass", case, False, what=what)
            want = expect(ctx, key, "layer_pass", case, False)
            assert_close(got["out"], want["out"], what=what, tol=ctx.spec.tolerance, hidden=ctx.hidden)
        # forward(X, training=True): the default matters to BatchNorm and Dropout, and is every layer's
        compare_defaults(ctx, [f"{layer}.forward"] + (["ELU"] if layer == "ELU" else []))  # cases pass alpha
    return check


def backward_check(layer, variants, *, own):
    """Gradients of ``layer``: against the numerical derivative of the submission's own forward
    (``own``: the layer driven from here, every difference computed here), or against the reference's
    gradients."""
    def check(ctx):
        for key, options in variants.items():
            case = _layer_case(ctx, layer, key, options)
            what = f"{describe_case(case)}: backward"
            want = gradient_blocks(expect(ctx, key, "layer_pass", case), case["layer"], what)
            if own:
                got, numerical, low = own_gradient(ctx, case, ctx.spec["gradient_eps"], what)
                assert_like_own(ctx, got, {"low": low, "blocks": numerical}, want, what)
            else:
                got = gradient_blocks(run(ctx, "layer_pass", case, what=what), case["layer"], what)
                assert_like_reference(ctx, got, want, what)
    return check


for _layer, (_prefix, _forward, _backward) in LAYERS.items():
    _tags = [_layer, "he_init"] if _layer == "Dense" else [_layer]  # Dense(...) calls he_init
    declare(checks, f"{_prefix}_forward", _tags, f"{_layer}.forward matches the reference",
            forward_check(_layer, _forward))
    declare(checks, f"{_prefix}_backward", _tags, f"{_layer}.backward is the derivative of your own forward",
            backward_check(_layer, _backward, own=True))
    declare(checks, f"{_prefix}_backward_reference", _tags, f"{_layer}.backward matches the reference",
            backward_check(_layer, _backward, own=False))


@checks.check("dense_init", tags=["Dense", "he_init", "xavier_init"])
def dense_init(ctx):
    """Dense starts from its initialiser's draw and a zero bias"""
    for init in ("he", "xavier"):
        what = f"Dense(5, 4, init={init!r}, rng=default_rng(11))"
        layer = ctx.student.Dense(5, 4, init=init, rng=wire.rng(11))  # calls from here: nothing to take on trust
        got = {"params": layer.attr("params"), "grads": layer.attr("grads"),
               "drawn": getattr(ctx.student, f"{init}_init")(5, 4, wire.rng(11))}
        if not isinstance(got["params"], dict) or not isinstance(got["grads"], dict):
            raise CheckFailure(f"{what}.params and .grads must be dicts")
        for part in ("params", "grads"):
            if list(got[part]) != ["W", "b"]:
                raise CheckFailure(f"{what}.{part} has keys {list(got[part])}, expected ['W', 'b']")
            for key, shape in (("W", (5, 4)), ("b", (4,))):
                if np.shape(got[part][key]) != shape:
                    raise CheckFailure(f"{what}.{part}[{key!r}] has shape {np.shape(got[part][key])}, "
                                       f"expected {shape}")
        assert_close(got["params"]["b"], np.zeros(4), what=f"{what}.params['b']", tol=Tolerance(0, 0, 0, 0))
        assert_close(got["params"]["W"], as_numeric(got["drawn"], f"{init}_init"), tol=Tolerance(0, 0, 0, 0),
                     what=f"{what}.params['W'] against {init}_init(5, 4, default_rng(11))")
    compare_defaults(ctx, ["Dense"])


@checks.check("batchnorm_constant_feature", tags=["BatchNorm"])
def batchnorm_constant_feature(ctx):
    """BatchNorm stays finite for a constant feature"""
    case = ctx.case("case", cases.constant_feature_case)
    what = f"{describe_case(case)}, column 2 constant"
    _, got = drive_layer(ctx.student, case)  # driven from here: a finite answer is not taken on trust
    for part in ("out", "dX"):
        if not np.all(np.isfinite(as_numeric(got[part], f"{what}: {part}"))):
            raise CheckFailure(f"{what}: {part} holds nan or inf (var + eps, not var, under the square root)")


@checks.check("batchnorm_running_stats", tags=["BatchNorm"])
def batchnorm_running_stats(ctx):
    """BatchNorm starts from the contract's values and updates its running statistics over three batches"""
    case = ctx.case("case", lambda rng: cases.layer_case(rng, "BatchNorm", 7, vary=ctx.hidden, warmup=2))
    what = f"{describe_case(case)}, then one more"
    got, want = run(ctx, "layer_pass", case, False, what=what), expect(ctx, "pass", "layer_pass", case, False)
    for stat in ("mean", "var"):
        assert_close(got["running"][stat], want["running"][stat], what=f"{what}: running_{stat}",
                     tol=ctx.spec.tolerance, hidden=ctx.hidden)
    _batchnorm_initial(ctx)


@checks.check("batchnorm_inference", tags=["BatchNorm"])
def batchnorm_inference(ctx):
    """BatchNorm with training=False uses the running statistics and leaves them unchanged"""
    case = ctx.case("case", lambda rng: cases.layer_case(rng, "BatchNorm", 7, vary=ctx.hidden,
                                                         training=False, warmup=3))
    what = describe_case(case)
    got, want = run(ctx, "layer_pass", case, False, what=what), expect(ctx, "pass", "layer_pass", case, False)
    assert_close(got["out"], want["out"], what=f"{what}: forward", tol=ctx.spec.tolerance, hidden=ctx.hidden)
    for stat in ("mean", "var"):
        assert_close(got["running"][stat], want["running"][stat], tol=ctx.spec.tolerance, hidden=ctx.hidden,
                     what=f"{what}: running_{stat} after the inference forward")


def _batchnorm_initial(ctx):
    """A new BatchNorm: gamma ones, beta zeros, running mean 0 and running variance 1, defaults."""
    what = "BatchNorm(6)"
    got = run(ctx, "batchnorm_init", 6, what=what)
    if list(got["params"]) != ["gamma", "beta"]:
        raise CheckFailure(f"{what}.params has keys {list(got['params'])}, expected ['gamma', 'beta']")
    exact = Tolerance(0, 0, 0, 0)
    for part, key, value in (("params", "gamma", 1.0), ("params", "beta", 0.0), ("running", "mean", 0.0),
                             ("running", "var", 1.0)):
        name = f"{what}.params[{key!r}]" if part == "params" else f"{what}.running_{key}"
        assert_close(got[part][key], np.full(6, value), what=f"{name}, which starts at {value:g}", tol=exact)
    compare_defaults(ctx, ["BatchNorm"])


# ------------------------------------------------------------------- the loss

LOSS = {"m=7": 7, "m=1": 1, "extreme logits": 5}


def _logits(rng, m, key):
    logits = rng.normal(scale=3.0, size=(m, cases.N_OUT))
    if key == "extreme logits":  # about 1e3 and 1e4: exp overflows without the row maximum shifted out
        logits = logits * np.array([[300.0], [3000.0], [-3000.0], [1.0], [1e3]])
    return {"logits": logits, "y": rng.integers(0, cases.N_OUT, size=m)}


def _loss_case(ctx, key):
    return ctx.case(key, lambda rng: _logits(rng, LOSS[key], key))


@checks.check("softmax_ce_forward", tags=["SoftmaxCrossEntropy"])
def softmax_ce_forward(ctx):
    """SoftmaxCrossEntropy.forward is the mean cross-entropy, finite at extreme logits"""
    for key in LOSS:
        case = _loss_case(ctx, key)
        what = f"SoftmaxCrossEntropy().forward(logits, y) with {key}"
        got = run(ctx, "loss_pass", case["logits"], case["y"], what=what)
        if not got["no_params"]:
            raise CheckFailure(f"{what}: the loss's params and grads must be empty dicts, as every layer "
                               "without weights has")
        loss = as_numeric(got["loss"], what)
        if loss.size != 1 or not np.isfinite(loss).all():
            raise CheckFailure(f"{what}: expected one finite number, received {describe(got['loss'])} "
                               f"{loss.ravel()[:3]} (subtract each row's maximum before exp)")
        if key != "extreme logits":  # there only finiteness: a clipped log gives ~34.5 for ~1e3
            want = expect(ctx, key, "loss_pass", case["logits"], case["y"])
            # A loss computed in float32 comes back as a Python float: the backward's dtype tells.
            tol = ctx.spec.tolerance.as_float32() if low_precision(got["dlogits"]) else ctx.spec.tolerance
            assert_close(loss.reshape(()), want["loss"], what=what, tol=tol, hidden=ctx.hidden)


@checks.check("softmax_ce_backward", tags=["SoftmaxCrossEntropy"])
def softmax_ce_backward(ctx):
    """SoftmaxCrossEntropy.backward is the derivative of your own loss"""
    for key in ("m=7", "m=1"):
        case = _loss_case(ctx, key)
        what = f"SoftmaxCrossEntropy().backward() with {key}"
        want = expect(ctx, key, "loss_pass", case["logits"], case["y"])
        fn = ctx.student.SoftmaxCrossEntropy()  # driven from here: each loss a call, the differences computed here
        loss = _scalar(fn.forward(case["logits"], case["y"]), f"{what}: forward(logits, y)")
        dlogits = fn.backward()
        numerical = {"low": low_precision(loss, as_numeric(dlogits, what))}
        if not numerical["low"]:
            blocks, _ = derivatives(lambda points: fn.calls("forward", [[Z, case["y"]] for Z in points]),
                                    case["logits"], 1.0, {}, ctx.spec["gradient_eps"])
            numerical["blocks"] = {"dlogits": blocks["dX"]}
        assert_like_own(ctx, {"dlogits": dlogits}, numerical, {"dlogits": want["dlogits"]}, what,
                        against="the numerical derivative of your forward(logits, y)")


def _scalar(value, what):
    number = as_numeric(value, what)
    if number.size != 1:
        raise CheckFailure(f"{what}: expected one number, received {describe(value)}")
    return number.reshape(())


@checks.check("softmax_ce_backward_reference", tags=["SoftmaxCrossEntropy"])
def softmax_ce_backward_reference(ctx):
    """SoftmaxCrossEntropy.backward matches the reference, extreme logits too"""
    for key in LOSS:
        case = _loss_case(ctx, key)
        what = f"SoftmaxCrossEntropy().backward() with {key}"
        got = run(ctx, "loss_pass", case["logits"], case["y"], what=what)
        want = expect(ctx, key, "loss_pass", case["logits"], case["y"])
        assert_like_reference(ctx, {"dlogits": got["dlogits"]}, {"dlogits": want["dlogits"]}, what)


# --------------------------------------------------- randomness, statistically

def _weights(ctx, name, shape):
    seed = ctx.case("seed", lambda rng: int(rng.integers(2**31)))
    what = f"{name}({shape[0]}, {shape[1]}, rng)"
    got = run(ctx, "init_draw", name, *shape, seed, what=what)
    W = as_numeric(got["W"], what)
    if W.shape != tuple(shape) or W.dtype.kind != "f":
        raise CheckFailure(f"{what}: expected a float array of shape {tuple(shape)}, received {describe(W)}")
    if not got["repeats"]:
        raise CheckFailure(f"{what}: two calls with Generators of the same seed gave different weights; "
                           "draw from the rng you are given")
    return W.astype(np.float64), what


@checks.check("he_init", tags=["he_init"])
def he_init(ctx):
    """he_init draws normal weights with std sqrt(2 / n_in)"""
    W, what = _weights(ctx, "he_init", ctx.spec["he_shape"])
    stats.assert_normal_draw(W, np.sqrt(2.0 / W.shape[0]), alpha=ctx.spec["stat_alpha"], what=what,
                             formula="sqrt(2 / n_in)")


@checks.check("xavier_init", tags=["xavier_init"])
def xavier_init(ctx):
    """xavier_init draws uniform weights on [-r, r], r = sqrt(6 / (n_in + n_out))"""
    W, what = _weights(ctx, "xavier_init", ctx.spec["xavier_shape"])
    alpha, n, r = ctx.spec["stat_alpha"], W.size, np.sqrt(6.0 / sum(W.shape))
    stats.assert_within(np.abs(W).max(), 0.0, r * (1 + 1e-6), what, f"the largest |w| (r = {r:.6g})")
    bound = stats.hoeffding_halfwidth(n, 2 * r, alpha)
    stats.assert_within(W.mean(), -bound, bound, what, "the mean of W", alpha)
    bound = stats.hoeffding_halfwidth(n, r * r, alpha)
    stats.assert_within(np.mean(W ** 2), r * r / 3 - bound, r * r / 3 + bound, what,
                        f"mean(W²) (r²/3 = {r * r / 3:.6g})", alpha)
    low, high = stats.binomial_interval(n, 0.5, alpha)
    stats.assert_within(np.count_nonzero(np.abs(W) <= r / 2), low, high, what,
                        f"the count of |w| <= r/2 (half of {n} for a uniform distribution)", alpha)


@checks.check("rng_arguments", tags=["Dense", "he_init", "xavier_init", "Dropout"])
def rng_arguments(ctx):
    """rng=None means default_rng(0), and a Generator that is passed is the one drawn from"""
    seeds = ctx.case("seeds", lambda rng: [int(s) for s in rng.choice(2**31, size=2, replace=False)])
    got = _rng_draws(ctx, seeds)
    exact = Tolerance(0, 0, 0, 0)
    assert_close(got["dense"], as_numeric(got["he_0"], "he_init"), tol=exact,
                 what="Dense(5, 4).params['W'], init and rng left out, against he_init(5, 4, default_rng(0)) "
                      "(init='he', and rng=None means np.random.default_rng(0))")
    for name in ("he", "xavier"):
        none, zero = got[name]
        assert_close(none, as_numeric(zero, f"{name}_init"), tol=exact,
                     what=f"{name}_init(6, 3, None) against {name}_init(6, 3, default_rng(0)) "
                          "(rng=None means np.random.default_rng(0))")
    dropout = got["dropout"]

    def same(first, second):
        return all(np.array_equal(a, b) for a, b in zip(first, second))
    what = "Dropout(0.4), two training forwards,"
    if not same(dropout["none"], dropout["zero"]):
        raise CheckFailure(f"{what} with no rng dropped other units than with rng=default_rng(0): rng=None means "
                           "np.random.default_rng(0)")
    first, again, other = dropout["seeded"]
    if not same(first, again):
        raise CheckFailure(f"{what} with Generators of the same seed dropped different units: draw from the rng "
                           "you are given")
    if same(first, other):
        raise CheckFailure(f"{what} with Generators of two seeds dropped the same units: draw from the rng you "
                           "are given, not from a new one")
    compare_defaults(ctx, ["Dropout"])


def _rng_draws(ctx, seeds):
    """What rng_arguments compares, each draw a call made from here (the comparisons judge draws against
    each other, so a scenario in the child could answer them with any consistent arrays).

    ``dense``: Dense(5, 4) with no init and no rng, beside ``he_init(5, 4, default_rng(0))``; ``he`` and
    ``xavier``: each initialiser with None and with default_rng(0); ``dropout``: the kept units of two
    training forwards of Dropout(0.4) with no rng, with default_rng(0), and with Generators of each of
    ``seeds`` (the first twice)."""
    student = ctx.student
    params = student.Dense(5, 4).attr("params")
    if not isinstance(params, dict) or "W" not in params:
        raise CheckFailure("Dense(5, 4).params must be a dict with the key 'W'")
    got = {"dense": params["W"], "he_0": student.he_init(5, 4, wire.rng(0))}
    for name in ("he", "xavier"):
        init = getattr(student, f"{name}_init")
        got[name] = [init(6, 3, None), init(6, 3, wire.rng(0))]
    X = np.linspace(1.0, 2.0, 400).reshape(20, 20)

    def kept(**rng):
        layer = student.Dropout(0.4, **rng)
        return [as_numeric(layer.forward(X, training=True), "Dropout(0.4).forward(X)") != 0 for _ in range(2)]
    got["dropout"] = {"none": kept(), "zero": kept(rng=wire.rng(0)),
                      "seeded": [kept(rng=wire.rng(seed)) for seed in (seeds[0], *seeds)]}
    return got


def _dropout(ctx, parts):
    def make(rng):
        rate = float(rng.uniform(0.15, 0.45)) if ctx.hidden else ctx.spec["dropout_rate"]
        return {"rate": rate, "seed": int(rng.integers(2**31)), "data_seed": int(rng.integers(2**31))}
    case = dict(ctx.case("case", make))  # a copy: the fixtures keep the seeds only
    shape = tuple(ctx.spec["dropout_shape"])
    case["X"], case["dout"] = probes.dropout_inputs(case["data_seed"], shape)
    what = f"Dropout({'<drawn>' if ctx.hidden else format(case['rate'], '.4g')}, rng) on X of shape {shape}"
    got = run(ctx, "dropout_pass", case["rate"], case["seed"], case["data_seed"], shape, parts, what=what)
    for part in parts:
        array = as_numeric(got[part], f"{what}: {part}")
        if array.shape != case["X"].shape:
            raise CheckFailure(f"{what}: {part} has shape {array.shape}, expected {case['X'].shape}")
        got[part] = array
    rtol = ctx.spec["dropout_rtol_float32" if low_precision(*got.values()) else "dropout_rtol"]
    return case, got, what, rtol


@checks.check("dropout_training", tags=["Dropout"])
def dropout_training(ctx):
    """Dropout keeps each unit with probability 1 - rate, scales kept ones, draws a new mask each call"""
    case, got, what, _ = _dropout(ctx, ["out", "again"])
    scaled, rtol = case["X"] / (1 - case["rate"]), ctx.spec["dropout_scale_rtol"]
    for part, call in (("out", "the first training forward"), ("again", "the second training forward")):
        out = got[part].astype(np.float64)
        wrong = ~((out == 0) | np.isclose(out, scaled, rtol=rtol, atol=0))
        if wrong.any():
            i = tuple(int(k) for k in np.argwhere(wrong)[0])
            values = ("", "", "") if ctx.hidden else (f" = {out[i]:.6g}", f" = {scaled[i]:.6g}",
                                                      f"; {wrong.sum()} such entries")  # from the drawn rate
            raise CheckFailure(f"{what}, {call}: out{list(i)}{values[0]} is neither 0 (dropped) nor "
                               f"X / (1 - rate){values[1]} (kept and scaled){values[2]}")
        alpha = ctx.spec["stat_alpha"]
        low, high = stats.binomial_interval(out.size, 1 - case["rate"], alpha)
        about = "" if ctx.hidden else f"{(1 - case['rate']) * out.size:.0f} = "
        kept = f"the number of kept units (expected about {about}(1 - rate) × {out.size})"
        stats.assert_within(np.count_nonzero(out), low, high, f"{what}, {call}", kept, alpha, hidden=ctx.hidden)
    if np.array_equal(got["out"] != 0, got["again"] != 0):
        raise CheckFailure(f"{what}: two training forwards dropped the same units; draw a new mask each call")
    compare_defaults(ctx, ["Dropout.forward"])


@checks.check("dropout_backward", tags=["Dropout"])
def dropout_backward(ctx):
    """Dropout.backward applies the forward's mask and scale: dX * X == dout * out"""
    case, got, what, rtol = _dropout(ctx, ["out", "dX"])
    lhs, rhs = got["dX"].astype(np.float64) * case["X"], case["dout"] * got["out"].astype(np.float64)
    wrong = ~np.isclose(lhs, rhs, rtol=rtol, atol=1e-300)
    if wrong.any():
        i = tuple(int(k) for k in np.argwhere(wrong)[0])
        values = ("", "", "") if ctx.hidden else (f" = {lhs[i]:.6g}", f" = {rhs[i]:.6g}", f" ({wrong.sum()} entries)")
        raise CheckFailure(f"{what}: backward after the training forward: at {list(i)}, dX * X{values[0]} "
                           f"but dout * out{values[1]}{values[2]}; backward must multiply "
                           "dout by the very mask and scale of the last forward")


@checks.check("dropout_inference", tags=["Dropout"])
def dropout_inference(ctx):
    """Dropout with training=False is the identity, forward and backward"""
    case, got, what, rtol = _dropout(ctx, ["inference", "inference_dX"])
    tol = Tolerance(rtol, 0.0, rtol, 0.0)
    assert_close(got["inference"], case["X"], what=f"{what}: forward(X, training=False), expected X", tol=tol)
    assert_close(got["inference_dX"], case["dout"], tol=tol,
                 what=f"{what}: backward(dout) after forward(X, training=False), expected dout")

