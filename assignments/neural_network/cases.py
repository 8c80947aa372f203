"""Inputs of assignment 04's checks, drawn from a seeded Generator (fixed for public checks,
the student's hidden seed for hidden ones).

Sizes are distinct and neither 1 nor 2 (m = 7, n = 5, K = 4, H = 11) besides the
separate m = 1 cases; upstream gradients are random-signed; inputs of ReLU and
ELU stay at least ``KINK_MARGIN`` from their kink at 0, where a central
difference would be wrong; hyperparameters are not the defaults.
"""

import numpy as np

from grader.checking.gradcheck import random_directions

KINK_MARGIN = 1e-2       # |x| of any ReLU or ELU input, per-layer cases
NETWORK_KINK_MARGIN = 1e-3  # the same inside the whole network (its steps are 1e-5 along unit directions)
N_IN, N_OUT = 5, 4
NETWORK_WIDTHS = (11, 9, 6)


def away_from_zero(x, margin=KINK_MARGIN):
    """``x`` with every entry pushed ``margin`` further from 0."""
    return x + margin * np.where(x >= 0, 1.0, -1.0)


def _hyper(rng, vary, public, low, high):
    return float(rng.uniform(low, high)) if vary else public


def layer_spec(rng, layer, vary=False, n=N_IN):
    """A layer with non-default hyperparameters and parameters that are not the initial ones."""
    if layer == "Dense":
        return {"layer": "Dense", "args": [n, N_OUT], "kwargs": {"init": "he"}, "rng": int(rng.integers(2**31)),
                "params": {"W": rng.normal(scale=0.5, size=(n, N_OUT)), "b": rng.normal(scale=0.5, size=N_OUT)}}
    drawn = {"drawn": True} if vary else {}  # messages then leave the hyperparameters out
    if layer == "BatchNorm":
        kwargs = {"momentum": _hyper(rng, vary, 0.8, 0.6, 0.85), "eps": _hyper(rng, vary, 1e-3, 1e-4, 1e-2)}
        return {"layer": "BatchNorm", "args": [n], "kwargs": kwargs, **drawn,
                "params": {"gamma": rng.uniform(0.5, 1.5, n), "beta": rng.normal(scale=0.5, size=n)}}
    if layer == "ELU":
        return {"layer": "ELU", "args": [_hyper(rng, vary, 0.7, 0.3, 0.9)], "params": {}, **drawn}
    return {"layer": layer, "params": {}}


def features(rng, m, n=N_IN):
    """Columns of unequal spread and non-zero mean."""
    return rng.normal(size=(m, n)) * rng.uniform(0.5, 3.0, n) + rng.normal(size=n)


def layer_case(rng, layer, m, *, vary=False, training=True, warmup=0, extreme=False):
    """A layer, its input X (m, 5) and a random-signed dout; ``warmup`` training batches first."""
    spec = layer_spec(rng, layer, vary)
    if extreme:
        X = np.array([[-1e4, -745.5, -40.0, -25.0, -1e-3], [1e-3, 25.0, 40.0, 745.5, 1e4]])
    elif layer in ("ReLU", "ELU"):
        X = away_from_zero(rng.normal(scale=2.0, size=(m, N_IN)))
    elif layer == "Sigmoid":
        X = rng.normal(scale=3.0, size=(m, N_IN))
    else:
        X = features(rng, m)
    out_width = N_OUT if layer == "Dense" else N_IN
    case = {"layer": spec, "X": X, "dout": rng.normal(size=(len(X), out_width)), "training": training}
    if warmup:
        case["warmup"] = [features(rng, size) for size in (9, 6, 8)[:warmup]]
    return case


def small_model_case(rng):
    """Dense(5, 6) then ReLU, with its input and a random-signed dout: a model for optimiser steps."""
    dense = {"layer": "Dense", "args": [N_IN, 6], "kwargs": {"init": "he"}, "rng": int(rng.integers(2**31)),
             "params": {"W": rng.normal(scale=0.5, size=(N_IN, 6)), "b": rng.normal(scale=0.5, size=6)}}
    return {"layers": [dense, {"layer": "ReLU", "params": {}}], "X": features(rng, 7),
            "dout": rng.normal(size=(7, 6))}


