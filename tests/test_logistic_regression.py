"""Assignment 02, logistic regression: stability probes, ties, the training run, notebooks, the CLI."""

import dataclasses
from pathlib import Path

import nbformat
import pytest

from grader.checking.catalog import Assignment, get_assignment
from grader.checking.grading import grade_file, grade_source
from grader.checking.submission import load_source

from bugs import bug_source, write_bug
from conftest import SUBMISSIONS, failed_checks
from hidden_checks import SHOWS_EXPECTED_NUMBER, numbers_given_away, run_hidden_check

NAME = "logistic_regression"
CORRECT = SUBMISSIONS / NAME / "correct"
REFERENCE = Path(get_assignment(NAME).reference().__file__)


def failed(path, hidden=False):
    return failed_checks(path, NAME, hidden)


def test_naive_sigmoid_fails_only_the_extreme_probe_saying_nan():
    messages = failed(bug_source(NAME, "sigmoid__naive_exp_ratio"))
    assert set(messages) == {"sigmoid_extreme", "sigmoid_no_warning"}  # e^z overflows: inf / inf
    assert "nan or inf" in messages["sigmoid_extreme"] and "e^(-|z|)" in messages["sigmoid_extreme"]


def test_an_overflow_warning_fails_its_own_probe_only_and_is_reported():
    source = bug_source(NAME, "sigmoid__textbook_overflow_warning")
    report = grade_source(source, get_assignment(NAME))
    messages = {r.name: r.message for r in report.results if not r.passed}
    assert set(messages) == {"sigmoid_no_warning"}  # sigmoid_extreme warns too, and passes: values are right
    assert "RuntimeWarning: overflow" in messages["sigmoid_no_warning"] and "e^(-|z|)" in messages["sigmoid_no_warning"]
    assert "RuntimeWarning: overflow" in report.output


def test_unclipped_log_loss_fails_the_saturation_probe_only():
    messages = failed(bug_source(NAME, "log_loss__unclipped_log"))
    assert set(messages) == {"log_loss_saturated"}
    assert "returned nan" in messages["log_loss_saturated"] and "clip p" in messages["log_loss_saturated"]


def test_strict_threshold_is_caught_at_the_exact_tie():
    message = failed(bug_source(NAME, "predict__strict_threshold"))["predict"]
    assert "theta=0" in message and "p = 0.5 = threshold exactly" in message


def _graded_with(values, path=REFERENCE):
    """Grade ``path``'s public checks with the spec's [values] changed."""
    assignment = Assignment(NAME)  # its own, as its spec is changed
    assignment.__dict__["spec"] = dataclasses.replace(assignment.spec, values={**assignment.spec.values, **values})
    report = grade_source(load_source(path), assignment)
    return next(r for r in report.results if r.name == "training_run")


def test_training_run_threshold_comes_from_the_spec():
    assert _graded_with({}).passed
    result = _graded_with({"training_accuracy": 0.99})
    assert not result.passed
    assert "below the threshold 0.99" in result.message and "held-out rows" in result.message


def test_training_run_loss_margin_comes_from_the_spec():
    # The reference reaches exactly its own loss: a margin of 0 passes, one of -1 % cannot.
    assert _graded_with({"training_loss_margin": 0.0}).passed
    result = _graded_with({"training_loss_margin": -0.01})
    assert not result.passed and "more than -1% above the reference's (" in result.message


@pytest.mark.parametrize("variant, check", [("log_loss__sum_instead_of_mean", "log_loss"),
                                            ("fit__no_shuffle", "fit_mini_batch"),
                                            ("predict__strict_threshold", "predict")])
def test_hidden_failures_show_no_expected_value(variant, check):
    result, expected = run_hidden_check(NAME, bug_source(NAME, variant), check)
    assert not result.passed
    assert not SHOWS_EXPECTED_NUMBER.search(result.message), result.message
    assert not numbers_given_away(result.message, expected), result.message


def test_notebook_grades_like_the_same_code_in_a_py_file(tmp_path):
    notebook = nbformat.read(CORRECT / "notebook.ipynb", as_version=4)
    code = "\n\n".join(line for cell in notebook.cells if cell.cell_type == "code"
                       for line in [cell.source])
    plain = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    py = tmp_path / "logistic_regression.py"
    py.write_text(plain)
    as_notebook = grade_file(CORRECT / "notebook.ipynb", assignment=NAME, hidden=True)
    as_py = grade_file(py, assignment=NAME, hidden=True)
    assert [(r.name, r.hidden, r.score) for r in as_notebook.results] == \
           [(r.name, r.hidden, r.score) for r in as_py.results]
    assert as_notebook.passed and any("dropped IPython line" in n for n in as_notebook.notes)


def test_check_through_the_cli(grade_cli, tmp_path):
    code, output, data = grade_cli("check", write_bug(tmp_path, NAME, "sigmoid__naive_exp_ratio"), "-a", NAME)
    assert code == 1
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    failing = [t for t in data["tests"] if t["status"] == "failed"]
    assert [t["tags"] for t in failing] == [["sigmoid"], ["sigmoid"]]
    assert "overflow" in data["output"]
