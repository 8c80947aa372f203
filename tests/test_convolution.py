"""Assignment 06 (convolution): its buggy variants, as data, `grade lint`, and what the checks say.

test_submissions.py grades the reference (full marks), the stub (zero) and the
correct variants of every assignment. Here: each bug of
tests/submissions/convolution/bugs.toml loses exactly the checks it names,
every check is lost by some bug, and `grade lint` finds nothing amiss; then the
statistical bound, the data, the training run's inputs, and the messages.
"""

from pathlib import Path

import numpy as np
import pytest

from assignments.convolution import cases, checks, make_data, probes
from grader.checking.mnist import read_idx_folder
from bugs import apply_bug, check_names, grade_bug, load_bugs, reference_text
from grader.checking import layer_checks, stats
from grader.checking.catalog import get_assignment
from grader.checking.checks import Context
from grader.checking.grading import run_check
from grader.sandbox.parent import Module, Sandbox
from grader.checking.seeds import DEFAULT_STUDENT, course_secret
from grader.checking.submission import load_source
from grader.verbs.lint import lint
from hidden_checks import SHOWS_EXPECTED_NUMBER, numbers_given_away, run_hidden_check

from conftest import HERE

NAME = "convolution"
BUGS = load_bugs(NAME)
ASSIGNMENT = get_assignment(NAME)
SPEC = ASSIGNMENT.spec


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug["name"])
def test_a_bug_loses_exactly_the_checks_it_names(bug, tmp_path):
    assert grade_bug(NAME, bug, tmp_path) == set(bug["loses"]), bug["why"]


def test_every_check_is_lost_by_some_bug():
    assert check_names(NAME) <= {name for bug in BUGS for name in bug["loses"]}


def test_lint_finds_nothing_amiss():
    report = lint(name=NAME)
    assert report.passed, report.render()


def test_a_find_text_must_occur_exactly_once():
    text = reference_text(NAME)
    with pytest.raises(ValueError, match="occurs 3 times"):
        apply_bug(text, {"name": "everywhere", "find": "self.X_shape = X.shape", "replace": ""})
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply_bug(text, {"name": "nowhere", "find": "no such text", "replace": ""})


def _bug(name):
    return next(bug for bug in BUGS if bug["name"] == name)


def _run(path, names, hidden=False, student_class=Module):
    """Run the named checks (public, or hidden) on ``path``; ``student_class`` wraps the sandbox's module."""
    results = []
    with Sandbox(load_source(path), SPEC.limits) as sandbox:
        for check in ASSIGNMENT.checks:
            if check.name not in names or check.hidden != hidden:
                continue
            parts = (course_secret(), NAME, DEFAULT_STUDENT) if hidden else ("public", NAME)
            context = Context(check, student=student_class(sandbox), spec=SPEC, mode="hidden" if hidden else "public",
                              fixtures=ASSIGNMENT.fixtures(), reference=ASSIGNMENT.reference(), seed_parts=parts)
            results.append(run_check(check, context, sandbox))
    return results


# ----------------------------------------------------------------- statistics

def test_the_he_check_uses_the_spec_bound_and_stays_under_one_in_a_million(monkeypatch):
    used = []
    for name in ("binomial_interval", "chi2_interval", "normal_mean_halfwidth"):
        original = getattr(stats, name)

        def recording(*args, _original=original, _name=name):
            used.append((_name, args[-1]))
            return _original(*args)
        monkeypatch.setattr(stats, name, recording)
    results = _run(Path(ASSIGNMENT.reference().__file__), ["conv_he_init"]) + \
        _run(Path(ASSIGNMENT.reference().__file__), ["conv_he_init"], hidden=True)
    assert len(results) == 2 and all(r.passed for r in results)
    assert {alpha for _, alpha in used} == {SPEC["stat_alpha"]}
    assert len(used) * SPEC["stat_alpha"] < 1e-6  # the union bound over a `grade submit`


# ------------------------------------------------------------------ the data

