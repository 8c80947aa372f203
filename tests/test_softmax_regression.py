"""Assignment 03, softmax regression: the stability probe, shapes, the training run, notebooks, the CLI."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from assignments.softmax_regression.checks import extreme_logits
from grader.checking.catalog import Assignment, get_assignment
from grader.checking.grading import grade_file, grade_source
from grader.checking.submission import load_source

from bugs import bug_source
from conftest import SUBMISSIONS, failed_checks
from hidden_checks import SHOWS_EXPECTED_NUMBER, numbers_given_away, run_hidden_check

NAME = "softmax_regression"
CORRECT = SUBMISSIONS / NAME / "correct"
REFERENCE = Path(get_assignment(NAME).reference().__file__)


def failed(path, hidden=False):
    return failed_checks(path, NAME, hidden)


def test_extreme_logits_defeat_both_unstable_softmaxes():
    Z = extreme_logits(np.random.default_rng(0))["Z"]
    assert np.abs(Z).max() == 1e4
    with np.errstate(all="ignore"):
        no_shift = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        global_max = np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True)
    assert not np.all(np.isfinite(no_shift)) and not np.all(np.isfinite(global_max))


@pytest.mark.parametrize("variant", ["softmax__no_max_shift", "softmax__global_max"])
def test_softmax_at_logits_1e4_says_nan_or_inf(variant):
    messages = failed(bug_source(NAME, variant))
    assert set(messages) == {"softmax_extreme"}
    message = messages["softmax_extreme"]
    assert "±1e4" in message and "nan or inf" in message and "each row's own maximum" in message


def test_rows_not_summing_to_one_are_named():
    message = failed(bug_source(NAME, "softmax__normalised_over_columns"))["softmax_extreme"]
    assert "the row sums" in message


def test_transposed_one_hot_says_both_shapes():
    message = failed(bug_source(NAME, "one_hot__transposed"))["one_hot"]
    assert "expected shape (7, 4)" in message and "received shape (4, 7)" in message


def test_loss_and_gradient_wrong_together_are_caught_by_the_reference_only():
    messages = failed(bug_source(NAME, "softmax_loss__sum_instead_of_mean"))
    assert {"softmax_loss", "softmax_gradient"} <= set(messages)
    # The two agree with each other, and that alone earns nothing: the check counts once the loss is right.
    assert messages["softmax_gradient_numerical"].startswith("counts only once these checks pass: softmax_loss")


def test_training_run_threshold_comes_from_the_spec():
    assignment = Assignment(NAME)  # its own, as its spec is changed
    values = {**assignment.spec.values, "training_accuracy": 0.95}
    assignment.__dict__["spec"] = dataclasses.replace(assignment.spec, values=values)
    report = grade_source(load_source(REFERENCE), assignment)
    result = next(r for r in report.results if r.name == "training_run")
    assert not result.passed and "below the threshold 0.95" in result.message
    assert all(r.passed for r in report.results if r.name != "training_run")


@pytest.mark.parametrize("variant, check", [("softmax_gradient__missing_1_over_m", "softmax_gradient"),
                                            ("one_hot__labels_off_by_one", "one_hot"),
                                            ("fit__new_permutation_each_step", "fit_mini_batch"),
                                            ("softmax_gradient__sign_flipped", "training_run")])
def test_hidden_failures_show_no_expected_value(variant, check):
    result, expected = run_hidden_check(NAME, bug_source(NAME, variant), check)
    assert not result.passed
    assert not SHOWS_EXPECTED_NUMBER.search(result.message), result.message
    assert not numbers_given_away(result.message, expected), result.message


def test_notebook_grades_like_the_same_code_in_a_py_file(tmp_path):
    notebook = load_source(CORRECT / "notebook.ipynb")
    py = tmp_path / "softmax_regression.py"
    py.write_text(notebook.text)  # the code cells, with IPython lines turned into `pass`
    as_notebook = grade_file(CORRECT / "notebook.ipynb", assignment=NAME)
    as_py = grade_file(py, assignment=NAME)
    assert [(r.name, r.score, r.message) for r in as_notebook.results] == \
           [(r.name, r.score, r.message) for r in as_py.results]
    assert as_notebook.passed and as_notebook.notes and not as_py.notes


def test_check_through_the_cli(grade_cli):
    code, output, data = grade_cli("check", REFERENCE)
    assert code == 0, output
    public = [c for c in get_assignment(NAME).checks if not c.hidden]
    assert len(data["tests"]) == len(public)
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    assert data["score"] == data["max_score"] == sum(c.points for c in public)
