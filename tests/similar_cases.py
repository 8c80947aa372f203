"""The test submissions that `grade similar` is tested and calibrated on (tests and benchmarks/similar.py)."""

from pathlib import Path

from grader.checking.submission import load_source

from conftest import SUBMISSIONS, variants

ROOT = SUBMISSIONS.parents[1]
ASSIGNMENTS = ("gradient_descent", "linear_regression", "logistic_regression", "softmax_regression",
               "neural_network")
# The correct submission each test copies, in disguise.
ORIGINAL = {
    "gradient_descent": SUBMISSIONS / "gradient_descent" / "correct" / "vectorised.py",
    "linear_regression": SUBMISSIONS / "linear_regression" / "correct" / "float32.py",
    "logistic_regression": SUBMISSIONS / "logistic_regression" / "correct" / "float32.py",
    "softmax_regression": SUBMISSIONS / "softmax_regression" / "correct" / "scipy_style.py",
    "neural_network": SUBMISSIONS / "neural_network" / "correct" / "float32.py",
}
# Correct variants made by editing the reference: whole functions of it, unchanged. They are not
# independently written (and `grade similar` pairs them with the reference: see tests/test_similar.py).
EDITED_REFERENCE = {
    "linear_regression": {"notebook_with_magics"},
    "neural_network": {"alt_styles", "scipy_naive", "notebook_with_magics"},
}


def reference(name):
    return ROOT / "reference" / f"{name}.py"


def independent(name):
    """The independently written correct submissions of ``name``: its correct variants and the reference."""
    return [p for p in variants(name, "correct") if p.stem not in EDITED_REFERENCE.get(name, ())] + [reference(name)]


def write(folder, student, text, name, notebook=False):
    """``folder/<student>/<name>.py`` (or ``.ipynb``) holding ``text``; returns its path."""
    path = Path(folder) / student / f"{name}{'.ipynb' if notebook else '.py'}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def code(path):
    """The code of a submission file as the grader reads it (a notebook's code cells joined)."""
    return load_source(path).text
