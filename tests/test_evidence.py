"""Every point is earned on evidence the parent computes: grader code that runs in the child
(``grader.checking.probes``, looked up at each call) is the submission's to replace, so replacing
it must earn nothing, and what only the child can tell (inputs kept, warnings, signature defaults)
earns nothing without the function's values right.

Each attack is graded as a user runs it, ``grade submit FILE --json`` in a fresh process.
"""

import pytest

from bugs import reference_text
from test_confinement import results, run_cli

# The submission's own gradient returned as "the numerical derivative of its loss", and its
# inputs returned as they were sent, whatever its functions did to them.
FORGE_PROBES = '''
import numpy as _np
import grader.checking.probes as _probes

_GRADIENT_OF = {"mse_loss": "mse_gradient", "log_loss": "log_loss_gradient", "softmax_loss": "softmax_gradient"}


def _own_gradient(module, name, args, wrt, eps, emit=None):
    return getattr(module, _GRADIENT_OF[name])(*args)


def _inputs_as_sent(module, name, *args, emit=None, **kwargs):
    sent = [a.copy() if isinstance(a, _np.ndarray) else a for a in args]
    return {"result": getattr(module, name)(*args, **kwargs), "args": sent, "kwargs": kwargs}


_probes.loss_central_difference = _own_gradient
_probes.call_keeping_inputs = _inputs_as_sent
'''

FORGE_DEFAULTS = '''
import grader.checking.probes as _probes

_CONTRACT = {"numerical_gradient": {"eps": 1e-5},
             "gradient_descent": {"learning_rate": 0.1, "n_steps": 100, "decay": 0.0},
             "adam": {"learning_rate": 0.001, "n_steps": 100, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}
_probes.defaults = lambda module, name, emit=None: _CONTRACT[name]
'''

def changed(text, *replacements):
    for find, replace in replacements:
        assert text.count(find) == 1, find
        text = text.replace(find, replace)
    return text


def submit(folder, assignment, text):
    """``grade submit`` of ``text`` as ``folder/ASSIGNMENT.py``: (results.json, {test name: score})."""
    folder.mkdir()
    target, json_path = folder / f"{assignment}.py", folder / "results.json"
    target.write_text(text)
    done = run_cli("submit", target, "--json", json_path)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    data = results(json_path)
    return data, {t["name"]: t["score"] for t in data["tests"]}


def assert_forgery_earns_nothing(tmp_path, assignment, honest, forgery):
    """``honest + forgery`` scores what ``honest`` alone does, check by check."""
    plain, plain_scores = submit(tmp_path / "plain", assignment, honest)
    forged, forged_scores = submit(tmp_path / "forged", assignment, honest + forgery)
    gained = {name: (plain_scores[name], score) for name, score in forged_scores.items()
              if score != plain_scores[name]}
    assert not gained, gained
    assert forged["score"] == plain["score"]
    return plain


def test_forged_central_differences_and_kept_inputs_earn_nothing(tmp_path):
    """Two real bugs (a loss that sums, a gradient missing its factor 2), an add_bias that zeroes its
    input, and the child-side probes replaced: old code 15 -> 19 of 30."""
    text = changed(reference_text("linear_regression"),
                   ("    return float(residual @ residual / len(y))", "    return float(residual @ residual)"),
                   ("    return 2.0 / len(y) * X_b.T", "    return 1.0 / len(y) * X_b.T"),
                   ("    return np.hstack([np.ones((X.shape[0], 1)), X])",
                    "    out = np.hstack([np.ones((X.shape[0], 1)), X])\n    X[...] = 0\n    return out"))
    assert_forgery_earns_nothing(tmp_path, "linear_regression", text, FORGE_PROBES)


@pytest.mark.parametrize("assignment, find, replace", [
    ("logistic_regression", "    return X_b.T @ (predict_proba(X_b, theta) - y) / X_b.shape[0]",
     "    return 2 * X_b.T @ (predict_proba(X_b, theta) - y) / X_b.shape[0]"),
    ("softmax_regression", "    return X_b.T @ (P - one_hot(y, Theta.shape[1])) / X_b.shape[0]",
     "    return 2 * X_b.T @ (P - one_hot(y, Theta.shape[1])) / X_b.shape[0]"),
])
def test_a_forged_derivative_of_the_own_loss_earns_nothing(tmp_path, assignment, find, replace):
    assert_forgery_earns_nothing(tmp_path, assignment, changed(reference_text(assignment), (find, replace)),
                                 FORGE_PROBES)


