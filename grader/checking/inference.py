"""The grader's own forward pass at inference, in the grader's process, over plain layer states.

A training run trains the submission's layers in its process; what comes back
is each layer's state as data (``grader.checking.layers.layer_state``): its
contract type, its ``params``, BatchNorm's running statistics. The grader
scores the run here, with this forward pass, on test data that never entered
the submission's process, so no code of the submission's (nor grader code it
may have replaced there) computes a number that decides a point.

The layers are the contract's at inference: Dense (and the grader's own
``Affine``), ReLU, Sigmoid, ELU, BatchNorm with its running statistics, Dropout
as the identity, Conv2D (NHWC cross-correlation), MaxPool2D and Flatten.
Hyperparameters (ELU's alpha, BatchNorm's eps, a Conv2D's stride and padding)
come from the grader's spec of the layer where the grader built it and set
them (``with_spec``), else from the state the child reported, else the
contract's defaults.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.checking.compare import as_numeric
from grader.verdicts import CheckFailure

# The contract's constructor arguments that the forward pass needs, in signature order, with defaults.
SIGNATURES = {
    "ELU": (("alpha", 1.0),),
    "BatchNorm": (("n_features", None), ("momentum", 0.9), ("eps", 1e-5)),
    "Conv2D": (("n_in", None), ("n_out", None), ("kernel_size", None), ("stride", 1), ("padding", 0)),
    "MaxPool2D": (("pool_size", 2), ("stride", None)),
}


def given(spec):
    """``{"alpha": 0.7}``: the hyperparameters a layer spec (``{"layer", "args", "kwargs"}``) sets."""
    names = [name for name, _ in SIGNATURES.get(spec["layer"], ())]
    found = dict(zip(names, spec.get("args", [])))
    found.update({k: v for k, v in spec.get("kwargs", {}).items() if k in names})
    return found


def with_spec(spec, state):
    """The state of a layer the grader specified, typed by the spec, with the hyperparameters the spec
    sets (the grader's word over the child's); the state's, else the contract's defaults, for the rest."""
    if not isinstance(state, dict):
        raise CheckFailure(f"the state of a {spec['layer']} layer came back as {type(state).__name__}")
    return {**dict(SIGNATURES.get(spec["layer"], ())), **state, **given(spec), "layer": spec["layer"]}


def _array(owner, key, ndim, where):
    value = owner.get(key)
    if not isinstance(value, np.ndarray) or value.ndim != ndim or value.dtype.kind not in "biuf":
        raise CheckFailure(f"{where}: {key} is {type(value).__name__}, not a numeric array of {ndim} dimensions")
    return value.astype(np.float64)


def _param(state, key, ndim):
    params = state.get("params")
    if not isinstance(params, dict):
        raise CheckFailure(f"{state['layer']}.params is not a dict")
    return _array(params, key, ndim, f"{state['layer']}.params")


def _number(state, key):
    value = state.get(key)
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CheckFailure(f"{state.get('layer')}'s {key} is {type(value).__name__}, not a number")
    return value


def _dense(state, X):
    return X @ _param(state, "W", 2) + _param(state, "b", 1)


def _batchnorm(state, X):
    mean, var = (_array(state, f"running_{stat}", 1, "BatchNorm") for stat in ("mean", "var"))
    xhat = (X - mean) / np.sqrt(var + _number(state, "eps"))
    return _param(state, "gamma", 1) * xhat + _param(state, "beta", 1)


def _elu(state, X):
    return np.where(X > 0, X, _number(state, "alpha") * np.expm1(np.minimum(X, 0.0)))


def _windows(X, size, stride):
    """``(m, H_out, W_out, C, size, size)``: each window of ``X`` (NHWC); windows that do not fit are dropped."""
    return sliding_window_view(X, (size, size), axis=(1, 2))[:, ::stride, ::stride]


def _conv(state, X):
    W, padding = _param(state, "W", 4), int(_number(state, "padding"))
    X = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    windows = _windows(X, W.shape[0], int(_number(state, "stride")))  # (m, H_out, W_out, C, k, k)
    return np.tensordot(windows, W, axes=([3, 4, 5], [2, 0, 1])) + _param(state, "b", 1)


def _maxpool(state, X):
    size = int(_number(state, "pool_size"))
    stride = size if state.get("stride") is None else int(_number(state, "stride"))
    return _windows(X, size, stride).max(axis=(-2, -1))


FORWARD = {
    "Dense": _dense, "Affine": _dense, "BatchNorm": _batchnorm, "ELU": _elu,
    "ReLU": lambda state, X: np.maximum(X, 0.0),
    "Sigmoid": lambda state, X: 0.5 * (1.0 + np.tanh(0.5 * X)),  # no overflow for any X
    "Dropout": lambda state, X: X,
    "Conv2D": _conv, "MaxPool2D": _maxpool,
    "Flatten": lambda state, X: X.reshape(len(X), -1),
}


def forward(states, X):
    """The logits of the layers ``states`` (a list, in order) for ``X``, at inference, in float64."""
    if not isinstance(states, list) or not states:
        raise CheckFailure("the trained model came back without its layers")
    out = np.asarray(X, dtype=np.float64)
    for i, state in enumerate(states):
        kind = state.get("layer") if isinstance(state, dict) else None
        if kind not in FORWARD:
            raise CheckFailure(f"layer {i} of the model is a {kind}, none of the contract's layers "
                               f"({', '.join(k for k in FORWARD if k != 'Affine')})")
        try:
            out = FORWARD[kind](state, out)
        except ValueError as exc:  # shapes that do not chain
            raise CheckFailure(f"layer {i} ({kind}) cannot take the output of the layer before: {exc}") from None
    return out


def accuracy(states, X, y):
    """The share of rows of ``X`` whose largest logit is the label in ``y``."""
    logits = forward(states, X)
    if logits.ndim != 2 or len(logits) != len(y):
        raise CheckFailure(f"the model's logits have shape {logits.shape}, expected ({len(y)}, n_classes)")
    return float(np.mean(np.argmax(logits, axis=1) == y))


def training_result(trained, what):
    """What a training run sent back, ``{"snapshots", "history", "seconds", "layers"}``, checked for its form."""
    if not isinstance(trained, dict) or not {"snapshots", "history", "seconds", "layers"} <= set(trained) \
            or isinstance(trained["seconds"], bool) or not isinstance(trained["seconds"], (int, float)):
        raise CheckFailure(f"{what}: the training run sent back {type(trained).__name__}, not its snapshots, "
                           "history, time and layers")
    return trained


def _states(snapshot, specs):
    states = snapshot.get("layers") if isinstance(snapshot, dict) else None
    if not isinstance(states, list):
        raise CheckFailure("training sent back a snapshot without its layers")
    if specs is None:
        return states
    if len(states) != len(specs):
        raise CheckFailure(f"training sent back the states of {len(states)} layers, not {len(specs)}")
    return [with_spec(spec, state) for spec, state in zip(specs, states)]


def assert_layers_compute_their_states(layers, states, X, tol):
    """Each trained layer of the submission (``layers``: handles, in order), called on the output of the
    grader's pass through the layers before it, returns what this module's forward returns from the
    layer's state, within ``tol`` relative to the output's norm: else the states do not stand for the
    model (a Flatten that mixes the images, dropout at inference, a forward unlike the contract's)."""
    if not isinstance(layers, list) or len(layers) != len(states) or not all(hasattr(l, "forward") for l in layers):
        raise CheckFailure("training sent back something else than the model's layers")
    out = np.asarray(X, dtype=np.float64)
    for i, (layer, state) in enumerate(zip(layers, states)):
        want = forward([state], out)
        got = as_numeric(layer.forward(out, training=False), f"layer {i} ({state['layer']}).forward")
        if got.shape != want.shape:
            raise CheckFailure(f"layer {i} ({state['layer']}).forward(X, training=False) after training returned "
                               f"shape {got.shape}, where its parameters give {want.shape}")
        error = np.linalg.norm(got.astype(np.float64) - want) / max(np.linalg.norm(want), 1e-12)
        if not error <= tol:
            raise CheckFailure(f"layer {i} ({state['layer']}).forward(X, training=False) after training is not "
                               f"the contract's {state['layer']} with its parameters (relative difference "
                               f"{error:.2g}); the grader scores the model the contract describes")
        out = want


def best_accuracy(trained, X, y, *, probe, what, tol, specs=None):
    """``(accuracy, epochs)``: the best accuracy on ``(X, y)`` over the snapshots of a training run
    (``training_result``), and their epochs, by this module's forward pass over the layers' states.
    The trained layers must compute what their last state says on ``probe``, rows of the training set
    (``assert_layers_compute_their_states``). Where the grader built the network, ``specs`` are its
    layers, whose types count."""
    try:
        snapshots = trained["snapshots"]
        if not isinstance(snapshots, list) or not snapshots:
            raise CheckFailure("training sent back no trained model")
        states = [_states(snapshot, specs) for snapshot in snapshots]
        assert_layers_compute_their_states(trained["layers"], states[-1], probe, tol)
        best = max(accuracy(layers, X, y) for layers in states)
    except CheckFailure as exc:
        raise CheckFailure(f"{what}: {exc}") from None
    return best, [snapshot.get("epoch") for snapshot in snapshots]
