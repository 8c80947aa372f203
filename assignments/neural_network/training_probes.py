"""Scenarios of assignment 04 on training, run next to the submission like those of ``probes``:
``fit`` on a grader model that logs its calls, the training runs, and inputs left unchanged.

Only numpy and the standard library are imported here (it runs in the sandbox).
"""

import copy
import functools
import time

import numpy as np

from .probes import Problem, make_layer, plain, same_arrays, scenario


# -------------------------------------------------------------------- fit

class _RecordingModel:
    """A grader model for fit's checks: logits = X[:, 1:] W + b, row ids in X[:, 0]; logs every call."""

    def __init__(self, n_features, n_classes, seed):
        rng = np.random.default_rng(seed)
        self.W, self.b = rng.normal(size=(n_features, n_classes)), np.zeros(n_classes)
        self.gW, self.gb = np.zeros_like(self.W), np.zeros_like(self.b)
        self.log = []

    def forward(self, X, training=True):
        X = np.asarray(X, dtype=np.float64)
        self.X = X
        logits = X[:, 1:] @ self.W + self.b
        self.log.append({"op": "forward", "rows": np.rint(X[:, 0]).astype(np.int64),
                         "training": bool(training), "logits": logits.copy()})
        return logits

    def backward(self, dout):
        dout = np.asarray(dout, dtype=np.float64)
        self.log.append({"op": "backward", "dout": dout.copy()})
        self.gW, self.gb = self.X[:, 1:].T @ dout, dout.sum(axis=0)
        return dout @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grads(self):
        return [self.gW, self.gb]


class _RecordingOptimizer:
    """Plain gradient descent that logs whether it was handed the model's own arrays."""

    def __init__(self, model):
        self.model = model

    def step(self, params, grads):
        self.model.log.append({"op": "step", "params": same_arrays(params, self.model.params()),
                               "grads": same_arrays(grads, self.model.grads())})
        for p, g in zip(self.model.params(), self.model.grads()):
            p -= 0.5 * g


@scenario
def fit_trace(module, X, y, n_classes, options, seed):
    """The submission's ``fit`` on a recording model: every call it made, and the history.

    ``options`` are the keyword arguments to pass (none: the defaults); ``"rng"`` in them
    is a seed for a Generator."""
    model = _RecordingModel(X.shape[1] - 1, n_classes, seed)
    options = {k: np.random.default_rng(v) if k == "rng" else v for k, v in options.items()}
    history = module.fit(model, X.copy(), y.copy(), _RecordingOptimizer(model), **options)
    return {"log": model.log, "history": plain(history) if isinstance(history, np.ndarray)
            else [plain(h) for h in history] if isinstance(history, (list, tuple)) else history}


# --------------------------------------------------------------- training runs

class _Snapshots:
    """Copies of a model taken during training, kept in the submission's process."""

    def __init__(self):
        self.models, self.epochs = [], []

    def take(self, model, epoch):
        try:
            self.models.append(copy.deepcopy(model))
        except Exception:  # a model that cannot be copied is judged at the end of training only
            self.models, self.epochs = [model], []
            return
        self.epochs.append(epoch)


@scenario
def train_own(module, X, y, config):
    """The submission's ``build_model`` trained by its ``fit`` with its ``Adam``, one call of fit per
    stretch of epochs ending at each of ``config["snapshots"]`` (the last is ``n_epochs``), with a copy
    of the model after each stretch: a transient spike of the loss at the last step then does not
    decide the score alone.

    Returns the copies, left in the submission's process: the test set reaches it
    only after training, in ``predict``.
    """
    started = time.perf_counter()
    model = module.build_model(X.shape[1], config["n_classes"], np.random.default_rng(config["seed"]))
    optimizer, rng = module.Adam(config["learning_rate"]), np.random.default_rng(config["seed"] + 1)
    history, snapshots, done = [], _Snapshots(), 0
    for epoch in config["snapshots"]:
        part = module.fit(model, X, y, optimizer, n_epochs=epoch - done, batch_size=config["batch_size"], rng=rng)
        if not isinstance(part, (list, tuple, np.ndarray)):
            return {"models": None, "history": part, "seconds": time.perf_counter() - started}
        history += [plain(h) for h in part]
        snapshots.take(model, epoch)
        done = epoch
    return {"models": snapshots, "history": history, "seconds": time.perf_counter() - started}


class _Stack:
    """The submission's layers, run by the grader: forward in order, backward in reverse.

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


@scenario
def train_layers(module, specs, X, y, config):
    """A network of the submission's layers trained by the grader's loop: mini-batches, softmax
    cross-entropy and Adam of its own; a copy of the network after each epoch of ``snapshots``."""
    started = time.perf_counter()
    stack = _Stack([make_layer(module, spec) for spec in specs])
    rng = np.random.default_rng(config["seed"])
    lr, b1, b2, eps = config["learning_rate"], 0.9, 0.999, 1e-8
    moments, t, history, snapshots = {}, 0, [], _Snapshots()
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
            snapshots.take(stack, epoch)
    return {"models": snapshots, "history": history, "seconds": time.perf_counter() - started}


@scenario
def predict(module, snapshots, X):
    """Labels predicted by each copy of a trained model (``forward(X, training=False)``, then argmax)."""
    predicted = []
    for model in snapshots.models:
        logits = np.asarray(model.forward(X.copy(), training=False))
        if logits.ndim != 2 or len(logits) != len(X) or logits.dtype.kind not in "iuf":
            raise Problem(f"the model's forward returned shape {logits.shape} {logits.dtype}, "
                          f"expected ({len(X)}, n_classes) numbers")
        predicted.append(np.argmax(logits, axis=1))
    return {"epochs": snapshots.epochs, "predicted": predicted}


# ------------------------------------------------------------ inputs unchanged

@scenario
def inputs_kept(module, cases, logits, y):
    """Which calls changed an input array in place: a list of ``"Dense.forward changed X"``."""
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
    Z, labels = logits.copy(), y.copy()
    fn = module.SoftmaxCrossEntropy()
    fn.forward(Z, labels)
    fn.backward()
    if not (np.array_equal(Z, logits) and np.array_equal(labels, y)):
        changed.append("SoftmaxCrossEntropy changed logits or y")
    layers = [make_layer(module, case["layer"]) for case in cases[:2]]  # Dense(5, 4), then ReLU
    X, dout = cases[0]["X"].copy(), np.ones((len(cases[0]["X"]), 4))
    model = module.Sequential(layers)
    model.forward(X, training=True)
    dout_in = dout.copy()
    model.backward(dout_in)
    if not (np.array_equal(X, cases[0]["X"]) and np.array_equal(dout_in, dout)):
        changed.append("Sequential.forward or backward changed X or dout")
    for name in ("SGD", "Adam"):
        params = [np.ones((3, 2)), np.zeros(2)]
        grads = [np.full((3, 2), 0.5), np.arange(2.0)]
        kept = [g.copy() for g in grads]
        getattr(module, name)().step(params, grads)
        if not all(np.array_equal(g, k) for g, k in zip(grads, kept)):
            changed.append(f"{name}.step changed the grads it was given")
    X = np.column_stack([np.arange(len(y)), logits])
    X_in, y_in = X.copy(), y.copy()
    model = _RecordingModel(X.shape[1] - 1, logits.shape[1], 0)
    module.fit(model, X_in, y_in, _RecordingOptimizer(model), n_epochs=1, batch_size=3,
               rng=np.random.default_rng(0))
    if not (np.array_equal(X_in, X) and np.array_equal(y_in, y)):
        changed.append("fit changed X or y")
    return changed
