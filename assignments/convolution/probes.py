"""Scenarios of assignment 06 that run next to the submission, in its process.

The layer passes and the training loop are ``grader.checking.layers``' (the
directional derivatives of the gradient checks and the test accuracy of the
training run are computed in the grader's process); here is what is particular
to this assignment: Conv2D's initial parameters, the grader's own layers (a ReLU and a
fully connected layer) that complete the training network around the
student's Conv2D, MaxPool2D and Flatten, and inputs left unchanged.

Only numpy and the standard library are imported here (it runs in the sandbox).
"""

import numpy as np

from grader.checking.layers import Problem, Stack, changed_inputs, make_layer, plain, run_layer, scenario, train


@scenario
def layer_pass(module, case, backward=True):
    """Warm-up forwards, then ``forward(X)`` and, where ``backward``, ``backward(dout)``."""
    return run_layer(module, case, backward)[1]


@scenario
def conv_init(module, args, kwargs, seed, other_seed):
    """A new ``Conv2D(*args, **kwargs, rng=default_rng(seed))``: its params and grads; and whether
    its weights repeat with the same seed, change with another, and are ``default_rng(0)``'s for rng=None
    and for no rng at all."""
    def weights(**rng):
        params = getattr(module.Conv2D(*args, **kwargs, **rng), "params", None)
        if not isinstance(params, dict) or "W" not in params:
            raise Problem("Conv2D(...).params must be a dict with the key 'W'")
        return np.asarray(params["W"])

    layer = module.Conv2D(*args, **kwargs, rng=np.random.default_rng(seed))
    params, grads = getattr(layer, "params", None), getattr(layer, "grads", None)
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise Problem("Conv2D(...).params and .grads must be dicts")
    W = weights(rng=np.random.default_rng(seed))
    return {"params": {k: plain(v) for k, v in params.items()}, "grads": {k: plain(v) for k, v in grads.items()},
            "repeats": bool(np.array_equal(W, weights(rng=np.random.default_rng(seed)))),
            "changes": not np.array_equal(W, weights(rng=np.random.default_rng(other_seed))),
            "none_is_zero": all(np.array_equal(drawn, weights(rng=np.random.default_rng(0)))
                                for drawn in (weights(rng=None), weights()))}


@scenario
def inputs_kept(module, cases):
    """Which calls changed an input array in place: a list of ``"Conv2D.forward changed X"``."""
    return changed_inputs(module, cases)


# ----------------------------------------------------------- the training run

class ReLU:
    """The grader's rectifier, between the student's layers."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.positive = np.asarray(X) > 0
        return np.maximum(X, 0)

    def backward(self, dout):
        return np.where(self.positive, dout, 0.0)


class Affine:
    """The grader's fully connected layer on the flattened features: ``X @ W + b``."""

    def __init__(self, params):
        self.params = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
        self.grads = {}

    def forward(self, X, training=True):
        self.inputs = np.asarray(X, dtype=np.float64)
        return np.dot(self.inputs, self.params["W"]) + self.params["b"]

    def backward(self, dout):
        self.grads = {"W": np.dot(self.inputs.T, dout), "b": np.sum(dout, axis=0)}
        return np.dot(dout, self.params["W"].T)


@scenario
def train_network(module, specs, X, y, config):
    """The network of ``specs`` (``{"layer": "ReLU"}`` and ``{"layer": "Affine", "params": ...}`` are the
    grader's, the rest the submission's) trained by the grader's loop; see ``grader.checking.layers.train``."""
    def build(spec):
        if spec["layer"] == "ReLU":
            return ReLU()
        if spec["layer"] == "Affine":
            return Affine(spec["params"])
        return make_layer(module, spec)

    return train(module, Stack([build(spec) for spec in specs]), X, y, config)
