"""Assignment 04 (neural_network): the statistical bounds, the cost of the whole-network
gradient check, and what the messages say. Its reference, stub and variants are graded in
test_submissions.py."""

import math
from pathlib import Path

import numpy as np
import pytest

from assignments.neural_network import cases
from grader.checking.layer_checks import drive_network, network_derivatives
from grader.sandbox.parent import Sandbox
from grader.checking import stats
from grader.checking.catalog import get_assignment
from grader.checking.gradcheck import block_errors
from grader.checking.submission import load_source

from bugs import apply_bug
from sweeps import grade_checks

ASSIGNMENT = get_assignment("neural_network")
SPEC = ASSIGNMENT.spec
REFERENCE = Path(ASSIGNMENT.reference().__file__)
STATISTICAL = ("he_init", "xavier_init", "dropout_training")


def run_checks(path, names, *, hidden=True):
    """The results of the named checks on the file at ``path``: public and hidden ones on drawn inputs
    where ``hidden`` (official grading), else public ones on the fixtures (`grade check`)."""
    ids = {c.id for c in ASSIGNMENT.checks if c.name in names and (hidden or not c.hidden)}
    return [r for runs in grade_checks(load_source(path), ASSIGNMENT, ids=ids, official=hidden).values()
            for r in runs]


def with_change(tmp_path, old, new):
    """The reference with ``old`` (found once) replaced by ``new``, saved as a submission."""
    path = tmp_path / "neural_network.py"
    path.write_text(apply_bug(REFERENCE.read_text(), {"find": old, "replace": new}))
    return path


# ----------------------------------------------------------------- statistics

def test_the_statistical_checks_use_the_spec_bound_and_stay_under_one_in_a_million(monkeypatch):
    used = []
    for name in ("binomial_interval", "chi2_interval", "normal_mean_halfwidth", "hoeffding_halfwidth"):
        original = getattr(stats, name)

        def recording(*args, _original=original, _name=name):
            used.append((_name, args[-1]))
            return _original(*args)
        monkeypatch.setattr(stats, name, recording)
    results = run_checks(REFERENCE, STATISTICAL)
    assert all(r.passed for r in results)
    assert {alpha for _, alpha in used} == {SPEC["stat_alpha"]}
    assert len(used) == SPEC["stat_tests"]  # the count the spec's union bound is stated for
    assert SPEC["stat_tests"] * SPEC["stat_alpha"] < 1e-6


@pytest.mark.parametrize("n, p", [(20467, 0.7), (120000, 0.6826894921370859), (5000, 0.5), (300, 0.02)])
def test_binomial_interval_has_exact_tails_below_half_alpha(n, p):
    binom = pytest.importorskip("scipy.stats").binom
    alpha = 1e-8
    low, high = stats.binomial_interval(n, p, alpha)
    assert binom.cdf(low - 1, n, p) <= alpha / 2 < binom.cdf(low, n, p)
    assert binom.sf(high, n, p) <= alpha / 2 < binom.sf(high - 1, n, p)


def test_chi2_hoeffding_and_normal_bounds_are_conservative():
    scipy_stats = pytest.importorskip("scipy.stats")
    alpha, k = 1e-8, 120000
    low, high = stats.chi2_interval(k, alpha)
    assert scipy_stats.chi2.cdf(low, k) <= alpha / 2 and scipy_stats.chi2.sf(high, k) <= alpha / 2
    assert stats.normal_quantile(1e-6) == pytest.approx(4.8916, abs=1e-4)
    z = scipy_stats.norm.isf(alpha / 2)
    assert stats.normal_mean_halfwidth(2.0, 400, alpha) == pytest.approx(2.0 / 20 * z)
    t = stats.hoeffding_halfwidth(1000, 2.0, alpha)
    assert 2 * math.exp(-2 * 1000 * t * t / 4.0) == pytest.approx(alpha)


# ------------------------------------------------- the whole-network gradient check

