"""The checks of assignment 06, convolutional layers by hand: Conv2D, MaxPool2D, Flatten.

The submission's layers live in its sandboxed process: each check runs a
scenario there in one call (``probes``, built on ``grader.checking.layers``) and judges
the plain data that comes back (``grader.checking.layer_checks``); the expected answers
come from the same scenario run on the reference. Inputs are drawn by ``cases``.
The gradient checks against the submission's own forward drive its layers from
here and take the differences here; the training run is scored here, by the
grader's forward pass over the trained layers' states (``grader.checking.inference``).
"""

import functools
from pathlib import Path

import numpy as np

from grader.checking.mnist import IDX_FILES, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, read_idx
from grader.checking import inference, stats
from grader.checking.checks import CheckFailure, CheckSet
from grader.checking.compare import Tolerance, as_numeric, assert_close, describe
from grader.checking.layer_checks import (assert_along_directions, assert_like_reference, assert_values_like_reference,
                                          declare, describe_case, expect, gradient_blocks, own_gradient, run)

from grader.sandbox import wire

from . import cases, probes

checks = CheckSet()
DATA = Path(__file__).parent / "data"
AGAINST_OWN = "the derivative of your forward along v (loss = sum(out * dout), random-signed dout)"

# --------------------------------------------------------- one layer at a time

LAYERS = {  # class: (check prefix, the keys of its cases in ``cases``)
    "Conv2D": ("conv", cases.CONV),
    "MaxPool2D": ("maxpool", cases.POOL),
    "Flatten": ("flatten", cases.FLATTEN),
}


def _case(ctx, layer, key, warmup=False):
    return ctx.case(key, lambda rng: cases.layer_case(rng, layer, key, warmup))


def forward_check(layer, keys):
    def check(ctx):
        for key in keys:
            case = _case(ctx, layer, key)
            what = f"{describe_case(case)}: forward"
            got = run(ctx, probes, "layer_pass", case, False, what=what)
            want = expect(ctx, key, probes, "layer_pass", case, False)
            assert_close(got["out"], want["out"], what=what, tol=ctx.spec.tolerance, hidden=ctx.hidden)
    return check


def backward_check(layer, keys, *, own):
    """Gradients of ``layer`` after a forward on another batch: along random directions against
    central differences of the submission's own forward (``own``), or against the reference's."""
    def check(ctx):
        count, eps = ctx.spec["directions"], ctx.spec["directional_eps"]
        for key in keys:
            case = _case(ctx, layer, key, warmup=True)
            what = f"{describe_case(case)}: backward"
            want = gradient_blocks(expect(ctx, key, probes, "layer_pass", case), case["layer"], what)
            if not own:
                got = gradient_blocks(run(ctx, probes, "layer_pass", case, what=what), case["layer"], what)
                assert_like_reference(ctx, got, want, what)
                continue
            directions = ctx.case(f"{key}/directions", lambda rng: cases.directions(rng, case, count))
            blocks, directional, low = own_gradient(ctx, case, eps, what, directions)  # differences computed here
            if low:
                assert_like_reference(ctx, blocks, want, f"{what} (float32: compared with the reference)")
            else:
                assert_along_directions(ctx, blocks, directional, directions, what=what, against=AGAINST_OWN)
    return check


for _layer, (_prefix, _keys) in LAYERS.items():
    declare(checks, f"{_prefix}_forward", [_layer], f"{_layer}.forward matches the reference",
            forward_check(_layer, _keys))
    declare(checks, f"{_prefix}_backward", [_layer],
            f"{_layer}.backward is the derivative of your own forward, along random directions",
            backward_check(_layer, _keys, own=True))
    declare(checks, f"{_prefix}_backward_reference", [_layer], f"{_layer}.backward matches the reference",
            backward_check(_layer, _keys, own=False))


