"""Scenarios of assignment 04 on training, run next to the submission like those of ``probes``:
``fit`` on a grader model that logs its calls, the training runs, and inputs left unchanged.

Only numpy and the standard library are imported here (it runs in the sandbox).
"""

import time

import numpy as np

from grader.checking.layers import Problem, Snapshots, Stack, changed_inputs, make_layer, plain, scenario, train
from grader.checking.layers import softmax_loss  # noqa: F401  the checks reach it through this module

from .probes import same_arrays


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

def _built(module, n_features, n_classes, seed):
    """``build_model``'s model and its layers, in order: the list each Sequential it made was given
    (a Sequential among them is replaced by its own layers)."""
    if not hasattr(module, "Sequential"):
        raise Problem("missing Sequential: the submission does not define it")
    original, made = module.Sequential, []

    def recording(layers, *args, **kwargs):
        layers = layers if isinstance(layers, (list, tuple)) else list(layers)  # a generator is read once
        model = original(layers, *args, **kwargs)
        made.append((model, list(layers)))
        return model

    module.Sequential = recording  # build_model finds Sequential among the module's globals
    try:
        model = module.build_model(n_features, n_classes, np.random.default_rng(seed))
    finally:
        module.Sequential = original

    def layers_of(container):
        inner = next((layers for made_model, layers in made if made_model is container), None)
        return [container] if inner is None else [layer for item in inner for layer in layers_of(item)]

    if not any(made_model is model for made_model, _ in made):
        raise Problem("build_model did not return a Sequential it made: the grader reads its layers "
                      "from the list given to Sequential(layers)")
    return model, layers_of(model)


@scenario
def train_own(module, X, y, config):
    """The submission's ``build_model`` trained by its ``fit`` with its ``Adam``, one call of fit per
    stretch of epochs ending at each of ``config["snapshots"]`` (the last is ``n_epochs``), with the
    layers' states taken after each stretch: a transient spike of the loss at the last step then does
    not decide the score alone. The grader scores the states with its own forward pass, on test data
    that never comes here; the layers themselves go back as handles, for the grader to call.
    """
    started = time.perf_counter()
    model, layers = _built(module, X.shape[1], config["n_classes"], config["seed"])
    optimizer, rng = module.Adam(config["learning_rate"]), np.random.default_rng(config["seed"] + 1)
    history, snapshots, done = [], Snapshots(module), 0
    for epoch in config["snapshots"]:
        part = module.fit(model, X, y, optimizer, n_epochs=epoch - done, batch_size=config["batch_size"], rng=rng)
        if not isinstance(part, (list, tuple, np.ndarray)):
            return {"snapshots": [], "history": part, "seconds": time.perf_counter() - started, "layers": layers}
        history += [plain(h) for h in part]
        snapshots.take(layers, epoch)
        done = epoch
    return {"snapshots": snapshots.taken, "history": history, "seconds": time.perf_counter() - started,
            "layers": layers}


@scenario
def train_layers(module, specs, X, y, config):
    """A network of the submission's layers trained by the grader's loop (``grader.checking.layers.train``):
    mini-batches, softmax cross-entropy and Adam of its own; the layers' states after each epoch of
    ``snapshots``."""
    return train(module, Stack([make_layer(module, spec) for spec in specs]), X, y, config)


# ------------------------------------------------------------ inputs unchanged

@scenario
def inputs_kept(module, cases, logits, y):
    """Which calls changed an input array in place: a list of ``"Dense.forward changed X"``."""
    changed = changed_inputs(module, cases)
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