def constant_feature_case(rng):
    """A batch-norm input whose column 2 is constant: its variance is exactly 0, so only eps
    keeps the square root's argument above 0 (a tiny spread would leave 1/sqrt(var) finite)."""
    case = layer_case(rng, "BatchNorm", 7)
    case["X"][:, 2] = 3.5
    return case


def network_case(rng, widths=NETWORK_WIDTHS, vary=False):
    """Dense-BatchNorm-ReLU-Dense-ELU-Dense-Sigmoid-Dense from 5 inputs to 4 outputs, m = 7.

    Drawn again until every ReLU and ELU input is at least ``NETWORK_KINK_MARGIN`` from 0.
    """
    h1, h2, h3 = widths
    while True:
        def dense(n_in, n_out):
            return {"layer": "Dense", "args": [n_in, n_out], "kwargs": {"init": "he"},
                    "rng": int(rng.integers(2**31)),
                    "params": {"W": rng.normal(scale=np.sqrt(2 / n_in), size=(n_in, n_out)),
                               "b": rng.normal(scale=0.3, size=n_out)}}
        layers = [dense(N_IN, h1), layer_spec(rng, "BatchNorm", vary, n=h1), {"layer": "ReLU", "params": {}},
                  dense(h1, h2), layer_spec(rng, "ELU", vary), dense(h2, h3), {"layer": "Sigmoid", "params": {}},
                  dense(h3, N_OUT)]
        X = features(rng, 7)
        if min_kink_distance(layers, X) >= NETWORK_KINK_MARGIN:
            return {"layers": layers, "X": X, "dout": rng.normal(size=(7, N_OUT))}


def min_kink_distance(layers, X):
    """The smallest |input| of any ReLU or ELU of the network, by the grader's own forward pass."""
    closest = np.inf
    for spec in layers:
        kind, params = spec["layer"], spec["params"]
        if kind in ("ReLU", "ELU"):
            closest = min(closest, float(np.abs(X).min()))
        if kind == "Dense":
            X = X @ params["W"] + params["b"]
        elif kind == "BatchNorm":
            xhat = (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + spec["kwargs"]["eps"])
            X = params["gamma"] * xhat + params["beta"]
        elif kind == "ReLU":
            X = np.maximum(X, 0.0)
        elif kind == "ELU":
            X = np.where(X > 0, X, spec["args"][0] * np.expm1(np.minimum(X, 0.0)))
        elif kind == "Sigmoid":
            X = 1.0 / (1.0 + np.exp(-X))
    return closest


def block_shapes(case):
    """Name and shape of each block the network's gradient check perturbs (see probes._blocks)."""
    shapes = {"dX": case["X"].shape}
    for i, spec in enumerate(case["layers"]):
        shapes.update({f"layer {i} d{key}": value.shape for key, value in spec["params"].items()})
    return shapes


def directions(rng, case, count):
    """``count`` random unit directions for each block of the network."""
    return {name: random_directions(rng, shape, count) for name, shape in block_shapes(case).items()}


def n_parameters(case):
    return sum(int(np.prod(value.shape)) for spec in case["layers"] for value in spec["params"].values())


def spirals(rng, per_class, n_classes=3, noise=0.2):
    """Interleaved spirals: class c turns from angle 4c to 4(c + 1), radius 0 to 1, noise on the
    angle. No straight line separates the classes (a linear model reaches about 50 %)."""
    X, y = [], []
    for c in range(n_classes):
        r = np.linspace(0.0, 1.0, per_class)
        t = np.linspace(4.0 * c, 4.0 * (c + 1), per_class) + noise * rng.normal(size=per_class)
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(per_class, c))
    return np.vstack(X), np.concatenate(y)


def fit_data(rng, m, n_features=3, n_classes=4):
    """Rows for fit's trace: column 0 holds the row's number, the rest features; labels 0..K-1."""
    X = np.column_stack([np.arange(m), rng.normal(size=(m, n_features))])
    return {"X": X, "y": rng.integers(0, n_classes, size=m), "n_classes": n_classes}