def test_the_vendored_digits_are_drawn_from_the_test_subset_as_its_readme_says():
    drawn = make_data.draw(read_idx_folder(HERE / "data" / "mnist_small"))
    data = checks.digits()
    assert np.array_equal(drawn["x_train"] / 255.0, data["X"][..., 0])
    assert np.array_equal(drawn["y_test"], data["y_test"])
    assert data["X"].shape == (1000, 14, 14, 1) and data["X_test"].shape == (500, 14, 14, 1)
    assert list(np.bincount(data["y"])) == [make_data.PER_DIGIT] * 10
    assert "Attribution-Share Alike 3.0" in (checks.DATA / "README.md").read_text()


class _Recording(Module):
    """The student's module, recording what each call to the submission's process carries."""

    calls = []

    def helper(self, function, *args, **kwargs):
        _Recording.calls.append((function.split(":")[1], args))
        return super().helper(function, *args, **kwargs)


def test_training_never_sends_the_test_digits_to_the_submission():
    _Recording.calls.clear()
    results = _run(Path(ASSIGNMENT.reference().__file__), ["training"], student_class=_Recording)
    assert results[0].passed, results[0].message
    data = checks.digits()
    sent = [(name, [a for a in args if isinstance(a, np.ndarray)]) for name, args in _Recording.calls]
    assert [name for name, _ in sent] == ["train_network"]
    assert not any(a.shape in (data["X_test"].shape, data["y_test"].shape) for _, arrays in sent for a in arrays)


def test_the_training_network_uses_every_student_layer_and_the_grader_s_own_dense_layer():
    layers = [spec["layer"] for spec in checks.network(0)]
    assert {"Conv2D", "MaxPool2D", "Flatten"} <= set(layers)
    assert layers[-1] == "Affine" and "ReLU" in layers
    assert not hasattr(ASSIGNMENT.reference(), "Affine")  # the grader's, not the student's
    conv = [spec for spec in checks.network(0) if spec["layer"] == "Conv2D"]
    assert any(spec["kwargs"].get("stride", 1) > 1 for spec in conv)
    assert all(spec["kwargs"].get("padding", 0) > 0 for spec in conv)


# --------------------------------------------------------------- the inputs

def test_max_pool_inputs_never_come_near_a_tie():
    for key, (shape, _) in cases.POOL.items():
        X = cases.layer_case(np.random.default_rng(7), "MaxPool2D", key)["X"]
        gaps = np.diff(np.sort(X.ravel()))
        assert gaps.min() >= cases.GAP * 6 / X.size * 0.999
        # a step moves two entries' difference by at most 2 eps: it never changes which one is the maximum
        assert gaps.min() > 10 * 2 * SPEC["directional_eps"]


def test_each_conv_case_keeps_its_structure_when_drawn_again():
    for key, (shape, args, kwargs) in cases.CONV.items():
        public = cases.layer_case(np.random.default_rng(0), "Conv2D", key, warmup=True)
        hidden = cases.layer_case(np.random.default_rng(1), "Conv2D", key, warmup=True)
        assert public["X"].shape == hidden["X"].shape == shape
        assert public["layer"]["args"] == hidden["layer"]["args"] and public["layer"]["kwargs"] == kwargs
        assert not np.array_equal(public["X"], hidden["X"])
    assert any(shape[0] == 1 for shape, _, _ in cases.CONV.values())
    assert {shape[3] for shape, _, _ in cases.CONV.values()} >= {1, 2, 3}
    assert all(shape[1] != shape[2] for shape, _, _ in cases.CONV.values())


def test_hidden_output_shape_cases_keep_a_remainder_and_distinct_sides():
    for seed in range(50):
        calls = cases.output_shape_cases(np.random.default_rng(seed), vary=True)
        H, W, k, stride, padding = calls[1]
        assert H != W and (H + 2 * padding - k) % stride != 0
        assert [len(c) for c in calls] == [3, 5, 4, 5, 5]


# ----------------------------------------------------------------- messages

