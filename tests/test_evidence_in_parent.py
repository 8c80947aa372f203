"""Grader code that runs in the submission's process is the submission's to replace: attacks that
replace it, graded by `grade submit` as an instructor runs it, earn nothing.

The child looks a scenario up by name at each call, so a submission can put its own function in
its place at import time. Training runs and gradient checks must then still score only what the
student's layers compute: the parent measures accuracy with its own forward pass on data the child
never sees, and takes the numerical derivatives of the student's forward itself.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from grader.checking.catalog import get_assignment

from bugs import apply_bug, load_bugs, reference_text

# Replaces every training scenario found (whatever the grader calls it) with one that returns a
# "model" that answers by nearest neighbour over the training set the child was given.
NEAREST_NEIGHBOUR = '''

import numpy as _np
import importlib as _importlib


class _Memory:
    def __init__(self, X, y):
        self.X, self.y = _np.asarray(X, dtype=float).reshape(len(X), -1), _np.asarray(y)
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        X = _np.asarray(X, dtype=float).reshape(len(X), -1)
        nearest = ((X[:, None, :] - self.X[None]) ** 2).sum(axis=-1).argmin(axis=1)
        return _np.eye(int(self.y.max()) + 1)[self.y[nearest]]


class _Snapshots:
    def __init__(self, model):
        self.models, self.epochs = [model], [1]


def _train(module, *args, emit=None, **kwargs):
    arrays = [a for a in args if isinstance(a, _np.ndarray)]
    X = next(a for a in arrays if a.ndim >= 2)
    y = next(a for a in arrays if a.ndim == 1 and a.dtype.kind in "iu")
    return {"models": _Snapshots(_Memory(X, y)), "history": [0.9, 0.5, 0.1], "seconds": 0.1}


def _predict(module, snapshots, X, emit=None):
    return {"epochs": snapshots.epochs, "predicted": [m.forward(X).argmax(axis=1) for m in snapshots.models]}


for _name in ("assignments.neural_network.training_probes", "assignments.convolution.probes",
              "grader.checking.layers"):
    _module = _importlib.import_module(_name)
    for _scenario in ("train_own", "train_layers", "train_network", "train"):
        if hasattr(_module, _scenario):
            setattr(_module, _scenario, _train)
    if hasattr(_module, "predict"):
        _module.predict = _predict
'''

# Replaces the scenarios that differentiate the student's forward with ones that report the
# student's own backward, so that "the numerical derivative of your forward" agrees with it.
OWN_BACKWARD_AS_NUMERICAL = '''

import numpy as _np
import importlib as _importlib

from grader.checking import layers as _layers


def _blocks(result):
    return {"dX": result["dX"], **{f"d{k}": v for k, v in result["grads"].items()}}


def _per_entry(module, case, eps, emit=None):
    return {"low": False, "blocks": _blocks(_layers.run_layer(module, case)[1])}


def _along(module, case, directions, eps, emit=None):
    result = _layers.run_layer(module, case)[1]
    blocks = _blocks(result)
    result["directional"] = {n: _np.array([_np.sum(blocks[n] * v) for v in d]) for n, d in directions.items()}
    return {**result, "low": False}


def _network(original):
    def along(module, case, directions, eps, emit=None):
        result = original(module, case, directions, eps)
        blocks = {"dX": result["dX"]}
        for i, grads in enumerate(result["grads"]):
            blocks.update({f"layer {i} d{k}": v for k, v in grads.items()})
        result["directional"] = {n: _np.array([_np.sum(blocks[n] * v) for v in d]) for n, d in directions.items()}
        return result
    return along


for _name in ("assignments.neural_network.probes", "assignments.convolution.probes", "grader.checking.layers"):
    _module = _importlib.import_module(_name)
    if hasattr(_module, "layer_numerical"):
        _module.layer_numerical = _per_entry
    if hasattr(_module, "layer_directional"):
        _module.layer_directional = _along
    if hasattr(_module, "network_directional"):
        _module.network_directional = _network(_module.network_directional)
'''


def submit(tmp_path, assignment, text, student="ada"):
    """`grade submit --json` in a fresh process; the scores of results.json by check name."""
    folder = tmp_path / f"{assignment}-{abs(hash(text)) % 10**8}"
    folder.mkdir()
    target, out = folder / f"{assignment}.py", folder / "results.json"
    target.write_text(text)
    done = subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(target), "--student", student,
                           "--json", str(out)], capture_output=True, text=True, cwd=folder, timeout=900,
                          env={**os.environ})
    assert done.returncode in (0, 1), (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    data = json.loads(out.read_text())
    return data["score"], {t["name"]: t["score"] for t in data["tests"]}


def stub_text(assignment):
    return get_assignment(assignment).stub_path.read_text()


def bug_text(assignment, name):
    bug = next(b for b in load_bugs(assignment) if b["name"] == name)
    return apply_bug(reference_text(assignment), bug)


@pytest.mark.parametrize("assignment", ["neural_network", "convolution"])
def test_a_stub_whose_replaced_training_scenarios_answer_by_nearest_neighbour_earns_nothing(tmp_path, assignment):
    score, scores = submit(tmp_path, assignment, stub_text(assignment) + NEAREST_NEIGHBOUR)
    assert score == 0, {name: s for name, s in scores.items() if s}


@pytest.mark.parametrize("assignment, bug", [("neural_network", "Dense__db_mean_over_rows"),
                                             ("convolution", "Conv2D__db_mean_over_positions")])
def test_a_wrong_backward_gains_nothing_by_replacing_the_numerical_derivative(tmp_path, assignment, bug):
    buggy = bug_text(assignment, bug)
    plain_score, plain = submit(tmp_path, assignment, buggy)
    attack_score, attacked = submit(tmp_path, assignment, buggy + OWN_BACKWARD_AS_NUMERICAL)
    own = [name for name in plain if name.startswith(f"{bug.split('__')[0]}.backward is the derivative")]
    assert own and not any(plain[name] for name in own), plain  # the bug loses them without the attack
    gained = {name: (plain[name], s) for name, s in attacked.items() if s != plain[name]}
    assert attack_score == plain_score, gained


def test_the_graders_forward_at_inference_is_the_references_for_every_contract_layer():
    from grader.checking import inference, layers

    rng = np.random.default_rng(0)
    network, convolution = (get_assignment(name).reference() for name in ("neural_network", "convolution"))
    batchnorm = network.BatchNorm(5, eps=1e-3)
    for _ in range(3):
        batchnorm.forward(rng.normal(size=(20, 5)) * 3 + 1)
    batchnorm.params["gamma"][:] = rng.uniform(0.5, 1.5, 5)
    dense = network.Dense(5, 4, rng=rng)
    dense.params["b"][:] = rng.normal(size=4)
    X = rng.normal(size=(20, 5))
    for layer in (batchnorm, network.ELU(0.3), network.Sigmoid(), network.ReLU(), network.Dropout(0.3), dense):
        got = inference.forward([layers.layer_state(network, layer)], X)
        assert np.allclose(got, layer.forward(X, training=False), rtol=1e-12, atol=1e-12), type(layer).__name__
    images = rng.normal(size=(3, 9, 8, 2))
    for spec in ({"layer": "Conv2D", "args": [2, 5, 3], "kwargs": {"stride": 2, "padding": 1}},
                 {"layer": "Conv2D", "args": [2, 5, 3], "kwargs": {"stride": 3, "padding": 2}},
                 {"layer": "MaxPool2D", "args": [2]}, {"layer": "MaxPool2D", "args": [3, 2]}, {"layer": "Flatten"}):
        layer = getattr(convolution, spec["layer"])(*spec["args"], **spec.get("kwargs", {})) if "args" in spec \
            else convolution.Flatten()
        if spec["layer"] == "Conv2D":
            layer.params["b"][:] = rng.normal(size=5)
        state = inference.with_spec(spec, layers.layer_state(convolution, layer))
        assert np.allclose(inference.forward([state], images), layer.forward(images, training=False),
                           rtol=1e-12, atol=1e-12), spec


# Replaces the scenarios of checks that judge consistency rather than values (a layer's initial
# draw, its rng, a finite output, the identity of the arrays params() lists) with answers that are
# consistent and computed from nothing.
CONSISTENT_NOTHING = '''

import numpy as _np
import importlib as _importlib


def _dense_init(module, n_in, n_out, init, seed, emit=None):
    zeros = {"W": _np.zeros((n_in, n_out)), "b": _np.zeros(n_out)}
    return {"params": zeros, "grads": dict(zeros), "drawn": _np.zeros((n_in, n_out))}


def _conv_init(module, args, kwargs, seed, other_seed, emit=None):
    n_in, n_out, k = args
    zeros = {"W": _np.zeros((k, k, n_in, n_out)), "b": _np.zeros(n_out)}
    return {"params": zeros, "grads": dict(zeros), "repeats": True, "changes": True, "none_is_zero": True}


def _finite(module, case, backward=True, emit=None):
    return {"out": _np.zeros_like(case["X"]), "dX": _np.zeros_like(case["X"]), "grads": {}}


_probes = _importlib.import_module("assignments.neural_network.probes")
_probes.dense_init = _dense_init
_probes.sequential_params = lambda module, case, emit=None: {"params": "ok", "grads": "ok"}
_original_pass = _probes.layer_pass


def _layer_pass(module, case, backward=True, emit=None):
    if case["X"].shape == (7, 5) and _np.all(case["X"][:, 2] == 3.5):  # batchnorm_constant_feature's case
        return _finite(module, case, backward)
    return _original_pass(module, case, backward)


_probes.layer_pass = _layer_pass
_masks = [_np.arange(400).reshape(20, 20) % k == 0 for k in (2, 3, 5, 7)]
_probes.rng_arguments = lambda module, seeds, emit=None: {
    "dense": _np.zeros((5, 4)), "he_0": _np.zeros((5, 4)), "he": [_np.zeros((6, 3))] * 2,
    "xavier": [_np.zeros((6, 3))] * 2, "dropout": {"none": _masks[:2], "zero": _masks[:2],
                                                 "seeded": [_masks[:2], _masks[:2], _masks[2:]]}}
_importlib.import_module("assignments.neural_network.training_probes").inputs_kept = lambda *a, emit=None: []
_conv = _importlib.import_module("assignments.convolution.probes")
_conv.conv_init = _conv_init
_conv.inputs_kept = lambda *a, emit=None: []
'''


@pytest.mark.parametrize("assignment", ["neural_network", "convolution"])
def test_a_stub_whose_replaced_scenarios_answer_consistently_earns_nothing(tmp_path, assignment):
    score, scores = submit(tmp_path, assignment, stub_text(assignment) + CONSISTENT_NOTHING)
    assert score == 0, {name: s for name, s in scores.items() if s}
