"""A submission's layers, driven in its own process: the child's side of layer checks.

Assignments whose students write layers (``params`` and ``grads`` dicts,
``forward(X, training=True)``, ``backward(dout)``) run scenarios next to the
submission, one call each, and judge in the grader's process the plain data
that comes back (``grader.checking.layer_checks``). A scenario takes a module first (the
submission's, or the reference when the grader computes the expected answer
with the same code). Running a scenario in one call keeps the per-call cost of
the sandbox out of loops of hundreds of forward passes.

A submission can replace any function here (the child looks scenarios up at
each call), so nothing here computes a number that decides a point: a
scenario runs the submission's code and returns what it returned. Numerical
derivatives are taken in the grader's process (``grader.checking.layer_checks``)
and training runs are scored there (``grader.checking.inference``), from the
layers' states that ``train`` returns.

Layers are built from plain specs: ``{"layer": "Dense", "args": [5, 4],
"kwargs": {...}, "rng": seed, "params": {"W": ..., "b": ...}}``. A submission
whose objects lack what the contract says (a ``params`` key, a shape) yields
``{PROBLEM: message}``; its exceptions, NotImplementedError included, reach the
grader as they are, naming the function that raised them.

Only numpy and the standard library are imported here: the sandbox loads this
module, where the reference is not available.
"""

import functools
import time

import numpy as np

PROBLEM = "__problem__"


class Problem(Exception):
    """The submission's objects are not shaped as the contract says."""


def scenario(function):
    """Make ``function(module, ...)`` a scenario: the child passes ``emit``; a contract problem
    comes back as data (see the module's docstring)."""
    @functools.wraps(function)
    def run(module, *args, emit=None, **kwargs):
        try:
            return function(module, *args, **kwargs)
        except Problem as exc:
            return {PROBLEM: str(exc)}
    return run


def plain(value):
    """A copy of a numeric array (the submission may change its own later); anything else as it is."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biuf":
        return np.array(value, copy=True)
    return value


# ---------------------------------------------------------------- building layers

def label(spec):
    """``Dense(5, 4)``: a layer spec as the student would write it; a hyperparameter drawn for the
    student (``spec["drawn"]``) shows as ``<drawn>``, since messages name no drawn input."""
    def show(value):
        if isinstance(value, float):
            return "<drawn>" if spec.get("drawn") else f"{value:.4g}"
        return repr(value)
    parts = [show(a) for a in spec.get("args", [])]
    parts += [f"{k}={show(v)}" for k, v in spec.get("kwargs", {}).items()]
    return f"{spec['layer']}({', '.join(parts)})"


def make_layer(module, spec):
    """Build ``spec["layer"](*args, **kwargs)``; set its params to ``spec["params"]`` in place."""
    kwargs = dict(spec.get("kwargs", {}))
    if "rng" in spec:
        kwargs["rng"] = np.random.default_rng(spec["rng"])
    if not hasattr(module, spec["layer"]):
        raise Problem(f"missing {spec['layer']}: the submission does not define it")
    layer = getattr(module, spec["layer"])(*spec.get("args", []), **kwargs)
    wanted = spec.get("params")
    if wanted is not None:
        params = getattr(layer, "params", None)
        mismatch = params_mismatch(spec, params)
        if mismatch:
            raise Problem(mismatch)
        for key, value in wanted.items():
            params[key][...] = value
    return layer


def params_mismatch(spec, params):
    """Why a layer's ``params`` cannot take the arrays ``spec["params"]`` sets (keys, order, shapes); "" if they can."""
    wanted = spec["params"]
    keys = list(params) if isinstance(params, dict) else None
    if keys != list(wanted):
        return f"{label(spec)}.params has keys {keys}, expected {list(wanted)} in this order"
    for key, value in wanted.items():
        if np.shape(params[key]) != np.shape(value):
            return f"{label(spec)}.params[{key!r}] has shape {np.shape(params[key])}, expected {np.shape(value)}"
    return ""


def layer_grads(layer, spec):
    """Copies of ``layer.grads``, read after a backward."""
    grads = getattr(layer, "grads", None)
    if not isinstance(grads, dict):
        raise Problem(f"{label(spec)}.grads is not a dict")
    return {key: plain(value) for key, value in grads.items()}


# ------------------------------------------------------------------ one layer

def run_layer(module, case, backward=True):
    """Build ``case["layer"]``, run its warm-up training forwards (``case["warmup"]``, a list of
    inputs; each followed by a backward of ones where ``case["warmup_backward"]``), then
    ``forward(X, training)`` and, where ``backward``, ``backward(dout)``.

    Returns the layer and ``{"out"}``, with ``"dX"`` and ``"grads"`` after a backward.
    """
    spec = case["layer"]
    layer = make_layer(module, spec)
    for batch in case.get("warmup", []):
        warm = layer.forward(batch.copy(), training=True)
        if case.get("warmup_backward"):
            layer.backward(np.ones(np.shape(warm)))
    out = layer.forward(case["X"].copy(), training=case.get("training", True))
    result = {"out": plain(out)}
    if backward:
        result["dX"] = plain(layer.backward(case["dout"].copy()))
        result["grads"] = layer_grads(layer, spec)
    return layer, result


