"""Scenarios of assignment 06 that run next to the submission, in its process.

The layer passes and the training loop are ``grader.checking.layers``' (the
directional derivatives of the gradient checks and the test accuracy of the
training run are computed in the grader's process); here is what is particular
to this assignment: the grader's own layers (a ReLU and a
fully connected layer) that complete the training network around the
student's Conv2D, MaxPool2D and Flatten, and inputs left unchanged.

Only numpy and the standard library are imported here (it runs in the sandbox).
"""

import numpy as np

from grader.checking.layers import Stack, changed_inputs, make_layer, run_layer, scenario, train


@scenario
def layer_pass(module, case, backward=True):
    """Warm-up forwards, then ``forward(X)`` and, where ``backward``, ``backward(dout)``."""
    return run_layer(module, case, backward)[1]


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
