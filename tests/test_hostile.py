"""Hostile and broken submissions: each graded with a clear message, nothing left behind."""

import os
import time
from dataclasses import replace

import pytest

from grader.checking import catalog
from grader.checking.grading import grade_source
from grader.checking.submission import load_source

from conftest import SUBMISSIONS

HOSTILE = SUBMISSIONS / "hostile"


@pytest.fixture(scope="module")
def quick_assignment():
    """linear_regression with short budgets, so that endless loops cost seconds."""
    assignment = catalog.Assignment("linear_regression")
    spec = assignment.spec
    assignment.__dict__["spec"] = replace(spec, budget=2.0, checks={
        name: {**entry, "budget": 2.0} for name, entry in spec.checks.items()},
        limits=replace(spec.limits, import_seconds=2.0))
    return assignment


def grade(name, assignment):
    reference = assignment.reference()
    started = time.monotonic()
    report = grade_source(load_source(HOSTILE / name), assignment, hidden=True, reference=reference)
    return report, time.monotonic() - started


def by_tag(report, tag):
    return [r for r in report.results if tag in r.tags]


@pytest.fixture(autouse=True)
def recognisable_marks(monkeypatch):
    """Sandboxes of these tests carry a known mark, so other graders running beside them don't count."""
    import itertools
    from grader.sandbox import parent as sandbox
    counter = itertools.count()
    monkeypatch.setattr(sandbox.secrets, "token_hex", lambda n: f"hostile{next(counter)}")


def marked_processes():
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if b"GRADE_SANDBOX=hostile" in handle.read():
                    found.append(entry)
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if b"4321" in handle.read():
                    found.append(entry)
        except OSError:
            continue
    return found


def test_loop_at_import_fails_every_check_within_the_import_budget(quick_assignment):
    report, seconds = grade("loop_at_import.py", quick_assignment)
    assert report.score == 0
    assert all("did not finish within 2 s" in r.message for r in report.results)
    assert seconds < 6


def test_loop_in_one_function_costs_only_its_checks(quick_assignment):
    report, seconds = grade("loop_in_predict.py", quick_assignment)
    for result in report.results:
        if "predict" in result.tags or result.name == "inputs_unchanged":
            assert not result.passed and "predict" in result.message
        else:
            assert result.passed, result
    assert seconds < 12  # one budget for the loop, later calls to predict fail at once


@pytest.mark.parametrize("name, words", [
    ("sys_exit_at_import.py", "SystemExit"),
    ("exception_at_import.py", "RuntimeError: boom at import"),
])
def test_failure_at_import_says_what_and_where(name, words, quick_assignment):
    report, _ = grade(name, quick_assignment)
    assert report.score == 0
    assert all(words in r.message and name in r.message for r in report.results)


def test_exception_at_import_names_the_line(quick_assignment):
    report, _ = grade("exception_at_import.py", quick_assignment)
    assert "exception_at_import.py, line 4" in report.results[0].message


@pytest.mark.parametrize("name, function", [
    ("os_exit_in_add_bias.py", "add_bias"),
    ("sys_exit_in_normal_equation.py", "normal_equation"),
    ("allocates_4gb.py", "predict"),
])
def test_a_crash_in_one_function_costs_only_its_checks(name, function, quick_assignment):
    report, _ = grade(name, quick_assignment)
    lost = [r for r in report.results if not r.passed]
    assert lost and all(function in r.tags for r in lost)
    assert all(function in r.message for r in lost), [r.message for r in lost]
    assert any(r.passed for r in report.results)


def test_memory_hog_reports_memory_error(quick_assignment):
    report, _ = grade("allocates_4gb.py", quick_assignment)
    assert any("MemoryError" in r.message for r in by_tag(report, "predict"))


def test_flood_of_output_is_capped_and_does_not_fail(quick_assignment):
    report, _ = grade("prints_200mb.py", quick_assignment)
    assert report.passed
    assert len(report.output) + len(report.withheld_output) < 25_000
    # how much was dropped could tell a drawn input: the count is the instructor's only
    assert "more characters of output not kept" in report.withheld_output
    assert "not kept" not in report.output


def test_monkeypatched_numpy_cannot_pass_the_parents_comparisons(quick_assignment):
    report, _ = grade("monkeypatches_numpy.py", quick_assignment)
    assert report.score < 0.2 * report.max_score


def test_background_processes_are_gone_afterwards(quick_assignment):
    report, _ = grade("background_process.py", quick_assignment)
    assert report.passed
    time.sleep(0.2)
    assert marked_processes() == []


def test_renamed_functions_fail_only_their_checks(quick_assignment):
    report, _ = grade("renamed_functions.py", quick_assignment)
    for result in report.results:
        if {"mse_loss", "mse_gradient"} & set(result.tags) and result.name != "inputs_unchanged":
            assert not result.passed and "missing" in result.message
    assert by_tag(report, "predict")[0].passed


@pytest.mark.parametrize("name, words", [
    ("syntax_error.py", "syntax_error.py, line 5: syntax error"),
    ("empty.py", "empty.py: the submission is empty"),
    ("not_utf8.py", "not_utf8.py, line 2: the file is not UTF-8"),
    ("not_json.ipynb", "not_json.ipynb: not a valid notebook"),
])
def test_unreadable_submission_scores_zero_with_a_message(name, words, quick_assignment):
    report, _ = grade(name, quick_assignment)
    assert report.score == 0
    assert all(r.message.startswith(words) for r in report.results), report.results[0].message


def test_no_process_left_after_all_of_the_above():
    assert marked_processes() == []