def changed_inputs(module, cases):
    """Which layer calls changed an input array in place: a list of ``"Dense.forward changed X"``."""
    changed = []
    for case in cases:
        spec, X, dout = case["layer"], case["X"].copy(), case["dout"].copy()
        layer = make_layer(module, spec)
        layer.forward(X, training=True)
        if not np.array_equal(X, case["X"]):
            changed.append(f"{spec['layer']}.forward changed X")
        layer.backward(dout)
        if not np.array_equal(dout, case["dout"]):
            changed.append(f"{spec['layer']}.backward changed dout")
    return changed


# --------------------------------------------------------------- training runs

CONTRACT_LAYERS = ("Dense", "ReLU", "Sigmoid", "ELU", "BatchNorm", "Dropout", "Conv2D", "MaxPool2D", "Flatten")


def layer_state(module, layer):
    """A layer as data, for the grader's own forward pass at inference (``grader.checking.inference``):
    its contract type (the class of ``module`` it is an instance of; else its class's name), copies of
    its params, BatchNorm's running statistics and eps, and ELU's alpha, read from its output at -50."""
    kind = next((name for name in CONTRACT_LAYERS if isinstance(getattr(module, name, None), type)
                 and isinstance(layer, getattr(module, name))), type(layer).__name__)
    params = getattr(layer, "params", None)
    if not isinstance(params, dict):
        raise Problem(f"a {kind} layer's params is not a dict")
    state = {"layer": kind, "params": {key: plain(value) for key, value in params.items()}}
    if kind == "BatchNorm":
        state.update({f"running_{stat}": plain(getattr(layer, f"running_{stat}", None)) for stat in ("mean", "var")})
        state["eps"] = plain(getattr(layer, "eps", 1e-5))
    if kind == "ELU":
        state["alpha"] = -float(np.asarray(layer.forward(np.full((1, 1), -50.0), training=False)).ravel()[0])
    return state


class Snapshots:
    """The states of a model's layers taken during training: ``[{"epoch", "layers"}]``, plain data."""

    def __init__(self, module):
        self.module, self.taken = module, []

    def take(self, layers, epoch):
        self.taken.append({"epoch": epoch, "layers": [layer_state(self.module, layer) for layer in layers]})


class Stack:
    """Layers run by the grader: forward in order, backward in reverse.

    Written as folds, not as the loops students write in Sequential, so that the
    student bundle (which ships this file) holds no copy of that solution.
    """

    def __init__(self, layers):
        self.layers = layers

    def forward(self, X, training=True):
        return functools.reduce(lambda out, layer: layer.forward(out, training=training), self.layers, X)

    def backward(self, dout):
        return functools.reduce(lambda grad, layer: layer.backward(grad), self.layers[::-1], dout)


def softmax_loss(logits, y):
    """Mean cross-entropy of softmax(logits) and its gradient, the grader's own."""
    Z = logits - logits.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    m = len(y)
    grad = np.exp(log_p)
    grad[np.arange(m), y] -= 1.0
    return float(-log_p[np.arange(m), y].mean()), grad / m


def train(module, stack, X, y, config):
    """Train ``stack`` (layers of ``module``, the submission, and the grader's) with the grader's own
    loop: mini-batches of ``config["batch_size"]`` in a new order each epoch, softmax cross-entropy,
    and Adam (``config["learning_rate"]``, betas 0.9 and 0.999) updating each layer's params in place
    from its grads, read after each backward.

    The layers' states are taken after each epoch of ``config["snapshots"]`` (the last is the number
    of epochs); returns ``{"snapshots", "history", "seconds", "layers"}``: the grader scores the states
    itself, and calls the trained layers (handles) to see that they compute what it scores.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(config["seed"])
    lr, b1, b2, eps = config["learning_rate"], 0.9, 0.999, 1e-8
    moments, t, history, snapshots = {}, 0, [], Snapshots(module)
    for epoch in range(1, config["snapshots"][-1] + 1):
        order, total = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), config["batch_size"]):
            rows = order[start:start + config["batch_size"]]
            loss, dlogits = softmax_loss(np.asarray(stack.forward(X[rows], training=True), np.float64), y[rows])
            stack.backward(dlogits)
            t += 1
            for i, layer in enumerate(stack.layers):
                for key, p in layer.params.items():
                    g = np.asarray(layer.grads[key], dtype=np.float64)  # read after backward
                    m, v = moments.get((i, key), (0.0, 0.0))
                    m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
                    moments[(i, key)] = (m, v)
                    p -= (lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)).astype(p.dtype)
            total += loss * len(rows)
        history.append(total / len(X))
        if epoch in config["snapshots"]:
            snapshots.take(stack.layers, epoch)
    return {"snapshots": snapshots.taken, "history": history, "seconds": time.perf_counter() - started,
            "layers": stack.layers}