def test_the_stub_names_the_function_that_is_not_written():
    results = {r.name: r.message for r in _run(ASSIGNMENT.stub_path, ["conv_forward", "maxpool_forward",
                                                                       "flatten_backward"])}
    assert results["conv_forward"].startswith("Conv2D.__init__ is not implemented yet")
    assert results["maxpool_forward"].startswith("MaxPool2D.__init__ is not implemented yet")
    assert results["flatten_backward"].startswith("Flatten.forward is not implemented yet")


def test_the_reference_check_names_the_wrong_entry(tmp_path):
    path = tmp_path / f"{NAME}.py"
    path.write_text(apply_bug(reference_text(NAME), {"name": "one entry", "find": 'self.grads["W"] = dW',
                                                     "replace": 'self.grads["W"] = dW\n        dW[1, 2, 0, 1] += 0.5'}))
    result, = _run(path, ["conv_backward_reference"])
    assert not result.passed and "largest difference at dW[1, 2, 0, 1]" in result.message, result.message


def test_a_tie_message_says_where_the_gradient_went(tmp_path):
    path = tmp_path / f"{NAME}.py"
    path.write_text(apply_bug(reference_text(NAME), _bug("MaxPool2D__ties_last_maximum")))
    result, = _run(path, ["maxpool_ties"])
    assert "first maximum" in result.message and "worst element at index" in result.message


@pytest.mark.parametrize("bug, check", [("Conv2D__kernel_flipped_in_forward", "conv_forward"),
                                        ("Conv2D__dW_mean_over_images", "conv_backward_reference"),
                                        ("MaxPool2D__ties_last_maximum", "maxpool_ties"),
                                        ("conv_output_shape__padding_once", "conv_output_shape"),
                                        ("Flatten__mixes_images", "training")])
def test_hidden_failures_show_no_expected_value(bug, check, tmp_path):
    path = tmp_path / f"{NAME}.py"
    path.write_text(apply_bug(reference_text(NAME), _bug(bug)))
    result, expected = run_hidden_check(NAME, path, check)
    assert not result.passed
    assert not SHOWS_EXPECTED_NUMBER.search(result.message), result.message
    assert not numbers_given_away(result.message, list(_numbers(expected))), result.message


def _numbers(value):
    """The numeric arrays inside the scenarios' answers (dicts of arrays, lists, numbers)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, (int, float, np.ndarray)) and not isinstance(value, bool):
        yield value


def test_a_float32_forward_is_compared_with_the_reference_not_differentiated(monkeypatch):
    differentiated, real = [], layer_checks.derivatives

    def recording(*args, **kwargs):
        differentiated.append(args)
        return real(*args, **kwargs)
    monkeypatch.setattr(layer_checks, "derivatives", recording)
    results = _run(HERE / "submissions" / NAME / "correct" / "float32.py", ["conv_backward"])
    assert results[0].passed, results[0].message
    assert not differentiated
    results = _run(Path(ASSIGNMENT.reference().__file__), ["conv_backward"])
    assert results[0].passed, results[0].message
    assert len(differentiated) == len(cases.CONV)  # a float64 forward is


# ------------------------------------------------------------- every student

STUDENTS = ["ada", "grace", "edsger", "barbara", "donald"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", [*(bug["name"] for bug in BUGS),
                                     *(p.name for p in (HERE / "submissions" / NAME / "correct").iterdir()
                                       if p.stem != "loops")])
def test_the_same_code_earns_the_same_points_for_every_student(variant, tmp_path):
    from grader.checking.grading import grade_file
    if variant.endswith((".py", ".ipynb")):
        path = HERE / "submissions" / NAME / "correct" / variant
    else:
        path = tmp_path / f"{NAME}.py"
        path.write_text(apply_bug(reference_text(NAME), _bug(variant)))
    totals = {student: grade_file(path, assignment=NAME, student=student, hidden=True).score for student in STUDENTS}
    assert len(set(totals.values())) == 1, totals


@pytest.mark.slow
def test_a_conv2d_looping_over_every_output_number_still_finishes_within_its_budget():
    from grader.checking.grading import grade_file
    report = grade_file(HERE / "submissions" / NAME / "slow" / "naive_loops.py", assignment=NAME, hidden=True)
    assert report.score == report.max_score, [r.message for r in report.results if not r.passed]