def test_directional_check_costs_the_same_forward_passes_for_a_ten_times_larger_network():
    counts, sizes = [], []
    with Sandbox(load_source(REFERENCE), SPEC.limits) as sandbox:
        for widths in (cases.NETWORK_WIDTHS, (41, 35, 27)):
            rng = np.random.default_rng(3)
            case = cases.network_case(rng, widths)
            directions = cases.directions(rng, case, SPEC["directions"])
            layers, model, _ = drive_network(sandbox.student, case)
            _, forwards = network_derivatives(layers, model, case, SPEC["directional_eps"], directions)
            counts.append(forwards)
            sizes.append(cases.n_parameters(case))
            assert forwards == 2 * SPEC["directions"] * len(directions)
    assert sizes[1] >= 10 * sizes[0]
    assert counts[0] == counts[1]


def test_network_gradient_fails_a_bias_gradient_one_percent_off(tmp_path):
    path = with_change(tmp_path, 'self.grads["b"] = dout.sum(axis=0)', 'self.grads["b"] = 1.01 * dout.sum(axis=0)')
    results = run_checks(path, ["network_gradient"])
    assert not any(r.passed for r in results)
    assert all(" db disagrees" in r.message for r in results)


def test_an_exactly_zero_block_passes_with_the_floor_and_fails_without():
    analytic = {"dW": np.ones((5, 4)), "db": np.full(4, 1e-9)}
    numerical = {"dW": np.ones((5, 4)), "db": np.zeros(4)}
    assert max(block_errors(analytic, numerical, floor=1e-3).values()) < 1e-6
    assert block_errors(analytic, numerical, floor=0.0)["db"] == 1.0


# ------------------------------------------------------------------ messages

def test_a_per_entry_check_names_the_wrong_entry(tmp_path):
    path = with_change(tmp_path, 'self.grads["W"] = self.X.T @ dout',
                       'self.grads["W"] = self.X.T @ dout\n        self.grads["W"][3, 1] += 0.5')
    results = run_checks(path, ["dense_backward", "dense_backward_reference"], hidden=False)
    for result in results:
        assert not result.passed
        assert "largest difference at dW[3, 1]" in result.message, result.message


def test_hidden_messages_do_not_show_the_reference_values(tmp_path):
    path = with_change(tmp_path, 'self.grads["b"] = dout.sum(axis=0)', 'self.grads["b"] = dout.mean(axis=0)')
    (public,) = run_checks(path, ["dense_backward_reference"], hidden=False)  # on the fixtures
    assert "expected" in public.message.split("largest difference")[1]
    drawn = run_checks(path, ["dense_backward_reference"])  # official grading: public and hidden drawn
    assert len(drawn) == 2
    for result in drawn:
        assert "expected" not in result.message.split("largest difference")[1]


def test_the_stub_names_the_function_that_is_not_written():
    results = run_checks(ASSIGNMENT.stub_path, ["dense_forward", "relu_backward", "fit"], hidden=False)
    messages = {r.name: r.message for r in results}
    assert messages["dense_forward"].startswith("he_init is not implemented yet")  # Dense() calls he_init
    assert messages["relu_backward"].startswith("ReLU.forward is not implemented yet")
    assert messages["fit"].startswith("fit is not implemented yet")


def test_a_float32_dropout_drawn_with_binomial_passes_and_a_redrawn_mask_fails(tmp_path):
    path = with_change(tmp_path, "keep = self.rng.random(X.shape) < 1.0 - self.rate",
                       "keep = self.rng.binomial(1, 1.0 - self.rate, size=X.shape).astype(np.float32)")
    assert all(r.passed for r in run_checks(path, ["dropout_training", "dropout_backward"]))
    path = with_change(tmp_path, "return dout if self.mask is None else dout * self.mask",
                       "return dout if self.mask is None else dout * self.rng.permutation(self.mask.ravel())"
                       ".reshape(self.mask.shape)")
    results = run_checks(path, ["dropout_backward"])
    assert results and not any(r.passed for r in results)
    assert "dX * X" in results[0].message