def test_forged_signature_defaults_earn_nothing(tmp_path):
    """numerical_gradient's eps and adam's eps default to other values than the contract's, where
    no path shows it; the probe that reads the signatures answers the contract's."""
    text = changed(reference_text("gradient_descent"),
                   ("def numerical_gradient(f, x, eps=1e-5):", "def numerical_gradient(f, x, eps=1e-6):"),
                   ("beta2=0.999, eps=1e-8):", "beta2=0.999, eps=1e-7):"))
    plain = assert_forgery_earns_nothing(tmp_path, "gradient_descent", text, FORGE_DEFAULTS)
    lost = {t["name"] for t in plain["tests"] if t["score"] < t["max_score"]}
    assert any("eps" in name for name in lost) and any("adam" in name for name in lost), lost


def test_no_warning_earns_nothing_without_values(tmp_path):
    """A sigmoid that returns None raises no warning either: old code, 1 point for that."""
    text = changed(reference_text("logistic_regression"),
                   ("    z = np.asarray(z, dtype=np.float64)\n    e = np.exp(-np.abs(z))\n"
                    "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))", "    return None"))
    _, scores = submit(tmp_path / "none", "logistic_regression", text)
    assert scores["sigmoid raises no overflow warning for |z| up to 1e4"] == 0


def test_a_constant_loss_a_zero_gradient_and_none_elsewhere_score_zero(tmp_path):
    """Old code: 4 of 30, from "the derivative of your own loss" and "does not modify its inputs"."""
    text = '''import numpy as np

def mse_loss(X_b, y, theta):
    return 1.0

def mse_gradient(X_b, y, theta):
    return np.zeros(len(theta))

def add_bias(X):
    return None

scale_features = predict = normal_equation = fit = add_bias
'''
    data, _ = submit(tmp_path / "constant", "linear_regression", text)
    assert data["score"] == 0, [(t["name"], t["score"]) for t in data["tests"] if t["score"]]


# Correct values, and an input changed in place in one regime of the value checks only.
IN_ONE_REGIME = {
    "linear_regression": ("add_bias", [("    return np.hstack([np.ones((X.shape[0], 1)), X])",
                                        "    out = np.hstack([np.ones((X.shape[0], 1)), X])\n"
                                        "    if X.shape[1] == 1:\n        X[...] = 0\n    return out")]),
    "logistic_regression": ("sigmoid", [("def sigmoid(z):\n", "def sigmoid(z):\n    given = z\n"),
                                        ("    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
                                         "    out = np.where(z >= 0, 1 / (1 + e), e / (1 + e))\n"
                                         "    if np.ndim(given) == 2:\n        given[...] = 0\n    return out")]),
    "softmax_regression": ("predict", [
        ("    return np.argmax(X_b @ Theta, axis=1)",
         "    labels = np.argmax(X_b @ Theta, axis=1)\n"
         "    if len(X_b) == 1:\n        X_b[...] = 0\n    return labels")]),
    "gradient_descent": ("numerical_gradient", [
        ("def numerical_gradient(f, x, eps=1e-5):\n", "def numerical_gradient(f, x, eps=1e-5):\n    given = x\n"),
        ("        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)\n",
         "        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)\n"
         "    if np.size(given) == 1:\n        given[...] = 0\n")]),
}


@pytest.mark.parametrize("assignment", sorted(IN_ONE_REGIME))
def test_an_input_changed_in_one_regime_of_the_value_checks_is_caught(tmp_path, assignment):
    function, replacements = IN_ONE_REGIME[assignment]
    data, _ = submit(tmp_path / "regime", assignment, changed(reference_text(assignment), *replacements))
    kept = [t for t in data["tests"] if t["score"] < t["max_score"]]
    assert [t["name"] for t in kept] == ["no function modifies its input arrays"], \
        [(t["name"], t["output"][:200]) for t in kept]
    assert function in kept[0]["output"] and "in place" in kept[0]["output"]


def test_a_loss_right_at_its_first_call_only_earns_no_derivative_point(tmp_path):
    """The loss answers its first call with given data right, and every later one on the line of a
    wrong gradient (half the true one), so that central differences of it agree with that gradient."""
    text = changed(reference_text("linear_regression"),
                   ("def mse_loss(X_b, y, theta):\n", "def true_loss(X_b, y, theta):\n"),
                   ("    return 2.0 / len(y) * X_b.T", "    return 1.0 / len(y) * X_b.T"))
    text += '''

_first = {}


def mse_loss(X_b, y, theta):
    key = (X_b.shape, float(np.sum(y)))
    theta0, loss0 = _first.setdefault(key, (np.array(theta, dtype=float), true_loss(X_b, y, theta)))
    return loss0 + float(mse_gradient(X_b, y, theta0) @ (theta - theta0))
'''
    _, scores = submit(tmp_path / "first_call", "linear_regression", text)
    own = {name: score for name, score in scores.items() if "derivative of your own" in name}
    assert len(own) == 2 and not any(own.values()), own
