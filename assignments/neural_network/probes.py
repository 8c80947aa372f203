"""Scenarios of assignment 04 that run next to the submission, in its process (those of
training are in ``training_probes``).

Each scenario takes a module first (the submission's, or the reference when the
grader computes the expected answer with the same code) and returns plain
data: arrays, numbers, lists, dicts; the checks judge it in the grader's
process. The building blocks (layers from specs, passes, contract problems as
data) are ``grader.checking.layers``. Numerical derivatives are not computed
here: the gradient checks drive the submission's layers from the grader's
process (``grader.checking.layer_checks``), since grader code here can be
replaced by the submission.

Only numpy (and the standard library) is imported here: this module is loaded
inside the sandbox, where the reference is not available.
"""

import numpy as np

from grader.checking.layers import Problem, layer_grads, make_layer, plain, run_layer, scenario


# ------------------------------------------------------------------ one layer

@scenario
def layer_pass(module, case, backward=True):
    """Warm-up training forwards, then ``forward(X, training)`` and, where ``backward``, ``backward(dout)``."""
    layer, result = run_layer(module, case, backward)
    if case["layer"]["layer"] == "BatchNorm":
        result["running"] = {"mean": plain(getattr(layer, "running_mean", None)),
                             "var": plain(getattr(layer, "running_var", None))}
    return result


@scenario
def loss_pass(module, logits, y):
    """``SoftmaxCrossEntropy().forward(logits, y)`` and its ``backward()``."""
    fn = module.SoftmaxCrossEntropy()
    loss = fn.forward(logits.copy(), y.copy())
    empty = all(getattr(fn, part, None) == {} for part in ("params", "grads"))
    return {"loss": plain(loss), "dlogits": plain(fn.backward()), "no_params": empty}


# -------------------------------------------------------------- whole network

def _network(module, specs):
    layers = [make_layer(module, spec) for spec in specs]
    return layers, module.Sequential(layers)


@scenario
def network_pass(module, case):
    """Forward (training) and backward of a ``Sequential`` of the submission's layers, and each
    layer's grads: the reference's answer to the check the grader drives itself."""
    layers, model = _network(module, case["layers"])
    out = model.forward(case["X"].copy(), training=True)
    result = {"out": plain(out), "dX": plain(model.backward(case["dout"].copy()))}
    result["grads"] = [layer_grads(layer, spec) for layer, spec in zip(layers, case["layers"])]
    return result


# ----------------------------------------------------------------- Sequential

class _Tracer:
    """A grader layer for Sequential's checks: ``out = X * scale + 1``; it logs its calls."""

    def __init__(self, name, log, scale, sizes):
        self.name, self.log, self.scale = name, log, scale
        self.params = {key: np.full(size, scale + i) for i, (key, size) in enumerate(sizes)}
        self.grads = {key: np.zeros(size) for key, size in sizes}

    def forward(self, X, training=True):
        self.log.append(["forward", self.name, training])
        return X * self.scale + 1.0

    def backward(self, dout):
        self.log.append(["backward", self.name])
        self.grads = {key: np.full(p.shape, 10 * self.scale) for key, p in self.params.items()}
        return dout * self.scale


@scenario
def sequential_calls(module, X, dout):
    """A Sequential of three tracer layers: the order of the calls, the flags passed, what comes back.

    The tracers list their params under keys out of alphabetical order, and the
    middle one has none; ``params``/``grads`` report whether the lists hold
    those very arrays (after a backward that replaced every grads array).
    """
    log = []
    tracers = [_Tracer("first", log, 2.0, [("w", 3), ("b", 2)]), _Tracer("second", log, -0.5, []),
               _Tracer("third", log, 3.0, [("z", 4), ("a", 1)])]
    model = module.Sequential(tracers)
    result = {"eval": plain(model.forward(X.copy(), training=False))}
    result["train"] = plain(model.forward(X.copy()))
    result["dX"] = plain(model.backward(dout.copy()))
    result["log"] = log
    expected_params = [p for t in tracers for p in t.params.values()]
    expected_grads = [g for t in tracers for g in t.grads.values()]
    result["params"] = same_arrays(model.params(), expected_params)
    result["grads"] = same_arrays(model.grads(), expected_grads)
    return result