def _is_int(value):
    """A Python int, or a NumPy integer (it crosses the sandbox as a 0-d array)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iu"
    return isinstance(value, int) and not isinstance(value, bool)


@checks.check("conv_output_shape", tags=["conv_output_shape"])
def conv_output_shape(ctx):
    """conv_output_shape gives (H_out, W_out) as ints"""
    calls = ctx.case("calls", lambda rng: cases.output_shape_cases(rng, ctx.hidden))
    for number, args in enumerate(calls, start=1):
        key = f"conv_output_shape({', '.join(map(str, args))})"
        names = ("H", "W", "kernel_size", "stride", "padding")[:len(args)]
        what = (f"conv_output_shape({', '.join(names)}), call {number}, with values drawn for you" if ctx.hidden
                else key)
        got = ctx.student.conv_output_shape(*args)
        want = ctx.expect(key, lambda ref: ref.conv_output_shape(*args))
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailure(f"{what}: expected a pair (H_out, W_out), received {describe(got)}")
        kinds = [describe(v) for v in got if not _is_int(v)]
        if kinds:
            raise CheckFailure(f"{what}: expected two ints, received {', '.join(kinds)} (use // for the division)")
        assert_close(np.array(got), np.array(want), what=what, tol=Tolerance(0, 0, 0, 0), hidden=ctx.hidden)


def _weights(ctx, args, kwargs, what, **rng):
    """``Conv2D(*args, **kwargs, **rng).params["W"]``, the layer made by a call from here."""
    params = ctx.student.Conv2D(*args, **kwargs, **rng).attr("params")
    if not isinstance(params, dict) or "W" not in params:
        raise CheckFailure(f"{what}: Conv2D(...).params must be a dict with the key 'W'")
    return params["W"]


def _conv_init(ctx, args, kwargs, seed, other_seed, what):
    """A new ``Conv2D(*args, **kwargs, rng=default_rng(seed))``: its params and grads; and whether its
    weights repeat with the same seed, change with another, and are ``default_rng(0)``'s for rng=None
    and for no rng at all. Every layer is made by a call from here, every comparison made here."""
    layer = ctx.student.Conv2D(*args, **kwargs, rng=wire.rng(seed))
    got = {"params": layer.attr("params"), "grads": layer.attr("grads")}
    if not isinstance(got["params"], dict) or not isinstance(got["grads"], dict):
        raise CheckFailure(f"{what}: Conv2D(...).params and .grads must be dicts")

    def weights(**rng):
        return as_numeric(_weights(ctx, args, kwargs, what, **rng), f"{what}.params['W']")

    W = weights(rng=wire.rng(seed))
    got["repeats"] = np.array_equal(W, weights(rng=wire.rng(seed)))
    got["changes"] = not np.array_equal(W, weights(rng=wire.rng(other_seed)))
    zero = weights(rng=wire.rng(0))
    got["none_is_zero"] = all(np.array_equal(drawn, zero) for drawn in (weights(rng=None), weights()))
    return got


@checks.check("conv_init", tags=["Conv2D"])
def conv_init(ctx):
    """Conv2D starts from a draw of its rng, a zero bias, and params and grads of the contract's shapes"""
    args, kwargs = [3, 5, 4], {"stride": 2, "padding": 1}
    what = "Conv2D(3, 5, 4, stride=2, padding=1, rng=default_rng(11))"
    got = _conv_init(ctx, args, kwargs, 11, 12, what)
    for part in ("params", "grads"):
        if list(got[part]) != ["W", "b"]:
            raise CheckFailure(f"{what}.{part} has keys {list(got[part])}, expected ['W', 'b']")
        for key, shape in (("W", (4, 4, 3, 5)), ("b", (5,))):
            if np.shape(got[part][key]) != shape:
                raise CheckFailure(f"{what}.{part}[{key!r}] has shape {np.shape(got[part][key])}, expected {shape}")
    assert_close(got["params"]["b"], np.zeros(5), what=f"{what}.params['b']", tol=Tolerance(0, 0, 0, 0))
    for flag, meaning in (("repeats", "two layers made with Generators of the same seed have different W"),
                          ("changes", "layers made with Generators of different seeds have the same W"),
                          ("none_is_zero", "rng=None (or no rng) does not give the W of default_rng(0)")):
        if not got[flag]:
            raise CheckFailure(f"{what}: {meaning}; draw W from the rng you are given, default_rng(0) for None")


@checks.check("conv_he_init", tags=["Conv2D"])
def conv_he_init(ctx):
    """Conv2D draws W from a normal distribution with std sqrt(2 / (k·k·n_in))"""
    n_in, n_out, k = ctx.spec["he_layer"]
    seed = ctx.case("seed", lambda rng: int(rng.integers(2**31)))
    what = f"Conv2D({n_in}, {n_out}, {k}, rng=default_rng({seed}))"
    W = as_numeric(_weights(ctx, [n_in, n_out, k], {}, what, rng=wire.rng(seed)), f"{what}.params['W']")
    if W.shape != (k, k, n_in, n_out) or W.dtype.kind != "f":
        raise CheckFailure(f"{what}.params['W']: expected floats of shape {(k, k, n_in, n_out)}, "
                           f"received {describe(W)}")
    stats.assert_normal_draw(W, np.sqrt(2.0 / (k * k * n_in)), alpha=ctx.spec["stat_alpha"],
                             what=f"{what}.params['W']", formula="sqrt(2 / (k·k·n_in))")


@checks.check("maxpool_ties", tags=["MaxPool2D"])
def maxpool_ties(ctx):
    """MaxPool2D sends the gradient of a window with ties to its first maximum, in row-major order"""
    for key in cases.TIES:
        case = ctx.case(key, lambda rng: cases.tie_case(rng, key))
        what = f"{describe_case(case)}, {key}"
        got = run(ctx, probes, "layer_pass", case, what=what)
        want = expect(ctx, key, probes, "layer_pass", case)
        assert_close(got["out"], want["out"], what=f"{what}: forward", tol=ctx.spec.tolerance, hidden=ctx.hidden)
        assert_close(got["dX"], want["dX"], tol=ctx.spec.tolerance, hidden=ctx.hidden,
                     what=f"{what}: backward (each window's gradient goes to one entry: the first maximum, "
                          "row by row)")


