"""Inputs of assignment 06's checks, drawn from a seeded Generator (fixed for public checks,
the student's hidden seed for hidden ones).

The shapes are what makes a case sharp, so hidden checks keep them and draw new
values: heights differ from widths (square images hide a swapped axis), sizes
are neither 1 nor 2 (m = 2 hides a sum taken as a mean) apart from the m = 1
cases, strides and kernels leave rows that no window reaches (integer division
drops them), one channel and several, upstream gradients random-signed, and
parameters that are not the initial ones. Max-pool inputs keep every pair of
entries apart, so that a central difference never crosses a tie; ties are
tested on their own with small integers.
"""

import numpy as np

from grader.checking.gradcheck import random_directions

# key: (X shape (m, H, W, C), Conv2D args (n_in, n_out, kernel_size), kwargs)
CONV = {
    "3 channels, 7x9, stride and padding by default": ((3, 7, 9, 3), (3, 4, 3), {}),
    "2 channels, 8x11, stride 2, padding 1": ((3, 8, 11, 2), (2, 5, 3), {"stride": 2, "padding": 1}),
    "1 channel, 10x7, kernel 4, stride 3": ((4, 10, 7, 1), (1, 3, 4), {"stride": 3}),
    "m=1, kernel 2, padding 2": ((1, 5, 6, 3), (3, 2, 2), {"padding": 2}),
}
# key: (X shape, MaxPool2D args (pool_size, stride)); stride None is left out of the call
POOL = {
    "MaxPool2D() on 7x9": ((3, 7, 9, 2), ()),
    "MaxPool2D(3, 2), overlapping windows, 9x8": ((2, 9, 8, 3), (3, 2)),
    "MaxPool2D(3), stride by default, 8x10, 1 channel": ((3, 8, 10, 1), (3,)),
    "m=1, MaxPool2D(2, 1)": ((1, 5, 6, 2), (2, 1)),
}
FLATTEN = {
    "(3, 4, 5, 2)": (3, 4, 5, 2),
    "m=1, (1, 3, 2, 4)": (1, 3, 2, 4),
    "(4, 6, 5)": (4, 6, 5),
}
GAP = 0.4  # the smallest distance between two max-pool inputs, in units of their spacing


def conv_output_shape(H, W, k, stride=1, padding=0):
    """The contract's formula, for the grader's own shapes (the student's is checked against the reference)."""
    return (H + 2 * padding - k) // stride + 1, (W + 2 * padding - k) // stride + 1


def conv_spec(rng, args, kwargs):
    n_in, n_out, k = args
    return {"layer": "Conv2D", "args": list(args), "kwargs": dict(kwargs), "rng": int(rng.integers(2**31)),
            "params": {"W": rng.normal(scale=0.5, size=(k, k, n_in, n_out)), "b": rng.normal(scale=0.5, size=n_out)}}


def pool_spec(args):
    return {"layer": "MaxPool2D", "args": list(args), "params": {}}


def spaced(rng, shape):
    """Values on [-3, 3] that differ pairwise by at least ``GAP`` / size * 6: no near-ties."""
    n = int(np.prod(shape))
    ranks = rng.permutation(n) + rng.uniform(GAP / 2, 1 - GAP / 2, size=n)
    return (ranks / n * 6.0 - 3.0).reshape(shape)


def out_shape(spec, X_shape):
    """The layer's output shape for an input of ``X_shape``."""
    m, H, W = X_shape[:3]
    if spec["layer"] == "Conv2D":
        n_in, n_out, k = spec["args"]
        return (m, *conv_output_shape(H, W, k, **spec["kwargs"]), n_out)
    if spec["layer"] == "MaxPool2D":
        pool = spec["args"][0] if spec["args"] else 2
        stride = spec["args"][1] if len(spec["args"]) > 1 else pool
        return (m, *conv_output_shape(H, W, pool, stride), X_shape[3])
    return (m, int(np.prod(X_shape[1:])))


def layer_case(rng, layer, key, warmup=False):
    """A layer, its input X and a random-signed dout; with ``warmup``, a forward and a backward on
    another batch first (a layer must keep nothing of an earlier pass: caches, shapes, gradients)."""
    if layer == "Conv2D":
        shape, args, kwargs = CONV[key]
        spec, X = conv_spec(rng, args, kwargs), rng.normal(size=shape)
    elif layer == "MaxPool2D":
        shape, args = POOL[key]
        spec, X = pool_spec(args), spaced(rng, shape)
    else:
        shape = FLATTEN[key]
        spec, X = {"layer": "Flatten", "params": {}}, rng.normal(size=shape)
    case = {"layer": spec, "X": X, "dout": rng.normal(size=out_shape(spec, shape))}
    if warmup:
        m, H, W, *rest = shape
        case["warmup"], case["warmup_backward"] = [rng.normal(size=(2, H + 1, W + 2, *rest))], True
    return case


def directions(rng, case, count):
    """``count`` random unit directions for the input and for each parameter of the layer."""
    shapes = {"dX": case["X"].shape, **{f"d{k}": v.shape for k, v in case["layer"]["params"].items()}}
    return {name: random_directions(rng, shape, count) for name, shape in shapes.items()}


def tie_case(rng, key):
    """Max-pool inputs of small integers, so that most windows hold ties; one case is constant."""
    shape, args = {"integers 0..2, MaxPool2D(3, 2)": ((3, 7, 9, 2), (3, 2)),
                   "integers 0..2, MaxPool2D()": ((2, 6, 9, 3), ()),
                   "integers 0..1, m=1, MaxPool2D(2, 1)": ((1, 5, 7, 2), (2, 1)),
                   "constant, MaxPool2D(3, 2)": ((2, 7, 8, 1), (3, 2))}[key]
    high = 1 if "constant" in key else (2 if "0..1" in key else 3)
    X = rng.integers(0, high, size=shape).astype(np.float64)
    spec = pool_spec(args)
    return {"layer": spec, "X": X, "dout": rng.normal(size=out_shape(spec, shape))}


TIES = ("integers 0..2, MaxPool2D(3, 2)", "integers 0..2, MaxPool2D()", "integers 0..1, m=1, MaxPool2D(2, 1)",
        "constant, MaxPool2D(3, 2)")


def output_shape_cases(rng, vary):
    """Arguments of conv_output_shape: by default, with stride and padding, a stride that drops rows.

    Hidden draws keep each case's structure (which arguments are given, H != W, a
    remainder left by the stride) and draw the numbers.
    """
    if not vary:
        return [[7, 9, 3], [8, 11, 3, 2, 1], [10, 7, 4, 3], [5, 6, 2, 1, 2], [28, 23, 5, 2, 0]]
    H, W = rng.choice(np.arange(6, 30), size=2, replace=False)
    k, stride, padding = int(rng.integers(3, 6)), int(rng.integers(2, 4)), int(rng.integers(1, 3))
    while (H + 2 * padding - k) % stride == 0:
        H += 1
    return [[int(W), int(H), k], [int(H), int(W), k, stride, padding], [int(H) + 3, int(W), k, stride],
            [int(W), int(H), 2, 1, padding + 1], [int(H) + 20, int(W) + 1, k + 1, stride + 1, 0]]
