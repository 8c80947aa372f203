"""What students read: each statement's table from contract clause to check."""

import ast
import fnmatch
import re
import string

import pytest

from grader.checking.catalog import all_assignments, get_assignment

NUMPY_ASSIGNMENTS = [a.name for a in all_assignments() if a.name != "keras_mnist"]
TABLE = "## The contract, clause by clause"


def clause_rows(name):
    """(clause, checks) cells of the table in ``assignments/NAME/README.md``."""
    text = (get_assignment(name).folder / "README.md").read_text()
    assert TABLE in text, f"{name}'s README has no clause table"
    section = text.split(TABLE, 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split(" | ") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| ---")]
    return [(clause.strip(), checks.strip()) for clause, checks in rows[1:]]  # the first row is the header


def named_checks(cell):
    """The check names (or patterns such as ``relu_*``) in a checks cell, notes in brackets aside."""
    return re.findall(r"`([a-z0-9_*]+)`", re.sub(r"\([^)]*\)", "", cell))


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_the_clause_table_names_only_checks_and_every_check(name):
    checks = {c.name for c in get_assignment(name).checks}
    patterns = [p for _, cell in clause_rows(name) for p in named_checks(cell)]
    assert patterns
    unknown = [p for p in patterns if not fnmatch.filter(checks, p)]
    assert not unknown, f"not checks of {name}: {unknown}"
    unlisted = sorted(c for c in checks if not any(fnmatch.fnmatch(c, p) for p in patterns))
    assert not unlisted, f"checks no clause names: {unlisted}"


# What each stub states of the thresholds its checks apply, as the spec sets them: a template
# per docstring (None: the module's), formatted from the spec's values, budgets and tolerances.
STATED = {
    "gradient_descent": [
        (None, "to a relative error of {numerical_gradient_rel_error:g}"),
        (None, "at a relative tolerance of {rtol:g} in float64"),
        (None, "each check has a time budget of {budget:g} s"),
    ],
    "linear_regression": [
        (None, "within about {float32_rtol:g} relative"),
        (None, "at rtol {rtol:g} (float64)"),
        (None, "may be up to {normal_equation_work:g} m (n+1) u cond(X_b^T X_b)"),
        (None, "Each check has a time budget of {budget:g} s (fit's: {budgets[fit_full_batch]:g} s)"),
    ],
    "logistic_regression": [
        (None, "at a relative tolerance of {rtol:g} in float64"),
        (None, "each check has a time budget of {budget:g} s (fit's: {budgets[fit_full_batch]:g} s)"),
        ("fit", "fit(X_b, y, learning_rate={training_learning_rate:g}, n_epochs={training_epochs}, "
                "batch_size={training_batch_size}, rng) on {training_m} rows of two overlapping classes must end "
                "with a training loss at most {training_loss_margin:.0%} above the reference's, and a theta that "
                "classifies at least {training_accuracy:.0%} of {training_test_m} held-out rows right"),
    ],
    "softmax_regression": [
        (None, "at a relative tolerance of {rtol:g} in float64"),
        (None, "each check has a time budget of {budget:g} s (fit's: {budgets[fit_full_batch]:g} s)"),
        ("fit", "fit(X_b, y, {training_classes}, learning_rate={training_learning_rate:g}, "
                "n_epochs={training_epochs}, batch_size={training_batch_size}, rng) on {training_m} rows of "
                "{training_classes} overlapping classes must end with a training loss at most "
                "{training_loss_margin:.0%} above the reference's, and a Theta that classifies at least "
                "{training_accuracy:.0%} of {training_test_m} held-out rows right"),
    ],
    "neural_network": [
        (None, "at a relative tolerance of about {rtol:g} in float64"),
        ("build_model", "The run: {train_points} training points (3 classes), fit(model, X, y, "
                        "Adam({training[learning_rate]:g}), n_epochs, batch_size={training[batch_size]}) called to "
                        "reach epochs {snapshots} in turn, the best test accuracy of the three models on "
                        "{test_points} held-out points: full points from {accuracy:.0%}, half from "
                        "{accuracy_partial:.0%}, all within {budgets[training_own]:g} s"),
    ],
    "keras_mnist": [
        (None, "with at most {param_budget:,} parameters"),
        (None, "EPOCHS above {epochs_cap} are cut to {epochs_cap}"),
        (None, "the full MNIST ({tiers[full][min_train]:,} images): {tiers[full][full]:.0%} "
               "({tiers[full][partial]:.0%}), {tiers[full][time_budget_s]:g} s"),
        (None, "{tiers[split][min_train]:,} training images: {tiers[split][full]:.0%} "
               "({tiers[split][partial]:.0%}), {tiers[split][time_budget_s]:g} s"),
        (None, "fewer (the tests' 2,000 images): {tiers[small][full]:.0%} ({tiers[small][partial]:.0%}), "
               "{tiers[small][time_budget_s]:g} s"),
    ],
}


def _docstrings(path):
    tree = ast.parse(path.read_text())
    found = {None: ast.get_docstring(tree)}
    found.update({node.name: ast.get_docstring(node) for node in tree.body
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef))})
    return found


def _fields(spec):
    values = spec.values
    fields = {**values, "budget": spec.budget, "rtol": spec.tolerance.rtol, "float32_rtol": spec.tolerance.float32_rtol,
              "budgets": {name: entry.get("budget", spec.budget) for name, entry in spec.checks.items()}}
    if "snapshots" in values.get("training", {}):
        *first, last = values["training"]["snapshots"]
        fields.update(snapshots=f"{', '.join(map(str, first))} and {last}",
                      train_points=3 * values["train_per_class"], test_points=3 * values["test_per_class"])
    return fields


def test_keras_partial_credit_is_half_as_its_stub_says():
    assert get_assignment("keras_mnist").spec["partial_credit"] == 0.5


class _Stated(string.Formatter):
    """``{x:g}`` as people write small numbers: 1e-6 and 2e-4, not 1e-06 and 0.0002."""

    def format_field(self, value, spec):
        if spec != "g":
            return super().format_field(value, spec)
        text = f"{value:g}" if not value or abs(value) >= 1e-3 else f"{value:.0e}"
        return re.sub(r"e([+-])0(\d)", r"e\1\2", text)


@pytest.mark.parametrize("name", sorted(STATED))
def test_the_stub_states_the_thresholds_its_checks_apply_as_the_spec_sets_them(name):
    assignment = get_assignment(name)
    docstrings, fields = _docstrings(assignment.stub_path), _fields(assignment.spec)
    for where, template in STATED[name]:
        stated = " ".join(_Stated().format(template, **fields).split())
        assert stated in " ".join((docstrings[where] or "").split()), f"{name}, {where or 'module'}: {stated!r}"