def same_arrays(received, expected):
    """``"ok"``, or what differs between the list ``received`` and the arrays ``expected``."""
    if not isinstance(received, (list, tuple)):
        return f"a {type(received).__name__}, not a list"
    if len(received) != len(expected):
        return f"{len(received)} arrays where there are {len(expected)}"
    for i, (got, want) in enumerate(zip(received, expected)):
        if got is not want:
            return f"entry {i} is not the layer's own array (a copy, or another layer's)"
    return "ok"


@scenario
def sequential_params(module, case):
    """``params()`` and ``grads()`` of a Sequential of the submission's layers, against their dicts."""
    layers, model = _network(module, case["layers"])
    model.forward(case["X"].copy(), training=True)
    model.backward(case["dout"].copy())
    params = [p for layer in layers for p in layer.params.values()]
    grads = [g for layer in layers for g in layer.grads.values()]  # read after backward
    return {"params": same_arrays(model.params(), params), "grads": same_arrays(model.grads(), grads)}


# ----------------------------------------------------------------- optimisers

@scenario
def optimizer_steps(module, name, kwargs, params, steps):
    """``step(params, grads)`` once per entry of ``steps``; the params arrays after each step."""
    optimizer = getattr(module, name)(**kwargs)
    arrays = [p.copy() for p in params]
    snapshots = []
    for grads in steps:
        optimizer.step(arrays, [g.copy() for g in grads])
        snapshots.append([a.copy() for a in arrays])
    return {"snapshots": snapshots}


@scenario
def optimizer_on_model(module, name, kwargs, case, n_steps):
    """Steps of the optimiser on a Sequential of the submission's layers; each layer's params
    read back through the layer after every step."""
    layers, model = _network(module, case["layers"])
    optimizer = getattr(module, name)(**kwargs)
    snapshots = []
    for _ in range(n_steps):
        model.forward(case["X"].copy(), training=True)
        model.backward(case["dout"].copy())
        optimizer.step(model.params(), model.grads())
        snapshots.append([plain(p) for layer in layers for p in layer.params.values()])
    return {"snapshots": snapshots}


# ------------------------------------------------------------------- dropout

def dropout_inputs(seed, shape):
    """X (no entry within 0.01 of 0) and dout for Dropout's checks, drawn from ``seed`` on either side."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape)
    return X + 0.01 * np.where(X >= 0, 1.0, -1.0), rng.normal(size=shape)


@scenario
def dropout_pass(module, rate, seed, data_seed, shape, parts):
    """Two training forwards (a backward after the first), then an inference forward and backward;
    the ``parts`` asked for: out, dX, again, inference, inference_dX."""
    X, dout = dropout_inputs(data_seed, shape)
    layer = module.Dropout(rate, rng=np.random.default_rng(seed))
    result = {"out": plain(layer.forward(X.copy(), training=True))}
    result["dX"] = plain(layer.backward(dout.copy()))
    result["again"] = plain(layer.forward(X.copy(), training=True))
    result["inference"] = plain(layer.forward(X.copy(), training=False))
    result["inference_dX"] = plain(layer.backward(dout.copy()))
    return {part: result[part] for part in parts}


# --------------------------------------------------------------- initialisers

@scenario
def init_draw(module, name, n_in, n_out, seed):
    """``name(n_in, n_out, rng)`` twice with the same seed: the draw, and whether it repeats."""
    first = getattr(module, name)(n_in, n_out, np.random.default_rng(seed))
    second = getattr(module, name)(n_in, n_out, np.random.default_rng(seed))
    same = isinstance(first, np.ndarray) and np.array_equal(first, second)
    return {"W": plain(first), "repeats": bool(same)}


@scenario
def batchnorm_init(module, n_features):
    """A new ``BatchNorm(n_features)``: its params, grads keys and running statistics."""
    layer = module.BatchNorm(n_features)
    params = getattr(layer, "params", None)
    if not isinstance(params, dict):
        raise Problem("BatchNorm(...).params must be a dict")
    return {"params": {k: plain(v) for k, v in params.items()},
            "running": {"mean": plain(getattr(layer, "running_mean", None)),
                        "var": plain(getattr(layer, "running_var", None))}}