@checks.check("inputs_unchanged", tags=list(LAYERS))
def inputs_unchanged(ctx):
    """No forward or backward modifies its input arrays"""
    keys = {"Conv2D": "2 channels, 8x11, stride 2, padding 1", "MaxPool2D": "MaxPool2D(3, 2), overlapping windows, 9x8",
            "Flatten": "(3, 4, 5, 2)"}
    layers = ctx.case("layers", lambda rng: [cases.layer_case(rng, layer, key) for layer, key in keys.items()])
    changed = run(ctx, probes, "inputs_kept", layers, what="the layers' forward and backward")
    if changed:
        raise CheckFailure(f"{'; '.join(changed)}: work on new arrays (the contract: inputs are never modified)")
    # The child's word on the inputs earns the point only where the layers' values are right too.
    for i, case in enumerate(layers):
        assert_values_like_reference(ctx, case, expect(ctx, f"layer {i}", probes, "layer_pass", case),
                                     describe_case(case))


# ------------------------------------------------------------------ training

@functools.cache
def digits():
    """The vendored MNIST digits (``data/README.md``): 14 x 14 images scaled to [0, 1], one channel."""
    def images(key):
        return (read_idx(DATA / IDX_FILES[key], IDX_IMAGES_MAGIC) / 255.0)[..., None]

    def labels(key):
        return read_idx(DATA / IDX_FILES[key], IDX_LABELS_MAGIC).astype(np.int64)

    return {"X": images("x_train"), "y": labels("y_train"), "X_test": images("x_test"), "y_test": labels("y_test")}


def network(seed):
    """The grader's network: the student's layers, the grader's ReLU and dense layer, He-initialised by
    the grader from ``seed`` (the student's initialisation is judged by conv_init and conv_he_init)."""
    rng = np.random.default_rng(seed)

    def conv(n_in, n_out, **kwargs):
        return {"layer": "Conv2D", "args": [n_in, n_out, 3], "kwargs": kwargs, "rng": int(rng.integers(2**31)),
                "params": {"W": rng.normal(scale=np.sqrt(2 / (9 * n_in)), size=(3, 3, n_in, n_out)),
                           "b": np.zeros(n_out)}}

    return [conv(1, 6, padding=1), {"layer": "ReLU"}, {"layer": "MaxPool2D", "args": [2], "params": {}},
            conv(6, 8, stride=2, padding=1), {"layer": "ReLU"}, {"layer": "Flatten", "params": {}},
            {"layer": "Affine", "params": {"W": rng.normal(scale=np.sqrt(2 / 128), size=(128, 10)),
                                           "b": np.zeros(10)}}]


NETWORK = ("Conv2D(1, 6, 3, padding=1), ReLU, MaxPool2D(2), Conv2D(6, 8, 3, stride=2, padding=1), ReLU, "
           "Flatten(), the grader's Dense(128, 10)")


@checks.check("training", tags=list(LAYERS), per_student=False)  # one draw per course: the same run for every student
def training(ctx):
    """A network of your Conv2D, MaxPool2D and Flatten, with the grader's dense layer, learns MNIST digits"""
    settings, data = ctx.spec["training"], digits()
    seed = ctx.case("seed", lambda rng: int(rng.integers(2**31)))
    specs, config = network(seed), {**settings, "seed": seed + 1}
    what = (f"{NETWORK}, trained by the grader's loop on {len(data['y'])} digits of 14 x 14 "
            f"({settings['snapshots'][-1]} epochs, batches of {settings['batch_size']}, Adam "
            f"{settings['learning_rate']})")
    trained = run(ctx, probes, "train_network", specs, data["X"], data["y"], config, what=what)
    trained = inference.training_result(trained, what)
    if not ctx.hidden:
        reference = ctx.expect("history", lambda ref: probes.train_network(ref, specs, data["X"], data["y"],
                                                                           config)["history"])
        ctx.record_curve("training loss", trained["history"], reference)
    history = as_numeric(trained["history"], f"{what}: the loss history")
    if not np.all(np.isfinite(history)):
        raise CheckFailure(f"{what}: the training loss became nan or inf")
    # scored here, by the grader's forward pass over the layers' states: the test digits never enter the child
    accuracy, epochs = inference.best_accuracy(trained, data["X_test"], data["y_test"], probe=data["X"][:64],
                                               what=what, tol=ctx.spec["inference_rel_error"], specs=specs)
    if accuracy < ctx.spec["accuracy"]:
        raise CheckFailure(f"{what}: best test accuracy after epochs {', '.join(map(str, epochs))}: "
                           f"{accuracy:.1%} on {len(data['y_test'])} held-out digits, where working layers reach "
                           f"over {ctx.spec['accuracy']:.0%} (chance is 10 %); {trained['seconds']:.1f} s of training")
